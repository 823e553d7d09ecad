"""Secrets and trust boundaries: the token is never shown, nothing runs code from index or corpus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import numpy as np
import pytest

from bot.checksums import file_hash as _file_hash
from bot.config import Settings, SettingsError
from bot.embedding import HashEmbedder
from bot.engine import open_engine, rebuild
from bot.index import IndexCorrupt, live_build, load_index
from tests.conftest import ROOT

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.very-secret-token-value-0123456789"


@pytest.mark.parametrize(
    "env",
    [
        {"DISCORD_TOKEN": TOKEN, "CASEBOT_TOP_K": "three"},
        {"DISCORD_TOKEN": TOKEN, "DISCORD_GUILD_ID": TOKEN},  # the token pasted in the wrong place
        {"DISCORD_TOKEN": TOKEN, "DISCORD_SHARD_COUNT": TOKEN},
        {"DISCORD_TOKEN": TOKEN, "CASEBOT_COOLDOWN_SECONDS": TOKEN},
    ],
)
def test_token_never_in_setting_errors_or_their_tracebacks(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, discord=True)
    shown = "".join(traceback.format_exception(caught.value)) + str(caught.value)
    assert TOKEN not in shown and "very-secret" not in shown


def test_token_never_in_repr_or_logs_of_settings() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN}, discord=True)
    assert settings.discord_token == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in f"{settings}" and TOKEN not in str([settings])


def test_bot_with_a_bad_setting_prints_one_line_without_the_token() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN, "DISCORD_GUILD_ID": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 2 and "DISCORD_GUILD_ID" in result.stderr
    assert TOKEN not in result.stderr + result.stdout and len(result.stderr.strip().splitlines()) == 1


class _Marker:
    """Unpickling this would create a file: proof that code ran."""

    path = ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.path),))


@pytest.mark.parametrize(
    "name", ["vectors.npy", "quotes.npy", "passages.npy", "sentence_spans.npy", "keyword/data.csc.index.npy"]
)
def test_a_pickle_planted_in_the_index_is_never_loaded(settings: Settings, tmp_path: Path, name: str) -> None:
    embedder = HashEmbedder()
    rebuild(settings, embedder)
    build = live_build(settings.index_dir)
    marker = tmp_path / "code-ran"
    planted = _Marker()
    planted.path = str(marker)
    target = build / name
    assert target.exists()
    np.save(target, np.array([planted], dtype=object), allow_pickle=True)
    # an attacker who can write the index can fix the manifest's sizes and checksums too
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["files"][name] = {"bytes": target.stat().st_size, "sha256": _file_hash(target)}
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match=r"bot\.reindex"):
        load_index(settings.index_dir)
    with pytest.raises(IndexCorrupt):  # no older build to fall back on: a clear error
        open_engine(settings, embedder)
    assert not marker.exists()


def test_no_code_paths_that_run_or_unpickle_stored_data() -> None:
    risky = re.compile(
        r"import pickle|\bpickle\.|allow_pickle\s*=\s*True|\beval\(|\bexec\(|torch\.load"
        r"|trust_remote_code\s*=\s*True|yaml\.load\(|marshal\.loads|shelve\."
    )
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if risky.search(code):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, found
