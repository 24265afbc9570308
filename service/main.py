"""The FastAPI application: routers, error handlers, and a lifespan that loads the model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.engine import Engine
from service.errors import install_error_handlers
from service.routers import ask, documents, health, search, ui
from service.security import install_security
from service.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the model and index load when it starts, not at import."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = Engine.load(settings or Settings())
        yield

    app = FastAPI(
        title="ClusterSearch",
        version="0.1.0",
        summary="Multilingual search over German regional innovation-policy documents.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(ui.router)
    app.include_router(ask.router)
    install_security(app, settings)
    return app
