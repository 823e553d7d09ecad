"""Property-based tests (hypothesis) over everything that handles source text.

Any text: the corpus parser gives an article or a clear error; passages and quotations are
verbatim slices of the body within their limits; replies fit Discord and show the source
literally (no markdown, link, heading, spoiler or mention can take effect).
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from bot.analysis import terms
from bot.chunking import MAX_PASSAGE_CHARS, make_passages
from bot.corpus import CorpusError, parse_article
from bot.discord_app.views import MoreButton, render
from bot.index.derive import passage_terms as _passage_terms
from bot.models import Answer, Article, Hit, QuoteHit
from bot.quote_search import QuoteResult
from bot.quotes import extract_quotations
from bot.replies import ask_reply, quote_reply
from tests.fake_discord import check_message
from tests.test_reply_limits import _payload

MARKDOWN = "\\*_~`|>#-[]()<@:"
HOSTILE = [
    "**bold**",
    "[masked](https://evil.example)",
    "<https://evil.example>",
    "# Heading",
    "-# small",
    "> quote",
    "```\ncode\n```",
    "||spoiler||",
    "<@123456789012345678>",
    "<@&987>",
    "<#42>",
    "@everyone",
    "@here",
    "</ask:1>",
    "<t:1700000000:R>",
    "\u202eevil\u202c",
    "\u200b",
    "\\",
]
ALPHABET = st.one_of(
    st.sampled_from(list(MARKDOWN + "\"'\u201c\u201d\u2018\u2019.!?,; \n\t")),
    st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "M", "Cf"]),
)
WORD = st.one_of(
    st.sampled_from(["said", "Johnson", "Trump", "the", "judge", "Kim", "Kardashian", "she", "told"]),
    st.sampled_from(HOSTILE),
    st.text(ALPHABET, min_size=1, max_size=12),
)
SENTENCE = st.builds(
    lambda words, end, quoted: (
        f"\u201c{' '.join(words)}{end}\u201d she said." if quoted else " ".join(words) + end
    ),
    st.lists(WORD, min_size=1, max_size=40),
    st.sampled_from([".", "!", "?", "", ".\u201d", '."']),
    st.booleans(),
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=12).map(" ".join)
BODY = st.one_of(
    st.lists(PARAGRAPH, min_size=1, max_size=6).map("\n\n".join),
    st.text(ALPHABET, min_size=1, max_size=3000),
)
META = st.text(ALPHABET, min_size=1, max_size=300).map(lambda t: " ".join(t.split()) or "x")


def _article(body: str, title: str = "Title", **meta: str | None) -> Article:
    return Article(doc_id="doc", title=title, body=body, source_file="doc.md", **meta)


@given(st.binary(max_size=2000))
def test_any_bytes_give_an_article_or_a_clear_error(data: bytes) -> None:
    try:
        article = parse_article("doc.md", data)
    except CorpusError as exc:
        assert str(exc).startswith("doc.md")
        return
    assert article.title and article.body.strip()


@given(BODY, META)
@example("Words " * 400, "t")  # one sentence far over the passage limit
def test_any_front_matter_and_body_parse_to_verbatim_text(body: str, title: str) -> None:
    data = f"---\ntitle: {title}\n---\n\n{body}\n".encode()
    try:
        article = parse_article("doc.md", data)
    except CorpusError as exc:
        assert str(exc).startswith("doc.md:")
        return
    normalised = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    assert article.body.strip() in normalised or normalised in article.body


@given(BODY)
@example("Words " * 400)
@example("\u201cA quote that never closes. " * 50)
def test_passages_are_verbatim_bounded_and_lose_no_text(body: str) -> None:
    article = _article(body)
    passages = make_passages(article)
    covered = bytearray(len(body))
    for p in passages:
        assert body[p.start : p.end] == p.text and p.text.strip()
        assert len(p.text) <= MAX_PASSAGE_CHARS
        assert p.sentences and all(p.start <= s.start < s.end <= p.end for s in p.sentences)
        covered[p.start : p.end] = b"\x01" * (p.end - p.start)
    lost = [i for i, c in enumerate(body) if not c.isspace() and not covered[i]]
    assert not lost, [body[i] for i in lost[:20]]
    # the build takes a passage's keyword terms from its sentences': they must be the same
    sentence_terms = [terms(body[s.start : s.end]) for p in passages for s in p.sentences]
    assert _passage_terms(passages, sentence_terms) == [terms(p.text) for p in passages]


@given(BODY)
def test_quotations_are_verbatim_with_their_context(body: str) -> None:
    article = _article(body)
    for q in extract_quotations(article):
        assert q.text and body[q.start : q.end] == q.text
        assert q.context.start <= q.start < q.end <= q.context.end <= len(body)
        assert q.speaker is None or q.speaker.strip()


def _is_literal(text: str) -> bool:
    """Every markdown or mention character is escaped (Discord shows the text as written)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in MARKDOWN:
                return False
            i += 2
        elif c in MARKDOWN:
            return False
        else:
            i += 1
    return True


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


def _source_part(description: str) -> str:
    """A passage description without the bot's own markup: the "> " line prefixes, the bold pair."""
    lines = description.split("\n")
    assert all(line.startswith("> ") for line in lines), description
    body = "\n".join(line[2:] for line in lines)
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i : i + 2])
            i += 2
        elif body.startswith("**", i):
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


@given(BODY, META, META, META, st.text(ALPHABET, max_size=400), st.booleans())
def test_any_passage_reply_fits_discord_and_shows_the_source_literally(
    body: str, title: str, outlet: str, author: str, question: str, answered: bool
) -> None:
    article = _article(body, title=title, outlet=outlet, author=author)
    hits = tuple(
        Hit(passage=p, article=article, score=1.0, answer=p.sentences[-1]) for p in make_passages(article)
    )[:4]
    spec = ask_reply(Answer(question=question or "?", answered=answered, hits=hits), footer="footer")
    payload = _payload(render(spec, more=MoreButton("0123456789abcdef", 1)))
    assert check_message(payload) == [], payload
    assert payload["allowed_mentions"] == {"parse": []}
    for embed, hit in zip(payload["embeds"], hits, strict=False):
        shown = _source_part(embed["description"])
        assert _is_literal(shown), shown
        text = _unescape(shown)
        assert text == hit.passage.text or (
            text.endswith("\u2026") and hit.passage.text.startswith(text[:-1])
        )
        title = embed["title"].removeprefix("Related, not an answer: ")
        assert _is_literal(title.removesuffix("\u2026"))
        for field in embed["fields"]:
            assert _is_literal(field["value"].removesuffix("\u2026"))


@given(BODY, META)
def test_any_quotation_reply_fits_discord_and_shows_the_quotation_literally(body: str, title: str) -> None:
    article = _article(body, title=title)
    quotations = extract_quotations(article)
    hits = tuple(QuoteHit(quotation=q, article=article, score=1.0) for q in quotations[:5])
    payload = _payload(render(quote_reply(QuoteResult(query="q", speaker=None, hits=hits), footer="f")))
    assert check_message(payload) == [], payload
    for embed, hit in zip(payload["embeds"], hits, strict=False):
        inner = embed["description"].removeprefix("> \u201c").removesuffix("\u201d")
        assert _is_literal(inner.removesuffix("\u2026"))
        assert _unescape(inner) == hit.quotation.text or _unescape(inner).endswith("\u2026")
        assert _is_literal(embed["title"].removesuffix("\u2026"))
