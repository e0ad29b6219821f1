"""The templates' `url_for`, memoized: a page builds dozens of URLs of a few shapes.

Werkzeug's URL builder costs about 10 µs a call, and a list page makes forty calls that differ
only in a record id. Each shape (endpoint, organization slug, script root, the other values) is
built once per process with werkzeug itself; a record id is then put in its place. Whatever the
memo cannot prove it builds the same way (external URLs, anchors, endpoints relative to a
blueprint) goes to Flask's `url_for` unchanged.
"""

from flask import Flask, g, request
from flask import url_for as flask_url_for
from jinja2 import pass_context

# Ids are put in place of these numbers, which are valid record ids (see RecordIdConverter)
# long enough never to occur by chance in a slug or a path.
_PLACEHOLDERS = (2147480011, 2147480023, 2147480039)
# Shapes are few (endpoints x filters x organizations); past this many the memo starts over.
_MEMO_SIZE = 4096
_ID = object()  # stands for "a record id goes here" in a memo key


def _is_record_id(name: str, value) -> bool:
    return name.endswith("_id") and type(value) is int and value > 0


def url_scope() -> tuple:
    """What a URL's shape depends on besides its arguments: mount point and organization."""
    return request.script_root, getattr(g.get("org"), "slug", None)


def memo_url_for(app: Flask, endpoint: str, scope: tuple | None = None, /, **values) -> str:
    """`url_for(endpoint, **values)`, from a memoized shape when it can be (`scope`: this
    request's `url_scope()`, when the caller has it already)."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return flask_url_for(endpoint, **values)  # relative to the blueprint, or external
    ids = [name for name, value in values.items() if _is_record_id(name, value)]
    if len(ids) > len(_PLACEHOLDERS):
        return flask_url_for(endpoint, **values)
    args = tuple((name, _ID if name in ids else value) for name, value in values.items())
    key = (endpoint, *(scope or url_scope()), args)
    try:
        memo: dict = app.extensions["doorstep_url_memo"]
        shape = memo.get(key)
    except TypeError:  # a value that cannot key a dict (a list of filters, say)
        return flask_url_for(endpoint, **values)
    if shape is None:
        shape = _build_shape(endpoint, values, ids)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = shape
    if shape is False:
        return flask_url_for(endpoint, **values)
    parts, order = shape
    if not order:
        return parts[0]
    pieces = [parts[0]]
    for index, name in enumerate(order):
        pieces.append(str(values[name]))
        pieces.append(parts[index + 1])
    return "".join(pieces)


def _build_shape(endpoint: str, values: dict, ids: list):
    """(text between the ids, id names in order), or False when the URL cannot be split."""
    stand_ins = {name: _PLACEHOLDERS[index] for index, name in enumerate(ids)}
    url = flask_url_for(endpoint, **{name: stand_ins.get(name, value)
                                     for name, value in values.items()})
    if not ids:
        return [url], ()
    # Where each stand-in landed, in the order they appear in the URL.
    positions = []
    for name, number in stand_ins.items():
        text = str(number)
        if url.count(text) != 1:
            return False
        positions.append((url.index(text), name, text))
    positions.sort()
    parts, order, cursor = [], [], 0
    for start, name, text in positions:
        parts.append(url[cursor:start])
        order.append(name)
        cursor = start + len(text)
    parts.append(url[cursor:])
    return parts, tuple(order)


def init_app(app: Flask) -> None:
    """Templates build URLs through the memo (Python code keeps Flask's `url_for`)."""
    app.extensions["doorstep_url_memo"] = {}

    @pass_context
    def template_url_for(context, endpoint: str, **values) -> str:
        # The request's scope, resolved once per render (see portal_site.site.templating).
        return memo_url_for(app, endpoint, context.get("url_scope"), **values)

    app.jinja_env.globals["url_for"] = template_url_for
