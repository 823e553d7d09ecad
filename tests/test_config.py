from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError


def test_settings_from_env_and_token_never_in_repr() -> None:
    s = Settings.from_env(
        {
            "CASEBOT_TOP_K": "5",
            "DISCORD_TOKEN": "very-secret",
            "DISCORD_GUILD_ID": "123",
            "DISCORD_SHARD_COUNT": "auto",
        }
    )
    assert (s.top_k, s.discord_token, s.discord_guild_id, s.shard_count) == (5, "very-secret", 123, 0)
    assert "very-secret" not in repr(s) and "very-secret" not in str(s)


@pytest.mark.parametrize(
    "env",
    [
        {"CASEBOT_TOP_K": "three"},
        {"CASEBOT_TOP_K": "0"},
        {"CASEBOT_COOLDOWN_SECONDS": "-1"},
        {"DISCORD_GUILD_ID": "my-server"},
        {"DISCORD_SHARD_COUNT": "0"},
    ],
)
def test_bad_settings_are_one_clear_error(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        Settings.from_env(env)
