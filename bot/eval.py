"""python -m bot.eval: measure the product.

python -m bot.eval case FILE [--json]   score a case-question file (see ../shared/eval):
    ask rows (hit@1, hit@3, answer sentence@1, answered), off_topic rows (declined) and
    quote rows (the quotation, with the right speaker, in the top three)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.cli import add_location_args, note, run, settings_from_args
from bot.engine import Engine, open_engine

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def fold(text: str) -> str:
    """Fold whitespace and quote styles, as the case-question file specifies."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def contains_any(text: str, answers: list[str]) -> bool:
    folded = fold(text)
    return any(fold(a) in folded for a in answers)


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
        def share(n: int, d: int) -> float | None:
            return round(n / d, 4) if d else None

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
        name = row.get("id", "?")
        if kind == "ask":
            report.asked += 1
            answer = engine.retriever.ask(row["question"], k=3)
            hits = answer.hits
            top1 = bool(hits) and contains_any(hits[0].passage.text, row["answers"])
            top3 = any(contains_any(h.passage.text, row["answers"]) for h in hits[:3])
            sent1 = bool(hits) and contains_any(hits[0].answer_text, row["answers"])
            report.hit1 += top1
            report.hit3 += top3
            report.answer1 += sent1
            report.answered += answer.answered
            if not (top1 and top3 and sent1 and answer.answered):
                got = hits[0].answer_text if hits else "(no hit)"
                flags = [
                    n
                    for n, ok in (
                        ("top1", top1),
                        ("top3", top3),
                        ("sentence", sent1),
                        ("answered", answer.answered),
                    )
                    if not ok
                ]
                report.misses.append(f"{name} missed {','.join(flags)}: {row['question']!r} -> {got[:100]!r}")
        elif kind == "off_topic":
            report.off_topic += 1
            answer = engine.retriever.ask(row["question"], k=3)
            report.declined += not answer.answered
            if answer.answered:
                report.misses.append(f"{name} answered an off-topic question: {row['question']!r}")
        elif kind == "quote":
            report.quote_rows += 1
            result = engine.quotes.search(row["query"], k=3)
            found = any(
                fold(row["quote_contains"]) in fold(h.quotation.text)
                and any(
                    s.casefold() in (h.quotation.speaker or "").casefold() for s in row["speaker_contains"]
                )
                for h in result.hits[:3]
            )
            report.quote3 += found
            if not found:
                got = [(h.quotation.text[:40], h.quotation.speaker) for h in result.hits[:3]]
                report.misses.append(f"{name} quotation not in top 3: {row['query']!r} -> {got}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eval", description="Measure retrieval quality.")
    sub = parser.add_subparsers(dest="command", required=True)
    case = sub.add_parser("case", help="score a case-question file (JSON lines)")
    case.add_argument("file", type=Path)
    case.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    add_location_args(case)
    args = parser.parse_args(argv)
    return run(lambda: _case(args))


def _case(args: argparse.Namespace) -> int:
    try:
        rows = [
            json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    except (OSError, ValueError) as exc:
        note(f"error: cannot read {args.file}: {exc}")
        return 2
    engine = open_engine(settings_from_args(args), progress=note)
    report = score_case_file(engine, rows)
    metrics = report.metrics()
    if args.json:
        print(json.dumps({**metrics, "misses": report.misses}))
        return 0
    for key, value in metrics.items():
        print(f"{key:>20}: {value}")
    if report.misses:
        print("\nMissed:")
        for miss in report.misses:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
