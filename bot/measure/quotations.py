"""The team's quotation set: every quotation of its articles with its true speaker (and who
relayed it), scored part by part and pattern by pattern.

The set (tests/data/quotations) is articles written by the team, one house style and pattern
after another, and ``quotations.jsonl``: per quotation its article (``doc``, or ``source``
for a test-library file), exact text, true speaker (null when the article does not say),
``reported_by`` where it applies, its pattern, and its part (tune or report, by article).
The corpus scored is those articles plus the test library, so speakers resolve over many
articles as they do in a real corpus.

Extraction: precision = quotations found that are in the set / quotations found in the
set's articles; recall = quotations of the set found / quotations of the set. Attribution:
precision = right speaker / quotations found with a speaker given; recall = right speaker /
quotations of the set whose speaker is known.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bot.corpus import load_corpus
from bot.measure.case import read_jsonl
from bot.measure.library import build_corpus
from bot.quotes import extract_corpus_quotations


def score_quotations(set_dir: Path, library_sources: Path | None) -> dict[str, Any]:
    rows = read_jsonl(set_dir / "quotations.jsonl")
    with tempfile.TemporaryDirectory(prefix="casebot-quotes-") as tmp:
        corpus = Path(tmp)
        for path in sorted((set_dir / "articles").glob("*.md")):
            shutil.copy(path, corpus / path.name)
        doc_of = {}
        if library_sources is not None:
            doc_of = {src: Path(name).stem for src, name in build_corpus(library_sources, corpus).items()}
        loaded = load_corpus(corpus)
        if loaded.errors:
            raise ValueError("; ".join(str(e) for e in loaded.errors))
        quotations, people = extract_corpus_quotations(loaded.articles)
    gold: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        doc = row.get("doc") or doc_of.get(row.get("source", ""))
        if doc is None:
            continue  # a library row when the library is not scored
        # a true speaker names a person: shown as the corpus shows that person ("Julia Gibbons"
        # is shown "Julia Smith Gibbons" once an article gives her middle name)
        speaker = people.shown(row["speaker"]) if row["speaker"] else None
        gold[(doc, row["text"])] = {**row, "speaker": speaker}
    docs_of_part = {
        part: {d for (d, _), r in gold.items() if r["part"] == part} for part in ("tune", "report")
    }
    out: dict[str, Any] = {}
    for part, docs in docs_of_part.items():
        found = [q for q in quotations if q.doc_id in docs]
        want = {k: r for k, r in gold.items() if r["part"] == part}
        matched = [(q, want[(q.doc_id, q.text)]) for q in found if (q.doc_id, q.text) in want]
        given = [(q, r) for q, r in matched if q.speaker]
        right = [(q, r) for q, r in given if q.speaker == r["speaker"]]
        known = [r for r in want.values() if r["speaker"]]
        relayed = [(q, r) for q, r in matched if r.get("reported_by")]
        patterns: dict[str, Counter[str]] = {}
        for q, r in matched:
            counts = patterns.setdefault(r["pattern"], Counter())
            counts["quotations"] += 1
            counts["right"] += int(q.speaker == r["speaker"])
            counts["wrong"] += int(bool(q.speaker) and q.speaker != r["speaker"])
            counts["none"] += int(not q.speaker)
        out[part] = {
            "quotations": len(want),
            "extraction_precision": _share(len(matched), len(found)),
            "extraction_recall": _share(len(matched), len(want)),
            "attribution_precision": _share(len(right), len(given)),
            "attribution_recall": _share(len(right), len(known)),
            "reported_by_right": f"{sum(q.reported_by == r['reported_by'] for q, r in relayed)}/{len(relayed)}",  # noqa: E501
            # read only on the part tuned on: a reported part is counted, never read case by case
            "wrong": [
                f"{q.doc_id}: {q.text[:40]!r} -> {q.speaker} (true: {r['speaker']})"
                for q, r in matched
                if q.speaker != r["speaker"]
            ]
            if part == "tune"
            else len(given) - len(right),
            "patterns": {p: dict(c) for p, c in sorted(patterns.items())},
        }
    return out


def _share(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0
