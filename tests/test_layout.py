"""The shape of the code: no import circle in bot/, discord only in bot/discord_app/, no module
over MAX_LINES, and the core runs on the test embedder without importing discord or torch."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, TEST_CORPUS

BOT = ROOT / "bot"
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(the bot modules a file imports, anywhere in it; the top-level names of all it imports).

    ``from bot.x import y`` counts as an import of bot.x.y when that is a module, else of bot.x.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own: set[str] = set()
    tops: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                tops.add(alias.name.split(".")[0])
                if alias.name in known:
                    own.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    own.add(full)
                elif node.module in known:
                    own.add(node.module)
    return own, tops


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_cycle_finder_finds_a_circle_and_only_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_in_bot() -> None:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(path, known)[0] - {name} for name, path in modules.items()}
    assert sum(len(v) for v in graph.values()) > 50  # the walk sees the imports (not vacuous)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_only_the_discord_layer_imports_discord() -> None:
    modules = _modules()
    known = set(modules)
    seen = {name: _imports(path, known)[1] for name, path in modules.items()}
    assert "discord" in seen["bot.discord_app.client"]  # the check can see it
    outside = sorted(
        n for n, tops in seen.items() if "discord" in tops and not n.startswith("bot.discord_app")
    )
    assert outside == []


def test_no_module_is_too_long() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert max(lengths.values()) > 100
    assert {n: k for n, k in lengths.items() if k > MAX_LINES} == {}


_CHECK = f"""
import sys
from pathlib import Path
import bot.config, bot.models, bot.corpus, bot.chunking, bot.analysis, bot.embedding, bot.questions
import bot.index, bot.ranking.retriever, bot.replies, bot.engine, bot.cli, bot.ask, bot.reindex, bot.eval
import bot.quotes, bot.quote_search, bot.quote, bot.measure.case, bot.measure.benchmarks
from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import open_engine
from bot.replies import answer_to_text
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    engine = open_engine(Settings(corpus_dir=Path({str(TEST_CORPUS)!r}), index_dir=Path(tmp)), HashEmbedder())
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
