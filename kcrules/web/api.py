"""The JSON API, version 1: rulebooks, activities, the schema, decisions, batches, what-if, plans.

Every handler reads its body itself (bounded, see :class:`Limits`) so a bad
body is a clear 400/413 and not a framework message. Decisions carry the
rulebook version; a decision's ETag is a hash of (rulebook version, query,
application), so a client or a cache in front may keep it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response

from kcrules import plan as make_plan
from kcrules.decide.writer import DecisionWriter
from kcrules.errors import ApplicationError, KcrulesError, Problem
from kcrules.report.activity import describe_activity
from kcrules.rulebook import Rulebook
from kcrules.util.words import suggest
from kcrules.web.service import (
    ApiError, Service, cached, error_body, error_response, etag_of, json_bytes, lines_response, parse_json,
    parse_lang, parse_on, read_body,
)
from kcrules.whatif import DEFAULT_FIXED, smallest_changes, what_if

_LANG = Query("vi", description="Language of the texts: vi (default) or en.")
_ON = Query(None, description="Evaluate under the law in force on this date (YYYY-MM-DD); default: the "
                              "application date.")

_APP_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Application"}}}}}


def _json(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(obj), status_code=status, media_type="application/json", headers=headers)


def _info(rb: Rulebook, lang: str, default: bool) -> dict[str, Any]:
    d = rb.definition
    return {**rb.info(lang).model_dump(mode="json"), "default": default,
            "activities": [{"id": a.id, "label": a.label[lang], "citation": a.cite.text(lang)}
                           for a in d.activities.values()]}


def add_api_routes(app: FastAPI, service: Service) -> None:
    limits = service.limits

    # ------------------------------------------------------------ health

    @app.get("/v1/health", tags=["service"], summary="The process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/ready", tags=["service"], summary="Rulebooks are loaded and requests can be answered")
    async def ready() -> dict[str, Any]:
        return {"status": "ready", "rulebooks": {rid: rb.version for rid, rb in service.rulebooks.items()}}

    # ------------------------------------------------------------ describing

    def _static(request: Request, rb: Rulebook | None, obj: Any, *key: str) -> Response:
        version = rb.version if rb else ",".join(r.version for r in service.rulebooks.values())
        etag = etag_of(version, request.url.path, *key)
        hit = cached(request, etag)
        if hit is not None:
            return hit
        return _json(obj() if callable(obj) else obj,
                     headers={"ETag": etag, "Cache-Control": "public, max-age=3600"})

    @app.get("/v1/rulebooks", tags=["rules"], summary="The rulebooks served, their versions and activities")
    async def rulebooks(request: Request, lang: str = _LANG) -> Response:
        lang = parse_lang(lang)
        return _static(request, None, lambda: [_info(rb, lang, rid == service.default)
                                               for rid, rb in service.rulebooks.items()], lang)

    @app.get("/v1/rulebooks/{rulebook}", tags=["rules"], summary="One rulebook: version, title, activities")
    async def rulebook_info(request: Request, rulebook: str, lang: str = _LANG) -> Response:
        lang = parse_lang(lang)
        rb = service.rulebook(rulebook)
        return _static(request, rb, lambda: _info(rb, lang, rb.id == service.default), lang)

    @app.get("/v1/rulebooks/{rulebook}/activities/{activity}", tags=["rules"],
             summary="One activity: who applies, criteria, support levels with validity, provenance and citations")
    async def activity_info(request: Request, rulebook: str, activity: str, lang: str = _LANG) -> Response:
        lang = parse_lang(lang)
        rb = service.rulebook(rulebook)
        if activity not in rb.definition.activities:
            known = list(rb.definition.activities)
            raise ApiError(404, "unknown_activity", f"no activity {activity!r} in rulebook {rb.id}",
                           [Problem("activity", "unknown activity", activity, ", ".join(known),
                                    suggest(activity, known))])
        return _static(request, rb, lambda: describe_activity(rb, activity, lang), lang)

    @app.get("/v1/rulebooks/{rulebook}/schema", tags=["rules"],
             summary="The JSON Schema of an application, with this rulebook's codes and their names")
    async def schema(request: Request, rulebook: str, lang: str = _LANG) -> Response:
        lang = parse_lang(lang)
        rb = service.rulebook(rulebook)
        return _static(request, rb, lambda: rb.application_schema(lang), lang)

    # ------------------------------------------------------------ deciding

    @app.post("/v1/rulebooks/{rulebook}/decisions", tags=["decisions"], openapi_extra=_APP_BODY,
              summary="Decide one application: eligibility, support in whole đồng, priority, reasons, warnings")
    async def decide(request: Request, rulebook: str, lang: str = _LANG, on: str | None = _ON) -> Response:
        rb = service.rulebook(rulebook)
        lang = parse_lang(lang)
        day = parse_on(on)
        body = await read_body(request, limits.body_bytes, limits.seconds)
        etag = etag_of(rb.version, lang, on or "", body)
        hit = cached(request, etag)
        if hit is not None:
            return hit
        data = parse_json(body, limits.depth)
        out = await service.run(lambda: rb.evaluate(data, lang=lang, on=day).model_dump_json().encode())
        return Response(out, media_type="application/json",
                        headers={"ETag": etag, "Cache-Control": "private, max-age=3600",
                                 "Kcrules-Rulebook-Version": rb.version})

    @app.post("/v1/rulebooks/{rulebook}/decisions/batch", tags=["decisions"],
              summary="Decide many applications (a JSON array, or JSON Lines), streamed back as JSON Lines",
              description="One output line per input, in order: the decision, or "
                          "`{\"index\": i, \"error\": {...}}` for a bad application (the others still "
                          "decide). `explain=false` skips the sentences for bulk screening. If the batch "
                          "runs past its time limit, the last line is an error with code `timeout`.",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"type": "array",
                                                  "items": {"$ref": "#/components/schemas/Application"}}},
                  "application/x-ndjson": {"schema": {"type": "string"}}}}})
    async def decide_many(request: Request, rulebook: str, lang: str = _LANG, on: str | None = _ON,
                          explain: bool = True) -> Response:
        rb = service.rulebook(rulebook)
        lang = parse_lang(lang)
        day = parse_on(on)
        body = await read_body(request, limits.batch_bytes, limits.batch_seconds)
        items = _batch_items(body, limits.depth, limits.batch_items)
        deadline = time.monotonic() + limits.batch_seconds

        def lines() -> Iterator[bytes]:
            # Chunks of lines, so the server thread hops once per chunk, not per decision; the batch
            # writer gives each decision's line of pydantic's JSON from the parts decisions share, line
            # ends escaped (as kcrules batch does).
            chunk: list[bytes] = []
            to_line = DecisionWriter().line
            for i, item in enumerate(items):
                if time.monotonic() > deadline:
                    chunk.append(json_bytes({"index": i, **error_body(
                        503, "timeout", f"the batch took longer than {limits.batch_seconds:g} s; "
                                        f"applications from index {i} on were not decided")}) + b"\n")
                    break
                try:
                    if isinstance(item, ApiError):
                        raise item
                    chunk.append(to_line(rb.evaluate(item, lang=lang, on=day, explain=explain)))
                except (ApiError, KcrulesError) as err:
                    body = json.loads(error_response(err).body)
                    chunk.append(json_bytes({"index": i, **body}) + b"\n")
                if len(chunk) >= 64:
                    yield b"".join(chunk)
                    chunk = []
            if chunk:
                yield b"".join(chunk)

        return lines_response(lines(), {"Kcrules-Rulebook-Version": rb.version})

    @app.post("/v1/rulebooks/{rulebook}/what-if", tags=["decisions"],
              summary="Change facts of an application and see the new decision and what changed",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "type": "object", "required": ["application", "changes"],
                  "properties": {"application": {"$ref": "#/components/schemas/Application"},
                                 "changes": {"type": "object", "description": "field path -> new value "
                                             "(null removes the field), e.g. {\"project.eligible_cost_vnd\": "
                                             "900000000}"}}}}}}})
    async def changed(request: Request, rulebook: str, lang: str = _LANG, on: str | None = _ON) -> Response:
        rb = service.rulebook(rulebook)
        lang = parse_lang(lang)
        day = parse_on(on)
        body = _object(parse_json(await read_body(request, limits.body_bytes, limits.seconds), limits.depth),
                       required=("application", "changes"), optional=())

        def work() -> bytes:
            result = what_if(rb, body["application"], body["changes"], lang=lang, on=day)
            return result.model_dump_json().encode()

        out = await service.run(work)
        return Response(out, media_type="application/json", headers={"Kcrules-Rulebook-Version": rb.version})

    @app.post("/v1/rulebooks/{rulebook}/smallest-changes", tags=["decisions"],
              summary="For a refused application: the smallest changes to its facts that make it eligible",
              description="Each suggestion is verified by deciding the changed application. A change's "
                          "`one_of` lists codes any of which would do. `fixed` lists facts held fixed "
                          "(default: district, kind of establishment, date, activity, applicant).",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "type": "object", "required": ["application"],
                  "properties": {"application": {"$ref": "#/components/schemas/Application"},
                                 "fixed": {"type": "array", "items": {"type": "string"}}}}}}}})
    async def smallest(request: Request, rulebook: str, lang: str = _LANG, on: str | None = _ON) -> Response:
        rb = service.rulebook(rulebook)
        lang = parse_lang(lang)
        day = parse_on(on)
        body = _object(parse_json(await read_body(request, limits.body_bytes, limits.seconds), limits.depth),
                       required=("application",), optional=("fixed",))
        fixed = _fixed(body.get("fixed", list(DEFAULT_FIXED)))

        def work() -> dict[str, Any]:
            app = rb.parse_application(body["application"])
            decision = rb.evaluate(app, lang=lang, on=day)
            found = smallest_changes(rb, app, fixed=fixed, on=day)
            return {"decision": decision.model_dump(mode="json"), "fixed": list(fixed),
                    "suggestions": [s.model_dump(mode="json") for s in found]}

        return _json(await service.run(work), headers={"Kcrules-Rulebook-Version": rb.version})

    @app.post("/v1/rulebooks/{rulebook}/plan", tags=["plans"],
              summary="Rank applications by the legal priority order and allocate a budget (an annual plan)",
              description="Body: `{\"applications\": [...], \"budget\": 32000000000, \"year\": 2017}` and "
                          "optionally `policy`, `achieved`, `targets`, `effectiveness` as in kcrules.plan "
                          "(docs/planning.md).")
    async def plan(request: Request, rulebook: str, lang: str = _LANG) -> Response:
        rb = service.rulebook(rulebook)
        lang = parse_lang(lang)
        body = _object(parse_json(await read_body(request, limits.batch_bytes, limits.batch_seconds), limits.depth),
                       required=("applications", "budget", "year"),
                       optional=("policy", "achieved", "targets", "effectiveness"))
        if not isinstance(body["applications"], list):
            raise ApplicationError([Problem("applications", "must be a JSON array of applications",
                                            type(body["applications"]).__name__)])
        if len(body["applications"]) > limits.batch_items:
            raise ApiError(413, "too_large", f"at most {limits.batch_items} applications per plan")

        def work() -> bytes:
            result = make_plan(body["applications"], budget=body["budget"], year=body["year"],
                               policy=body.get("policy"), achieved=body.get("achieved"),
                               targets=body.get("targets"), effectiveness=body.get("effectiveness"),
                               rulebook=rb, lang=lang)
            return result.model_dump_json().encode()

        out = await service.run(work, seconds=limits.batch_seconds)
        return Response(out, media_type="application/json", headers={"Kcrules-Rulebook-Version": rb.version})


# ---------------------------------------------------------------- helpers


def _batch_items(body: bytes, depth: int, most: int) -> Iterable[Any]:
    """The applications of a batch body: a JSON array, or one JSON object a line (JSON Lines).

    JSON Lines are parsed one line at a time as the decisions are written, so a
    batch holds its body and one application, not every application parsed at
    once; a bad line becomes that line's error in the output, like a bad application.
    """
    if body.lstrip().startswith(b"["):
        items = parse_json(body, depth + 1)
        if not isinstance(items, list):
            raise ApiError(400, "bad_json", "a batch is a JSON array of applications or JSON Lines")
        count = len(items)
    else:
        count = sum(1 for line in body.splitlines() if line.strip())
        items = _lines(body, depth)
    if count > most:
        raise ApiError(413, "too_large", f"a batch holds at most {most} applications; this one has {count}")
    return items


def _lines(body: bytes, depth: int) -> Iterator[Any]:
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield parse_json(line, depth)
        except ApiError as err:
            yield ApiError(400, err.code, f"line {n}: {err.message}")


def _object(data: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    """A request object with exactly the named members: all problems at once."""
    if not isinstance(data, dict):
        raise ApplicationError([Problem("(body)", "must be a JSON object", type(data).__name__,
                                        ", ".join(required + optional))])
    problems = [Problem(k, "missing", allowed=", ".join(required)) for k in required if k not in data]
    known = required + optional
    problems += [Problem(k, "unknown member", allowed=", ".join(known), suggestion=suggest(k, list(known)))
                 for k in data if k not in known]
    if problems:
        raise ApplicationError(problems)
    return data


def _fixed(data: Any) -> tuple[str, ...]:
    """The facts to hold fixed, as a list of texts (kcrules.whatif checks that each is a field)."""
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise ApplicationError([Problem("fixed", "must be a list of field paths", type(data).__name__,
                                        "e.g. [\"establishment.district\", \"project\"]")])
    return tuple(data)
