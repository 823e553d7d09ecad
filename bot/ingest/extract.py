"""What a source says: its main text as paragraphs, and its metadata.

Web pages go through trafilatura (main-text extraction and metadata from JSON-LD, OpenGraph,
meta tags and the page itself); what it leaves of embedded posts and photo credits is removed
here, line by line, by patterns that only such furniture has. PDFs go through pypdf, a page at
a time, their page numbers kept. Text and Markdown files are taken as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.chunking import BLANK_LINE, is_heading, paragraphs

FETCH_TIMEOUT = 20.0  # seconds for a URL
MAX_SOURCE_BYTES = 50 << 20

# Lines that embedded posts and photo credits leave in extracted text (never article prose):
# "— Name (@handle) June 6, 2018", "pic.twitter.com/...", "(photo credit: ... /REUTERS)".
_FURNITURE = (
    re.compile(r"^[\u2014\u2013-]\s*.{1,80}\(@\w{1,30}\)\s+\w+ \d{1,2}, \d{4}"),
    re.compile(r"^(?:pic\.twitter\.com|https?://t\.co)/\S+$"),
    re.compile(r"^\(?(?:photo|image|picture)\s*(?:credit|courtesy)?\s*:", re.IGNORECASE),
    re.compile(r"^A post shared by ", re.IGNORECASE),
)
_TRAILING_CREDIT = re.compile(r"\s*\((?:photo|image)\s*credit:[^)]*\)\s*(?:By\s*\w+)?$", re.IGNORECASE)


class SourceError(ValueError):
    """A source that cannot be read; the message says why, in one line."""


@dataclass
class Extracted:
    source: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    outlet: str | None = None
    url: str | None = None
    credit: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # a PDF: the page of each paragraph
    removed: list[str] = field(default_factory=list)  # furniture lines taken out of the text


# Class and id words that mark page furniture in the markup of news sites (promo boxes,
# newsletter sign-ups, share bars, related and most-read lists, cookie notices, comments, video
# players): such elements are dropped before extraction, whatever text they hold.
FURNITURE_MARKS = frozenset(
    "promo promotion newsletter subscribe subscription signup share sharing social related recirc "
    "trending mostread most-read popular outbrain taboola advert advertisement ad ads sponsor sponsored "
    "cookie cookies consent gdpr comments comment video-embed video-player player tip tips".split()
)


def drop_furniture(html: str) -> str:
    """The page without the elements whose class or id names them furniture (FURNITURE_MARKS)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # lxml's ParserError and others: leave the page to trafilatura as it is
        return html
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
        words = set(marks.split()) | {w for m in marks.split() for w in re.split(r"[-_]", m)}
        if words & FURNITURE_MARKS and element.tag not in ("html", "body", "article", "main"):
            element.drop_tree()
    return str(lxml.html.tostring(root, encoding="unicode"))


