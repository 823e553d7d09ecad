"""The benchmark path: BEIR reading, metrics, and a run through the bot's own index code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.measure.beir import best_per_document, mrr_at, ndcg_at, read_beir, recall_at, write_trec_run
from bot.measure.benchmarks import bench_index, run_benchmark


def test_metrics_match_hand_computed_values() -> None:
    relevant = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], relevant) == pytest.approx(1.0)
    assert ndcg_at(["c", "a"], relevant) == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625))
    assert recall_at(["c", "a"], relevant) == 0.5
    assert mrr_at(["c", "d", "b"], relevant) == pytest.approx(1 / 3)
    assert mrr_at(["c"] * 20 + ["a"], relevant) == 0.0
    assert best_per_document([("x", 3.0), ("y", 2.0), ("x", 1.0)]) == [("x", 3.0), ("y", 2.0)]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    d = tmp_path / "tiny"
    d.mkdir()
    docs = [
        {"_id": "d1", "title": "Zebras", "text": "Zebras have black and white stripes. They live in Africa."},
        {"_id": "d2", "title": "Penguins", "text": "Penguins cannot fly. They swim in cold water."},
        {"_id": "d3", "title": "Camels", "text": "Camels store fat in their humps and cross deserts."},
    ]
    (d / "corpus.jsonl").write_text("\n".join(json.dumps(x) for x in docs) + "\n")
    queries = [{"_id": "q1", "text": "striped zebras"}, {"_id": "q2", "text": "penguins swim in cold water"}]
    (d / "queries.jsonl").write_text("\n".join(json.dumps(x) for x in queries) + "\n")
    (d / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    (d / "answers.jsonl").write_text(json.dumps({"_id": "q2", "answers": ["swim in cold water"]}) + "\n")
    return d


def test_benchmark_runs_through_the_bot_index(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOT_CACHE_DIR", str(tmp_path / "cache"))
    embedder = HashEmbedder()
    index = bench_index(dataset, Settings(), embedder)
    assert len(index.articles) == 3 and read_beir(dataset).qrels["q1"] == {"d1": 1}
    embedder.calls = 0
    again = bench_index(dataset, Settings(), embedder)  # unchanged data set: loaded, not rebuilt
    assert embedder.calls == 0 and again.path == index.path
    run = tmp_path / "run.txt"
    answers = {"q2": ["swim in cold water"]}
    results = run_benchmark(dataset, (index, embedder), ["hybrid", "keyword"], answers=answers, run_file=run)
    for mode in ("hybrid", "keyword"):
        metrics = results["modes"][mode]
        assert metrics["ndcg@10"] == 1.0 and metrics["recall@100"] == 1.0 and metrics["top1"] == 1.0
        lines = (tmp_path / f"run.{mode}.txt").read_text().splitlines()
        assert lines[0].split()[:4] == ["q1", "Q0", "d1", "1"] and lines[0].endswith(f"casebot-{mode}")
    assert results["modes"]["hybrid"]["answer_sentence_when_top1_right"] == 1.0


def test_write_trec_run_caps_at_100(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    write_trec_run(path, {"q": [(f"d{i}", 1.0 / (i + 1)) for i in range(150)]}, tag="t")
    assert len(path.read_text().splitlines()) == 100
