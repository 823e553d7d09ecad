"""The terminal commands, run as a user runs them (temporary index; the test embedder, and the
real model in one smoke test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_module

_run = run_module


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env


@pytest.mark.model
def test_the_real_model_answers_and_quotes_from_a_fresh_index(env: dict[str, str]) -> None:
    real = {**env, "CASEBOT_MODEL": ""}
    result = _run(["bot.ask", "--json", "What did the judge call Johnson?"], real)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["answered"] and "quintessential entrepreneur" in record["hits"][0]["answer"]
    declined = _run(["bot.ask", "--json", "How do I bake sourdough bread?"], real)
    assert json.loads(declined.stdout)["answered"] is False
    quotes = _run(["bot.quote", "--json", "-k", "3", "how the judge described Johnson"], real)
    assert any("judge" in (q["speaker"] or "") for q in json.loads(quotes.stdout)["quotes"])


def test_ask_builds_on_first_use_and_answers_in_json(env: dict[str, str]) -> None:
    result = _run(["bot.ask", "--json", "Who commuted Alice Marie Johnson's sentence?"], env)
    assert result.returncode == 0, result.stderr
    assert "building it" in result.stderr
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert record["answered"] is True
    top = record["hits"][0]
    assert "Donald Trump had commuted" in top["text"] and top["paragraph"] == 1
    assert top["outlet"] == "Bustle" and top["published"] == "2018-06-06" and top["url"] is None

    # questions from stdin, one JSON line each; an off-topic one is declined
    result = _run(
        ["bot.ask", "--json", "-k", "2"],
        env,
        stdin="What did the judge call Johnson?\n\nHow do I bake sourdough bread?\n",
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["answered"] for r in records] == [True, False]
    assert "quintessential entrepreneur" in records[0]["hits"][0]["answer"]
    assert len(records[0]["hits"]) == 2

    # plain text: the quoted passage with the answer marked, and the citation
    result = _run(["bot.ask", "What did the judge call Johnson?"], env)
    assert result.returncode == 0
    assert "**The judge who sentenced Johnson called her" in result.stdout
    assert "Bustle, by Morgan Brinlee, 2018-06-06, paragraph 8" in result.stdout

    # bad input: one line, no traceback
    for bad in ["", "x" * 10_000]:
        result = _run(["bot.ask", bad], env)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_reindex_incremental_stale_and_broken_corpus(env: dict[str, str], corpus_dir: Path) -> None:
    first = _run(["bot.reindex", "--quiet"], env)
    assert first.returncode == 0, first.stderr
    assert "Indexed 1 article(s): 10 passages" in first.stdout
    second = _run(["bot.reindex", "--quiet"], env)
    assert "0 computed" in second.stdout, second.stdout

    seed = corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(
        seed.read_text(encoding="utf-8") + "\nJohnson was released from prison on Wednesday.\n",
        encoding="utf-8",
    )
    stale = _run(["bot.ask", "--json", "When was Johnson released?"], env)
    assert stale.returncode == 0
    assert "stale" in stale.stderr and "alice-marie-johnson-bustle.md" in stale.stderr

    (corpus_dir / "broken.md").write_bytes(b"---\ntitle: Broken\n---\nok\n\xff\n")
    refused = _run(["bot.reindex"], env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "broken.md:5: not valid UTF-8" in refused.stderr
    # the old index still answers
    still = _run(["bot.ask", "--json", "What did the judge call Johnson?"], env)
    assert still.returncode == 0 and json.loads(still.stdout)["answered"] is True

    skipped = _run(["bot.reindex", "--skip-bad", "--quiet"], env)
    assert skipped.returncode == 0 and "skipped broken.md:5" in skipped.stderr
    assert "0 computed" not in skipped.stdout  # the new paragraph was embedded
    fresh = _run(["bot.ask", "--json", "When was Johnson released from prison?"], env)
    assert "stale" not in fresh.stderr
    assert "released from prison on Wednesday" in fresh.stdout


def test_eval_case_reports_metrics(env: dict[str, str]) -> None:
    result = _run(["bot.eval", "case", str(ROOT / "tests" / "data" / "questions.jsonl"), "--json"], env)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["ask"] > 10 and 0 <= metrics["hit@1"] <= 1 and "misses" in metrics


def test_eval_quote_search_scores_each_part_fitted_and_hand(env: dict[str, str]) -> None:
    result = _run(["bot.eval", "quote-search", "--json"], env)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) == {"fitted", "hand"}
    for rule in figures.values():
        assert rule["tune"]["queries"] == 34 and rule["report"]["queries"] == 30
        assert 0 <= rule["report"]["top-1"] <= rule["report"]["top-3"] <= 1
    # the test embedder's index is searched by the hand formula whatever the weights say
    assert figures["fitted"] == figures["hand"]


def test_quote_command(env: dict[str, str]) -> None:
    result = _run(["bot.quote", "--json", "-k", "3", "how the judge described Johnson"], env)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["query"] == "how the judge described Johnson" and record["speaker"] is None
    assert any(
        q["text"] == "the quintessential entrepreneur" and "judge" in q["speaker"] for q in record["quotes"]
    )

    listing = _run(["bot.quote", "--speakers", "--json"], env)
    speakers = {s["name"]: s["count"] for s in json.loads(listing.stdout)["speakers"]}
    assert speakers["Kim Kardashian"] == 14 and speakers["Mic"] == 1

    every = _run(["bot.quote", "--speaker", "associated press", "--all", "--json"], env)
    (only,) = json.loads(every.stdout)["quotes"]
    assert only["text"] == "leading" and only["speaker"] == "Associated Press"

    text = _run(["bot.quote", "--speaker", "Kardashian"], env, stdin="second chance\nsourdough bread\n")
    assert text.returncode == 0
    assert "deserving of a second chance" in text.stdout
    assert "No quotation in the sources matches." in text.stdout

    bad = _run(["bot.quote", "--all"], env)
    assert bad.returncode == 2 and "--speaker" in bad.stderr


def test_damaged_index_concurrent_reindex_and_read_only_directory(
    env: dict[str, str], corpus_dir: Path
) -> None:
    from bot.index import build_lock, live_build

    index_dir = Path(env["CASEBOT_INDEX_DIR"])
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    seed = corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA paragraph added later.\n", encoding="utf-8")
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    damaged = live_build(index_dir)
    vectors = damaged / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-64])  # truncated, as by a full disk or a bad copy

    # the previous build keeps answering, and the terminal says what happened and what to do
    answer = _run(["bot.ask", "--json", "What did the judge call Johnson?"], env)
    assert answer.returncode == 0, answer.stderr
    assert "quintessential entrepreneur" in json.loads(answer.stdout)["hits"][0]["answer"]
    assert "vectors.npy" in answer.stderr and "previous build" in answer.stderr
    assert "python -m bot.reindex" in answer.stderr

    # two reindex runs at once: the second refuses at once and changes nothing
    with build_lock(index_dir):
        busy = _run(["bot.reindex", "--quiet"], env)
    assert busy.returncode == 1 and "another reindex is running" in busy.stderr
    assert "Traceback" not in busy.stderr and live_build(index_dir) == damaged

    fixed = _run(["bot.reindex", "--quiet"], env)
    assert fixed.returncode == 0, fixed.stderr
    again = _run(["bot.ask", "--json", "What did the judge call Johnson?"], env)
    assert again.returncode == 0 and "warning" not in again.stderr

    # an index directory that cannot be written: one line, and the index in use still answers
    blocked = {**env, "CASEBOT_INDEX_DIR": str(seed)}  # a file where a directory should be
    refused = _run(["bot.reindex", "--quiet"], blocked)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "cannot write the index" in refused.stderr and "CASEBOT_INDEX_DIR" in refused.stderr
