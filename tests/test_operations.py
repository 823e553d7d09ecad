"""docs/operations.md says what each terminal failure prints: cause each one, compare the first line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.index import build_lock, live_build
from tests.conftest import ROOT, TEST_MODEL, write_article

DOC = ROOT / "docs" / "operations.md"


def _terminal_rows() -> list[tuple[str, str]]:
    """(you run, you see) of the terminal table."""
    text = DOC.read_text(encoding="utf-8").split("## Terminal commands", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`") and cells[0] != "you run":
            rows.append((cells[0].strip("`"), cells[1][1:-1]))
    return rows


def _pattern(shown: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in shown.split("...")) + "$")


def _shown_line(result: subprocess.CompletedProcess[str], command: str) -> str:
    """The first line on stderr; for the bot, the last (its log comes first)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1] if command == "python -m bot" else lines[0]


class Case:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.corpus = tmp / "corpus"
        self.corpus.mkdir()
        write_article(self.corpus, "a.md", "The judge called her an entrepreneur.\n\nShe was freed in June.")
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CASEBOT_CORPUS_DIR": str(self.corpus),
            "CASEBOT_INDEX_DIR": str(tmp / "index"),
            "CASEBOT_MODEL": TEST_MODEL,
        }

    def run(self, *args: str, stdout: int | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**self.env, **env},
            cwd=self.tmp,
            timeout=180,
        )

    def ask(self, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run("bot.ask", "--json", "What did the judge call her?", **env)

    def build(self) -> None:
        assert self.run("bot.reindex", "--quiet").returncode == 0


def damaged(c: Case) -> subprocess.CompletedProcess[str]:
    c.build()
    (c.corpus / "b.md").write_text("---\ntitle: B\n---\n\nA second article.\n", encoding="utf-8")
    c.build()
    vectors = live_build(Path(c.env["CASEBOT_INDEX_DIR"])) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-64])
    return c.ask()


def other_model(c: Case) -> subprocess.CompletedProcess[str]:
    c.build()
    return c.ask(CASEBOT_MODEL="hash-128")


def other_format(c: Case) -> subprocess.CompletedProcess[str]:
    c.build()
    manifest = live_build(Path(c.env["CASEBOT_INDEX_DIR"])) / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": 99}), encoding="utf-8")
    return c.ask()


def stale(c: Case) -> subprocess.CompletedProcess[str]:
    c.build()
    write_article(c.corpus, "a.md", "The judge called her an entrepreneur.\n\nShe was freed on a Wednesday.")
    return c.ask()


def waiting(c: Case) -> subprocess.CompletedProcess[str]:
    index_dir = Path(c.env["CASEBOT_INDEX_DIR"])
    with build_lock(index_dir):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.ask", "--json", "judge"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=c.env,
            cwd=c.tmp,
        )
        import time

        time.sleep(2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "waiting for it to finish" in err.splitlines()[1]
    return subprocess.CompletedProcess(proc.args, 0, out, err)


def full_disk(c: Case) -> subprocess.CompletedProcess[str]:
    # in a child process: numpy's short write on a full disk, as it comes (no errno)
    code = (
        "import sys, bot.index.build as b\n"
        "def short(*a, **k):\n    raise OSError('2574336 requested and 1959872 written')\n"
        "b.save_npy = short\nfrom bot.reindex import main\nsys.exit(main(['--quiet']))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=c.env, cwd=c.tmp)


def not_writable(c: Case) -> subprocess.CompletedProcess[str]:
    blocker = c.tmp / "a-file"
    blocker.write_text("not a directory")
    return c.run("bot.reindex", "--quiet", CASEBOT_INDEX_DIR=str(blocker))


def busy(c: Case) -> subprocess.CompletedProcess[str]:
    with build_lock(Path(c.env["CASEBOT_INDEX_DIR"])):
        return c.run("bot.reindex", "--quiet")


def broken_corpus(c: Case) -> subprocess.CompletedProcess[str]:
    (c.corpus / "broken.md").write_bytes(b"---\ntitle: Broken\n---\nok\n\xff\n")
    return c.run("bot.reindex", "--quiet")


def bad_setting(c: Case) -> subprocess.CompletedProcess[str]:
    return c.ask(CASEBOT_TOP_K="three")


def full_output(c: Case) -> subprocess.CompletedProcess[str]:
    c.build()
    with open("/dev/full", "w") as full:
        return c.run("bot.ask", "What did the judge call her?", stdout=full.fileno())


def no_token(c: Case) -> subprocess.CompletedProcess[str]:
    return c.run("bot", DISCORD_TOKEN="")


def token_with_newline(c: Case) -> subprocess.CompletedProcess[str]:
    return c.run("bot", DISCORD_TOKEN="abc\ndef")


def unreachable(c: Case) -> subprocess.CompletedProcess[str]:
    return c.run("bot", DISCORD_TOKEN="abc", DISCORD_API_BASE="http://127.0.0.1:9/api/v10")


CAUSES: list[Callable[[Case], subprocess.CompletedProcess[str]]] = [
    damaged,
    other_model,
    other_format,
    stale,
    waiting,
    full_disk,
    not_writable,
    busy,
    broken_corpus,
    bad_setting,
    full_output,
    no_token,
    token_with_newline,
    unreachable,
]


def test_every_terminal_row_has_its_cause() -> None:
    assert len(_terminal_rows()) == len(CAUSES)


@pytest.mark.parametrize(("row", "cause"), list(enumerate(CAUSES)), ids=[c.__name__ for c in CAUSES])
def test_each_row_shows_what_the_command_prints(
    row: int, cause: Callable[[Case], subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    command, shown = _terminal_rows()[row]
    result = cause(Case(tmp_path))
    assert "Traceback" not in result.stderr
    line = _shown_line(result, command)
    assert _pattern(shown).match(line), (command, line)
