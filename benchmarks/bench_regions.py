"""How fast `find_regions` finds the Länder in real text, against the whole-pattern scan.

The text is the Debian reference manual in English and German (apt-get install
debian-reference-en debian-reference-de), its distinct paragraphs as `bench_scale.py` reads
them; the manual names no Land, so a third row puts one alias from the gazetteer before
every German paragraph ("Sachsen: ...") to time text that does. "before" is the plain
algorithm, `finditer` of the whole name and code patterns over each text; "after" is
`find_regions`. Both must find the same mentions (checked). Then `chunk_corpus` on
documents drawn from the manual as `bench_scale.py` draws them, with each algorithm.

Each figure is the best of --repeat runs (the machine is shared: the load is printed).

Usage: .venv/bin/python benchmarks/bench_regions.py [--documents 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).parent))

from bench_scale import _draw, paragraphs

from index import ChunkerConfig, Document, chunk_corpus
from index.text import regions
from index.text.regions import REGIONS, RegionMention, aliases, find_regions


def whole_pattern_scan(text: str) -> tuple[RegionMention, ...]:
    """`find_regions` as `finditer` of the whole patterns over every position of `text`."""
    mentions = [
        RegionMention(m.start(), m.end(), regions._GROUP_REGION[str(m.lastgroup)])
        for m in regions._name_pattern().finditer(text)
    ]
    taken = [(m.start, m.end) for m in mentions]
    for match in regions._code_pattern().finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        code = regions._CODE_REGION[match.group()]
        mentions.append(RegionMention(match.start(), match.end(), code))
    return tuple(sorted(mentions, key=lambda m: m.start))


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _texts(manual: Path) -> dict[str, list[str]]:
    chapters = paragraphs(manual)
    out = {lang: [p for chapter in chapters[lang] for p in chapter] for lang in ("en", "de")}
    names = [a for land in REGIONS for a in aliases(land)]
    out["de+aliases"] = [f"{names[i % len(names)]}: {p}" for i, p in enumerate(out["de"])]
    return out


def time_find_regions(texts: Sequence[str], repeat: int) -> tuple[int, int, float, float]:
    """(characters, mentions, seconds before, seconds after) over `texts`."""
    found = [find_regions(t) for t in texts]
    if found != [whole_pattern_scan(t) for t in texts]:
        raise SystemExit("find_regions and the whole-pattern scan disagree")
    before = _best(lambda: [whole_pattern_scan(t) for t in texts], repeat)
    after = _best(lambda: [find_regions(t) for t in texts], repeat)
    return sum(map(len, texts)), sum(map(len, found)), before, after


def time_chunking(manual: Path, count: int, repeat: int) -> tuple[int, float, float]:
    """(passages, seconds before, seconds after) of `chunk_corpus` on `count` documents."""
    docs = [
        Document(id=i, title=i, language=lang, source="bench", text=text)
        for i, lang, text in _draw(paragraphs(manual), count, seed=3)
    ]
    passages = len(chunk_corpus(docs, ChunkerConfig()))
    with mock.patch.object(regions, "find_regions", whole_pattern_scan):
        before = _best(lambda: chunk_corpus(docs, ChunkerConfig()), repeat)
    after = _best(lambda: chunk_corpus(docs, ChunkerConfig()), repeat)
    return passages, before, after


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manual", type=Path, default=Path("/usr/share/debian-reference"))
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not list(args.manual.glob("*.de.html")):
        print("apt-get install debian-reference-en debian-reference-de", file=sys.stderr)
        return 2
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load {load}, best of {args.repeat}")
    print("| text | texts | chars | mentions | before chars/s | after chars/s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for name, texts in _texts(args.manual).items():
        chars, mentions, before, after = time_find_regions(texts, args.repeat)
        print(
            f"| {name} | {len(texts)} | {chars} | {mentions} | {chars / before:,.0f} | "
            f"{chars / after:,.0f} | {before / after:.1f}x |"
        )
    passages, before, after = time_chunking(args.manual, args.documents, args.repeat)
    print(
        f"chunk_corpus, {args.documents} documents, {passages} passages: "
        f"before {before:.2f} s, after {after:.2f} s ({before / after:.1f}x)"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load after: {load}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
