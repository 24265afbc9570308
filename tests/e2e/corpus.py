"""A corpus for the escaping tests: the seed corpus plus one hostile document.

The hostile document carries markup in its title, text and source that would run script if
any page inserted it as HTML, and a character outside the Basic Multilingual Plane before the
markup, so offsets that confuse code points with UTF-16 units would show as a shifted mark.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

__all__ = [
    "INJECTION_DOC_ID",
    "INJECTION_QUERY",
    "INJECTION_TEXT",
    "INJECTION_TITLE",
    "write_injection_corpus",
]

INJECTION_DOC_ID = "zz_injection"
INJECTION_TITLE = 'Cluster <script>window.__csPwned = "title"</script> Sachsen'
INJECTION_TEXT = (
    'Rakete 🚀 Innovationscluster in Sachsen: <script>window.__csPwned = "text"</script>\n'
    '<img src="x" onerror="window.__csPwned = \'img\'"> Das Cluster fördert Mikroelektronik '
    "in Dresden und vernetzt Unternehmen mit Hochschulen.\n"
)
INJECTION_QUERY = '<script>window.__csPwned = "query"</script> Mikroelektronik Dresden'


def write_injection_corpus(seed: Path, target: Path) -> Path:
    """Copies the seed corpus at `seed` to `target` and adds the hostile document."""
    shutil.copytree(seed, target)
    (target / "documents" / f"{INJECTION_DOC_ID}.txt").write_text(INJECTION_TEXT, encoding="utf-8")
    entry = {
        "id": INJECTION_DOC_ID,
        "file": f"{INJECTION_DOC_ID}.txt",
        "title": INJECTION_TITLE,
        "language": "de",
        "source": '<img src=x onerror="window.__csPwned=1">.txt',
        "regions": ["Sachsen"],
    }
    # JSON strings are valid TOML basic strings; a list of them is a valid TOML array.
    lines = ["", "[[documents]]"] + [f"{key} = {json.dumps(value)}" for key, value in entry.items()]
    with (target / "manifest.toml").open("a", encoding="utf-8") as manifest:
        manifest.write("\n".join(lines) + "\n")
    return target
