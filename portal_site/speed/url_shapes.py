"""The templates' `url_for`, from URL shapes: a page builds dozens of URLs of a few shapes.

Replaces: Flask's `url_for` in templates (Werkzeug's URL builder, about 10 µs a call; a list
page makes forty calls that differ only in a record id). Each shape (endpoint, mount point,
organization, the other values) is built once per process by Werkzeug itself with stand-in ids,
then a record id is put in each stand-in's place. Whatever a shape cannot prove it builds the
same way (external URLs, anchors, endpoints relative to a blueprint, values that cannot key a
cache, a stand-in that lands twice) goes to Flask's `url_for` unchanged. Python code keeps
Flask's `url_for`.
"""

from functools import lru_cache

from flask import Flask, g, request
from flask import url_for as flask_url_for
from jinja2 import pass_context

# Ids are put in place of these numbers, which are valid record ids (see RecordIdConverter)
# long enough never to occur by chance in a slug or a path.
_STAND_INS = (2147480011, 2147480023, 2147480039)
# Shapes are few (endpoints x filters x organizations x mount points); query values a visitor
# types make more, which the cache's bound evicts.
_SHAPES_PER_PROCESS = 4096
_ID = object()  # stands for "a record id goes here" in a shape's key


def _is_record_id(name: str, value) -> bool:
    return name.endswith("_id") and type(value) is int and value > 0


def url_scope() -> tuple:
    """What a URL's shape depends on besides its arguments: mount point and organization."""
    return request.script_root, getattr(g.get("org"), "slug", None)


def _shape(endpoint: str, script_root: str, org_slug, args: tuple):
    """(text between the ids, id names in order), or None when the URL cannot be split.

    Built in the current request, whose mount point and organization are `script_root` and
    `org_slug` (they are in the arguments so that the cache keys on them).
    """
    stand_ins, values = {}, {}
    for name, value in args:
        if value is _ID:
            value = stand_ins[name] = _STAND_INS[len(stand_ins)]
        values[name] = value
    url = flask_url_for(endpoint, **values)
    if not stand_ins:
        return (url,), ()
    # Where each stand-in landed, in the order they appear in the URL.
    positions = []
    for name, number in stand_ins.items():
        text = str(number)
        if url.count(text) != 1:
            return None
        positions.append((url.index(text), name, text))
    positions.sort()
    parts, order, cursor = [], [], 0
    for start, name, text in positions:
        parts.append(url[cursor:start])
        order.append(name)
        cursor = start + len(text)
    parts.append(url[cursor:])
    return tuple(parts), tuple(order)


def url_from_shape(shapes, endpoint: str, scope: tuple | None = None, /, **values) -> str:
    """`url_for(endpoint, **values)`, from a cached shape when it can be (`shapes`: the app's
    cache; `scope`: this request's `url_scope()`, when the caller has it already)."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return flask_url_for(endpoint, **values)  # relative to the blueprint, or external
    ids = [name for name, value in values.items() if _is_record_id(name, value)]
    if len(ids) > len(_STAND_INS):
        return flask_url_for(endpoint, **values)
    args = tuple((name, _ID if name in ids else value) for name, value in values.items())
    try:
        shape = shapes(endpoint, *(scope or url_scope()), args)
    except TypeError:  # a value that cannot key the cache (a list of filters, say)
        return flask_url_for(endpoint, **values)
    if shape is None:
        return flask_url_for(endpoint, **values)
    parts, order = shape
    if not order:
        return parts[0]
    pieces = [parts[0]]
    for index, name in enumerate(order):
        pieces.append(str(values[name]))
        pieces.append(parts[index + 1])
    return "".join(pieces)


def init_app(app: Flask) -> None:
    """Templates build URLs from this app's shapes."""
    shapes = lru_cache(maxsize=_SHAPES_PER_PROCESS)(_shape)

    @pass_context
    def template_url_for(context, endpoint: str, **values) -> str:
        # The request's scope, resolved once per render (see portal_site.speed.render_context).
        return url_from_shape(shapes, endpoint, context.get("url_scope"), **values)

    app.jinja_env.globals["url_for"] = template_url_for
