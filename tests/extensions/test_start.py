"""Starting the extensions (gateway/extensions/__init__.py): each gets a frozen context with the
ports it declared, filled by the providers started before it; one that writes into its context,
reads a port it did not declare or hands over the wrong kind is left out, and says so; stopping
goes the other way."""
import dataclasses
import logging
import random

import pytest
from fastapi import FastAPI

from gateway.config import load_file
from gateway.extensions import order, pages, start_all, stop_all
from gateway.extensions.order import declared, plan
from gateway.extensions.ports import Undeclared, port
from gateway.runtime import Runtime
from tests.extensions.planted import part
from tests.support import ROOT
from tests.support.context import context

X = port("x_thing", "甲", "builtins:str")
Y = port("y_thing", "乙", "builtins:str")


def names(started):
    return [n for n, _ in started]


def test_what_one_provides_the_next_receives_and_stopping_goes_the_other_way(tmp_path):
    log: list = []
    maker, _ = part("maker", log, value="甲的值", provides={X: lambda p: p.value})
    user, got = part("user", log, needs=(X,), wants=(Y,))
    started = start_all(context(None, tmp_path), plan([user, maker]))
    assert names(started) == ["maker", "user"]
    assert got == {"x_thing": "甲的值", "y_thing": None}  # nobody provides Y: wanted, so None
    stop_all(started)
    assert log == [("start", "maker"), ("start", "user"), ("stop", "user"), ("stop", "maker")]


def _set_app(ctx):
    ctx.app = FastAPI()


def _set_setting(ctx):
    ctx.settings.data_dir = "/elsewhere"


def _add_port(ctx):
    ctx.ports.values["x_thing"] = "forged"


def _set_token(ctx):
    ctx.tokens.clerk = "guessed"


@pytest.mark.parametrize("write", [_set_app, _set_setting, _add_port, _set_token])
def test_an_extension_that_writes_into_its_context_is_left_out(tmp_path, caplog, write):
    log: list = []
    maker, _ = part("maker", log, value="甲的值", provides={X: lambda p: p.value})
    writer = declared(planted_writer(write))
    after, got = part("after", log, wants=(X,))
    ctx = context(None, tmp_path)
    before = dataclasses.asdict(ctx.settings), ctx.app, ctx.tokens
    with caplog.at_level(logging.ERROR, "hallgw.extensions"):
        started = start_all(ctx, plan([maker, writer, after]))
    assert names(started) == ["maker", "after"]
    assert got == {"x_thing": "甲的值"}  # not what the writer tried to put there
    assert (dataclasses.asdict(ctx.settings), ctx.app, ctx.tokens) == before
    assert "extension writer failed to start" in caplog.text
    assert ("FrozenInstanceError" in caplog.text or "mappingproxy" in caplog.text)


def planted_writer(write):
    from tests.extensions.planted import module

    def create(ctx):
        write(ctx)
        raise AssertionError("the context took the write")
    return module("writer", create, wants=(X,))


def test_an_extension_that_reads_a_port_it_did_not_declare_is_left_out(tmp_path, caplog):
    from tests.extensions.planted import module

    log: list = []
    maker, _ = part("maker", log, value="甲的值", provides={X: lambda p: p.value})
    seen = []

    def create(ctx):
        try:
            ctx.get(X)
        except Undeclared as e:
            seen.append(str(e))
            raise
    sneak = declared(module("sneak", create, wants=(Y,)))
    with caplog.at_level(logging.ERROR, "hallgw.extensions"):
        started = start_all(context(None, tmp_path), plan([maker, sneak]))
    assert names(started) == ["maker"]
    assert seen == ["扩展 sneak 使用了未声明的 x_thing：请写进它的 NEEDS 或 WANTS "
                    "(extension sneak reads x_thing without declaring it)"]


def test_a_provider_that_hands_over_the_wrong_kind_is_left_out_and_its_needs_unmet(tmp_path, caplog):
    log: list = []
    liar, _ = part("liar", log, value=42, provides={X: lambda p: p.value})  # X holds a str
    needer, got_n = part("needer", log, needs=(X,))
    wanter, got_w = part("wanter", log, wants=(X,))
    with caplog.at_level(logging.ERROR, "hallgw.extensions"):
        started = start_all(context(None, tmp_path), plan([liar, needer, wanter]))
    assert names(started) == ["wanter"] and got_w == {"x_thing": None} and got_n == {}
    assert log == [("start", "liar"), ("stop", "liar"), ("start", "wanter")]  # started, then stopped
    assert "扩展 liar 提供的 x_thing 不是 builtins:str" in caplog.text
    assert ("扩展 needer 没有启动：它需要的甲（x_thing）由 liar 提供，而 liar 没有启动" in caplog.text)


def test_a_provider_that_fails_to_start_leaves_out_what_needs_it_and_nothing_else(tmp_path, caplog):
    log: list = []
    broken, _ = part("broken", log, value="甲", fail_start=True, provides={X: lambda p: p.value})
    needer, _ = part("needer", log, needs=(X,))
    other, _ = part("other", log)
    with caplog.at_level(logging.ERROR, "hallgw.extensions"):
        started = start_all(context(None, tmp_path), plan([broken, needer, other]))
    assert names(started) == ["other"]
    assert "extension broken failed to start" in caplog.text and "needer not started" in caplog.text


def test_the_pages_share_the_one_hub_whatever_the_list_order(tmp_path):
    from gateway.extensions import clerk_console, kiosk, reports, screen

    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path)
    mods = [declared(m) for m in (screen, reports, kiosk, clerk_console, pages)]
    random.Random(5).shuffle(mods)
    started = start_all(context(rt, tmp_path, app=FastAPI(), printer_poll_seconds=0), order.plan(mods))
    try:
        got = dict(started)
        assert names(started)[0] == "pages" and set(got) == {"pages", "screen", "reports", "kiosk", "clerk_console"}
        hub = got["pages"].hub
        assert got["screen"].hub is hub and got["clerk_console"].console.hub is hub
    finally:
        stop_all(started)
        rt.close()
    assert hub._stopped  # the pages stopped it, after the pages that push through it
