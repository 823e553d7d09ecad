"""python -m bot.add on saved pages with real-world furniture, a PDF, text, a URL offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.add import main as add
from bot.config import Settings
from bot.corpus import load_corpus
from bot.embedding import HashEmbedder
from bot.engine import open_engine
from bot.ingest.copies import COPY_THRESHOLD, find_copy
from bot.replies import answer_to_json, answer_to_text, cite
from bot.shingles import shingles, similarity
from tests.library import COURT_OPINION, SOURCES, court_opinion_pdf
from tests.pdfs import make_pdf

PAGES = SOURCES

# (source, title, author, date, outlet): every source of the test library
EXPECTED = [
    (
        "capital-wire.html",
        "Grandmother serving life term is freed after clemency",
        "Dana Reyes",
        "2018-06-06",
        "Capital Wire",
    ),
    (
        "lakeside-daily-copy.html",
        "Clemency frees grandmother who served 21 years",
        "Dana Reyes",
        "2018-06-06",
        "Lakeside Daily",
    ),
    (
        "harbor-times-copy.html",
        "Freed after 21 years: president grants clemency to Memphis grandmother",
        "Dana Reyes",
        "2018-06-07",
        "The Harbor Times",
    ),
    (
        "channel-9.html",
        "Memphis woman's life sentence commuted after celebrity push",
        "Sam Whitfield",
        "2018-06-06",
        "Channel 9 Midstate",
    ),
    (
        "press-office-statement.html",
        "Statement from the Press Secretary on the Commutation of Alice Marie Johnson",
        None,
        "2018-06-06",
        "Office of the Press Secretary",
    ),
    ("reform-notes-blog.html", "A second chance, at last", "Priya Okafor", "2018-06-07", "Reform Notes"),
    (
        "opinion-column.html",
        "One commutation is not a policy",
        "Marcus Bell",
        "2018-06-10",
        "The Northern Ledger",
    ),
    (
        "pardon-2020.html",
        "Trump grants full pardon to Alice Marie Johnson a day after her convention speech",
        "Leah Moreno",
        "2020-08-28",
        "Riverbend Courier",
    ),
    (
        "evening-post.html",
        "After decades inside, a grandmother rebuilds her life",
        "Tom Becker",
        "2018-09-14",
        "The Evening Post",
    ),
    (
        "valley-gazette.html",
        "Johnson marks first weeks of freedom with church homecoming",
        "Ruth Anders",
        "2018-07-01",
        "Valley Gazette",
    ),
    (
        "barnett-profile.md",
        "The lawyer who never stopped filing for Alice Marie Johnson",
        "Noor Haddad",
        "2018-06-20",
        "Southern Law Review Online",
    ),
    (
        "radio-interview-transcript.txt",
        "Transcript: Open Door with Jordan Lee, interview with Alice Marie Johnson",
        None,
        None,
        None,
    ),
    (
        "court-opinion.pdf",
        "Memorandum opinion excerpt in United States v. Johnson (written for the test library)",
        "Test library",
        None,
        None,
    ),
]

# Every furniture line planted in the pages: none may reach a passage.
FURNITURE = [
    "We use cookies",
    "Accept all cookies",
    "Share on Facebook",
    "Email this story",
    "Sign up for our newsletter",
    "morning briefing",
    "pic.twitter.com",
    "(@someone)",
    "Related stories",
    "Five things to know",
    "storms expected",
    "All rights reserved",
    "Privacy policy",
    "Photo: Staff",
    "walks out of a prison",
    "Subscribe for $1",
    "cookie policy",
    "Support local journalism",
    "Most read",
    "regional title",
    "Join the conversation",
    "Lakeside Daily Media",
    "WATCH LIVE",
    "Download the Channel 9 app",
    "Video player loading",
    "hugs relatives",
    "Photo credit",
    "(@KimKardashian)",
    "news tip",
    "More videos",
    "FCC Public File",
    "Briefings & Statements",
    "Share this",
    "Sign up for updates",
    # harbor-times-copy.html
    "58\u00b0 Fog",
    "Obituaries",
    "Advertisement",
    "Tweet this",
    "Print this article",
    "Read more:",
    "Daily Digest",
    "Doctors baffled",
    "Reprints and permissions",
    "Do not sell my personal information",
    # reform-notes-blog.html
    "This blog uses cookies",
    "Thoughts on sentencing, prisons and second chances",
    "Posted on",
    "Posted in Clemency",
    "Tagged commutation",
    "Click to share",
    "One thought on this post",
    "keeping her story alive",
    "Leave a Reply",
    "Proudly powered by WordPress",
    # opinion-column.html
    "free articles left",
    "Subscribe now for unlimited access",
    "Letters on the school budget",
    "The views expressed in this column",
    "Contact the editorial board",
    # pardon-2020.html
    "Live updates: hurricane",
    "Election 2020",
    "final night of the Republican convention",
    "Photo credit: Pool",
    "Politics in your inbox",
    "best barbecue",
    "Site map",
    # evening-post.html
    "personalise ads",
    "Manage preferences",
    "weekend edition",
    "Terms of service",
    # valley-gazette.html
    "Summer Fair tickets",
    "Comments are closed",
    "Advertise with us",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    target.mkdir()
    return target


def _add(corpus: Path, *args: str) -> int:
    return add([*args, "--corpus", str(corpus)])


def test_the_library_is_every_source_of_the_table_and_its_pdf_is_the_one_the_test_makes() -> None:
    assert sorted(p.name for p in SOURCES.iterdir()) == sorted(page for page, *_ in EXPECTED)
    assert COURT_OPINION.read_bytes() == court_opinion_pdf()  # python -m tests.library remakes it


@pytest.mark.parametrize(("page", "title", "author", "date", "outlet"), EXPECTED)
def test_each_source_of_the_library_gives_its_metadata(
    corpus: Path, page: str, title: str, author: str | None, date: str | None, outlet: str | None
) -> None:
    assert _add(corpus, str(PAGES / page)) == 0
    (article,) = load_corpus(corpus).articles
    assert (article.title, article.author, article.published, article.outlet) == (title, author, date, outlet)
    assert article.url is None or article.url.startswith("https://")


def test_no_furniture_line_of_any_page_reaches_a_passage(corpus: Path, tmp_path: Path) -> None:
    assert _add(corpus, "--force", *(str(PAGES / p) for p, *_ in EXPECTED)) == 0
    engine = open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), HashEmbedder())
    passages = [p.text for p in engine.index.passages]
    assert len(passages) >= 70
    leaked = [
        (f, p) for f in FURNITURE for p in passages if f in p
    ]  # letter case kept: prose says "advertisement"
    assert leaked == []
    # what the articles say is all there, and the embedded post's own words are kept
    text = "\n".join(passages)
    assert "I feel like I have been given my life back" in text and "This is the best day." in text


def test_a_syndicated_copy_is_refused_with_its_similarity_and_added_with_force(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(corpus, str(PAGES / "capital-wire.html")) == 0
    capsys.readouterr()
    assert _add(corpus, str(PAGES / "lakeside-daily-copy.html")) == 1
    err = capsys.readouterr().err
    assert "refused:" in err and "looks like a copy of corpus/capital-wire-" in err and "% the same" in err
    assert len(load_corpus(corpus).articles) == 1
    assert _add(corpus, "--force", str(PAGES / "lakeside-daily-copy.html")) == 0
    assert len(load_corpus(corpus).articles) == 2
    # the same page again: a copy by URL and text; forced, it gets a new name, never overwriting
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    assert _add(corpus, "--force", str(PAGES / "capital-wire.html")) == 0
    after = {p.name: p.read_bytes() for p in corpus.iterdir()}
    assert all(after[name] == data for name, data in before.items()) and len(after) == 3


def test_the_copy_threshold_separates_copies_from_other_stories() -> None:
    wire = load_text("capital-wire.html")
    copy = load_text("lakeside-daily-copy.html")
    other = load_text("channel-9.html")
    statement = load_text("press-office-statement.html")
    assert similarity(shingles(copy), shingles(wire)) >= COPY_THRESHOLD
    for a, b in ((other, wire), (statement, wire), (other, statement), (wire, other)):
        assert similarity(shingles(a), shingles(b)) < 0.2
    assert find_copy(other, None, [("wire.md", wire, None)]) is None
    by_url = find_copy(
        "new words",
        "https://capitalwire.example/news/2018/06/06/johnson-freed/?utm=x",
        [("wire.md", wire, "https://capitalwire.example/news/2018/06/06/johnson-freed")],
    )
    assert by_url is not None and by_url.same_url and "same canonical URL" in by_url.describe()


def test_a_copy_edited_in_several_paragraphs_is_still_a_copy_and_a_quoting_blog_is_not() -> None:
    wire, harbor = load_text("capital-wire.html"), load_text("harbor-times-copy.html")
    assert similarity(shingles(harbor), shingles(wire)) < COPY_THRESHOLD  # words changed in 4 of 6
    copy = find_copy(harbor, None, [("wire.md", wire, None)])
    assert copy is not None and copy.similarity >= COPY_THRESHOLD and copy.describe().endswith("% the same")
    statement, blog = load_text("press-office-statement.html"), load_text("reform-notes-blog.html")
    assert find_copy(statement, None, [("blog.md", blog, None)]) is None  # it quotes one paragraph
    assert find_copy(blog, None, [("statement.md", statement, None)]) is None
    for page, *_ in EXPECTED:  # no other pair of the library is a copy
        if page in ("capital-wire.html", "lakeside-daily-copy.html", "harbor-times-copy.html"):
            continue
        text = load_text(page)
        others = [(p, load_text(p), None) for p, *_ in EXPECTED if p != page]
        assert find_copy(text, None, others) is None, page


def load_text(page: str) -> str:
    from bot.ingest.extract import read_source

    return "\n\n".join(read_source(str(PAGES / page)).paragraphs)


def test_a_pdf_keeps_its_pages_for_citations(corpus: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "opinion.pdf"
    pdf.write_bytes(
        make_pdf(
            [
                [
                    ["The court considered a motion to reduce the sentence.", "It was filed in 2016."],
                    ["The motion was denied."],
                ],
                [
                    [
                        "On appeal the panel affirmed the sentence.",
                        "Judge A. Roe wrote the opinion of the panel.",
                    ]
                ],
            ],
            title="Opinion of the court on the motion",
        )
    )
    assert _add(corpus, str(pdf)) == 0
    (article,) = load_corpus(corpus).articles
    assert article.title == "Opinion of the court on the motion" and article.pages == (1, 3)
    assert article.body.split("\n\n")[2].startswith("On appeal the panel affirmed")
    engine = open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), HashEmbedder())
    answer = engine.retriever.ask("Who wrote the opinion of the panel on appeal?")
    top = answer_to_json(answer)["hits"][0]
    assert top["paragraph"] == 3 and "paragraph 3 (p. 2)" in answer_to_text(answer)
    assert (
        cite(article, 3).endswith("paragraph 3 (p. 2)")
        and "p." not in cite(article, 2).split("paragraph")[-1][:4]
    )


def test_text_dry_run_and_errors(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Johnson was released on a Wednesday.\nShe thanked her supporters.\n", encoding="utf-8")
    assert _add(corpus, "--dry-run", str(notes)) == 0
    out = capsys.readouterr()
    assert "Johnson was released on a Wednesday.\n\nShe thanked her supporters." in out.out
    assert (
        "would add corpus/notes.md" in out.err
        and "2 paragraphs; not found: title, author, published, outlet, url, credit" in out.err
    )
    assert list(corpus.iterdir()) == []  # a dry run writes nothing
    assert _add(corpus, "http://127.0.0.1:9/story", str(tmp_path / "missing.html")) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and "cannot fetch it" in errors[0] and "no such file" in errors[1]


def test_add_with_reindex_from_the_terminal(corpus: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, TEST_MODEL

    env = {**os.environ, "PYTHONPATH": str(ROOT), "CASEBOT_MODEL": TEST_MODEL}
    env |= {"CASEBOT_CORPUS_DIR": str(corpus), "CASEBOT_INDEX_DIR": str(tmp_path / "index")}
    shutil.copy(PAGES / "channel-9.html", tmp_path / "Channel 9 (saved page).html")
    result = subprocess.run(
        [sys.executable, "-m", "bot.add", str(tmp_path / "Channel 9 (saved page).html"), "--reindex"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Indexed 1 article(s)" in result.stdout
    asked = subprocess.run(
        [sys.executable, "-m", "bot.ask", "--json", "Where was Alice Marie Johnson held?"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert "Aliceville" in json.loads(asked.stdout)["hits"][0]["text"]
