from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import CorpusError, load_corpus, parse_article
from tests.conftest import SEED_ARTICLE, write_article


def test_seed_article_metadata() -> None:
    article = parse_article(SEED_ARTICLE.name, SEED_ARTICLE.read_bytes())
    assert article.doc_id == "alice-marie-johnson-bustle"
    assert article.title == "Kim K's Reaction To Trump Freeing Alice Marie Johnson Is Pure Joy"
    assert article.author == "Morgan Brinlee"
    assert article.outlet == "Bustle"
    assert article.published == "2018-06-06"
    assert article.url is None
    assert article.credit and "Getty Images" in article.credit
    assert article.body.startswith("Kim Kardashian accomplished her mission.")
    assert "Getty" not in article.body and not article.body.startswith("by ")


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"title: x\n\nbody\n", 1, "missing front matter"),
        (b"---\ntitle: x\n\nbody\n", 1, "not closed"),
        (b"---\nauthor: a\n---\nbody\n", 1, "no title"),
        (b"---\ntitle: x\npublished: 2018-13-45\n---\nbody\n", 3, "YYYY-MM-DD"),
        (b"---\ntitle: x\npublished: June 6\n---\nbody\n", 3, "YYYY-MM-DD"),
        (b"---\ntitle: x\nurl: www.example.com\n---\nbody\n", 3, "http"),
        (b"---\ntitle: x\ntitel: y\n---\nbody\n", 3, "unknown field"),
        (b"---\ntitle: x\ntitle: y\n---\nbody\n", 3, "twice"),
        (b"---\ntitle: x\njust words\n---\nbody\n", 3, "key: value"),
        (b"---\ntitle: x\n---\n\n   \n", 4, "no body"),
        (b"---\ntitle: x\n---\nfine\nbad \xff byte\n", 5, "UTF-8"),
    ],
)
def test_malformed_files_name_file_and_line(content: bytes, line: int, words: str) -> None:
    with pytest.raises(CorpusError) as info:
        parse_article("broken.md", content)
    assert info.value.file == "broken.md"
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f"broken.md:{line}: ")


def test_bom_crlf_and_quoted_values_are_accepted() -> None:
    data = '\ufeff---\r\ntitle: "Quoted title"\r\npublished: 2018-06-06\r\n---\r\n\r\nOne.\r\n\r\nTwo.\r\n'
    article = parse_article("x.md", data.encode("utf-8"))
    assert article.title == "Quoted title"
    assert article.body == "One.\n\nTwo."


def test_load_corpus_collects_errors_and_keeps_good_files(tmp_path: Path) -> None:
    write_article(tmp_path, "good.md", "A paragraph.")
    (tmp_path / "bad.md").write_bytes(b"no front matter\n")
    (tmp_path / "README.md").write_text("not an article")
    (tmp_path / "notes.json").write_text("{}")
    loaded = load_corpus(tmp_path)
    assert [a.doc_id for a in loaded.articles] == ["good"]
    assert [e.file for e in loaded.errors] == ["bad.md"]


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    write_article(tmp_path, "same.md", "A.")
    write_article(tmp_path, "same.txt", "B.")
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 1
    assert "same article id" in str(loaded.errors[0])


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2018-06-06", "2018-06-06"),
        ("2018-06-06T18:54:00-04:00", "2018-06-06"),  # the date as published, not moved to UTC
        ("2018-06-06T23:30:00Z", "2018-06-06"),
        ("2018-06-06 18:54", "2018-06-06"),
        ("2018/6/6", "2018-06-06"),
        ("June 6, 2018", "2018-06-06"),
        ("Jun. 6, 2018", "2018-06-06"),
        ("june 6 2018", "2018-06-06"),
        ("Wednesday, June 6, 2018", "2018-06-06"),
        ("Wed, Jun 6, 2018 6:54 PM EDT", "2018-06-06"),
        ("June 6th, 2018 at 6:54 p.m.", "2018-06-06"),
        ("6 June 2018", "2018-06-06"),
        ("Sept. 30, 2020", "2020-09-30"),
        ('"August 28, 2020"', "2020-08-28"),
    ],
)
def test_common_date_forms_are_read_as_iso_dates(written: str, date: str) -> None:
    article = parse_article("x.md", f"---\ntitle: x\npublished: {written}\n---\nbody\n".encode())
    assert article.published == date


@pytest.mark.parametrize(
    "written", ["06/07/2018", "June 31, 2018", "Juno 6, 2018", "2018", "next Tuesday", "2018-02-30"]
)
def test_dates_that_cannot_be_read_name_the_forms_that_can(written: str) -> None:
    with pytest.raises(CorpusError) as info:
        parse_article("x.md", f"---\ntitle: x\npublished: {written}\n---\nbody\n".encode())
    assert info.value.line == 3 and "YYYY-MM-DD" in str(info.value)


def test_field_names_of_other_tools_are_read_as_ours() -> None:
    data = b"---\nheadline: H\nbyline: B. Writer\nsource: Outlet\ndate: June 6, 2018\nlink: https://example.com/a\n---\nbody\n"
    article = parse_article("x.md", data)
    assert (article.title, article.author, article.outlet, article.published, article.url) == (
        "H",
        "B. Writer",
        "Outlet",
        "2018-06-06",
        "https://example.com/a",
    )
    with pytest.raises(CorpusError) as info:
        parse_article("x.md", b"---\ntitle: x\ndate: 2018-06-06\npublished: 2018-06-07\n---\nbody\n")
    assert info.value.line == 4 and "given twice (line 3 as 'date')" in str(info.value)


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        ("alice-marie-johnson-bustle.md", "alice-marie-johnson-bustle"),
        ("Kim K's Reaction (Bustle).md", "kim-k-s-reaction-bustle"),
        ("Café Crème – 2018.txt", "cafe-creme-2018"),
        ("AP_story.v2.md", "AP_story.v2"),  # a plain name keeps its id as it is
    ],
)
def test_any_file_name_gives_an_id(name: str, doc_id: str) -> None:
    assert parse_article(name, b"---\ntitle: x\n---\nbody\n").doc_id == doc_id


def test_a_file_name_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(CorpusError, match="rename it"):
        parse_article("()!.md", b"---\ntitle: x\n---\nbody\n")


def test_plain_text_with_one_paragraph_a_line() -> None:
    data = b"---\ntitle: x\n---\nFirst paragraph.\nSecond paragraph.\n  Third one.\n"
    assert parse_article("x.txt", data).body == "First paragraph.\n\nSecond paragraph.\n\nThird one."
    # with blank lines, or in Markdown, single line breaks stay inside their paragraph
    assert parse_article("x.md", data).body == "First paragraph.\nSecond paragraph.\n  Third one."
    mixed = b"---\ntitle: x\n---\nOne\nstill one.\n\nTwo.\n"
    assert parse_article("x.txt", mixed).body == "One\nstill one.\n\nTwo."
