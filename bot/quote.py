"""python -m bot.quote: direct quotations from the case sources, with who said them.

python -m bot.quote "how the judge described Johnson"
python -m bot.quote --speaker Kardashian "prison reform"
python -m bot.quote --speaker Kardashian --all
python -m bot.quote --speakers
python -m bot.quote --source "Capital Wire" "freedom"
printf 'query one\nquery two\n' | python -m bot.quote --json
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import add_location_args, emit, note, positive_k, run, settings_from_args, warn_about
from bot.engine import open_engine
from bot.questions import EXAMPLE_QUERY, make_question
from bot.quote_text import quotes_to_json, quotes_to_text
from bot.terminal import json_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.quote", description="Find direct quotations in the case sources."
    )
    parser.add_argument(
        "query", nargs="?", help="what the quotation is about (default: one query per line on stdin)"
    )
    parser.add_argument("--speaker", help="only quotations of speakers whose name contains this")
    parser.add_argument(
        "--source", help="only quotations from this source (an outlet, a title or an article id)"
    )
    parser.add_argument(
        "--all", action="store_true", help="with --speaker: list every quotation of that speaker"
    )
    parser.add_argument(
        "--speakers", action="store_true", help="list the speakers and their number of quotations"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per query")
    parser.add_argument("-k", type=positive_k, default=5, help="quotations to show (default 5)")
    add_location_args(parser)
    args = parser.parse_args(argv)
    if args.all and not args.speaker:
        parser.error("--all needs --speaker NAME")
    if args.speaker is not None and not args.speaker.strip():
        parser.error("--speaker needs a name")
    return run(lambda: _quote(args))


def _quote(args: argparse.Namespace) -> int:
    given = None
    if args.query is not None and not (args.speakers or args.all):
        given, notice = make_question(args.query, example=EXAMPLE_QUERY, noun="search")
        if given is None:
            note(str(notice))
            return 2
    engine = open_engine(settings_from_args(args), progress=note)
    warn_about(engine)
    sources, notice = engine.choose_sources(args.source)
    if notice:
        note(notice)
        return 2
    if args.speakers:
        speakers = engine.quotes.speakers()
        if args.json:
            emit(json_line({"speakers": [{"name": n, "count": c} for n, c in speakers]}))
        else:
            for name, count in speakers:
                emit(f"{count:5d}  {name}")
        return 0
    if args.all:
        results = [engine.quotes.by_speaker(args.speaker, sources=sources)]
    else:
        queries = [given] if given is not None else [q for q in sys.stdin.read().splitlines() if q.strip()]
        results = (engine.quotes.search(q, speaker=args.speaker, k=args.k, sources=sources) for q in queries)
    for n, result in enumerate(results):
        if args.json:
            emit(json_line(quotes_to_json(result)))
        else:
            if n:
                emit("\n" + "-" * 40)
            emit(quotes_to_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
