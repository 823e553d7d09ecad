"""Talking to Discord within its rules: acknowledge within 3 s, deliver with a bounded wait,
say so when a reply cannot be delivered, and describe each failure in one log line."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord

log = logging.getLogger("casebot")

ACK_SECONDS = 3.0  # Discord drops an interaction not acknowledged within 3 s
EXPIRED_CODES = {10062, 10015, 50027}  # unknown interaction, unknown webhook, invalid webhook token
SEND_ERRORS = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError, OSError)
NOT_DELIVERED = (
    "Sorry: Discord did not accept the answer in time, so it could not be shown. Please ask again."
)


def describe_failure(exc: BaseException) -> str:
    """A one-line account of a failed call to Discord (for the log)."""
    if isinstance(exc, asyncio.TimeoutError):
        return "no answer from Discord in time"
    if isinstance(exc, discord.HTTPException):
        expired = " (the interaction expired)" if exc.code in EXPIRED_CODES else ""
        return f"HTTP {exc.status}, code {exc.code}: {exc.text[:200]}{expired}"
    return f"{type(exc).__name__}: {exc}"


async def acknowledge(interaction: discord.Interaction, *, ephemeral: bool) -> bool:
    """Show "thinking..." within Discord's 3 s; False (and a log line) when that failed."""
    try:
        await asyncio.wait_for(interaction.response.defer(thinking=True, ephemeral=ephemeral), ACK_SECONDS)
    except SEND_ERRORS as exc:
        log.warning("could not acknowledge an interaction: %s", describe_failure(exc))
        return False
    return True


async def deliver(interaction: discord.Interaction, timeout: float, **kwargs: Any) -> bool:
    """Send the answer after "thinking..."; if Discord will not take it, say so in its place.

    discord.py already retries 429 (after retry-after) and 5xx; this bounds the whole wait,
    so that no question is left "thinking..." until Discord gives up on it.
    """
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    try:
        await asyncio.wait_for(interaction.followup.send(**kwargs, wait=True), timeout)
        return True
    except SEND_ERRORS as exc:
        log.warning("could not send an answer: %s", describe_failure(exc))
    try:
        await asyncio.wait_for(
            interaction.edit_original_response(
                content=NOT_DELIVERED, embeds=[], view=None, allowed_mentions=discord.AllowedMentions.none()
            ),
            timeout,
        )
    except SEND_ERRORS as exc:
        log.warning("could not tell the user either: %s", describe_failure(exc))
    return False


async def tell(interaction: discord.Interaction, message: str) -> None:
    """A short private message, whether or not the interaction was acknowledged already."""
    none = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=none)
    except discord.HTTPException as exc:
        log.warning("could not tell the user about an error: %s", describe_failure(exc))
