"""python -m bot.reindex: build or refresh index/ from corpus/.

Atomic (the old index stays live until the new one is verified) and incremental (vectors of
unchanged passages are reused). A corpus with a bad file is refused unless --skip-bad.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import add_location_args, emit, note, run, settings_from_args
from bot.embedding import load_embedder
from bot.engine import rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.reindex", description="Build or refresh the search index from the corpus."
    )
    add_location_args(parser)
    parser.add_argument(
        "--skip-bad", action="store_true", help="index the good files and skip unreadable ones"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--force", action="store_true", help="build anew even when the index matches the corpus"
    )
    args = parser.parse_args(argv)
    return run(lambda: _reindex(args))


def _reindex(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    report, skipped = rebuild(
        settings, embedder, skip_bad=args.skip_bad, progress=None if args.quiet else note, force=args.force
    )
    for error in skipped:
        note(f"skipped {error}")
    vectors = report.computed + report.reused
    emit(
        f"Indexed {report.articles} article(s): {report.passages} passages, {report.sentences} sentences; "
        f"vectors: {report.computed} computed, {report.reused} reused (of {vectors}); "
        f"{report.search} search; {report.seconds:.1f} s -> {report.path}"
        + (" (up to date with the corpus: nothing rebuilt; --force rebuilds)" if report.unchanged else "")
    )
    if report.copies:
        emit(
            f"Recognised {len(report.copies)} syndicated cop{'y' if len(report.copies) == 1 else 'ies'} "
            "(shown once in answers, cited from every source):"
        )
        for copy, (original, score) in sorted(report.copies.items()):
            emit(f"  {copy} is a copy of {original} ({score:.0%} the same)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
