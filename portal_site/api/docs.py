"""The OpenAPI document and a reference page made from it, served by the portal itself (no
CDN, no script): `/api/v1/openapi.json` and `/api/v1/docs`."""

import copy

from flask import Blueprint, current_app, json
from markupsafe import escape

from portal_site.api.problems import problem

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
ERRORS = {"401": "The API key is missing, unknown or revoked (WWW-Authenticate: Bearer).",
          "403": "This key may only read.",
          "404": "No such record (another organization's records answer the same).",
          "409": "Not possible in the record's current state.",
          "422": "Invalid input; `errors` names each field (and, in a batch, the index).",
          "429": "Too many requests with this key; wait for Retry-After seconds.",
          "400": "The body is not JSON."}


def openapi_document() -> dict:
    """The app's OpenAPI 3.1 document, with the problem+json answers every operation can give."""
    spec = copy.deepcopy(current_app.extensions["doorstep_api"].spec.to_dict())
    spec["servers"] = [{"url": "/"}]
    for response in spec.get("components", {}).get("responses", {}).values():
        response["content"] = copy.deepcopy(PROBLEM)
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("default", None)
            codes = ["401", "404", "429"]
            if method in {"put", "post"}:
                codes += ["400", "403", "409", "422"]
            if method == "get":
                codes += ["422"]
            for code in codes:
                responses[code] = {"description": ERRORS[code], "content": copy.deepcopy(PROBLEM)}
            if "401" in responses:
                responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
                responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
    return spec


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI document."""
    return current_app.response_class(json.dumps(openapi_document()),
                                      mimetype="application/json")


def _schema_name(schema: dict) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    kind = schema.get("type", "object")
    return escape(" or ".join(kind) if isinstance(kind, list) else kind)


@bp.get("/docs")
def reference():
    """A reference page of every operation and schema, made from the document."""
    spec = openapi_document()
    parts = [f"<h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>",
             f"<p>{escape(spec['info'].get('description', ''))}</p>",
             '<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI '
             f"{escape(spec['openapi'])}). Authenticate with <code>Authorization: Bearer "
             "&lt;key&gt;</code>.</p><h2>Operations</h2>"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if not isinstance(op, dict):
                continue
            parts.append(f"<h3><code>{escape(method.upper())} {escape(path)}</code></h3>")
            parts.append(f"<p>{escape(op.get('summary', ''))}</p>")
            if op.get("description"):
                parts.append(f"<p>{escape(op['description'])}</p>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                parts.append(f"<p>Body: {_schema_name(body['schema'])}</p>")
            for parameter in op.get("parameters", []):
                parts.append(f"<p>Parameter <code>{escape(parameter.get('name', ''))}</code> "
                             f"({escape(parameter.get('in', ''))})</p>")
            parts.append("<ul>")
            for code, response in op.get("responses", {}).items():
                content = response.get("content", {})
                schema = next(iter(content.values()), {}).get("schema") if content else None
                parts.append(f"<li>{escape(code)}: {escape(response.get('description', ''))}"
                             + (f" — {_schema_name(schema)}" if schema else "") + "</li>")
            parts.append("</ul>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        parts.append(f'<h3 id="schema-{escape(name)}">{escape(name)}</h3><table>'
                     "<tr><th>field</th><th>type</th><th>required</th><th>notes</th></tr>")
        required = set(schema.get("required", []))
        for field, prop in schema.get("properties", {}).items():
            notes = prop.get("description", "")
            if "enum" in prop:
                notes = (notes + " One of: " + ", ".join(map(str, prop["enum"]))).strip()
            parts.append(f"<tr><td><code>{escape(field)}</code></td><td>{_schema_name(prop)}"
                         f"</td><td>{'yes' if field in required else ''}</td>"
                         f"<td>{escape(notes)}</td></tr>")
        parts.append("</table>")
    html = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Doorstep API reference</title></head><body>"
            + "".join(parts) + "</body></html>")
    return current_app.response_class(html, mimetype="text/html")


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest):
    """Any other path under /api/v1/: a problem, not the portal's HTML page."""
    return problem(404, "No such endpoint.")
