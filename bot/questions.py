"""What a user typed, made fit to search: invisible characters out, white space folded, limits.

Each question is cleaned once, where it enters (a command, a slash command), and the cleaned
``Question`` is what the searches receive.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_QUESTION_CHARS = 1000  # terminal questions and searches
MAX_DISCORD_QUESTION = 300  # Discord options (enforced by Discord on the option too)
EXAMPLE_QUESTION = "Who commuted Alice Marie Johnson's sentence?"
EXAMPLE_QUERY = "how the judge described Johnson"

# Characters that change nothing a reader sees but break matching: zero-width and bidi controls.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        0x00AD,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


@dataclass(frozen=True)
class Question:
    """A question as typed (``raw``, echoed back to the user) and as searched (``text``)."""

    raw: str
    text: str


def echo(raw: str, limit: int = 200) -> str:
    """A refused question as it is shown back: whole when short, else its start (a 20 MB line
    is not sent back whole)."""
    return raw if len(raw) <= limit else f"{raw[:limit]}\u2026 ({len(raw):,} characters)"


def too_long(noun: str, length: int, limit: int) -> str:
    return f"That {noun} is too long ({length:,} characters); please keep it under {limit:,}."


def clean_question(
    question: str, example: str = EXAMPLE_QUESTION, noun: str = "question", limit: int = MAX_QUESTION_CHARS
) -> tuple[str, str | None]:
    """The question with invisible characters removed, and a one-line notice if unusable."""
    text = unicodedata.normalize("NFC", question).translate(_INVISIBLE)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        return "", f"Please type a {noun}, for example: {example}"
    if len(text) > limit:
        return "", too_long(noun, len(text), limit)
    if not any(ch.isalnum() for ch in text):
        return "", f"Please type a {noun} in words, for example: {example}"
    return text, None


def make_question(
    raw: str, example: str = EXAMPLE_QUESTION, noun: str = "question", limit: int = MAX_QUESTION_CHARS
) -> tuple[Question | None, str | None]:
    """``clean_question`` as a Question: (Question, None), or (None, the notice for the user)."""
    text, notice = clean_question(raw, example, noun, limit)
    return (None, notice) if notice is not None else (Question(raw=raw, text=text), None)
