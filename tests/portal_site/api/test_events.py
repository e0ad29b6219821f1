"""The event feed: what happened in the portal, oldest first, paged by cursor, per organization."""

from core.services import comments

FEED = "/api/v1/events"


def _comment(scope, invoice, text):
    comments.add_contact_comment(scope, "invoice", invoice.id, text)


def test_a_comment_in_the_portal_appears_in_the_feed(api, make_active_contact, scope_of,
                                                     make_invoice):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    _comment(scope_of(contact), invoice, "When will it ship?")

    page = api.get(FEED + "?types=comment.added")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    body = page.get_json()
    assert [event["type"] for event in body["data"]] == ["comment.added"]
    assert body["data"][0]["id"].startswith("evt_")
    assert body["data"][0]["data"]["comment"]["body"] == "When will it ship?"
    assert body["next_cursor"] is None and body["cursor"]


def test_pages_by_cursor_never_skip_or_repeat_while_events_arrive(api, make_active_contact,
                                                                  scope_of, make_invoice):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    scope = scope_of(contact)
    for n in range(5):
        _comment(scope, invoice, f"comment {n}")

    seen, after = [], None
    while True:
        query = "?types=comment.added&limit=2" + (f"&after={after}" if after else "")
        body = api.get(FEED + query).get_json()
        seen += [event["data"]["comment"]["body"] for event in body["data"]]
        if len(seen) == 2:
            _comment(scope, invoice, "written while paging")
        if body["next_cursor"] is None:
            break
        after = body["next_cursor"]
    assert seen == [f"comment {n}" for n in range(5)] + ["written while paging"]

    # Polling from the last cursor later finds only what is new.
    _comment(scope, invoice, "later")
    later = api.get(FEED + f"?types=comment.added&after={body['cursor']}").get_json()
    assert [event["data"]["comment"]["body"] for event in later["data"]] == ["later"]


def test_another_organizations_key_sees_none_of_the_events(api, other_org_api,
                                                           make_active_contact, scope_of,
                                                           make_invoice):
    contact = make_active_contact()
    _comment(scope_of(contact), make_invoice(contact.customer), "private")
    assert api.get(FEED).get_json()["data"]
    assert other_org_api.get(FEED).get_json()["data"] == []


def test_a_bad_cursor_or_type_is_a_problem_naming_the_field(api):
    bad_cursor = api.get(FEED + "?after=not-a-cursor")
    assert bad_cursor.status_code == 422
    assert bad_cursor.mimetype == "application/problem+json"
    assert "after" in bad_cursor.get_data(as_text=True)
    bad_type = api.get(FEED + "?types=invoice.exploded")
    assert bad_type.status_code == 422 and "types" in bad_type.get_data(as_text=True)


def test_the_feed_needs_a_key(client):
    response = client.get(FEED)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
