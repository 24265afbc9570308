"""FastAPI dependencies, as `Annotated` aliases the routers use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from index.answer import Answerer
from index.search import Searcher
from service.engine import Engine

__all__ = ["AnswererDep", "EngineDep", "SearcherDep"]


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_searcher(engine: Annotated[Engine, Depends(get_engine)]) -> Searcher:
    return engine.require_searcher()


EngineDep = Annotated[Engine, Depends(get_engine)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]


# issue 4: the extractive answerer over the same index
def get_answerer(engine: Annotated[Engine, Depends(get_engine)]) -> Answerer:
    return engine.require_answerer()


AnswererDep = Annotated[Answerer, Depends(get_answerer)]
