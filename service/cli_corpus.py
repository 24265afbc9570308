"""What the corpus commands of `clustersearch` (add, replace, remove, list) share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from index import load_embedder
from service.settings import Settings

if TYPE_CHECKING:
    from index import Library, UpdateReport, Upload

__all__ = ["document_files", "library_for", "print_report", "upload_from"]

err = Console(stderr=True, soft_wrap=True)


def library_for(settings: Settings) -> Library:
    from index import Library

    embedder = load_embedder(
        settings.model,
        query_prompt=settings.query_prompt,
        passage_prompt=settings.passage_prompt,
        threads=settings.build_threads,
    )
    return Library(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        settings.chunker,
        max_bytes=settings.max_document_bytes,
        merge_policy=settings.merge_policy,
        pause_at=settings.pause_at,
    )


def document_files(paths: list[Path]) -> list[Path]:
    """The files named, and the supported files inside the folders named (sorted)."""
    from index import FORMATS

    suffixes = {s for names, _ in FORMATS.values() for s in names}
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
                )
            )
        elif path.is_file():
            out.append(path)
        else:
            err.print(f"[red]Error:[/red] {path} is neither a file nor a folder.")
            raise typer.Exit(2)
    return out


def upload_from(path: Path, **meta: Any) -> Upload:
    from index import Upload

    return Upload(data=path.read_bytes(), filename=path.name, **meta)


def print_report(report: UpdateReport) -> None:
    for change in report.changes:
        note = f" (same text as {change.duplicate_of})" if change.duplicate_of else ""
        chunks = f", {change.chunks} chunks" if change.chunks else ""
        typer.echo(f"{change.status:9} {change.id}{chunks}{note} — {change.document.title}")
    if report.stats is not None:
        s = report.stats
        err.print(
            f"index: {s.added} chunks added ({s.embedded} embedded, the rest cached), "
            f"{s.removed} removed, {s.kept} kept; {report.seconds:.2f} s"
        )
    for refusal in report.refused:
        err.print(f"[red]refused[/red] {refusal.filename}: {refusal.reason}")
