"""python -m bot: run the Discord bot.

python -m bot            serve /ask, /quote, /sources, /reload
python -m bot --sync     also sync the commands globally at start (on purpose: it is slow
                         to spread and rate-limited); DISCORD_GUILD_ID syncs one server
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

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
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.corpus:
        settings = dataclasses.replace(settings, corpus_dir=args.corpus)
    if args.index:
        settings = dataclasses.replace(settings, index_dir=args.index)
    if not settings.discord_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2

    import discord

    from bot.discord_app.client import make_bot, point_at
    from bot.embedding import ModelError
    from bot.engine import CorpusBroken
    from bot.store import IndexError_

    discord.utils.setup_logging(level=logging.INFO)
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    bot = make_bot(settings, sync_global=args.sync)

    async def run() -> None:
        async with bot:
            await bot.start(settings.discord_token)

    try:
        asyncio.run(run())
    except discord.LoginFailure:
        print("error: Discord refused DISCORD_TOKEN (401): check the token or reset it.", file=sys.stderr)
        return 2
    except (CorpusBroken, IndexError_, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
