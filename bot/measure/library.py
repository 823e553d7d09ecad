"""A library of sources as a corpus, and its question file scored by part.

A library directory holds ``sources/`` (saved pages, PDFs, text files: what a maintainer
would add with ``python -m bot.add``) and ``questions.jsonl``: rows as in a case-question file
("ask" with ``answers``, "off_topic"), each with the ``source`` file that answers it and its
``part`` ("tune": looked at while building; "report": only reported), and ``"differ": true``
on the questions whose sources were written to disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.ingest.corpus_file import file_name, render, write_new
from bot.ingest.extract import read_source
from bot.measure.case import CaseReport, read_jsonl, record_ask, share

PARTS = ("tune", "report")


def build_corpus(sources: Path, corpus_dir: Path) -> dict[str, str]:
    """Every source of the directory added to ``corpus_dir`` as ``python -m bot.add --force``
    would; returns {source file name: corpus file name}."""
    written = {}
    for path in sorted(p for p in sources.iterdir() if p.is_file() and not p.name.startswith(".")):
        found = read_source(str(path))
        target = file_name(found, corpus_dir)
        write_new(target, render(found))
        written[path.name] = target.name
    return written


def read_questions(path: Path) -> list[dict[str, Any]]:
    rows = read_jsonl(path)
    for n, row in enumerate(rows, start=1):
        if row.get("part") not in PARTS or row.get("kind") not in ("ask", "off_topic"):
            raise ValueError(f"{path}:{n}: each row needs a kind (ask, off_topic) and a part (tune, report)")
    return rows


@dataclass
class PartReport(CaseReport):
    source3: int = 0  # the named source (or a copy of it) among the top three
    planted: int = 0  # questions whose sources were written to differ
    flagged_planted: int = 0
    flagged_other: int = 0  # a "sources differ" on any other question: false

    def metrics(self) -> dict[str, Any]:
        case = {k: v for k, v in super().metrics().items() if not k.startswith("quote")}
        return {
            **case,
            "source@3": share(self.source3, self.asked),
            "differ_planted": self.planted,
            "differ_flagged": self.flagged_planted,
            "differ_false": self.flagged_other,
        }


def score_library(
    engine: Engine, rows: list[dict[str, Any]], doc_of: dict[str, str]
) -> dict[str, PartReport]:
    """Per part: the case file's figures (any copy of a hit counts), the named source in the
    top three, and "sources differ" on the planted questions and on every other one."""
    reports = {p: PartReport() for p in PARTS}
    for row in rows:
        report = reports[row["part"]]
        answer = engine.retriever.ask(row["question"], k=3)
        flagged = bool(answer.differ)
        if row.get("differ"):
            report.planted += 1
            report.flagged_planted += flagged
            if not flagged:
                report.misses.append(f"{row['id']} planted disagreement not flagged: {row['question']!r}")
        elif flagged:
            report.flagged_other += 1
            values = [f"{s.text!r} ({s.article.doc_id})" for s in answer.differ]
            report.misses.append(f"{row['id']} false 'sources differ': {row['question']!r} -> {values}")
        if row["kind"] == "off_topic":
            report.off_topic += 1
            report.declined += not answer.answered
            if answer.answered:
                got = answer.hits[0].answer_text if answer.hits else ""
                report.misses.append(f"{row['id']} answered: {row['question']!r} -> {got[:90]!r}")
            continue
        record_ask(report, row, answer)
        doc = str(doc_of.get(row["source"]) or row["source"]).removesuffix(".md")
        report.source3 += any(
            d == doc for h in answer.hits[:3] for d in [h.article.doc_id, *(o.article.doc_id for o in h.also)]
        )
    return reports
