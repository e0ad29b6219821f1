"""RFC 9457 problem details: every error of the API, as `application/problem+json`."""

from flask import Response, json
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from core.errors import (
    AuthenticationError,
    DoorstepError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from core.services.sync import BatchRefusedError
from portal_site.api.schemas import ProblemSchema  # noqa: F401 - the document names it

PROBLEM_TYPE = "about:blank"


def problem(status: int, detail: str = "", *, errors: list | None = None,
            headers: dict | None = None, title: str | None = None) -> Response:
    """A problem+json response; `errors` lists each invalid field (and batch index)."""
    body = {"type": PROBLEM_TYPE, "title": title or HTTP_STATUS_CODES.get(status, "Error"),
            "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unauthorized(detail: str) -> Response:
    """401 with the challenge RFC 6750 asks for."""
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="doorstep"'})


def _flatten(messages, prefix: str = "") -> list[dict]:
    """marshmallow's nested error dict as a flat list of {field, message}."""
    errors = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in {"json", "query", "headers", "view_args"} and not prefix:
                errors.extend(_flatten(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            errors.extend(_flatten(value, name))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        errors.extend({"field": prefix or None, "message": m} for m in messages)
    elif isinstance(messages, list):
        for value in messages:
            errors.extend(_flatten(value, prefix))
    else:
        errors.append({"field": prefix or None, "message": str(messages)})
    return errors


def batch_errors(messages) -> list[dict]:
    """Schema errors of a batch body, with the index of each record split out."""
    errors = []
    for error in _flatten(messages):
        field = error["field"] or ""
        parts = field.split(".")
        if len(parts) >= 2 and parts[0] == "records" and parts[1].isdigit():
            errors.append({"index": int(parts[1]), "field": ".".join(parts[2:]) or None,
                           "message": error["message"]})
        else:
            errors.append(error)
    return errors


def _http(error: HTTPException):
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        errors = batch_errors(data["messages"])
        return problem(400 if error.code == 400 else 422, "The request is not valid.",
                       errors=errors)
    if error.code == 405:
        return problem(405, "This method is not allowed here.",
                       headers={"Allow": ", ".join(error.valid_methods or [])})
    return problem(error.code or 500, error.description or "")


def _domain(error: DoorstepError):
    if isinstance(error, BatchRefusedError):
        return problem(422, "No record of the batch was written.", errors=[
            {"index": e.index, "field": e.error.field, "message": str(e.error)}
            for e in error.errors])
    if isinstance(error, NotFoundError):
        return problem(404, "No such record.")
    if isinstance(error, AuthenticationError):
        return unauthorized("The API key is missing, unknown or revoked.")
    if isinstance(error, PermissionDeniedError):
        return problem(403, str(error))
    if isinstance(error, RateLimitedError):
        return problem(429, "Too many requests with this key.",
                       headers={"Retry-After": str(error.retry_after)})
    status = 409 if isinstance(error, InvalidStateError) else 422
    return problem(status, str(error), errors=[{"field": error.field, "message": str(error)}])


def _server_error(_error):
    return problem(500, "Something went wrong on our side.")


def register(bp) -> None:
    """Answer every error of the blueprint's views as problem+json."""
    bp.register_error_handler(DoorstepError, _domain)
    bp.register_error_handler(HTTPException, _http)
    bp.register_error_handler(500, _server_error)
