"""The shared vocabulary: articles, passages, hits. Plain frozen dataclasses, no behaviour
beyond small derived properties, so every layer can pass them around and tests can build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One source article: metadata from the front matter and the body text.

    Offsets in passages, sentences and quotations all index into ``body``.
    """

    doc_id: str
    title: str
    body: str
    author: str | None = None
    outlet: str | None = None
    published: str | None = None  # YYYY-MM-DD
    url: str | None = None
    credit: str | None = None
    source_file: str = ""  # file name inside the corpus directory
    content_hash: str = ""  # sha256 of the file's bytes
    pages: tuple[int, ...] = ()  # a paginated source (a PDF): the paragraph each page starts with

    def page_of(self, paragraph: int) -> int | None:
        """The page a paragraph is on, for a paginated source (else None)."""
        if not self.pages:
            return None
        return sum(1 for start in self.pages if start <= paragraph) or None

    def citation_fields(self) -> dict[str, str | None]:
        """The fields a citation shows, in the order of the --json contract."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "author": self.author,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
        }


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A verbatim slice of an article body: ``article.body[start:end] == text``.

    ``sentences`` are (start, end) offsets into the same body, each inside the passage.
    """

    doc_id: str
    paragraph: int  # 1-based paragraph number in the body
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = field(default_factory=tuple)

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start - self.start : s.end - self.start] for s in self.sentences]


PHRASE_MAX_WORDS = 2  # a quotation this short is a quoted phrase, ranked below statements


@dataclass(frozen=True)
class Quotation:
    """A quotation: ``body[start:end] == text`` (without its marks); context is its sentence."""

    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    speaker: str | None
    context: Span
    # who relayed the words, when the article names them ("Johnson told her ... that she felt
    # “...,” Barnett said": speaker Johnson, reported_by Barnett), else None
    reported_by: str | None = None

    @property
    def is_phrase(self) -> bool:
        return len(self.text.split()) <= PHRASE_MAX_WORDS

    def context_text(self, body: str) -> str:
        return body[self.context.start : self.context.end]


@dataclass(frozen=True)
class QuoteHit:
    """A quotation found by a search, with its article."""

    quotation: Quotation
    article: Article
    score: float
    # the same words reported by other articles (bot.quote_groups), each with its own offsets
    also: tuple[QuoteHit, ...] = ()

    @property
    def context_text(self) -> str:
        return self.quotation.context_text(self.article.body)

    def is_verbatim(self) -> bool:
        q = self.quotation
        body = self.article.body
        return (
            self.article.doc_id == q.doc_id
            and body[q.start : q.end] == q.text
            and q.context.start <= q.start
            and q.end <= q.context.end
            and all(h.is_verbatim() for h in self.also)
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its answer sentence (offsets into the article body)."""

    passage: Passage
    article: Article
    score: float
    answer: Span
    # the same words in other articles (syndicated copies, a statement quoted by several
    # outlets), each with its own passage and offsets: shown once, cited from all
    also: tuple[Hit, ...] = ()

    @property
    def answer_text(self) -> str:
        return self.article.body[self.answer.start : self.answer.end]

    def is_verbatim(self) -> bool:
        """The passage is its article's text at its offsets, and the answer lies inside it;
        so for every other source it is also cited from."""
        p = self.passage
        return (
            self.article.doc_id == p.doc_id
            and self.article.body[p.start : p.end] == p.text
            and p.start <= self.answer.start < self.answer.end <= p.end
            and all(h.is_verbatim() for h in self.also)
        )


@dataclass(frozen=True)
class Statement:
    """A value an answer sentence states ("July 2018", "almost 22 years"), cited:
    ``article.body[start:end] == text``, in paragraph ``paragraph``."""

    article: Article
    paragraph: int
    start: int
    end: int
    text: str

    def is_verbatim(self) -> bool:
        return self.article.body[self.start : self.end] == self.text and bool(self.text)


@dataclass(frozen=True)
class Answer:
    """The result of one question: whether the sources answer it, and the passages."""

    question: str
    answered: bool
    hits: tuple[Hit, ...]
    message: str | None = None  # a one-line notice for the user (bad input), else None
    # the sources differ: the values the hits' answer sentences state that cannot all be true
    # (two or more, each cited), else empty (bot.ranking.differ)
    differ: tuple[Statement, ...] = ()
    # the outlets the question names ("According to the Valley Gazette, ..."), which alone it was
    # answered from (bot.ranking.context), else empty
    outlets: tuple[str, ...] = ()
