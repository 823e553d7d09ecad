"""End to end: the real bot (python -m bot, discord.py) against a fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.replies import NOT_ANSWERED
from tests.conftest import ROOT, TEST_CORPUS, TEST_MODEL, write_article
from tests.fake_discord import GUILD_ID, MANAGE_GUILD, FakeDiscord, Interaction, buttons

TOKEN = "fake-token-123"
ZEBRA_URL = "https://example.com/zebra-committee"


class Harness:
    """The fake Discord on its own event loop thread, and the bot as a subprocess."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake = FakeDiscord(TOKEN)
        self.run(self.fake.start())
        self.log_path = tmp / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_at_log = 0

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_GUILD_ID": GUILD_ID,
            "DISCORD_API_BASE": self.fake.api_base,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
            "DISCORD_GUILD_READY_TIMEOUT": "0.1",
            "CASEBOT_CORPUS_DIR": str(self.tmp / "corpus"),
            "CASEBOT_INDEX_DIR": str(self.tmp / "index"),
            "CASEBOT_COOLDOWN_RATE": "3",
            "CASEBOT_COOLDOWN_SECONDS": "60",
            "PYTHONASYNCIODEBUG": "1",  # asyncio logs every callback that blocks the loop > 100 ms
            "CASEBOT_MODEL": TEST_MODEL,
            **extra,
        }

    def start_bot(self, *args: str, **env: str) -> None:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the bot exited:\n" + self.log())
            if "ask" in self.fake.commands and self.fake.identified.is_set() and "ready as" in self.log():
                self.ready_at_log = len(self.log())
                return
            time.sleep(0.2)
        raise TimeoutError("the bot did not get ready:\n" + self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.run(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)

    def ask(self, question: str, timeout: float = 60, **kw: Any) -> Interaction:
        async def go() -> Interaction:
            options = {"question": question, **({"private": kw.pop("private")} if "private" in kw else {})}
            inter = await self.fake.command("ask", options, **kw)
            await asyncio.wait_for(inter.done.wait(), timeout)
            return inter

        return self.run(go(), timeout + 5)

    def do(self, make: Coroutine[Any, Any, Interaction], timeout: float = 60) -> Interaction:
        async def go() -> Interaction:
            inter = await make
            await asyncio.wait_for(inter.done.wait(), timeout)
            return inter

        return self.run(go(), timeout + 5)


@contextlib.contextmanager
def running_bot(tmp: Path, *args: str, **env: str) -> Iterator[Harness]:
    """The fake Discord and the bot, serving a copy of the bundled corpus in ``tmp``."""
    if not (tmp / "corpus").exists():
        shutil.copytree(TEST_CORPUS, tmp / "corpus")
    h = Harness(tmp)
    try:
        h.start_bot(*args, **env)
        yield h
    finally:
        h.stop()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("discord")
    shutil.copytree(TEST_CORPUS, tmp / "corpus")
    write_article(
        tmp / "corpus",
        "zebra-test.md",
        "The zebra committee met on Tuesday to count stripes.\n\nIt found 42 stripes on the test zebra.",
        title="A synthetic test article about a zebra committee",
        outlet="Test Gazette",
        url=ZEBRA_URL,
    )
    with running_bot(tmp, "--sync") as h:
        yield h


def _all_messages(inter: Interaction) -> list[dict[str, Any]]:
    return inter.messages()


def _assert_clean(inter: Interaction) -> None:
    assert inter.rejected == [], inter.rejected
    assert inter.acked_at is not None and inter.acked_at - inter.sent_at < 3.0
    for message in _all_messages(inter):
        assert message.get("allowed_mentions") == {"parse": []}, message.get("allowed_mentions")


def test_login_and_command_sync(harness: Harness) -> None:
    fake = harness.fake
    assert "GET /users/@me" in fake.requests
    scopes = {scope for scope, _ in fake.command_puts}
    assert scopes == {GUILD_ID, "global"}
    for _, commands in fake.command_puts:
        assert {c["name"] for c in commands} == {"ask", "quote", "sources", "reload"}
    reload_cmd = fake.commands["reload"]
    assert str(reload_cmd["default_member_permissions"]) == str(MANAGE_GUILD)
    ask = fake.commands["ask"]
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["required"] is True and question["max_length"] == 300
    assert "DISCORD_TOKEN" not in harness.log() and TOKEN not in harness.log()


def test_ask_defers_then_answers_with_embeds_and_more(harness: Harness) -> None:
    inter = harness.ask("Who commuted Alice Marie Johnson's sentence?", user_id="800000000000000101")
    _assert_clean(inter)
    assert inter.callbacks[0]["type"] == 5  # deferred first
    (reply,) = inter.followups
    assert len(reply["embeds"]) == 3
    top = reply["embeds"][0]
    assert "**" in top["description"] and "Donald Trump had commuted" in top["description"]
    assert {f["name"] for f in top["fields"]} >= {"Source", "Author", "Published", "Paragraph"}
    assert "index built" in top["footer"]["text"]
    more = [b for b in buttons(reply) if b.get("label") == "More"]
    assert len(more) == 1

    # someone else cannot page through it
    other = harness.do(harness.fake.click(reply, more[0]["custom_id"], user_id="800000000000000999"))
    assert other.callbacks[0]["type"] == 4
    assert "Only the person who asked" in other.callbacks[0]["data"]["content"]
    assert other.callbacks[0]["data"]["flags"] & 64

    # the asker gets the next passages, privately
    page = harness.do(harness.fake.click(reply, more[0]["custom_id"], user_id="800000000000000101"))
    _assert_clean(page)
    (second,) = page.followups
    assert second["embeds"] and second["flags"] & 64
    first_texts = {e["description"] for e in reply["embeds"]}
    assert not first_texts & {e["description"] for e in second["embeds"]}


def test_private_reply_is_ephemeral(harness: Harness) -> None:
    inter = harness.ask("What did the judge call Johnson?", private=True, user_id="800000000000000102")
    _assert_clean(inter)
    assert inter.callbacks[0]["data"]["flags"] & 64
    assert inter.followups[0]["flags"] & 64
    assert "quintessential entrepreneur" in inter.followups[0]["embeds"][0]["description"]


def test_off_topic_is_declined_plainly(harness: Harness) -> None:
    inter = harness.ask("How do I bake sourdough bread?", user_id="800000000000000103")
    _assert_clean(inter)
    reply = inter.followups[0]
    assert NOT_ANSWERED in reply["content"]
    assert len(reply["embeds"]) <= 2
    assert all(e["title"].startswith("Related, not an answer") for e in reply["embeds"])


def test_mentions_never_ping(harness: Harness) -> None:
    inter = harness.ask(
        "@everyone @here who commuted <@&123456789> the sentence?", user_id="800000000000000104"
    )
    _assert_clean(inter)
    content = inter.followups[0]["content"]
    assert "@everyone" not in content.replace("\\@everyone", "")
    assert "<@&" not in content.replace("\\<\\@&", "")


def test_very_long_question_gets_a_short_answer(harness: Harness) -> None:
    inter = harness.ask("why " * 1750, user_id="800000000000000105")  # 7,000 characters
    assert inter.rejected == []
    messages = _all_messages(inter)
    assert messages and all(len(m.get("content") or "") < 300 for m in messages)
    assert "300" in " ".join(m.get("content") or "" for m in messages)


def test_link_button_when_the_source_has_a_url(harness: Harness) -> None:
    inter = harness.ask("When did the zebra committee meet?", user_id="800000000000000106")
    _assert_clean(inter)
    links = [b for b in buttons(inter.followups[0]) if b.get("style") == 5]
    assert [b["url"] for b in links] == [ZEBRA_URL]


def test_quote_with_autocomplete(harness: Harness) -> None:
    auto = harness.do(harness.fake.autocomplete("quote", "speaker", "kar"))
    assert auto.rejected == [] and auto.callbacks[0]["type"] == 8
    choices = auto.callbacks[0]["data"]["choices"]
    assert [c["value"] for c in choices] == ["Kim Kardashian"]
    everyone = harness.do(harness.fake.autocomplete("quote", "speaker", ""))
    assert {"Kim Kardashian", "Mic"} <= {c["value"] for c in everyone.callbacks[0]["data"]["choices"]}

    by_speaker = harness.do(harness.fake.command("quote", {"speaker": "the judge who sentenced Johnson"}))
    _assert_clean(by_speaker)
    embeds = by_speaker.followups[0]["embeds"]
    assert [e["title"] for e in embeds] == ["the judge who sentenced Johnson"] * 3
    assert "quintessential entrepreneur" in embeds[0]["description"]

    search = harness.do(
        harness.fake.command("quote", {"query": "working with organizations on prison reform"})
    )
    _assert_clean(search)
    assert any(
        "I hope to continue this important work" in e["description"] for e in search.followups[0]["embeds"]
    )


def test_sources(harness: Harness) -> None:
    inter = harness.do(harness.fake.command("sources"))
    _assert_clean(inter)
    assert inter.callbacks[0]["type"] == 5  # deferred: the articles are read off the event loop
    embed = inter.followups[0]["embeds"][0]
    assert "Bustle" in embed["description"] and ZEBRA_URL in embed["description"]
    assert "index built" in embed["footer"]["text"]


def test_reload_for_managers_only(harness: Harness) -> None:
    refused = harness.do(harness.fake.command("reload", permissions=0))
    assert "Manage Server" in refused.callbacks[0]["data"]["content"]

    # a rebuilt index is picked up without a restart
    corpus = harness.tmp / "corpus"
    write_article(
        corpus, "zebra-test.md", "The zebra committee met on Friday instead.", title="Zebra", url=ZEBRA_URL
    )
    subprocess.run([sys.executable, "-m", "bot.reindex", "--quiet"], env=harness.env(), check=True, cwd=ROOT)
    allowed = harness.do(
        harness.fake.command("reload", permissions=MANAGE_GUILD, user_id="800000000000000107")
    )
    _assert_clean(allowed)
    assert "Loaded the index built" in allowed.followups[0]["content"]
    friday = harness.ask("When did the zebra committee meet?", user_id="800000000000000108")
    assert "Friday" in friday.followups[0]["embeds"][0]["description"]

    # a broken index is refused and the old one keeps serving
    current = harness.tmp / "index" / "CURRENT"
    good = current.read_text()
    current.write_text("no-such-build\n")
    try:
        failed = harness.do(
            harness.fake.command("reload", permissions=MANAGE_GUILD, user_id="800000000000000107")
        )
        assert "keeps the index built" in failed.followups[0]["content"]
    finally:
        current.write_text(good)
    still = harness.ask("What did the judge call Johnson?", user_id="800000000000000109")
    assert "quintessential" in still.followups[0]["embeds"][0]["description"]


def test_cooldown_is_friendly(harness: Harness) -> None:
    user = "800000000000000110"
    replies = [harness.ask(f"What did the judge call Johnson? ({n})", user_id=user) for n in range(4)]
    assert all(r.followups for r in replies[:3])
    last = replies[3]
    assert last.callbacks[0]["type"] == 4 and "asking quickly" in last.callbacks[0]["data"]["content"]
    deadline = time.monotonic() + 10  # the refusal has its log line, as every command does
    while (
        f"user={user} guild={GUILD_ID} refused=cooldown" not in harness.log() and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert f"/ask user={user} guild={GUILD_ID} refused=cooldown" in harness.log()


def test_burst_of_twenty_is_acknowledged_in_time_and_answered(harness: Harness) -> None:
    async def burst() -> list[Interaction]:
        started = await asyncio.gather(
            *(
                harness.fake.command(
                    "ask",
                    {"question": f"How much cocaine did the ring traffic? {n}"},
                    user_id=f"80000000000000{2000 + n}",
                )
                for n in range(20)
            )
        )
        await asyncio.wait_for(asyncio.gather(*(i.done.wait() for i in started)), 120)
        return list(started)

    inters = harness.run(burst(), 130)
    for inter in inters:
        _assert_clean(inter)
        assert "2,000 to 3,000 kilograms of cocaine" in inter.followups[0]["embeds"][0]["description"]


def test_event_loop_never_blocked_while_answering(harness: Harness) -> None:
    # run after the other tests in this module (pytest keeps file order)
    after_ready = harness.log()[harness.ready_at_log :]
    slow = re.findall(r"Executing .* took (\d+\.\d+) seconds", after_ready)
    assert slow == [], after_ready[-3000:]
    assert "Traceback" not in after_ready, after_ready[-3000:]


def test_missing_and_bad_token(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": ""}
    missing = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "DISCORD_TOKEN is not set" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1

    loop = asyncio.new_event_loop()
    fake = FakeDiscord("the-right-token")
    loop.run_until_complete(fake.start())
    try:
        env = {
            **env,
            "DISCORD_TOKEN": "a-wrong-token",
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "CASEBOT_INDEX_DIR": str(tmp_path / "index"),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
        )
        while proc.poll() is None:
            loop.run_until_complete(asyncio.sleep(0.1))
        err = proc.stderr.read().decode() if proc.stderr else ""
        assert proc.returncode == 2, err
        assert "refused DISCORD_TOKEN" in err and "a-wrong-token" not in err
    finally:
        loop.run_until_complete(fake.stop())
        loop.close()


def test_sharded_bot_answers(tmp_path: Path) -> None:
    shutil.copytree(TEST_CORPUS, tmp_path / "corpus")
    h = Harness(tmp_path)
    try:
        h.start_bot("--sync", DISCORD_SHARD_COUNT="2", DISCORD_GUILD_ID="")
        assert len(h.fake.sockets) == 2  # one gateway connection per shard
        assert [scope for scope, _ in h.fake.command_puts] == ["global"]
        inter = h.ask("What did the judge call Johnson?")
        _assert_clean(inter)
        assert "quintessential" in inter.followups[0]["embeds"][0]["description"]
    finally:
        h.stop()


@pytest.mark.model
def test_the_real_model_serves_answers(tmp_path: Path) -> None:
    """Smoke test: the bot with the bundled model (its exported question encoder) answers and declines."""
    with running_bot(tmp_path, CASEBOT_MODEL="") as h:
        inter = h.ask("What did the judge call Johnson?")
        _assert_clean(inter)
        assert "quintessential" in inter.followups[0]["embeds"][0]["description"]
        declined = h.ask("How do I bake sourdough bread?", user_id="800000000000000777")
        assert NOT_ANSWERED in declined.followups[0]["content"]


def test_the_same_words_from_two_outlets_are_shown_once_with_also_in(tmp_path: Path) -> None:
    from bot.add import main as add
    from tests.conftest import DATA

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = [str(DATA / "library" / "sources" / p) for p in ("capital-wire.html", "lakeside-daily-copy.html")]
    assert add(["--force", *pages, "--corpus", str(corpus)]) == 0
    with running_bot(tmp_path) as h:
        inter = h.ask("What did Johnson say in the statement released by her lawyers?")
        _assert_clean(inter)
        embeds = inter.followups[0]["embeds"]
        top = embeds[0]
        assert "given my life back" in top["description"]
        also = {f["name"]: f["value"] for f in top["fields"]}["Also in"]
        assert ("Lakeside Daily" in also) != ("Capital Wire" in also)  # the other outlet, once
        assert sum("given my life back" in e["description"] for e in embeds) == 1
