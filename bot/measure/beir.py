"""Public retrieval benchmarks in BEIR layout, run through the product's own code.

A data set directory holds ``corpus.jsonl`` ({"_id", "title", "text"}), ``queries.jsonl``
({"_id", "text"}) and ``qrels.tsv`` (query-id, corpus-id, score, with a header line); for
SQuAD also ``answers.jsonl`` ({"_id", "answers": [...]}). Each document becomes an Article and
goes through the same chunking, embedding, index and Retriever as the bot; a document scores
by its best passage.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.models import Article


@dataclass(frozen=True)
class BeirData:
    articles: list[Article]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


class BeirError(ValueError):
    """A data set directory that cannot be read."""


def _jsonl(path: Path) -> Iterator[dict]:
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise BeirError(f"{path}:{n}: not a JSON object") from None
    except FileNotFoundError:
        raise BeirError(f"{path} does not exist") from None


def read_beir(directory: Path) -> BeirData:
    articles = []
    for record in _jsonl(directory / "corpus.jsonl"):
        text = (record.get("text") or "").strip()
        if not text:
            continue
        title = (record.get("title") or "").strip() or str(record["_id"])
        articles.append(
            Article(doc_id=str(record["_id"]), title=title, body=text, source_file=str(record["_id"]))
        )
    queries = {str(r["_id"]): r["text"] for r in _jsonl(directory / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    try:
        lines = (directory / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BeirError(f"{directory / 'qrels.tsv'} does not exist") from None
    for line in lines[1:]:
        if line.strip():
            qid, did, score = line.split("\t")[:3]
            qrels.setdefault(qid, {})[did] = int(score)
    return BeirData(articles, {q: t for q, t in queries.items() if q in qrels}, qrels)


def read_answers(directory: Path) -> dict[str, list[str]]:
    return {str(r["_id"]): list(r["answers"]) for r in _jsonl(directory / "answers.jsonl")}


def corpus_key(directory: Path) -> str:
    """A short name for a data set's scratch index: its folder name and corpus hash."""
    digest = hashlib.sha256((directory / "corpus.jsonl").read_bytes()).hexdigest()[:12]
    return f"{directory.resolve().name}-{digest}"


def ndcg_at(ranking: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranking: list[str], relevant: dict[str, int], k: int = 100) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranking[:k])) / len(wanted) if wanted else 0.0


def mrr_at(ranking: list[str], relevant: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranking[:k]):
        if relevant.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def best_per_document(scored: Iterable[tuple[str, float]], limit: int = 100) -> list[tuple[str, float]]:
    """(doc id, passage score) best first -> each document once, at its best passage."""
    seen: dict[str, float] = {}
    for doc_id, score in scored:
        if doc_id not in seen:
            seen[doc_id] = score
            if len(seen) == limit:
                break
    return list(seen.items())


def write_trec_run(path: Path, runs: dict[str, list[tuple[str, float]]], tag: str) -> None:
    """TREC run format: ``qid Q0 docid rank score tag``, up to 100 documents a query."""
    with path.open("w", encoding="utf-8") as fh:
        for qid, ranking in runs.items():
            for rank, (doc_id, score) in enumerate(ranking[:100], start=1):
                fh.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")
