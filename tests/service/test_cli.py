from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index.embedding.base import Embedder
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
    args = ["eval", "--split", "all", "--questions", str(path), "--manuals", str(tmp_path)]
    args += ["--faq", str(tmp_path)]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    rows = payload["sections"][0]["rows"]
    assert [(r["method"], r["pair"]) for r in rows] == [
        ("hybrid", "all"), ("hybrid", "en->de"), ("dense", "all"), ("dense", "en->de"),
        ("bm25", "all"), ("bm25", "en->de"), ("bm25+bridge", "all"), ("bm25+bridge", "en->de"),
    ]  # fmt: skip
    # no manual in the folder: the out-of-domain table is a note saying how to get one
    assert payload["sections"][-1]["rows"] == [
        {
            "note": f"skipped: no PART.en.html with PART.de.html under {tmp_path} (apt-get "
            "install debian-reference-en debian-reference-de, or pass --manuals DIR)"
        }
    ]
    # nor a FAQ: its answer table is a note too
    faq = next(x for x in payload["sections"] if x["title"].startswith("Out of domain: FAQ"))
    assert faq["rows"] == [
        {
            "note": f"skipped: no PART.en.html with PART.de.html under {tmp_path} (apt-get "
            "install debian-faq debian-faq-de, or pass --faq DIR)"
        }
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "hit@1" in res.stdout and "hybrid" in res.stdout
    assert "Side by side" in res.stdout and "skipped: no PART.en.html" in res.stdout


MANUAL = {
    "en": ("Chapter 1. Basics", "1.1. The shell prompt", "The shell prompt waits for a command.",
           "1.2. The root account", "The root account may do anything on the system."),
    "de": ("Kapitel 1. Grundlagen", "1.1. Der Shell-Prompt", "Der Shell-Prompt wartet auf Befehle.",
           "1.2. Das Root-Konto", "Das Root-Konto darf auf dem System alles."),
}  # fmt: skip


def test_eval_runs_the_out_of_domain_set(env: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    manuals = tmp_path / "manual"
    manuals.mkdir()
    for lang, (title, h1, p1, h2, p2) in MANUAL.items():
        html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><h2>{h1}</h2>"
        html += f"<p>{p1}</p><h2>{h2}</h2><p>{p2}</p></body></html>"
        (manuals / f"ch01.{lang}.html").write_text(html, encoding="utf-8")
    gold = Path(__file__).resolve().parents[2] / "eval" / "questions.jsonl"
    path = tmp_path / "q.jsonl"
    path.write_text(gold.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")
    args = ["eval", "--questions", str(path), "--manuals", str(manuals), "--json"]
    res = runner.invoke(app, [*args, "--faq", str(tmp_path / "no-faq")])
    assert res.exit_code == 0, res.output
    sections = json.loads(res.stdout)["sections"]
    ood = sections[-1]
    assert ood["title"].startswith("Out of domain") and "1 parts, 4 passages" in ood["title"]
    assert [(r["method"], r["pair"], r["n"]) for r in ood["rows"]] == [
        ("hybrid", "en->de", 2), ("hybrid", "de->en", 2), ("dense", "en->de", 2),
        ("dense", "de->en", 2), ("bm25", "en->de", 2), ("bm25", "de->en", 2),
    ]  # fmt: skip
    side = sections[-2]["rows"]
    assert [r["method"] for r in side] == ["hybrid", "dense", "bm25", "bm25+bridge"]
    assert side[-1]["en->de hit@1"] == "–"  # not run out of domain
    # passages and words were embedded into a cache beside the index
    assert (env.parent / "ood" / "cache.sqlite").is_file()


def test_eval_rejects_bad_split(env: Path) -> None:
    res = runner.invoke(app, ["eval", "--split", "train"])
    assert res.exit_code == 2
    assert "--split must be one of dev, test, all" in res.output


# --- add, replace, remove, list ------------------------------------------------------


@pytest.fixture
def writable_env(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Embedder
) -> Path:
    from tests.ingest_samples import copy_tree

    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    monkeypatch.setenv("CLUSTERSEARCH_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CLUSTERSEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr("service.cli.load_embedder", lambda *a, **k: embedder)
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    return tmp_path


def test_add_replace_remove_list(writable_env: Path) -> None:
    from tests.ingest_samples import HTML, MARKDOWN, make_pdf

    assert runner.invoke(app, ["build"]).exit_code == 0
    folder = writable_env / "incoming"
    folder.mkdir()
    (folder / "hzwo.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "optence.html").write_text(HTML, encoding="utf-8")
    (folder / "ignored.docx").write_bytes(b"PK")
    pdf = writable_env / "ris3.pdf"
    pdf.write_bytes(make_pdf())

    res = runner.invoke(app, ["add", str(folder), str(pdf), "--source", "https://example.org/"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["added", "added", "added"]
    assert "3 chunks — Wasserstoff-Cluster Sachsen" in lines[0]
    assert "7 chunks added (7 embedded, the rest cached), 0 removed, 37 kept" in res.stderr
    md_id, html_id, pdf_id = (line.split()[1].rstrip(",") for line in lines)

    res = runner.invoke(app, ["search", "ERDF budget and strategy board", "-k", "1", "--json"])
    citation = json.loads(res.stdout)["results"][0]["citation"]
    assert (citation["document_id"], citation["page"], citation["source"]) == (
        pdf_id,
        2,
        "https://example.org/",
    )

    res = runner.invoke(app, ["add", str(folder / "hzwo.md")])
    assert res.stdout.startswith(f"unchanged {md_id} — ")

    new = writable_env / "v2.md"
    new.write_text(MARKDOWN.replace("1,2", "9,9"), encoding="utf-8")
    res = runner.invoke(app, ["replace", md_id, str(new), "--lang", "de", "--region", "SN"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"replaced  {md_id}, 3 chunks")

    res = runner.invoke(app, ["remove", html_id])
    assert res.exit_code == 0 and res.stdout.startswith(f"removed   {html_id}")

    res = runner.invoke(app, ["list", "--json"])
    rows = json.loads(res.stdout)
    assert [r["id"] for r in rows][-2:] == [md_id, pdf_id]
    assert rows[-1]["pages"] == 2 and rows[-2]["regions"] == ["Sachsen"]
    res = runner.invoke(app, ["list"])
    assert res.stdout.splitlines()[-1].startswith(f"{pdf_id}\ten\t")
    assert "5 documents" in res.stderr


def test_compact_merges_the_segments_of_writes(writable_env: Path) -> None:
    from tests.ingest_samples import MARKDOWN

    assert runner.invoke(app, ["build"]).exit_code == 0
    res = runner.invoke(app, ["compact"])
    assert (res.exit_code, res.stdout) == (0, "nothing to merge\n")
    note = writable_env / "note.md"
    note.write_text(MARKDOWN, encoding="utf-8")
    assert runner.invoke(app, ["add", str(note)]).exit_code == 0
    before = json.loads(runner.invoke(app, ["search", "Wasserstoff Sachsen", "--json"]).stdout)
    assert runner.invoke(app, ["compact"]).stdout == "nothing to merge\n"  # 2 of 10 per tier
    res = runner.invoke(app, ["compact", "--full"])
    assert (res.exit_code, res.stdout) == (0, "merged 2 segments\n")
    segments = [p.name for p in (writable_env / "index" / "segments").iterdir()]
    assert len(segments) == 1
    after = json.loads(runner.invoke(app, ["search", "Wasserstoff Sachsen", "--json"]).stdout)
    assert after == before
    assert runner.invoke(app, ["compact", "--full"]).stdout == "nothing to merge\n"


def test_add_refusals_exit_1_and_change_nothing(writable_env: Path) -> None:
    from tests.ingest_samples import tree_state

    assert runner.invoke(app, ["build"]).exit_code == 0
    corpus, index = writable_env / "corpus", writable_env / "index"
    before = tree_state(corpus, index)
    bad = writable_env / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 nothing")
    res = runner.invoke(app, ["add", str(bad)])
    assert res.exit_code == 1 and "The PDF cannot be parsed" in res.stderr
    res = runner.invoke(app, ["remove", "../corpus"])
    assert res.exit_code == 1 and "Invalid document id" in res.stderr
    res = runner.invoke(app, ["add", str(writable_env / "missing.md")])
    assert res.exit_code == 2 and "neither a file nor a folder" in res.stderr
    assert tree_state(corpus, index) == before


def test_a_batch_add_skips_a_refused_file_adds_the_others_and_exits_1(
    writable_env: Path,
) -> None:
    from tests.ingest_samples import MARKDOWN

    assert runner.invoke(app, ["build"]).exit_code == 0
    good, bad = writable_env / "hzwo.md", writable_env / "broken.pdf"
    good.write_text(MARKDOWN, encoding="utf-8")
    bad.write_bytes(b"%PDF-1.7 nothing")
    res = runner.invoke(app, ["add", str(good), str(bad)])
    assert res.exit_code == 1
    assert [line.split()[0] for line in res.stdout.splitlines()] == ["added"]
    assert "refused broken.pdf: The PDF cannot be parsed" in " ".join(res.stderr.split())
    listed = runner.invoke(app, ["list", "--json"])
    assert len(json.loads(listed.stdout)) == 4


# clustersearch ask, and the answers section of clustersearch eval


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
    assert res.stdout.endswith("): The documents do not mention “Einwohner”.\n")


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
        if '"q040"' in line or '"q073"' in line
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    args = ["eval", "--split", "all", "--questions", str(path), "--no-ood"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert [s["title"] for s in payload["sections"]] == [
        "Retrieval",
        "Answers",
        "Answers at other thresholds (the answerer's: 0.69)",
        "Side by side: seed dev | seed test | out of domain",
    ]
    assert [r["group"] for r in payload["sections"][1]["rows"]] == ["all", "en->en", "no answer"]
    assert payload["sections"][1]["rows"][0]["null"] == 1.0
    assert payload["sections"][1]["rows"][0]["precision"] == 1.0
    assert [r["threshold"] for r in payload["sections"][2]["rows"]][:2] == [0.4, 0.45]
    res = runner.invoke(app, args)
    assert res.exit_code == 0
    assert "Answers" in res.stdout and "contains gold" in res.stdout


def test_serve_refuses_a_bad_trusted_proxy_before_starting(env: Path) -> None:
    res = runner.invoke(app, ["serve", "--port", "1", "--trusted-proxies", "10.0.0.0/8,*"])
    assert res.exit_code == 2
    assert "trusted_proxies: '*' is not an IP address or network" in res.output
