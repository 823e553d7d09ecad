"""Core modules never import discord; fake-embedder work never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import CORPUS, ROOT

_CHECK = f"""
import sys
from pathlib import Path
import bot.config, bot.models, bot.corpus, bot.chunking, bot.analysis, bot.embedding
import bot.store, bot.retrieval, bot.replies, bot.engine, bot.cli, bot.ask, bot.reindex, bot.eval
import bot.quotes, bot.quote_search, bot.quote
from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import open_engine
from bot.replies import answer_to_text
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    engine = open_engine(Settings(corpus_dir=Path({str(CORPUS)!r}), index_dir=Path(tmp)), HashEmbedder())
    answer_to_text(engine.retriever.ask("What did the judge call Johnson?"))
heavy = ("discord", "torch", "sentence_transformers", "transformers")
bad = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
print(",".join(bad))
"""


def test_core_imports_neither_discord_nor_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHECK],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert result.stdout.strip() == "", f"imported: {result.stdout.strip()}"
