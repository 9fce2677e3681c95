"""What the API and the form share: the rulebooks served, limits, reading requests, errors as JSON.

Safe by default: rulebooks are loaded when the app is created and never from a
request; no endpoint reads or writes a file a request names; request bodies
are bounded in size, nesting and time; every decision runs under a time limit.
Errors are JSON with the same problem list as :class:`kcrules.ApplicationError`,
never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from kcrules.errors import ApplicationError, InputError, KcrulesError, Problem, UnknownRulebookError
from kcrules.rulebook import Rulebook, load_rulebook
from kcrules.util.words import suggest

Lang = Literal["vi", "en"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may cost."""

    #: Largest body of a request that carries one application (bytes).
    body_bytes: int = 256 * 1024
    #: Largest body of a batch or a plan (bytes): about 40,000 applications.
    batch_bytes: int = 32 * 1024 * 1024
    #: Deepest nesting of JSON arrays and objects accepted (an application nests 3 levels).
    depth: int = 16
    #: Most applications in one batch or plan.
    batch_items: int = 100_000
    #: Seconds one request may compute before it is answered 503 (a batch stops streaming).
    seconds: float = 10.0
    #: Seconds one batch may compute in all.
    batch_seconds: float = 300.0


class ApiError(Exception):
    """An error answered as JSON with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = list(problems)


def error_body(status: int, code: str, message: str, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """The JSON of every error: status, a stable code, a message and the problem list."""
    return {"error": {"status": status, "code": code, "message": message,
                      "problems": [p.as_dict() for p in problems]}}


def error_response(err: BaseException) -> JSONResponse:
    if isinstance(err, ApiError):
        status, code, message, problems = err.status, err.code, err.message, err.problems
    elif isinstance(err, ApplicationError):
        status, code, message, problems = 422, err.code, err.headline, err.problems
    elif isinstance(err, UnknownRulebookError):
        status, code, message, problems = 404, err.code, str(err), [
            Problem("rulebook", "no such rulebook", err.given, ", ".join(err.known), err.suggestion)]
    elif isinstance(err, InputError):
        status, code, message, problems = 422, err.code, str(err), list(err.problems)
    elif isinstance(err, KcrulesError):
        # An EvaluationError names the rule and its citation: the request was valid, the rules were not.
        status, code, message, problems = 500, err.code, str(err), []
    else:
        status, code, message, problems = 500, "internal_error", "internal error: the request could not be " \
            "answered; it has been logged", []
    return JSONResponse(error_body(status, code, message, problems), status_code=status)


# ---------------------------------------------------------------- reading requests


async def read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The request body, refused with 413 as soon as it is larger than ``limit`` bytes, and with 408
    if it has not all arrived within ``seconds`` (a client that trickles its body holds a connection)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"the request body is {declared} bytes; at most {limit} are accepted")
    chunks: list[bytes] = []
    size = 0
    with anyio.move_on_after(seconds) as scope:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
    if scope.cancelled_caught:
        raise ApiError(408, "timeout", f"the request body did not arrive within {seconds:g} s")
    return b"".join(chunks)


def parse_json(body: bytes, depth: int) -> Any:
    """JSON text to data, or ApiError 400 saying where it is wrong; nesting deeper than ``depth`` is refused."""
    if not body.strip():
        raise ApiError(400, "bad_json", "the request body is empty: send a JSON document")
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "bad_json", "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ApiError(400, "bad_json", f"the request body is not valid JSON: {err.msg} at line {err.lineno}, "
                                        f"column {err.colno}") from None
    except RecursionError:
        raise ApiError(400, "too_deep", f"the request body nests deeper than {depth} levels") from None
    except ValueError:  # valid JSON that Python will not read: a number of more than 4,300 digits
        raise ApiError(400, "bad_json", "the request body holds a number of more than 4,300 digits; "
                                        "no field of an application holds one") from None
    check_depth(data, depth)
    return data


def check_depth(data: Any, depth: int) -> None:
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            if level > depth:
                raise ApiError(400, "too_deep", f"the request body nests deeper than {depth} levels")
            values = item.values() if isinstance(item, dict) else item
            stack.extend((v, level + 1) for v in values if isinstance(v, (dict, list)))


def parse_on(on: str | None) -> dt.date | None:
    if on is None or on == "":
        return None
    try:
        return dt.date.fromisoformat(on)
    except ValueError:
        raise ApiError(422, "invalid_request", "invalid request",
                       [Problem("query.on", "not a date", on, "YYYY-MM-DD, e.g. 2017-05-10")]) from None


def parse_lang(lang: str) -> Lang:
    if lang not in ("vi", "en"):
        raise ApiError(422, "invalid_request", "invalid request",
                       [Problem("query.lang", "unknown language", lang, "vi, en")])
    return lang  # type: ignore[return-value]


# ---------------------------------------------------------------- the app


class Service:
    """The rulebooks an app serves, loaded once, and the calls that run under a time limit."""

    def __init__(self, rulebooks: Sequence[str | Path | Rulebook] | None, engine: str, limits: Limits) -> None:
        self.limits = limits
        loaded = [rb if isinstance(rb, Rulebook) else load_rulebook(rb, engine=engine)  # type: ignore[arg-type]
                  for rb in (rulebooks or [None])]  # type: ignore[list-item]
        self.rulebooks: dict[str, Rulebook] = {}
        for rb in loaded:
            self.rulebooks.setdefault(rb.id, rb)
        self.default = loaded[0].id

    def rulebook(self, rid: str) -> Rulebook:
        rb = self.rulebooks.get(rid)
        if rb is None:
            known = list(self.rulebooks)
            raise ApiError(404, "unknown_rulebook", f"no rulebook {rid!r} is served here; served: {', '.join(known)}",
                           [Problem("rulebook", "no such rulebook", rid, ", ".join(known), suggest(rid, known))])
        return rb

    async def run(self, fn: Callable[..., Any], *args: Any, seconds: float | None = None) -> Any:
        """Call ``fn`` in a worker thread; answer 503 if it takes longer than the time limit.

        Decisions are pure CPU work: the thread is left to finish on its own (it
        cannot be interrupted), but the client is answered at once.
        """
        limit = self.limits.seconds if seconds is None else seconds
        with anyio.move_on_after(limit) as scope:
            return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)
        if scope.cancelled_caught:
            raise ApiError(503, "timeout", f"the request took longer than {limit:g} s and was stopped")
        raise AssertionError("unreachable")


def etag_of(*parts: str | bytes) -> str:
    """A strong ETag from what determines a response: the rulebook version, the query and the body."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return f'"{h.hexdigest()[:32]}"'


def cached(request: Request, etag: str) -> Response | None:
    """A 304 when the client already holds this response."""
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return None


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def lines_response(lines: Iterator[bytes], headers: dict[str, str]) -> StreamingResponse:
    return StreamingResponse(lines, media_type="application/x-ndjson", headers=headers)
