from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.conftest import SEED_CORPUS

runner = CliRunner()


@pytest.fixture
def env(clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CLUSTERSEARCH_CORPUS_DIR", str(SEED_CORPUS))
    monkeypatch.setenv("CLUSTERSEARCH_INDEX_DIR", str(tmp_path / "index"))
    return tmp_path / "index"


def test_build_search_json(env: Path) -> None:
    res = runner.invoke(app, ["build"])
    assert res.exit_code == 0, res.output
    assert "Built" in res.output and "3 documents, 37 chunks" in res.output
    assert (env / "current").exists()

    res = runner.invoke(app, ["build"])
    assert "Up to date:" in res.output

    res = runner.invoke(app, ["search", "Optik in Jena", "-k", "2", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["query"] == "Optik in Jena"
    assert len(payload["results"]) == 2
    assert payload["results"][0]["citation"]["section"] == "Freistaat Thüringen"


def test_search_text_output(env: Path) -> None:
    runner.invoke(app, ["build"])
    res = runner.invoke(app, ["search", "Silicon Saxony Mikroelektronik", "-k", "1"])
    assert res.exit_code == 0
    assert "Freistaat Sachsen" in res.stdout
    assert "002_ef865dbee6ab942a [5797:6109]" in res.stdout


def test_search_without_index_says_build(env: Path) -> None:
    res = runner.invoke(app, ["search", "Cluster"])
    assert res.exit_code == 1
    assert "clustersearch build" in res.output


def test_search_bad_input(env: Path) -> None:
    runner.invoke(app, ["build"])
    res = runner.invoke(app, ["search", "  "])
    assert res.exit_code == 1
    assert "The query is empty" in res.output


def test_build_with_broken_corpus(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERSEARCH_CORPUS_DIR", str(env.parent / "missing"))
    res = runner.invoke(app, ["build"])
    assert res.exit_code == 1
    assert "No corpus manifest" in res.output


def test_invalid_settings_exit_2(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERSEARCH_MODEL", "bert")
    res = runner.invoke(app, ["build"])
    assert res.exit_code == 2
    assert "Invalid settings" in res.output


def test_eval_prints_methods_and_pairs(env: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    gold = Path(__file__).resolve().parents[2] / "eval" / "questions.jsonl"
    lines = [line for line in gold.read_text(encoding="utf-8").splitlines() if '"q016"' in line]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    res = runner.invoke(app, ["eval", "--split", "all", "--questions", str(path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    rows = payload["sections"][0]["rows"]
    assert [(r["method"], r["pair"]) for r in rows] == [
        ("hybrid", "all"), ("hybrid", "en->de"), ("dense", "all"), ("dense", "en->de"),
        ("bm25", "all"), ("bm25", "en->de"),
    ]  # fmt: skip
    res = runner.invoke(app, ["eval", "--split", "all", "--questions", str(path)])
    assert res.exit_code == 0 and "hit@1" in res.stdout and "hybrid" in res.stdout


def test_eval_rejects_bad_split(env: Path) -> None:
    res = runner.invoke(app, ["eval", "--split", "train"])
    assert res.exit_code == 2
    assert "--split must be one of dev, test, all" in res.output


# issue 4: clustersearch ask, and the answers section of clustersearch eval


def test_ask_json_and_text(env: Path) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    question = "Wie viel Geld hat BioCon Valley pro Jahr?"
    res = runner.invoke(app, ["ask", question, "-k", "3", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["answer"] == "Every year 1,2 mio. euros are available to fulfill the tasks."
    assert [c["document_id"] for c in payload["citations"]] == ["000_845843b92d703299"]
    assert payload["passages"][0]["rank"] == 1
    res = runner.invoke(app, ["ask", question])
    assert res.exit_code == 0
    assert res.stdout.startswith("Every year 1,2 mio. euros are available to fulfill the tasks.\n")
    assert "000_845843b92d703299 [1656:1717]" in res.stdout
    res = runner.invoke(app, ["ask", "Wie viele Einwohner hat Thüringen?"])
    assert res.exit_code == 0
    assert res.stdout.startswith("No answer (")
    assert "a number, amount or date" in res.stdout


def test_ask_errors(env: Path) -> None:
    res = runner.invoke(app, ["ask", "Cluster?"])
    assert res.exit_code == 1
    assert "clustersearch build" in res.output
    assert runner.invoke(app, ["build"]).exit_code == 0
    res = runner.invoke(app, ["ask", "   "])
    assert res.exit_code == 1
    assert "The query is empty" in res.output


def test_eval_adds_the_answers_section(env: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    gold = Path(__file__).resolve().parents[2] / "eval" / "questions.jsonl"
    lines = [
        line
        for line in gold.read_text(encoding="utf-8").splitlines()
        if '"q038"' in line or '"q073"' in line
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    res = runner.invoke(app, ["eval", "--split", "all", "--questions", str(path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert [s["title"] for s in payload["sections"]] == ["Retrieval", "Answers"]
    assert [r["group"] for r in payload["sections"][1]["rows"]] == ["all", "en->en", "no answer"]
    assert payload["sections"][1]["rows"][0]["null"] == 1.0
    res = runner.invoke(app, ["eval", "--split", "all", "--questions", str(path)])
    assert res.exit_code == 0
    assert "Answers" in res.stdout and "contains gold" in res.stdout
