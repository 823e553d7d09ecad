"""What the terminal entry points share: location flags, settings, one-line errors."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings, SettingsError
from bot.corpus import CorpusError
from bot.embedding import ModelError
from bot.engine import CorpusBroken, Engine
from bot.index import IndexProblem
from bot.terminal import printable


def add_location_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, help="corpus directory (default: CASEBOT_CORPUS_DIR or corpus/)"
    )
    parser.add_argument("--index", type=Path, help="index directory (default: CASEBOT_INDEX_DIR or index/)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    changes = {}
    if getattr(args, "corpus", None):
        changes["corpus_dir"] = args.corpus
    if getattr(args, "index", None):
        changes["index_dir"] = args.index
    return dataclasses.replace(settings, **changes) if changes else settings


def note(message: str) -> None:
    """A line for the person at the terminal (stderr), control characters escaped."""
    print(printable(message), file=sys.stderr, flush=True)


def emit(text: str) -> None:
    """Text-mode output (stdout), control characters escaped: corpus text never drives the terminal."""
    print(printable(text), flush=True)


def warn_about(engine: Engine) -> None:
    """Tell the terminal when the answers come from a damaged index's fallback or a stale one."""
    if engine.index.warning:
        note(f"warning: {engine.index.warning}")
    if engine.stale.stale:
        note(
            f"warning: the index is stale, the corpus changed since it was built "
            f"({engine.stale.describe()}); answering from the last build. Run: python -m bot.reindex"
        )


def positive_k(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-k must be a whole number, not {raw!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError("-k must be between 1 and 50")
    return value


def run(main: Callable[[], int]) -> int:
    """Run an entry point, turning expected failures into one line on stderr."""
    try:
        status = main()
        sys.stdout.flush()  # a full device shows here, not as a traceback at exit
        return status
    except CorpusBroken as exc:
        note(f"error: {exc}")
        return 1
    except (IndexProblem, ModelError, SettingsError, CorpusError) as exc:
        note(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        note("interrupted")
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:  # writing the output failed (a full disk, a closed terminal)
        _drop_stdout()
        note(f"error: cannot write the output ({exc.strerror or exc})")
        return 1


def _drop_stdout() -> None:
    """Point stdout at nothing, so that the interpreter's last flush cannot fail again."""
    with contextlib.suppress(OSError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
