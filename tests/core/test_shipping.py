"""Carrier tracking links from one table, and which tracking event is current."""

import datetime
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from core import shipping


@pytest.mark.parametrize("carrier, host", [
    ("UPS", "www.ups.com"), ("FedEx", "www.fedex.com"), ("Federal Express", "www.fedex.com"),
    ("DHL Express", "www.dhl.com"), ("USPS", "tools.usps.com"), ("DPD", "tracking.dpd.de"),
    ("GLS", "gls-group.eu"), ("Royal Mail", "www.royalmail.com"),
    ("royal-mail", "www.royalmail.com"), ("PostNL", "jouw.postnl.nl"),
    ("La Poste", "www.laposte.fr"), ("Colissimo", "www.laposte.fr"),
    ("Yamato", "toi.kuronekoyamato.co.jp"), ("ヤマト運輸", "toi.kuronekoyamato.co.jp"),
    ("Japan Post", "trackings.post.japanpost.jp"), ("日本郵便", "trackings.post.japanpost.jp"),
])
def test_common_carriers_link_to_their_tracking_page(carrier, host):
    url = shipping.tracking_url(carrier, "1Z999AA10123456784")
    assert url.startswith(f"https://{host}/")
    assert "1Z999AA10123456784" in url


def test_the_number_is_url_encoded_so_it_cannot_change_the_link():
    url = shipping.tracking_url("UPS", " 1Z 99&x=<b>#/.. ")
    assert url == "https://www.ups.com/track?tracknum=1Z%2099%26x%3D%3Cb%3E%23%2F.."
    assert unquote(url.split("=", 1)[1]) == "1Z 99&x=<b>#/.."


@pytest.mark.parametrize("carrier, number", [
    ("Springfield Couriers", "SC-1"), ("", "123"), (None, "123"), ("UPS", ""), ("UPS", "  "),
])
def test_an_unknown_carrier_or_no_number_gives_no_link(carrier, number):
    assert shipping.tracking_url(carrier, number) is None


def test_every_template_is_https_and_takes_the_number_once():
    for code, template in shipping.TRACKING_URLS.items():
        assert template.startswith("https://"), code
        assert template.count("{number}") == 1, code
    assert set(shipping.CARRIER_NAMES.values()) == set(shipping.TRACKING_URLS)


def test_the_current_event_is_the_one_that_happened_last():
    day = datetime.datetime(2025, 11, 23)
    shipped = SimpleNamespace(id=2, occurred_at=day, status="shipped")
    packed = SimpleNamespace(id=3, occurred_at=day + datetime.timedelta(days=9), status="packed")
    first = SimpleNamespace(id=1, occurred_at=day - datetime.timedelta(days=1), status="packed")
    assert shipping.current_event([shipped, packed, first]) is packed
    assert shipping.timeline([first, shipped, packed]) == [packed, shipped, first]
    assert shipping.current_event([]) is None
    # Same time: the one recorded later wins.
    again = SimpleNamespace(id=4, occurred_at=packed.occurred_at, status="in_transit")
    assert shipping.current_event([again, packed]) is again
