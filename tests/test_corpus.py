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