def from_html(html: str, source: str, url: str | None = None) -> Extracted:
    import trafilatura

    doc = trafilatura.bare_extraction(
        drop_furniture(html),
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    if doc is None or isinstance(doc, dict) or not getattr(doc, "text", None):
        raise SourceError(f"{source}: no article text found in the page")
    found = Extracted(
        source=source,
        title=_clean(getattr(doc, "title", None)),
        author=_clean(getattr(doc, "author", None)),
        published=_clean(getattr(doc, "date", None)),
        outlet=_clean(getattr(doc, "sitename", None)),
        url=_clean(getattr(doc, "url", None)) or url,
        credit=_caption_credit(html),
    )
    for line in str(doc.text).split("\n"):
        text = " ".join(line.split())
        if not text:
            continue
        if found.title and len(found.paragraphs) < 3 and text == found.title:
            # the headline repeated at the top, and a section label or kicker above it
            found.removed.extend(p for p in found.paragraphs if is_heading(p) and len(p.split()) <= 4)
            found.paragraphs = [p for p in found.paragraphs if not (is_heading(p) and len(p.split()) <= 4)]
            continue
        if found.author and text.lower() in (f"by {found.author}".lower(), found.author.lower()):
            continue  # the byline
        if any(p.search(text) for p in _FURNITURE):
            found.removed.append(text)
            continue
        kept = _TRAILING_CREDIT.sub("", text)
        if kept != text:
            found.removed.append(text[len(kept) :].strip())
        if kept:
            found.paragraphs.append(kept)
    if not found.paragraphs:
        raise SourceError(f"{source}: no article text found in the page")
    return found


def _caption_credit(html: str) -> str | None:
    """The first photo caption's credit, "(Photo: ...)" or a credit element, if the page has one."""
    match = re.search(r"\((?:photo|image)s?\s*(?:credit)?\s*:\s*([^)]{2,120})\)", html, re.IGNORECASE)
    return " ".join(match.group(1).split()) if match else None


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def from_pdf(path: Path) -> Extracted:
    """A PDF's text, a page at a time: its paragraphs are the page's blocks of lines (a court
    filing's page headers and line numbers come along: look at the file before adding it)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        found = Extracted(source=str(path))
        meta = reader.metadata
        if meta is not None:
            found.title = _clean(meta.title)
            found.author = _clean(meta.author)
        for number, page in enumerate(reader.pages, start=1):
            try:  # layout mode keeps the gaps between paragraphs as blank lines
                text = page.extract_text(extraction_mode="layout") or ""
            except Exception:  # a page layout mode cannot lay out: the plain text, one block
                text = page.extract_text() or ""
            for block in _blocks(text):
                found.paragraphs.append(block)
                found.pages.append(number)
    except (PdfReadError, OSError, ValueError) as exc:
        raise SourceError(f"{path}: not a readable PDF ({exc})") from None
    if not found.paragraphs:
        raise SourceError(f"{path}: the PDF has no text (a scan needs OCR first)")
    return found


def fetch(url: str) -> str:
    """The page at ``url`` (at most MAX_SOURCE_BYTES, FETCH_TIMEOUT seconds)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "casebot-add/1 (+corpus maintenance)"})
    try:
        with urllib.request.urlopen(
            request, timeout=FETCH_TIMEOUT
        ) as response:  # http(s) only: checked by the caller
            data = response.read(MAX_SOURCE_BYTES + 1)
            charset = response.headers.get_content_charset() or "utf-8"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(
            f"{url}: cannot fetch it ({reason}); save the page and add the file instead"
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"{url}: larger than {MAX_SOURCE_BYTES >> 20} MB")
    return data.decode(charset, errors="replace")


def read_source(source: str) -> Extracted:
    """Any source: a URL, or a saved .html/.htm page, a .pdf, a .txt or .md file."""
    if re.match(r"^https?://", source):
        return from_html(fetch(source), source, url=source)
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"{source}: no such file")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise SourceError(f"{source}: larger than {MAX_SOURCE_BYTES >> 20} MB")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return from_pdf(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{source}: not UTF-8 text") from None
    if suffix in (".html", ".htm", ".xhtml"):
        return from_html(text, source)
    if suffix in (".txt", ".md"):
        return from_text(text, source)
    raise SourceError(f"{source}: not a kind of source this reads (.html, .pdf, .txt, .md or a URL)")


def _blocks(text: str) -> list[str]:
    """The paragraphs of a text (as the corpus reads them), white space folded within each."""
    return [" ".join(text[s.start : s.end].split()) for s in paragraphs(text)]


def from_text(text: str, source: str) -> Extracted:
    """A text file: paragraphs by blank lines (each line one, when there are none). A file in
    the corpus format (front matter first) keeps its fields."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if text.startswith("---"):
        from bot.corpus import CorpusError, parse_article

        try:
            article = parse_article(Path(source).name, text.encode("utf-8"))
        except CorpusError as exc:
            raise SourceError(str(exc)) from None
        fields = {k: getattr(article, k) for k in ("title", "author", "published", "outlet", "url", "credit")}
        return Extracted(source=source, paragraphs=_blocks(article.body), **fields)
    text = text.strip()
    blocks = (
        _blocks(text)
        if BLANK_LINE.search(text)
        else [" ".join(x.split()) for x in text.split("\n") if x.strip()]
    )
    if not blocks:
        raise SourceError(f"{source}: the file is empty")
    title = None
    if len(blocks) > 1 and is_heading(blocks[0]):  # a first line that is a heading: the title
        title, blocks = blocks[0].lstrip("# ").strip(), blocks[1:]
    return Extracted(source=source, title=title, paragraphs=blocks)
