"""The ASGI application: the versioned JSON API and the web form, over rulebooks loaded once at start.

CORS is off: no cross-origin headers are sent. See kcrules.web.service for the
limits and the error format, kcrules.web.api and kcrules.web.pages for the routes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kcrules import __version__
from kcrules.errors import KcrulesError, Problem
from kcrules.rulebook import Rulebook
from kcrules.web.service import ApiError, Limits, Service, error_body, error_response

def create_app(rulebooks: Sequence[str | Path | Rulebook] | None = None, *, engine: str = "durable",
               limits: Limits | None = None, form: bool = True) -> FastAPI:
    """The kcrules ASGI app, to run with uvicorn or mount in another service.

    ``rulebooks``: bundled ids, rulebook folders or loaded :class:`kcrules.Rulebook`
    objects (default: the Hanoi 2016–2020 rulebook); the first is the form's
    default. They are loaded here, once. ``form=False`` serves only the API.
    """
    service = Service(rulebooks, engine, limits or Limits())
    app = FastAPI(
        title="kcrules",
        version=__version__,
        description="Eligibility, priority and support amount of khuyến công applications under cited rules "
                    "(Hanoi 2016–2020 and the national law). Errors: `{\"error\": {status, code, message, "
                    "problems: [{where, message, given, allowed, suggestion}]}}`.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.service = service

    @app.exception_handler(ApiError)
    @app.exception_handler(KcrulesError)
    async def _known(request: Request, err: Exception) -> Response:
        page = getattr(err, "page", None)
        if page is not None:  # an error of the web form: a page for a person, not JSON
            return page()
        return error_response(err)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        message = {404: f"no such address: {request.url.path} (the API is under /v1; see /v1/docs)",
                   405: f"{request.method} is not allowed at {request.url.path}"}.get(err.status_code, str(err.detail))
        return JSONResponse(error_body(err.status_code, code, message), status_code=err.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [Problem(".".join(str(p) for p in e.get("loc", ())), e.get("msg", "invalid"),
                            e.get("input") if isinstance(e.get("input"), (str, int, float, bool)) else None)
                    for e in err.errors()]
        return JSONResponse(error_body(422, "invalid_request", "invalid request", problems), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        return error_response(err)

    from kcrules.web.api import add_api_routes

    add_api_routes(app, service)
    _describe_application(app, service.rulebooks[service.default])
    if form:
        from kcrules.web.pages import add_page_routes

        add_page_routes(app, service)
    return app


def _describe_application(app: FastAPI, rb: Rulebook) -> None:
    """Put the application's JSON Schema (with the default rulebook's codes) into the OpenAPI document."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema = json.loads(json.dumps(rb.application_schema()).replace('"#/$defs/', '"#/components/schemas/'))
            components = doc.setdefault("components", {}).setdefault("schemas", {})
            components.update(schema.pop("$defs", {}))
            components["Application"] = schema
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
