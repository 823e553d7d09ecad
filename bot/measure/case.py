"""Scoring a case-question file (see ../shared/eval/README.md for its format)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.models import Answer, Hit

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def fold(text: str) -> str:
    """Fold whitespace and quote styles, as the case-question file specifies."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def contains_any(text: str, answers: list[str]) -> bool:
    folded = fold(text)
    return any(fold(a) in folded for a in answers)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines question file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


@dataclass
class CaseReport:
    asked: int = 0
    hit1: int = 0
    hit3: int = 0
    answer1: int = 0
    answered: int = 0
    off_topic: int = 0
    declined: int = 0
    quote_rows: int = 0
    quote3: int = 0
    misses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        return {
            "ask": self.asked,
            "hit@1": share(self.hit1, self.asked),
            "hit@3": share(self.hit3, self.asked),
            "answer_sentence@1": share(self.answer1, self.asked),
            "answered_in_scope": share(self.answered, self.asked),
            "off_topic": self.off_topic,
            "declined_off_topic": share(self.declined, self.off_topic),
            "quote": self.quote_rows,
            "quote@3": share(self.quote3, self.quote_rows),
        }


def score_case_file(engine: Engine, rows: list[dict[str, Any]]) -> CaseReport:
    report = CaseReport()
    for row in rows:
        kind = row.get("kind")
        if kind == "ask":
            _score_ask(engine, row, report)
        elif kind == "off_topic":
            report.off_topic += 1
            answer = engine.retriever.ask(row["question"], k=3)
            report.declined += not answer.answered
            if answer.answered:
                report.misses.append(
                    f"{row.get('id', '?')} answered an off-topic question: {row['question']!r}"
                )
        elif kind == "quote":
            _score_quote(engine, row, report)
    return report


def _score_ask(engine: Engine, row: dict[str, Any], report: CaseReport) -> None:
    record_ask(report, row, engine.retriever.ask(row["question"], k=3))


def _passages(hit: Hit) -> list[str]:
    """The hit's passage and those of its copies in other articles (the same words)."""
    return [hit.passage.text, *(o.passage.text for o in hit.also)]


def record_ask(report: CaseReport, row: dict[str, Any], answer: Answer) -> None:
    """Count one "ask" row: the answer in the top passage, in the top three, in the bold
    sentence, and answered at all."""
    report.asked += 1
    hits = answer.hits
    top1 = bool(hits) and any(contains_any(t, row["answers"]) for t in _passages(hits[0]))
    top3 = any(contains_any(t, row["answers"]) for h in hits[:3] for t in _passages(h))
    sent1 = bool(hits) and contains_any(hits[0].answer_text, row["answers"])
    report.hit1 += top1
    report.hit3 += top3
    report.answer1 += sent1
    report.answered += answer.answered
    if not (top1 and top3 and sent1 and answer.answered):
        got = hits[0].answer_text if hits else "(no hit)"
        checks = (("top1", top1), ("top3", top3), ("sentence", sent1), ("answered", answer.answered))
        flags = [n for n, ok in checks if not ok]
        report.misses.append(
            f"{row.get('id', '?')} missed {','.join(flags)}: {row['question']!r} -> {got[:100]!r}"
        )


def _score_quote(engine: Engine, row: dict[str, Any], report: CaseReport) -> None:
    report.quote_rows += 1
    result = engine.quotes.search(row["query"], k=3)
    found = any(
        fold(row["quote_contains"]) in fold(h.quotation.text)
        and any(s.casefold() in (h.quotation.speaker or "").casefold() for s in row["speaker_contains"])
        for h in result.hits[:3]
    )
    report.quote3 += found
    if not found:
        got = [(h.quotation.text[:40], h.quotation.speaker) for h in result.hits[:3]]
        report.misses.append(f"{row.get('id', '?')} quotation not in top 3: {row['query']!r} -> {got}")
