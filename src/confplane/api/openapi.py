"""GET /confplane/v1/openapi.json: an OpenAPI 3.1 document of every route served.

It is generated, never written by hand: paths and parameters from the rows of
``api/openapi_table.py``, bodies from the wire Structs (msgspec's JSON Schema 2020-12,
which is OpenAPI 3.1's dialect), error statuses and codes from the error table of
``wire/errors.py``. It is rendered once per process, on first request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import confplane
from confplane.api import responses
from confplane.api.openapi_table import OPENAPI_PATH, ROWS, Guard, Row
from confplane.domain import errors as e
from confplane.wire import codec
from confplane.wire.errors import NOT_FOUND, QPS_LIMIT, Op, WireError, to_wire
from confplane.wire.models import ErrorBody

REF = "#/components/schemas/{name}"
JSON = "application/json"
# ``{conferenceId:segment}`` (a Starlette convertor) is ``{conferenceId}`` in OpenAPI.
_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# The $ref of each body Struct.
_Refs = dict[type[Any], dict[str, Any]]

_SECURITY_SCHEMES = {
    "dingtalkAccessToken": {
        "type": "apiKey",
        "in": "header",
        "name": "x-acs-dingtalk-access-token",
        "description": "An access token from GetAccessToken or GetCorpAccessToken.",
    },
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's admin token (`--admin-token`, or the data "
        "directory's `admin-token` file).",
    },
}
_SECURITY: dict[Guard, list[dict[str, list[str]]]] = {
    Guard.ACCESS_TOKEN: [{"dingtalkAccessToken": []}],
    Guard.ADMIN_TOKEN: [{"adminToken": []}],
}
_TAGS = {
    "oauth2_1_0": "DingTalk's access tokens",
    "conference_1_0": "DingTalk's video-conference operations",
    "links": "Where CreateAutoLoginUrl's and CreateCustomShortLink's links lead",
    "stream": "DingTalk's Stream mode: the gateway call that opens a connection",
    "devices": "confplane's device extension",
    "admin": "confplane's admin API: orgs, apps, users, simulated devices",
    "events": "confplane's admin API: the event log, webhooks and dead letters",
    "health": "Liveness and readiness",
    "metrics": "Prometheus metrics",
    "openapi": "This document",
    "emulator": "The emulator controls (only with --emulator)",
}


def openapi_path(routed: str) -> str:
    return _PATH_PARAM.sub(r"{\1}", routed)


def served_rows(*, emulator: bool) -> list[Row]:
    return [row for row in ROWS if emulator or not row.emulator_only]


def document(*, emulator: bool) -> dict[str, Any]:
    rows = served_rows(emulator=emulator)
    refs, schemas = _components(rows)
    paths: dict[str, dict[str, Any]] = {}
    for row in rows:
        operation = _operation(row, refs, emulator=emulator)
        paths.setdefault(openapi_path(row.path), {})[row.method.lower()] = operation
    used_tags = {row.tag for row in rows}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "confplane",
            "version": confplane.__version__,
            "description": "DingTalk's video-conference OpenAPI as confplane serves it, "
            "and confplane's own admin, device and health routes. Every error is "
            "DingTalk's JSON object `code`, `message`, `requestid`.",
        },
        "tags": [{"name": n, "description": d} for n, d in _TAGS.items() if n in used_tags],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": _SECURITY_SCHEMES},
    }


@functools.cache
def rendered(*, emulator: bool) -> bytes:
    return codec.encode(document(emulator=emulator))


def route(*, emulator: bool) -> Route:
    """The document's route; it describes the emulator controls only when they are served."""

    async def endpoint(_request: Request) -> Response:
        return responses.encoded(rendered(emulator=emulator), responses.request_id())

    return Route(OPENAPI_PATH, endpoint, methods=["GET"], include_in_schema=False)


# -- the parts of one operation ------------------------------------------------------


def _components(rows: Iterable[Row]) -> tuple[_Refs, dict[str, Any]]:
    """The bodies' schemas, each named once under components; and a $ref per Struct."""
    models: dict[type[Any], None] = {ErrorBody: None}
    for row in rows:
        for model in (row.request, row.response, *(body for _, body, _ in row.other_answers)):
            if isinstance(model, type):
                models[model] = None
    types = list(models)
    refs, schemas = msgspec.json.schema_components(types, ref_template=REF)
    return dict(zip(types, refs, strict=True)), schemas


