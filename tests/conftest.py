"""Shared fixtures. Every path the program writes points into a temporary directory."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.config import Settings
from bot.embedding import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# A frozen copy of the bundled corpus: maintainers add articles to corpus/, and no test may
# depend on what they add.
TEST_CORPUS = DATA / "corpus"
SEED_ARTICLE = TEST_CORPUS / "alice-marie-johnson-bustle.md"
# ../shared beside the checkout (CASEBOT_SHARED_DIR elsewhere): development questions, benchmarks
SHARED = Path(os.environ.get("CASEBOT_SHARED_DIR") or ROOT.parent / "shared")
SHARED_EVAL = SHARED / "eval" / "case_questions.jsonl"
NO_SHARED = f"needs {SHARED_EVAL} (../shared beside the checkout, or CASEBOT_SHARED_DIR): not found"
# The model setting of the deterministic test embedder (bot.embedding.hashed): end-to-end tests
# run the real commands and the real bot with it, and a few smoke tests with the real model.
TEST_MODEL = "hash-256"

# Property-based tests: the same examples on every run (derandomize), within a budget that
# keeps CI short. HYPOTHESIS_PROFILE=deep searches ten times longer (still reproducible).
_COMMON = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
}
hypothesis_settings.register_profile("ci", max_examples=150, **_COMMON)
hypothesis_settings.register_profile("deep", max_examples=1500, **_COMMON)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the whole run: the real model's question encoder is exported once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_cache: Path) -> None:
    for name in (
        "CASEBOT_CORPUS_DIR",
        "CASEBOT_INDEX_DIR",
        "CASEBOT_MODEL",
        "CASEBOT_ANN_MIN_PASSAGES",
        "CASEBOT_TOP_K",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CASEBOT_INDEX_DIR", str(tmp_path / "index-from-env"))
    monkeypatch.setenv("CASEBOT_CORPUS_DIR", str(tmp_path / "corpus-from-env"))
    monkeypatch.setenv("CASEBOT_CACHE_DIR", str(shared_cache))


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A copy of the frozen test corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index")


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


def write_article(directory: Path, name: str, body: str, title: str = "A test article", **meta: str) -> Path:
    lines = ["---", f"title: {title}"] + [f"{k}: {v}" for k, v in meta.items()] + ["---", "", body]
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_big_corpus(corpus: Path, articles: int = 30) -> list:
    """Articles of 20 paragraphs of random case words, each paragraph ending in its own marker
    (``item{article}x{paragraph}.``): enough passages for an approximate index. Returns them loaded."""
    from bot.corpus import load_corpus

    corpus.mkdir()
    rng = random.Random(7)
    words = "judge prison clemency tweet commutation sentence cocaine parole reform video".split()
    for n in range(articles):
        paras = [" ".join(rng.choice(words) for _ in range(12)) + f" item{n}x{k}." for k in range(20)]
        write_article(corpus, f"a{n:02d}.md", "\n\n".join(paras))
    return load_corpus(corpus).articles


def run_module(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m ARGS`` as a user runs it, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture
def cli_env(corpus_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a terminal command on a copy of the test corpus, with the test model."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CASEBOT_CORPUS_DIR": str(corpus_dir),
        "CASEBOT_INDEX_DIR": str(tmp_path / "cli-index"),
        "CASEBOT_MODEL": TEST_MODEL,
    }
