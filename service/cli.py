"""The `clustersearch` command: build the index, search it, serve it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from index import ClusterSearchError, build_index, load_embedder
from service.cli_corpus import document_files, library_for, print_report, upload_from
from service.engine import Engine, IndexUnavailableError
from service.schemas import SearchResult
from service.settings import Settings

__all__ = ["app"]

if TYPE_CHECKING:
    from index.evaluation import Report

app = typer.Typer(
    help="ClusterSearch: multilingual search over regional innovation-policy documents.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def _domain_errors() -> Iterator[None]:
    """A domain error ends the command with its message (it says what to do) and exit 1."""
    try:
        yield
    except ClusterSearchError as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from exc


def _settings(**options: Any) -> Settings:
    """The settings from the environment, with the command's options given (not None)."""
    try:
        return Settings(**{name: value for name, value in options.items() if value is not None})
    except ValidationError as exc:
        err.print(f"[red]Invalid settings (CLUSTERSEARCH_* environment, options):[/red]\n{exc}")
        raise typer.Exit(2) from exc


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="Rebuild even if the index is up to date.")] = False,
) -> None:
    """Build or refresh the index of the configured corpus."""
    settings = _settings()
    with _domain_errors():
        embedder = load_embedder(
            settings.model,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            threads=settings.build_threads,
        )
        # Finish or undo an update that was killed half-way first.
        from index import Library

        Library(settings.corpus_dir, settings.index_dir, embedder, settings.chunker).recover()
        with Progress(
            TextColumn("embedding passages"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("embed", total=None)
            report = build_index(
                settings.corpus_dir,
                settings.index_dir,
                embedder,
                settings.chunker,
                force=force,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    for document_id, reason in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {document_id}: {reason}")
    verb = "Built" if report.status == "built" else "Up to date:"
    err.print(
        f"{verb} {report.index_dir} — {report.documents} documents, {report.chunks} chunks, "
        f"{report.seconds:.2f} s"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The question or keywords.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many passages.")] = 5,
    lang: Annotated[str | None, typer.Option(help="Only passages in this language.")] = None,
    document: Annotated[str | None, typer.Option(help="Only passages of this document.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    region: Annotated[
        str | None, typer.Option(help="Only passages about this Land ('Sachsen', 'Saxony', 'SN').")
    ] = None,
) -> None:
    """Search the index and print ranked passages with their citations."""
    settings = _settings()
    try:
        searcher = Engine.load(settings).require_searcher()
        hits = searcher.search(query, k, lang=lang, region=region, document_id=document)
    except (ClusterSearchError, IndexUnavailableError) as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from exc
    results = [SearchResult.from_hit(h) for h in hits]
    if as_json:
        payload = {"query": query, "results": [r.model_dump() for r in results]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    out = Console(soft_wrap=True)
    if not results:
        out.print("No passages match.")
    for r in results:
        c = r.citation
        where = f"{c.title}" + (f" › {c.section}" if c.section else "")
        out.print(f"[bold]{r.rank}.[/bold] [cyan]{r.score:.3f}[/cyan] {where}")
        out.print(f"   {r.text}", highlight=False)
        out.print(f"   [dim]{c.document_id} [{c.start}:{c.end}] ({c.source}, {c.language})[/dim]")


# Extractive question answering
@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in German or English.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many supporting passages.")] = 5,
    lang: Annotated[str | None, typer.Option(help="Only passages in this language.")] = None,
    region: Annotated[
        str | None, typer.Option(help="Only passages about this Land ('Sachsen', 'Saxony', 'SN').")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (as POST /ask).")] = False,
) -> None:
    """Answer a question with a sentence of the corpus and where it stands."""
    import time

    from service.schemas import AskResponse

    settings = _settings()
    try:
        answerer = Engine.load(settings).require_answerer()
        started = time.perf_counter()
        answer = answerer.ask(question, k, lang=lang, region=region)
    except (ClusterSearchError, IndexUnavailableError) as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from exc
    response = AskResponse.from_answer(answer, round((time.perf_counter() - started) * 1000, 3))
    if as_json:
        typer.echo(json.dumps(response.model_dump(), ensure_ascii=False, indent=2))
        return
    out = Console(soft_wrap=True)
    if response.answer is None:
        out.print(f"No answer ({response.confidence:.2f}): {response.reason}", highlight=False)
    else:
        out.print(f"[bold]{response.answer}[/bold]", highlight=False)
        out.print(f"[cyan]confidence {response.confidence:.2f}[/cyan]")
    for c in response.citations:
        where = c.title + (f" › {c.section}" if c.section else "")
        out.print(f"  {where}", highlight=False)
        out.print(f"  [dim]{c.document_id} [{c.start}:{c.end}] ({c.source})[/dim]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated addresses or networks of the reverse proxies whose "
            "X-Forwarded-For names the client (default: none; CLUSTERSEARCH_TRUSTED_PROXIES)."
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs, metrics at /metrics)."""
    import uvicorn

    from service.main import create_app
    from service.server import server_config

    settings = _settings(host=host, port=port, trusted_proxies=trusted_proxies)
    uvicorn.Server(server_config(create_app(settings), settings)).run()


@app.command("eval")
def eval_(
    split: Annotated[str, typer.Option(help="Questions to run: test, dev or all.")] = "test",
    questions: Annotated[Path, typer.Option(help="The gold question set (JSON lines).")] = Path(
        "eval/questions.jsonl"
    ),
    manuals: Annotated[
        Path, typer.Option(help="Parallel manual (PART.en.html, PART.de.html) for out of domain.")
    ] = Path("/usr/share/debian-reference"),
    faq: Annotated[
        Path, typer.Option(help="FAQ with numbered question headings (PART.LANG.html) for answers.")
    ] = Path("/usr/share/doc/debian/FAQ"),
    ood: Annotated[bool, typer.Option(help="Also run the out-of-domain sets.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure retrieval (hybrid vs dense-only vs BM25-only): the gold questions of
    `--split`, then seed dev, seed test and out of domain side by side."""
    from index import CACHE_NAME, SPLITS, compare, load_questions, out_of_domain

    if split not in SPLITS:
        err.print(f"[red]Error:[/red] --split must be one of {', '.join(SPLITS)}, got {split!r}.")
        raise typer.Exit(2)
    if not questions.is_file():
        err.print(f"[red]Error:[/red] no question set at {questions}; pass --questions PATH.")
        raise typer.Exit(2)
    settings = _settings()
    try:
        engine = Engine.load(settings)
        searcher = engine.require_searcher()
        # The answer figures as their own section, after the retrieval ones
        from index import SECTIONS, answer_sections, faq_answers

        answerer = engine.require_answerer()
        sections = {**SECTIONS, **answer_sections(answerer)}
        outside = None
        if ood:  # passages embedded once per model, in a cache beside the index
            cache = settings.index_dir.parent / "ood" / CACHE_NAME
            outside = out_of_domain(
                manuals,
                engine.embedder,
                cache,
                settings.chunker,
                bridge_embedder=engine.bridge_embedder,
            )
            sections |= faq_answers(
                faq,
                engine.embedder,
                cache,
                settings.chunker,
                answerer,
                bridge_embedder=engine.bridge_embedder,
            )
        report = compare(searcher, load_questions(questions), split, outside, sections=sections)
    except (ClusterSearchError, IndexUnavailableError) as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)


def _print_report(report: Report) -> None:
    """An evaluation report as one table per section."""
    from rich.table import Table

    out = Console(soft_wrap=True)
    out.print(f"split={report.split}, {report.questions} questions (answerable ones scored)")
    for section in report.sections:
        table = Table(title=section.title)
        for column in section.columns:
            table.add_column(
                column, justify="left" if column in ("method", "pair", "group") else "right"
            )
        for row in section.rows:
            table.add_row(*(f"{c:.3f}" if isinstance(c, float) else str(c) for c in row))
        out.print(table)


# The metadata options `add` and `replace` share
LangOption = Annotated[str | None, typer.Option(help="Language code (default: detected).")]
RegionOption = Annotated[
    list[str] | None, typer.Option(help="A Land it concerns (repeatable; default: found).")
]


@app.command()
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt .md .html .pdf) or folders.")],
    title: Annotated[str | None, typer.Option(help="Title (default: from the file).")] = None,
    source: Annotated[str | None, typer.Option(help="Where it came from (a URL).")] = None,
    lang: LangOption = None,
    region: RegionOption = None,
) -> None:
    """Add documents to the corpus and the index (only their chunks are embedded)."""
    settings = _settings()
    files = document_files(paths)
    if not files:
        err.print("[red]Error:[/red] no .txt, .md, .html or .pdf files found.")
        raise typer.Exit(2)
    meta = {"title": title, "source": source, "language": lang}
    regions = tuple(region) if region else None
    with _domain_errors():
        library = library_for(settings)
        uploads = [upload_from(f, **meta, regions=regions) for f in files]
        report = library.add(uploads, skip_refused=len(uploads) > 1)
    print_report(report)
    if report.refused:
        raise typer.Exit(1)


@app.command("replace")
def replace_(
    document_id: Annotated[str, typer.Argument(metavar="ID", help="The document to replace.")],
    path: Annotated[Path, typer.Argument(help="The new version (.txt .md .html .pdf).")],
    title: Annotated[str | None, typer.Option(help="New title (default: from the file).")] = None,
    source: Annotated[str | None, typer.Option(help="New source (default: kept).")] = None,
    lang: LangOption = None,
    region: RegionOption = None,
) -> None:
    """Replace a document by a new version of it."""
    settings = _settings()
    if not path.is_file():
        err.print(f"[red]Error:[/red] {path} is not a file.")
        raise typer.Exit(2)
    with _domain_errors():
        upload = upload_from(
            path,
            title=title,
            source=source,
            language=lang,
            regions=tuple(region) if region else None,
        )
        report = library_for(settings).replace(document_id, upload)
    print_report(report)


@app.command()
def remove(
    document_id: Annotated[str, typer.Argument(metavar="ID", help="The document to remove.")],
) -> None:
    """Remove a document from the corpus and its chunks from the index."""
    settings = _settings()
    with _domain_errors():
        report = library_for(settings).remove(document_id)
    print_report(report)


@app.command()
def compact(
    full: Annotated[
        bool, typer.Option("--full", help="Merge every segment into one, deletions dropped.")
    ] = False,
) -> None:
    """Merge index segments: those the merge policy says are due, or all with --full."""
    settings = _settings()
    with _domain_errors():
        merged = library_for(settings).compact(full=full)
    typer.echo(f"merged {merged} segments" if merged else "nothing to merge")


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the documents of the corpus (id, language, characters, pages, title)."""
    from index import corpus_documents

    settings = _settings()
    with _domain_errors():
        docs = corpus_documents(settings.corpus_dir)
    if as_json:
        rows = [
            {
                "id": d.id,
                "title": d.title,
                "language": d.language,
                "source": d.source,
                "regions": list(d.regions),
                "chars": len(d.text),
                "pages": len(d.pages) or None,
            }
            for d in docs
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for d in docs:
        pages = f" {len(d.pages)}p" if d.pages else ""
        typer.echo(f"{d.id}\t{d.language}\t{len(d.text)} chars{pages}\t{d.title}")
    err.print(f"{len(docs)} documents")
