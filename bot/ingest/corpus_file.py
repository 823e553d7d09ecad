"""An extracted source written as a corpus file: front matter, then one paragraph a block."""

from __future__ import annotations

import os
from pathlib import Path

from bot.corpus import parse_article
from bot.corpus_fields import normalise_date, slug
from bot.ingest.extract import Extracted


def render(found: Extracted) -> str:
    """The corpus file's text. Values on one line; the body's paragraphs separated by blank lines."""
    lines = ["---", f"title: {_one_line(found.title or 'Untitled')}"]
    for key in ("author", "outlet", "published", "url", "credit"):
        value = getattr(found, key)
        if key == "published" and value:
            try:
                value = normalise_date(value)
            except ValueError:
                value = None
        if value:
            lines.append(f"{key}: {_one_line(value)}")
    if found.pages:
        lines.append("pages: " + " ".join(str(p) for p in _page_starts(found.pages)))
    lines += ["---", "", ""]
    return "\n".join(lines) + "\n\n".join(found.paragraphs) + "\n"


def _page_starts(pages: list[int]) -> list[int]:
    """For each page, the number of the paragraph it starts with (pages without text left out)."""
    starts: dict[int, int] = {}
    for paragraph, page in enumerate(pages, start=1):
        starts.setdefault(page, paragraph)
    return [starts[p] for p in sorted(starts)]


def _one_line(value: str) -> str:
    return " ".join(value.split())


def file_name(found: Extracted, corpus_dir: Path) -> Path:
    """``corpus/<slug>.md`` from the outlet and title; a name already taken gets -2, -3, ..."""
    base = (
        slug(" ".join(x for x in (found.outlet, found.title) if x))
        or slug(Path(found.source).stem)
        or "article"
    )
    if len(base) > 80:  # at a word's end
        base = base[:81].rsplit("-", 1)[0]
    candidate = corpus_dir / f"{base}.md"
    n = 2
    while candidate.exists():
        candidate = corpus_dir / f"{base}-{n}.md"
        n += 1
    return candidate


def write_new(path: Path, text: str) -> None:
    """Write a corpus file that does not exist yet (never over one), checked as the corpus reads it."""
    parse_article(path.name, text.encode("utf-8"))  # the file it writes is one the corpus accepts
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