def _schema(model: Any, refs: _Refs) -> dict[str, Any]:
    return refs[model] if isinstance(model, type) else dict(model)


def _operation(row: Row, refs: _Refs, *, emulator: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": row.operation_id,
        "summary": row.summary,
        "tags": [row.tag],
        "security": _SECURITY.get(row.guard, []),
    }
    if row.scope is not None:
        operation["description"] = f"Needs the app permission `{row.scope}`."
    parameters = _path_parameters(row) + _query_parameters(row)
    if parameters:
        operation["parameters"] = parameters
    if row.request is not None:
        operation["requestBody"] = {
            "required": row.body_required,
            "content": {JSON: {"schema": _schema(row.request, refs)}},
        }
    answers: dict[str, Any] = (
        {"302": _redirect(row.redirect)} if row.redirect else {"200": _done(row, refs)}
    )
    for status, body, text in row.other_answers:
        answers[str(status)] = {"description": text, "content": {JSON: {"schema": refs[body]}}}
    error = {"schema": refs[ErrorBody]}
    for status, errs in sorted(_errors(row).items()):
        listed = "; ".join(f"`{err.code}` ({err.message})" for err in errs)
        answers[str(status)] = {"description": listed, "content": {JSON: error}}
    # Every DingTalk operation (any op but the admin API's) can be set a fault.
    if emulator and row.op != Op.ADMIN:
        answers["default"] = {
            "description": "An error the emulator's faults were set to answer",
            "content": {JSON: error},
        }
    operation["responses"] = answers
    return operation


def _done(row: Row, refs: _Refs) -> dict[str, Any]:
    """The 200: JSON of its schema, and the other media types it may be (no schema:
    what they hold is said in words, as a media type has no description)."""
    content: dict[str, Any] = {}
    if row.response is not None:
        content[JSON] = {"schema": _schema(row.response, refs)}
    content.update({media: {} for media, _ in row.other_media})
    said = "; ".join(f"{media}: {text}" for media, text in row.other_media)
    return {"description": f"Done; {said}" if said else "Done", "content": content}


def _redirect(where: str) -> dict[str, Any]:
    location = {"description": "Where to go", "schema": {"type": "string"}}
    return {"description": where, "headers": {"Location": location}}


def _path_parameters(row: Row) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(row.path)
    ]


def _query_parameters(row: Row) -> list[dict[str, Any]]:
    if row.query is None:
        return []
    (ref,), schemas = msgspec.json.schema_components([row.query], ref_template=REF)
    struct = schemas[ref["$ref"].rsplit("/", 1)[1]]
    required = set(struct.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _not_null(schema)}
        for name, schema in struct["properties"].items()
    ]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value: ``T | None = None`` is T there."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) == 1:
        only: dict[str, Any] = options[0]
        return only
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _errors(row: Row) -> dict[int, list[WireError]]:
    """Each error status the operation can answer, with its codes (wire/errors.py)."""
    errs: list[WireError] = []
    if row.request is not None or row.query is not None or _PATH_PARAM.search(row.path):
        errs.append(to_wire(row.op, e.InvalidParams("bad input")))
    errs += [to_wire(row.op, _example(cls)) for cls in row.errors]
    if row.guard is Guard.ACCESS_TOKEN:
        errs.append(to_wire(row.op, e.InvalidToken("")))
        if row.scope is not None:
            errs.append(to_wire(row.op, e.PermissionDenied(row.scope)))
    if row.guard in (Guard.ACCESS_TOKEN, Guard.APP_SECRET):
        errs.append(QPS_LIMIT)
    if row.guard is Guard.ADMIN_TOKEN:
        errs.append(to_wire(Op.ADMIN, e.InvalidToken("")))
    # A DomainError of no kind of its own is the operation's systemError.
    errs += [NOT_FOUND, to_wire(row.op, e.DomainError(""))]
    by_status: dict[int, list[WireError]] = {}
    for err in errs:
        known = by_status.setdefault(err.status, [])
        if all((k.code, k.message) != (err.code, err.message) for k in known):
            known.append(err)
    return by_status


def _example(cls: type[e.DomainError]) -> e.DomainError:
    """An error of the kind, without detail (whatever its own constructor asks)."""
    error = cls.__new__(cls)
    e.DomainError.__init__(error, "")
    return error
