"""python -m bot.ask: answer questions about the case from a terminal.

python -m bot.ask "Who commuted Alice Marie Johnson's sentence?"
python -m bot.ask --json -k 5 "..."
printf 'question one\nquestion two\n' | python -m bot.ask --json
python -m bot.ask --source "Capital Wire" "..."   # from one source (outlet, title or article id)
python -m bot.ask --sources                       # every source: outlet, date, passages, quotations
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import add_location_args, emit, note, positive_k, run, settings_from_args, warn_about
from bot.engine import open_engine
from bot.questions import make_question
from bot.replies import answer_to_json, answer_to_text
from bot.source_choice import sources_listing, sources_to_text
from bot.terminal import json_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.ask", description="Answer a question from the case sources, quoting them."
    )
    parser.add_argument("question", nargs="?", help="the question (default: one question per line on stdin)")
    parser.add_argument("--json", action="store_true", help="one JSON object per question")
    parser.add_argument("-k", type=positive_k, default=None, help="passages to show (default 3)")
    parser.add_argument("--source", help="answer from this source only (an outlet, a title or an article id)")
    parser.add_argument("--sources", action="store_true", help="list the sources and stop")
    add_location_args(parser)
    args = parser.parse_args(argv)
    return run(lambda: _ask(args))


def _ask(args: argparse.Namespace) -> int:
    given = None
    if args.question is not None and not args.sources:
        given, notice = make_question(args.question)
        if given is None:
            note(str(notice))
            return 2
    settings = settings_from_args(args)
    k = args.k or settings.top_k
    engine = open_engine(settings, progress=note)
    warn_about(engine)
    if args.sources:
        listing = sources_listing(engine.sources(), engine.counts(), engine.index.copies)
        emit(json_line({"sources": listing}) if args.json else sources_to_text(listing))
        return 0
    sources, notice = engine.choose_sources(args.source)
    if notice:
        note(notice)
        return 2
    questions = [given] if given is not None else _stdin_questions()
    first = True
    for question in questions:
        answer = engine.retriever.ask(question, k=k, sources=sources)
        if args.json:
            emit(json_line(answer_to_json(answer)))
        else:
            if not first:
                emit("\n" + "-" * 40)
            emit(answer_to_text(answer))
        first = False
    return 0


def _stdin_questions():
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


if __name__ == "__main__":
    sys.exit(main())
