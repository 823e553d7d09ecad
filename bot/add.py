"""python -m bot.add: add sources to the corpus in one command.

python -m bot.add page.html https://example.com/story court-opinion.pdf notes.txt
python -m bot.add page.html --dry-run      # print the corpus file instead of writing it
python -m bot.add page.html --reindex      # and rebuild the index after adding

Each source becomes ``corpus/<slug>.md`` (never over an existing file): its main text without
page furniture, and its title, author, date, outlet and canonical URL as found. A source that
copies an article already in the corpus (by canonical URL, or 80% of its text) is refused
unless --force.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import add_location_args, emit, note, run, settings_from_args
from bot.corpus import CorpusError, load_corpus
from bot.ingest.copies import find_copy
from bot.ingest.corpus_file import file_name, render, write_new
from bot.ingest.extract import Extracted, SourceError, read_source

REPORTED = ("title", "author", "published", "outlet", "url", "credit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.add", description="Add sources to the corpus.")
    parser.add_argument("sources", nargs="+", help="saved web pages (.html), URLs, PDFs, .txt or .md files")
    parser.add_argument("--dry-run", action="store_true", help="print each corpus file instead of writing it")
    parser.add_argument("--reindex", action="store_true", help="rebuild the index after adding")
    parser.add_argument(
        "--force", action="store_true", help="add a source even when it copies a corpus article"
    )
    add_location_args(parser)
    args = parser.parse_args(argv)
    return run(lambda: _add(args))


def _add(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    corpus_dir = settings.corpus_dir
    if not corpus_dir.is_dir():
        raise CorpusError(str(corpus_dir), None, "corpus directory does not exist")
    known = [(a.source_file, a.body, a.url) for a in load_corpus(corpus_dir).articles]
    failed = added = 0
    for source in args.sources:
        try:
            found = read_source(source)
        except SourceError as exc:
            note(f"error: {exc}")
            failed += 1
            continue
        body = "\n\n".join(found.paragraphs)
        copy = find_copy(body, found.url, known)
        if copy is not None and not args.force:
            note(f"refused: {source} {copy.describe()}; --force adds it anyway")
            failed += 1
            continue
        text = render(found)
        target = file_name(found, corpus_dir)
        if args.dry_run:
            emit(text)
        else:
            write_new(target, text)
        known.append((target.name, body, found.url))
        added += 1
        note(_report(found, target.name, args.dry_run, copy.describe() if copy else None))
    if args.reindex and added and not args.dry_run:
        from bot.engine import rebuild

        report, _ = rebuild(settings, progress=note)
        counts = f"{report.passages} passages, {report.computed} vectors embedded"
        emit(f"Indexed {report.articles} article(s): {counts}")
    return 1 if failed else 0


def _report(found: Extracted, name: str, dry_run: bool, copy: str | None) -> str:
    have = [f"{k} {getattr(found, k)!r}" for k in REPORTED if getattr(found, k)]
    missing = [k for k in REPORTED if not getattr(found, k)]
    what = "would add" if dry_run else "added"
    line = "; ".join([f"{what} corpus/{name} from {found.source}: {len(found.paragraphs)} paragraphs", *have])
    if missing:
        line += f"; not found: {', '.join(missing)}"
    if found.removed:
        line += f"; left out {len(found.removed)} line(s) of page furniture"
    if copy:
        line += f" (added with --force: it {copy})"
    return line


if __name__ == "__main__":
    sys.exit(main())
