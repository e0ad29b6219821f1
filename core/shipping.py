"""Shipment rules: which tracking event is current, and the carrier's tracking page.

One place for both: the portal's pages, the API's answers and the services that add tracking
events ask here, so a shipment's status and its links read the same everywhere.
"""

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

# Statuses that mean the parcel has left (shipped_at is the first of them).
UNDER_WAY = ("shipped", "in_transit", "out_for_delivery", "delivered")

# One table: a carrier's tracking page, {number} is the tracking number, URL-encoded.
TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
           "?submit=1&tracking-id={number}",
    "dhl_paket": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
                 "?piececode={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{number}",
    "gls": "https://gls-group.eu/EU/en/parcel-tracking?match={number}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "evri": "https://www.evri.com/track/parcel/{number}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{number}",
    "la_poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "correos": "https://www.correos.es/es/en/tools/tracker/items/details"
               "?tracking-number={number}",
    "tnt": "https://www.tnt.com/express/en_gc/site/shipping-tools/tracking.html"
           "?searchType=con&cons={number}",
    "yamato": "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01={number}",
    "japan_post": "https://trackings.post.japanpost.jp/services/srv/search/direct"
                  "?reqCodeNo1={number}&locale=en",
    "sagawa": "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo={number}",
    "canada_post": "https://www.canadapost-postescanada.ca/track-reperage/en#/search"
                   "?searchFor={number}",
    "australia_post": "https://auspost.com.au/mypost/track/details/{number}",
}

# How businesses write a carrier's name (compared without case, spaces or punctuation).
CARRIER_NAMES = {
    "ups": "ups", "unitedparcelservice": "ups",
    "fedex": "fedex", "federalexpress": "fedex", "fedexground": "fedex",
    "fedexexpress": "fedex",
    "dhl": "dhl", "dhlexpress": "dhl",
    "dhlpaket": "dhl_paket", "deutschepost": "dhl_paket", "deutschepostdhl": "dhl_paket",
    "usps": "usps", "unitedstatespostalservice": "usps", "uspostalservice": "usps",
    "dpd": "dpd",
    "gls": "gls",
    "royalmail": "royal_mail", "parcelforce": "royal_mail",
    "evri": "evri", "hermes": "evri", "hermesuk": "evri",
    "postnl": "postnl",
    "laposte": "la_poste", "colissimo": "la_poste", "chronopost": "la_poste",
    "correos": "correos",
    "tnt": "tnt",
    "yamato": "yamato", "yamatotransport": "yamato", "kuronekoyamato": "yamato",
    "ヤマト運輸": "yamato", "クロネコヤマト": "yamato", "ヤマト": "yamato",
    "japanpost": "japan_post", "日本郵便": "japan_post", "ゆうパック": "japan_post",
    "sagawa": "sagawa", "sagawaexpress": "sagawa", "佐川急便": "sagawa",
    "canadapost": "canada_post", "postescanada": "canada_post",
    "australiapost": "australia_post", "auspost": "australia_post",
}


def carrier_code(carrier: str | None) -> str | None:
    """The TRACKING_URLS key a carrier's name stands for; None for a carrier not known."""
    if not carrier:
        return None
    folded = unicodedata.normalize("NFKC", carrier).casefold()
    return CARRIER_NAMES.get(re.sub(r"[\W_]+", "", folded))


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    """The carrier's tracking page for this number; None when the carrier is unknown or
    there is no number (no link rather than a broken one)."""
    code = carrier_code(carrier)
    number = (tracking_number or "").strip()
    if code is None or not number:
        return None
    return TRACKING_URLS[code].format(number=quote(number, safe=""))


def current_event(events: Iterable):
    """The tracking event that happened last (by occurred_at, then the later one recorded);
    None without events. Its status is the shipment's status."""
    latest = None
    for event in events:
        if latest is None or (event.occurred_at, event.id) > (latest.occurred_at, latest.id):
            latest = event
    return latest


def timeline(events: Iterable) -> list:
    """Tracking events newest first, as the portal shows them (the first is current)."""
    return sorted(events, key=lambda event: (event.occurred_at, event.id), reverse=True)
