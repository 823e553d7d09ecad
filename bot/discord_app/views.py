"""What a reply looks like in Discord: ReplySpecs (plain data from bot.replies) made into
embeds and buttons, and the "More" button that pages through an answer."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.replies import EmbedSpec, ReplySpec

EMBED_COLOUR = 0x2B6CB0


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"casebot:more:(?P<key>[0-9a-f]{16}):(?P<page>\d{1,3})",
):
    """Next page of passages for the person who asked; its state lives in the custom_id."""

    def __init__(self, key: str, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="More", style=discord.ButtonStyle.secondary, custom_id=f"casebot:more:{key}:{page}"
            )
        )
        self.key = key
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MoreButton:
        groups = match.groupdict()
        return cls(groups["key"], int(groups["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        cog: Any = interaction.client.get_cog("CaseCog")  # type: ignore[attr-defined]
        await cog.more(interaction, self.key, self.page)


class SourcesButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"casebot:sources:(?P<page>\d{1,4})",
):
    """The next page of /sources; the page number is all its state."""

    def __init__(self, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="More", style=discord.ButtonStyle.secondary, custom_id=f"casebot:sources:{page}"
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SourcesButton:
        return cls(int(match.group("page")))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        cog: Any = interaction.client.get_cog("CaseCog")  # type: ignore[attr-defined]
        await cog.sources_page(interaction, self.page)


def render(spec: ReplySpec, *, more: MoreButton | SourcesButton | None = None) -> dict[str, Any]:
    """The keyword arguments for send(): embeds, link buttons, "More", and no mentions."""
    view = discord.ui.View(timeout=None)
    if more is not None and spec.more:
        view.add_item(more)
    for label, url in spec.links:
        view.add_item(discord.ui.Button(label=label, url=url, style=discord.ButtonStyle.link))
    kwargs: dict[str, Any] = {
        "content": spec.content,
        "embeds": [_embed(e) for e in spec.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if view.children:
        kwargs["view"] = view
    return kwargs


def _embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(title=spec.title, description=spec.description, url=spec.url, color=EMBED_COLOUR)
    for name, value in spec.fields:
        embed.add_field(name=name, value=value, inline=True)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    return embed
