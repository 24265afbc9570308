"""The FastAPI application: routers, error handlers, middleware, and a lifespan that loads the
model and index and starts the upkeep thread (warm-up, catching up with the corpus)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import anyio
from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from service.access import ApiKeys
from service.engine import Engine
from service.errors import install_error_handlers
from service.logs import configure_logging
from service.metrics import Metrics
from service.observability import RequestLogMiddleware
from service.openapi import install_openapi
from service.routers import ask, documents, health, metrics, search, ui
from service.security import install_security
from service.settings import Settings
from service.upkeep import Upkeep

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the model and index load when it starts, not at import."""
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = Engine.load(settings, on_stage=app_metrics.stage)
        async with AsyncExitStack() as stack:
            upkeep = Upkeep(
                app.state.engine,
                interval=settings.watch_interval,
                on_catch_up=app_metrics.catch_ups.inc,
            ).start()
            stack.callback(upkeep.stop)
            if settings.metrics and settings.metrics_port is not None:
                stack.callback(_serve_metrics(app_metrics, settings))
            yield

    app = FastAPI(
        title="ClusterSearch",
        version="0.1.0",
        summary="Multilingual search over German regional innovation-policy documents.",
        lifespan=lifespan,
    )
    app_metrics = Metrics(settings, lambda: getattr(app.state, "engine", None))
    app.state.metrics = app_metrics
    app.state.compute = anyio.CapacityLimiter(settings.request_concurrency)
    app.state.metrics_keys = ApiKeys.from_keys(settings.metrics_api_key_list)
    install_error_handlers(app)
    routers = [search.router, documents.router, health.router, ui.router, ask.router]
    if settings.metrics and settings.metrics_port is None:
        routers.append(metrics.router)
    for router in routers:
        app.include_router(router)
    app.state.routes = _routes(app, routers)
    install_openapi(app, settings)
    install_security(
        app, settings, on_rate_limited=lambda path: app_metrics.rate_limited.labels(path).inc()
    )
    _outermost(app, lambda inner: _request_log(app, inner, app_metrics))
    return app


def _routes(app: FastAPI, routers: list[APIRouter]) -> tuple[BaseRoute, ...]:
    """Every route with its full path template, each matchable on its own (FastAPI resolves
    included routers lazily, so `app.router.routes` does not list them): the request log's
    route templates and the 405's `Allow` come from these."""
    own = (r for r in app.router.routes if isinstance(r, Route))
    return (*own, *(route for router in routers for route in router.routes))


def _request_log(app: FastAPI, inner: ASGIApp, app_metrics: Metrics) -> ASGIApp:
    return RequestLogMiddleware(inner, routes=lambda: app.state.routes, metrics=app_metrics)


def _outermost(app: FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Wrap the whole middleware stack (Starlette's error handler included) in `wrap`."""
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return wrap(build())

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


def _serve_metrics(app_metrics: Metrics, settings: Settings) -> Callable[[], None]:
    """Serve the metrics on their own port (prometheus-client's server); returns its stop."""
    from prometheus_client import start_http_server

    assert settings.metrics_port is not None
    server: WSGIServer
    server, thread = start_http_server(
        settings.metrics_port, addr=settings.host, registry=app_metrics.registry
    )

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
