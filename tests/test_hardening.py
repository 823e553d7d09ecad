"""Hostile bytes and unlucky operators, each reproduction of issue "Hardening" as a test:
terminal escapes, damaged manifests, repair without re-embedding, a loader that stays inside
its directory, one-line failures, two first uses at once, what the messages say, progress."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import rebuild
from bot.index import IndexCorrupt, IndexMismatch, build_lock, live_build, load_index
from bot.terminal import json_line, printable
from tests.conftest import ROOT, run_module, write_article

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x08\x9b31m\r\x7f"


_run = run_module


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env


def _raw_controls(text: str) -> list[str]:
    return sorted({c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F})


# ---------------------------------------------------------------- 1. terminal text


def test_printable_escapes_every_control_but_newline_and_tab() -> None:
    assert printable("a\tb\nc" + ESCAPES) == "a\tb\nc\\x1b]0;owned\\x07\\x1b[2J\\x08\\x9b31m\\x0d\\x7f"
    assert printable("Kardashian\u2019s caf\u00e9 \U0001f600") == "Kardashian\u2019s caf\u00e9 \U0001f600"
    line = json_line({"t": ESCAPES})
    assert _raw_controls(line) == [] and json.loads(line) == {"t": ESCAPES}


def test_control_bytes_in_a_body_and_a_question_never_reach_the_terminal(
    env: dict[str, str], corpus_dir: Path
) -> None:
    write_article(
        corpus_dir,
        "hostile.md",
        f"The zebra committee{ESCAPES} met on Tuesday. \u201cStripes{ESCAPES} matter,\u201d said Zed Zebra.",
        title="Zebra committee",
    )
    asked = _run(["bot.ask", f"zebra committee{ESCAPES} Tuesday"], env)
    assert asked.returncode == 0, asked.stderr
    assert "zebra committee" in asked.stdout.lower() and "\\x1b" in asked.stdout  # shown, escaped
    assert _raw_controls(asked.stdout) == [] and _raw_controls(asked.stderr) == []
    quoted = _run(["bot.quote", "stripes matter"], env)
    assert quoted.returncode == 0 and "\\x1b" in quoted.stdout and _raw_controls(quoted.stdout) == []
    listing = _run(["bot.quote", "--speakers"], env)
    assert _raw_controls(listing.stdout) == []
    as_json = _run(["bot.ask", "--json"], env, stdin=f"zebra{ESCAPES}\n")
    assert _raw_controls(as_json.stdout) == []
    assert ESCAPES in json.loads(as_json.stdout)["question"]  # the data is unchanged for scripts


# ---------------------------------------------------------------- 2. a manifest nested deep


def test_a_manifest_nested_deep_falls_back_and_reindex_repairs(env: dict[str, str], corpus_dir: Path) -> None:
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    seed = corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA paragraph added later.\n", encoding="utf-8")
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    damaged = live_build(Path(env["CASEBOT_INDEX_DIR"]))
    (damaged / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    answer = _run(["bot.ask", "--json", "What did the judge call Johnson?"], env)
    assert answer.returncode == 0 and "Traceback" not in answer.stderr
    assert (
        json.loads(answer.stdout)["hits"]
        and "previous build" in answer.stderr
        and "nested too deep" in answer.stderr
    )
    fixed = _run(["bot.reindex", "--quiet"], env)
    assert fixed.returncode == 0 and "Traceback" not in fixed.stderr, fixed.stderr
    assert "warning" not in _run(["bot.ask", "--json", "judge"], env).stderr


# ---------------------------------------------------------------- 3. repair without re-embedding


def test_repairing_a_damaged_live_build_embeds_only_what_the_fallback_lacks(settings: Settings) -> None:
    embedder = HashEmbedder()
    rebuild(settings, embedder)
    seed = settings.corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more paragraph here.\n", encoding="utf-8")
    rebuild(settings, embedder)
    vectors = live_build(settings.index_dir) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-64])
    report, _ = rebuild(settings, embedder)
    assert report.computed == 2  # the new paragraph and its one sentence, nothing else
    assert report.reused == report.passages + report.sentences + 2 * report.quotations - 2
    assert load_index(settings.index_dir).warning is None


# ---------------------------------------------------------------- 4. the loader stays inside


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "outside.fifo"
    os.mkfifo(fifo)
    return fifo


def _load_within(index_dir: Path, seconds: float = 20) -> BaseException | None:
    """Load in a thread: an open of the FIFO would block it, which the timeout catches."""
    caught: list[BaseException | None] = []

    def load() -> None:
        try:
            load_index(index_dir)
            caught.append(None)
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(seconds)
    assert caught, "the loader blocked: it opened a file outside the index"
    return caught[0]


def _rewrite_manifest(build: Path, change) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    "how",
    [
        "absolute",
        "dotdot",
        "empty files",
        "symlinked file",
        "symlinked build",
        "symlinked builds",
        "symlinked CURRENT",
    ],
)
def test_the_loader_never_leaves_the_index_directory(settings: Settings, tmp_path: Path, how: str) -> None:
    rebuild(settings, HashEmbedder())
    index_dir = settings.index_dir
    build = live_build(index_dir)
    fifo = _fifo(tmp_path)
    if how == "absolute":
        _rewrite_manifest(build, lambda m: m["files"].update({str(fifo): {"bytes": 0, "sha256": "0" * 64}}))
    elif how == "dotdot":
        _rewrite_manifest(
            build, lambda m: m["files"].update({"../../../outside.fifo": {"bytes": 0, "sha256": "0" * 64}})
        )
    elif how == "empty files":
        _rewrite_manifest(build, lambda m: m.update({"files": {}}))
    elif how == "symlinked file":
        (build / "names.json").unlink()
        (build / "names.json").symlink_to(fifo)
    elif how == "symlinked build":
        moved = tmp_path / "moved-build"
        build.rename(moved)
        build.symlink_to(moved)
    elif how == "symlinked builds":
        moved = tmp_path / "moved-builds"
        (index_dir / "builds").rename(moved)
        (index_dir / "builds").symlink_to(moved)
    else:
        (index_dir / "CURRENT").unlink()
        (index_dir / "CURRENT").symlink_to(fifo)
    error = _load_within(index_dir)
    assert isinstance(error, IndexCorrupt), error
    assert "\n" not in str(error) and "bot.reindex" in str(error)


# ---------------------------------------------------------------- 5. one line, not a traceback


def test_top_level_failures_of_the_bot_are_one_line(env: dict[str, str]) -> None:
    unreachable = {**env, "DISCORD_TOKEN": "abc", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"}
    result = _run(["bot"], unreachable)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot reach Discord" in result.stderr.strip().splitlines()[-1]
    newline = _run(["bot"], {**env, "DISCORD_TOKEN": "abc\ndef"})
    assert newline.returncode == 2 and "Traceback" not in newline.stderr
    (line,) = newline.stderr.strip().splitlines()
    assert "DISCORD_TOKEN" in line and "def" not in line


def test_output_to_a_full_device_is_one_line(env: dict[str, str]) -> None:
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bot.ask", "What did the judge call Johnson?"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    assert (
        result.returncode == 1
        and "Traceback" not in result.stderr
        and "Exception ignored" not in result.stderr
    )
    (line,) = result.stderr.strip().splitlines()
    assert line == "error: cannot write the output (No space left on device)"


# ---------------------------------------------------------------- 7. two first uses at once


def test_two_first_uses_at_once_both_answer(env: dict[str, str]) -> None:
    question = ["bot.ask", "--json", "What did the judge call Johnson?"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", *question],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert json.loads(out)["answered"] is True


def test_a_first_use_waits_for_a_running_build(env: dict[str, str]) -> None:
    index_dir = Path(env["CASEBOT_INDEX_DIR"])
    with build_lock(index_dir):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.ask", "--json", "judge"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        time.sleep(3)
        assert proc.poll() is None  # waiting, not failing
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "waiting for it to finish" in err and json.loads(out)["hits"]


# ---------------------------------------------------------------- 8. what the messages say


def test_a_short_write_reads_as_a_full_disk(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.index.build
    from bot.index import IndexWriteError

    def short(*args: object, **kwargs: object) -> None:
        raise OSError("2574336 requested and 1959872 written")  # numpy's, with no errno

    monkeypatch.setattr(bot.index.build, "save_npy", short)
    with pytest.raises(IndexWriteError) as caught:
        rebuild(settings, HashEmbedder())
    assert "(No space left on device)" in str(caught.value) and "free some disk space" in str(caught.value)
    assert "requested" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "kind", "says"),
    [
        ("5", IndexCorrupt, "no valid format number"),
        (99, IndexMismatch, "format 99, which this version does not read"),
    ],
)
def test_a_format_that_is_not_this_versions_says_what_it_is(
    settings: Settings, value: object, kind: type, says: str
) -> None:
    rebuild(settings, HashEmbedder())
    _rewrite_manifest(live_build(settings.index_dir), lambda m: m.update({"format": value}))
    with pytest.raises(kind, match=says):
        load_index(settings.index_dir)


def test_a_huge_refused_question_is_not_echoed_back_whole(env: dict[str, str]) -> None:
    assert _run(["bot.reindex", "--quiet"], env).returncode == 0
    huge = "why " * 500_000  # 2 MB on one line
    result = _run(["bot.ask", "--json"], env, stdin=huge + "\nWhat did the judge call Johnson?\n")
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert "too long" in first["message"] and len(first["question"]) < 300
    assert second["answered"] is True
    assert len(result.stdout) < 20_000


# ---------------------------------------------------------------- 9. long builds say how long


def test_a_long_build_reports_progress_with_an_estimate(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.index.vectors

    monkeypatch.setattr(bot.index.vectors, "EMBED_CHUNK", 16)
    messages: list[str] = []
    rebuild(settings, HashEmbedder(), progress=messages.append)
    first = next(m for m in messages if m.startswith("embedding ") and "texts:" in m)
    assert re.search(r"\d+ passages, \d+ sentences, \d+ quotations, \d+ quotations' sentences", first)
    estimates = [m for m in messages if re.search(r"of \d+ \(about \d+ (s|min|h) left\)$", m)]
    assert estimates and not messages[messages.index(first) + 1].endswith(
        "left)"
    )  # none before a rate is known


# ---------------------------------------------------------------- random bytes at the index

_OPENED: list[str] = []
_WATCHING = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _WATCHING.is_set() and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)

_TARGETS = [
    "manifest.json",
    "CURRENT",
    "articles.jsonl",
    "quotations.jsonl",
    "names.json",
    "keyword/params.index.json",
    "keyword/vocab.index.json",
]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index with a live build and an intact older one to fall back on."""
    import shutil

    from tests.conftest import TEST_CORPUS

    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(TEST_CORPUS, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    rebuild(settings, HashEmbedder())
    seed = settings.corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA later paragraph.\n", encoding="utf-8")
    rebuild(settings, HashEmbedder())
    return settings.index_dir


@hsettings(max_examples=60)
@given(target=st.sampled_from(_TARGETS), data=st.binary(max_size=600), rehash=st.booleans())
def test_random_bytes_in_the_index_never_escape_as_a_traceback(
    two_builds: Path, target: str, data: bytes, rehash: bool
) -> None:
    import shutil
    import tempfile

    from bot.checksums import file_hash
    from bot.index import IndexProblem
    from bot.ranking.retriever import Retriever

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        shutil.copytree(two_builds, index_dir, symlinks=True)
        build = live_build(index_dir)
        place = index_dir / "CURRENT" if target == "CURRENT" else build / target
        place.write_bytes(data)
        if rehash and target not in ("CURRENT", "manifest.json"):  # damage that the checksums agree with
            manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
            manifest["files"][target] = {"bytes": len(data), "sha256": file_hash(place)}
            (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        _OPENED.clear()
        _WATCHING.set()
        try:
            index = load_index(index_dir, fallback=True)
        except IndexProblem as exc:
            index = None
            assert "\n" not in str(exc)
        finally:
            _WATCHING.clear()
        outside = [p for p in _OPENED if not Path(p).resolve().is_relative_to(Path(tmp).resolve())]
        assert outside == []
        assert index is not None  # the older build always answers
        answer = Retriever(index, HashEmbedder()).ask("What did the judge call Johnson?")
        assert answer.hits and all(h.is_verbatim() for h in answer.hits)
