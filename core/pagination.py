"""One page of a list, and how to cut one from a query."""

import math
from dataclasses import dataclass, field

MAX_PER_PAGE = 100


@dataclass
class Page:
    """Items of one page plus what a pager needs."""

    items: list
    page: int
    per_page: int
    total: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        """True when a later page exists."""
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        """True when an earlier page exists."""
        return self.page > 1


# A million pages of the largest size: far past any real list, well inside a 64-bit OFFSET.
MAX_PAGE = 1_000_000


def clamp(page, per_page, default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from untrusted input, within bounds."""
    try:
        # Past MAX_PAGE no list has rows; the cap keeps the OFFSET within any database's range.
        page = min(MAX_PAGE, max(1, int(page or 1)))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(per_page or default_per_page)))
    except (TypeError, ValueError):
        per_page = default_per_page
    return page, per_page


def within(page: int, per_page: int, total: int) -> int:
    """A clamped page number moved back to the last page of `total` items (1 when empty)."""
    return min(page, max(1, math.ceil(total / per_page)))


def paginate(query, page=1, per_page=25, *, count_query=None) -> Page:
    """Cut one page from an ordered peewee query (one COUNT and one SELECT)."""
    page, per_page = clamp(page, per_page)
    total = (count_query if count_query is not None else query).count()
    page = within(page, per_page, total)
    return Page(list(query.paginate(page, per_page)), page, per_page, total)
