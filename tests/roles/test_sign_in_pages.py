"""The sign-in pages in Debian's chromium, as a supervisor and a clerk meet them: a cookie that
expired or was tampered with sends the person back to sign in, with the reason in Chinese; a
key typed into the address leaves it; the clerk's token, typed once, leaves a signed cookie
that is not the token. (HALL_SCREENSHOTS=DIR keeps the pictures.)"""
from __future__ import annotations

import pytest

from gateway.roles import cookie, keyring_of
from tests.roles.served import TOKENS, served
from tests.support.browser_shots import screenshot
from tests.support.http_server import serving

OLD = 400 * 86400  # older than any page cookie lives


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    app, rt, closing = served(tmp_path_factory.mktemp("signin"))
    try:
        with serving(app) as url:
            yield url, app
            closing.set()  # the pages' streams end, so the server can stop
    finally:
        rt.close()


def holding(page, url: str, role: str, value: str):
    page.context.add_cookies([{"name": {"clerk": "hall_clerk_key", "supervisor": "hall_supervisor",
                                        "kiosk": "hall_kiosk"}[role], "value": value, "url": url}])
    return page


def signed(app, role: str, age_s: int = 0) -> str:
    ring = keyring_of(app)
    return cookie.sign(ring.page_key, role, TOKENS[role], int(ring.clock()) - age_s)


def test_the_dashboard_sends_a_supervisor_back_with_the_reason(gateway, page_at):
    url, app = gateway
    page = holding(page_at(1280, 800), url, "supervisor", signed(app, "supervisor", OLD))
    page.goto(f"{url}/dashboard")
    text = page.inner_text("body")
    assert "需要监管口令" in text and "原因：本浏览器的授权已过期（有效期 365 天）。" in text
    assert "请用 /dashboard?key=监管口令 打开本页。" in text
    screenshot(page, "signin-dashboard-expired")
    page = holding(page_at(1280, 800), url, "supervisor", TOKENS["supervisor"])  # the raw token, as cookies once were
    page.goto(f"{url}/dashboard")
    assert "原因：本浏览器的授权无效（可能被改动过，或口令已更换）。" in page.inner_text("body")
    screenshot(page, "signin-dashboard-invalid")
    page.goto(f"{url}/dashboard?key={TOKENS['supervisor']}")
    assert page.url == f"{url}/dashboard"  # the key left the address bar
    held = {c["name"]: c for c in page.context.cookies()}["hall_supervisor"]
    assert held["httpOnly"] and TOKENS["supervisor"] not in held["value"]
    page.locator("#fu-signin").wait_for()  # the dashboard itself, with its supervisors' sign-in


def test_the_kiosk_page_says_why_it_is_not_authorised(gateway, page_at):
    url, app = gateway
    good = signed(app, "kiosk")
    page = holding(page_at(1080, 1000), url, "kiosk", good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"))
    page.goto(f"{url}/kiosk")
    text = page.inner_text("body")
    assert "本机未授权" in text and "原因：本浏览器的授权无效（可能被改动过，或口令已更换）。" in text
    screenshot(page, "signin-kiosk-tampered")


def test_the_clerk_console_asks_for_the_token_again_and_says_why(gateway, page_at):
    url, app = gateway
    page = page_at(1280, 800)
    page.goto(f"{url}/clerk")
    hint = page.locator("#token-hint")
    hint.wait_for()
    assert hint.inner_text() == "本浏览器首次使用：请输入管理员提供的接口令牌（只需一次）。"
    page = holding(page_at(1280, 800), url, "clerk", signed(app, "clerk", 31 * 86400))
    page.goto(f"{url}/clerk")
    page.locator("#token-row").wait_for()
    page.wait_for_function("document.getElementById('token-hint').textContent.includes('过期')")
    assert page.inner_text("#token-hint") == ("本浏览器的开通已过期（最后一次登录后 30 天），"
                                              "请再输入一次管理员提供的接口令牌。")
    screenshot(page, "signin-clerk-expired")
    # The token typed once (a header, never the address): a signed cookie, and the clerk logs in.
    page.fill("#login-token", TOKENS["clerk"])
    page.fill("#login-code", "2001")
    page.click("#login-btn")
    page.locator("#console-view").wait_for()
    held = {c["name"]: c for c in page.context.cookies()}
    assert held["hall_clerk_key"]["httpOnly"] and TOKENS["clerk"] not in held["hall_clerk_key"]["value"]
    assert TOKENS["clerk"] not in page.url
    screenshot(page, "signin-clerk-logged-in")


def test_the_relays_page_says_why_it_asks_for_the_token(gateway, page_at):
    url, app = gateway
    page = holding(page_at(1280, 800), url, "clerk", signed(app, "clerk", 31 * 86400))
    page.goto(f"{url}/relays")
    page.wait_for_selector("#enrol", state="visible")
    page.wait_for_function("document.getElementById('msg').textContent !== ''")
    assert page.inner_text("#msg") == "本浏览器的授权已过期（有效期 30 天），请再输入一次管理员提供的令牌"
    screenshot(page, "signin-relays-expired")
