"""python -m bot: run the Discord bot.

python -m bot            serve /ask, /quote, /sources, /reload
python -m bot --sync     also sync the commands globally at start (on purpose: it is slow
                         to spread and rate-limited); DISCORD_GUILD_ID syncs one server
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bot.cli import note
from bot.config import Settings, SettingsError

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create an application at https://discord.com/developers/applications, "
    "copy its bot token (Bot > Reset Token) and put DISCORD_TOKEN=... in .env or the environment."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the case bot on Discord.")
    parser.add_argument("--sync", action="store_true", help="sync the slash commands globally at start")
    parser.add_argument("--corpus", type=Path, help="corpus directory")
    parser.add_argument("--index", type=Path, help="index directory")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(discord=True)
    except SettingsError as exc:
        note(f"error: {exc}")
        return 2
    if args.corpus:
        settings = dataclasses.replace(settings, corpus_dir=args.corpus)
    if args.index:
        settings = dataclasses.replace(settings, index_dir=args.index)
    if not settings.discord_token:
        note(NO_TOKEN)
        return 2

    from bot.discord_app.client import serve

    return serve(settings, sync_global=args.sync)


if __name__ == "__main__":
    sys.exit(main())
