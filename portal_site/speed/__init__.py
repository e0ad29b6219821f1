"""The portal's speed pieces, in one place: each gives what Flask, Flask-Babel or WTForms would
give, computed once instead of on every render. README.md says what each replaces and what
`make bench` measured it saving; core's pieces are listed there too.

`SPEED_PIECES_OFF` (a list of names from PIECES) turns pieces off: the benchmark does it to
measure what each saves, the tests to check the pages come out the same without them.
"""

from flask import Flask

from portal_site.speed import filter_form_html, nav_html, render_context, url_shapes

PIECES = ("render_context", "url_shapes", "filter_form_html", "nav_html")


def init_app(app: Flask) -> None:
    """Install every piece not named in `app.config["SPEED_PIECES_OFF"]`."""
    off = set(app.config.get("SPEED_PIECES_OFF") or ())
    if off - set(PIECES):
        raise ValueError(f"SPEED_PIECES_OFF: unknown pieces {sorted(off - set(PIECES))}; "
                         f"choose from {list(PIECES)}")
    if "render_context" not in off:
        render_context.init_app(app)
    if "url_shapes" not in off:
        url_shapes.init_app(app)
    filter_form_html.init_app(app, cached="filter_form_html" not in off)
    nav_html.init_app(app, cached="nav_html" not in off)
