from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError
from tests.conftest import ROOT, TEST_MODEL


def test_settings_from_env_and_token_never_in_repr() -> None:
    s = Settings.from_env(
        {
            "CASEBOT_TOP_K": "5",
            "DISCORD_TOKEN": "very-secret",
            "DISCORD_GUILD_ID": "123",
            "DISCORD_SHARD_COUNT": "auto",
        },
        discord=True,
    )
    assert (s.top_k, s.discord_token, s.discord_guild_id, s.shard_count) == (5, "very-secret", 123, 0)
    assert "very-secret" not in repr(s) and "very-secret" not in str(s)


@pytest.mark.parametrize(
    "env",
    [
        {"CASEBOT_TOP_K": "three"},
        {"CASEBOT_TOP_K": "0"},
        {"CASEBOT_TOP_K": "51"},
        {"CASEBOT_ANN_MIN_PASSAGES": "1e400"},
        {"CASEBOT_COOLDOWN_SECONDS": "-1"},
        {"CASEBOT_COOLDOWN_SECONDS": "inf"},
        {"CASEBOT_COOLDOWN_SECONDS": "nan"},
        {"CASEBOT_COOLDOWN_SECONDS": "1e400"},
        {"CASEBOT_COOLDOWN_SECONDS": "86400"},
        {"CASEBOT_COOLDOWN_RATE": "1e400"},
        {"CASEBOT_SEND_TIMEOUT": "900"},
        {"DISCORD_GUILD_READY_TIMEOUT": "inf"},
        {"DISCORD_GUILD_ID": "my-server"},
        {"DISCORD_GUILD_ID": "9" * 25},
        {"DISCORD_SHARD_COUNT": "0"},
        {"DISCORD_SHARD_COUNT": "99999999999"},
        {"DISCORD_TOKEN": "abc\ndef"},
        {"DISCORD_TOKEN": "abc def"},
    ],
)
def test_bad_settings_are_one_clear_error(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))) as caught:
        Settings.from_env(env, discord=True)
    message = str(caught.value)
    assert "\n" not in message and "def" not in message.split(":", 1)[0]  # never the token itself
    if "TOKEN" not in next(iter(env)):
        assert "from" in message or "above" in message or "id" in message  # the range is named


def test_the_largest_values_in_range_are_taken() -> None:
    s = Settings.from_env(
        {"CASEBOT_COOLDOWN_SECONDS": "3600", "DISCORD_SHARD_COUNT": "1000", "CASEBOT_SEND_TIMEOUT": "600"},
        discord=True,
    )
    assert (s.cooldown_seconds, s.shard_count, s.send_timeout) == (3600.0, 1000, 600.0)


def test_terminal_commands_read_only_their_own_settings() -> None:
    """A bad Discord setting stops the bot, never a terminal command."""
    s = Settings.from_env({"DISCORD_GUILD_ID": "my-server", "DISCORD_SHARD_COUNT": "lots"})
    assert s.discord_guild_id is None and s.shard_count is None
    with pytest.raises(SettingsError):
        Settings.from_env({"DISCORD_GUILD_ID": "my-server"}, discord=True)


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd, env=full)


def test_a_dotenv_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=abc\nCASEBOT_TOP_K=\xff\xfe\n")
    result = _run(["bot.ask", "--json", "judge"], tmp_path, CASEBOT_MODEL=TEST_MODEL)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert ".env is not UTF-8" in line
    bot = _run(["bot"], tmp_path)
    assert bot.returncode == 2 and ".env is not UTF-8" in bot.stderr and "Traceback" not in bot.stderr


def test_a_bad_discord_setting_does_not_stop_bot_ask(tmp_path: Path, corpus_dir: Path) -> None:
    env = {
        "CASEBOT_MODEL": TEST_MODEL,
        "CASEBOT_CORPUS_DIR": str(corpus_dir),
        "DISCORD_GUILD_ID": "my-server",
    }
    env["CASEBOT_INDEX_DIR"] = str(tmp_path / "index")
    assert _run(["bot.ask", "--json", "What did the judge call Johnson?"], tmp_path, **env).returncode == 0
    bot = _run(["bot"], tmp_path, DISCORD_TOKEN="abc", **env)
    assert bot.returncode == 2 and "DISCORD_GUILD_ID" in bot.stderr and "Traceback" not in bot.stderr
