"""The API's views: parse (the schemas), call one core service or query, answer JSON."""

import hashlib

from flask import current_app, g, json, request

from core.events import event_json
from core.queries import events as event_queries
from core.queries import sync as sync_queries
from core.services import api_keys, sync
from portal_site.api import bp
from portal_site.api.auth import authenticate, organization_id
from portal_site.api.problems import problem, register
from portal_site.api.schemas import (
    KINDS,
    EventPage,
    EventsQuery,
    ListQuery,
    batch_result_schema,
    batch_schema,
    page_schema,
)

register(bp)
bp.before_request(authenticate)

ERRORS = {401: "No, unknown or revoked API key", 403: "The key may only read",
          404: "No such record (or another organization's)", 409: "Not possible in the "
          "record's current state", 422: "Invalid input: each field named", 429:
          "Too many requests with this key (see Retry-After)"}


def _json(body, status: int = 200):
    return current_app.response_class(json.dumps(body), status=status,
                                      mimetype="application/json")


def _register(kind: str) -> None:
    schema_in, schema_out, name = KINDS[kind]
    label = kind.replace("_", " ")

    def list_view(query):
        records, cursor = sync_queries.list_records(
            kind, organization_id(), cursor=query.get("cursor"),
            updated_since=query.get("updated_since"), limit=query["limit"])
        return {"data": records, "next_cursor": cursor}

    list_view.__doc__ = (f"List {label}\n\nOldest change first; pass `next_cursor` as `cursor` "
                         "for the next page, `updated_since` for what changed since a time.")

    def get_view(external_id):
        return sync_queries.get_record(kind, organization_id(), external_id)

    get_view.__doc__ = f"Read one of the {label} by its external_id"

    def put_view(data, external_id):
        if data.get("external_id", external_id) != external_id:
            return problem(422, "The body's external_id differs from the URL's.",
                           errors=[{"field": "external_id", "message": "Must match the URL."}])
        result = sync.UPSERTS[kind](g.actor, {**data, "external_id": external_id})
        body = sync_queries.represent(kind, result.record)
        return body, 201 if result.created else 200

    put_view.__doc__ = (f"Create or update one of the {label}\n\n201 when created, 200 "
                        "otherwise; the same body again changes nothing.")

    batch_out = batch_result_schema(kind)

    def batch_view(data):
        def run() -> tuple[int, str]:
            results = sync.upsert_batch(g.actor, kind, data["records"])
            written = sync_queries.represent_written(kind, [r.record for r in results])
            return 200, json.dumps(batch_out().dump({"results": [
                {"index": i, "created": r.created, "changed": r.changed, "record": record}
                for i, (r, record) in enumerate(zip(results, written, strict=True))]}))

        idempotency_key = request.headers.get("Idempotency-Key")
        if idempotency_key is None:
            status, text, replayed = (*run(), False)
        else:
            digest = hashlib.sha256(request.path.encode() + b"\n"
                                    + request.get_data()).hexdigest()
            status, text, replayed = api_keys.answer_once(g.api_key.id, idempotency_key,
                                                          digest, run)
        response = current_app.response_class(text, status=status, mimetype="application/json")
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    batch_view.__doc__ = (f"Create or update up to {sync.BATCH_LIMIT} {label} at once\n\n"
                          "All or nothing: when any record is refused, none is written and "
                          "the problem lists each refused record (index and field). An "
                          "Idempotency-Key header makes a retry replay the first answer.")

    bp.route(f"/{kind}", methods=["GET"], endpoint=f"list_{kind}")(
        bp.arguments(ListQuery, location="query")(
            bp.response(200, page_schema(kind))(list_view)))
    bp.route(f"/{kind}/<external_id>", methods=["GET"], endpoint=f"get_{kind}")(
        bp.response(200, schema_out)(get_view))
    bp.route(f"/{kind}/<external_id>", methods=["PUT"], endpoint=f"put_{kind}")(
        bp.arguments(schema_in)(
            bp.alt_response(201, schema=schema_out, success=True,
                            description="Created")(
                bp.response(200, schema_out)(put_view))))
    bp.route(f"/{kind}/batch", methods=["POST"], endpoint=f"batch_{kind}")(
        bp.arguments(batch_schema(kind))(
            bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                                "schema": {"type": "string", "maxLength": 100}}])(
                bp.response(200, batch_out)(batch_view))))


for _kind in KINDS:
    _register(_kind)


@bp.route("/events", methods=["GET"], endpoint="list_events")
@bp.arguments(EventsQuery, location="query")
@bp.response(200, EventPage)
def list_events(query):
    """List what happened in the portal

    Oldest first: payments, quote decisions, comments, contact and address changes, first
    views of invoices, accepted invitations and sign-ups; the same events (same ids) that
    webhooks deliver. Pass `next_cursor` as `after` for the next page; keep `cursor` to poll
    for new events later.
    """
    types = [t.strip() for t in query.get("types", "").split(",") if t.strip()] or None
    events, next_cursor = event_queries.list_events(
        organization_id(), query.get("after"), query["limit"], types)
    return {"data": [event_json(event) for event in events], "next_cursor": next_cursor,
            "cursor": event_queries.latest_cursor(events, query.get("after"))}
