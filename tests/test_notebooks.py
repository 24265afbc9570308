"""The notebooks are committed without outputs; pytest runs them (nbmake, see pyproject)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def dirty_cells(notebook: dict[str, Any]) -> list[int]:
    """Indexes of the code cells that carry outputs or an execution count."""
    return [
        i
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def test_the_walkthroughs_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == ["evaluation.ipynb", "quickstart.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_stripped(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert dirty_cells(notebook) == [], (
        f"{path.name} has outputs; strip them before committing, e.g. "
        f"jupyter nbconvert --clear-output --inplace {path}"
    )
    assert "widgets" not in notebook["metadata"]


def test_dirty_cells_finds_outputs_and_counts() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "x"},
            {"cell_type": "code", "outputs": [], "execution_count": None},
            {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": None},
            {"cell_type": "code", "outputs": [], "execution_count": 3},
        ]
    }
    assert dirty_cells(notebook) == [2, 3]
