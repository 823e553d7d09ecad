"""The team's test library (tests/data/library): its sources, and the court-opinion PDF made
from its description (court-opinion.json) by the test PDF writer."""

from __future__ import annotations

import json

from tests.conftest import DATA
from tests.pdfs import make_pdf

LIBRARY = DATA / "library"
SOURCES = LIBRARY / "sources"
COURT_OPINION = SOURCES / "court-opinion.pdf"


def court_opinion_pdf() -> bytes:
    spec = json.loads((LIBRARY / "court-opinion.json").read_text(encoding="utf-8"))
    return make_pdf(spec["pages"], title=spec["title"], author=spec["author"])


if __name__ == "__main__":  # python -m tests.library: write the PDF again after editing its description
    COURT_OPINION.write_bytes(court_opinion_pdf())
