"""The event feed: an organization's events in order, a page at a time, by opaque cursor."""

import base64
import binascii

from core.errors import ValidationError
from core.events import EVENT_TYPES
from core.i18n import N_
from core.models import Event

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_CURSOR_PREFIX = b"ev1:"


def encode_cursor(event_id: int) -> str:
    """The cursor that continues after this event (opaque to clients)."""
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + str(event_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The event id a cursor continues after; a ValidationError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(cursor)
        value = int(raw[len(_CURSOR_PREFIX):].decode("ascii"))
        if value < 0 or value > 2**63 - 1:
            raise ValueError(cursor)
        return value
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise ValidationError(N_("This cursor is not valid."), field="after") from None


def list_events(organization_id: int, after: str | None = None, limit: int = DEFAULT_LIMIT,
                types=None) -> tuple[list[Event], str | None]:
    """Events after the cursor, oldest first, and the cursor of the next page.

    Keyset on the id (index (organization, id)): a page costs the same at any depth, and
    events written meanwhile only ever appear after the ones already read, so paging with
    the returned cursor never skips or repeats one. `next_cursor` is None on the last page
    of what exists now; polling later with the last cursor a client kept finds new events.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(N_("Choose a limit from 1 to %(count)d."), field="limit",
                              count=MAX_LIMIT)
    query = Event.select().where(Event.organization == organization_id)
    if after:
        query = query.where(Event.id > decode_cursor(after))
    if types:
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            raise ValidationError(N_("Unknown event type %(type)s."), field="types",
                                  type=unknown[0][:60])
        query = query.where(Event.type.in_(sorted(set(types))))
    # One more than a page tells whether another page follows, without a COUNT.
    events = list(query.order_by(Event.id).limit(limit + 1))
    if len(events) > limit:
        events = events[:limit]
        return events, encode_cursor(events[-1].id)
    return events, None


def latest_cursor(events: list[Event], after: str | None) -> str | None:
    """The cursor to poll with next: after the last event read, else the one given."""
    return encode_cursor(events[-1].id) if events else after
