"""A page's cookie is signed with the hall's page key and is never the token: it opens its own
role's page (and the routes that page uses) on this gateway, nothing of another role; tampered,
expired, or signed for an old token or key, it sends the person back to the sign-in page with
the reason in Chinese (an API answer: 401 with the reason)."""
from __future__ import annotations

import os
import stat
import time

import pytest
from fastapi.testclient import TestClient

from gateway.roles import cookie, keyring_of, load_page_key
from gateway.roles.table import ROLES
from tests.roles.served import TOKENS, served

# role -> (how a browser signs in: GET page?key= or POST enrol with the bearer, a route its cookie opens)
PAGES = {"kiosk": "/kiosk", "supervisor": "/dashboard", "county": "/county"}
OPENS = {"kiosk": "/api/v1/kiosk/menu", "supervisor": "/api/v1/dashboard/me", "county": "/county",
         "clerk": "/api/v1/relays"}
SIGN_IN_WORDS = {"kiosk": "请管理员用 /kiosk?key=叫号机口令 打开本页。", "supervisor": "请用 /dashboard?key=监管口令 打开本页。",
                 "county": "请用监管人员的密钥打开本页：/county?key=…"}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cookies")
    app, rt, closing = served(data_dir)
    yield app, data_dir
    closing.set()
    rt.close()


def browser(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def signed_in(app, role: str) -> tuple[TestClient, str]:
    """A browser signed in as a person of the role does it, and the cookie it got."""
    c = browser(app)
    if role == "clerk":
        r = c.post("/api/v1/relays/enrol", headers={"Authorization": f"Bearer {TOKENS['clerk']}"})
        assert r.status_code == 200, r.text
    else:
        r = c.get(f"{PAGES[role]}?key={TOKENS[role]}")
        assert (r.status_code, r.headers["location"]) == (303, PAGES[role])  # the key leaves the address bar
    head = r.headers["set-cookie"].lower()
    assert "httponly" in head and "samesite=strict" in head and "path=/;" in head
    return c, r.cookies[ROLES[role].cookie]


def with_cookie(app, role: str, value: str) -> TestClient:
    c = browser(app)
    c.cookies.set(ROLES[role].cookie, value)
    return c


@pytest.mark.parametrize("role", ["kiosk", "supervisor", "county", "clerk"])
def test_the_cookie_is_signed_and_never_the_token(gateway, role):
    app, _ = gateway
    c, value = signed_in(app, role)
    assert TOKENS[role] not in value and value != TOKENS[role]
    assert c.get(OPENS[role]).status_code == 200
    if role in PAGES:
        assert c.get(PAGES[role]).status_code == 200
    # The token put where the cookie goes opens nothing; nor does the cookie shown as a token.
    r = with_cookie(app, role, TOKENS[role]).get(OPENS[role])
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert browser(app).get(OPENS[role], headers={"Authorization": f"Bearer {value}"}).status_code == 401


@pytest.mark.parametrize("role", ["kiosk", "supervisor", "county"])
def test_without_a_cookie_the_sign_in_page_reads_as_before(gateway, role):
    app, _ = gateway
    r = browser(app).get(PAGES[role])
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert SIGN_IN_WORDS[role] in r.text and "原因" not in r.text  # nothing went wrong: it was never opened here
    r = browser(app).get(f"{PAGES[role]}?key=wrong-key")
    assert r.status_code == 401 and f"原因：{ROLES[role].word}不正确。" in r.text and SIGN_IN_WORDS[role] in r.text


@pytest.mark.parametrize("a", ["kiosk", "supervisor", "county", "clerk"])
def test_a_cookie_of_one_role_opens_no_other_roles_page(gateway, a):
    app, _ = gateway
    c, value = signed_in(app, a)
    for b in sorted(set(OPENS) - {a}):
        assert c.get(OPENS[b]).status_code == 401, (a, b)  # its own cookie, where b's is asked for
        r = with_cookie(app, b, value).get(OPENS[b])  # its value, under b's name
        assert r.status_code == 401 and "本浏览器的授权无效" in said(r), (a, b)
        if b in PAGES:
            r = with_cookie(app, b, value).get(PAGES[b])
            assert r.status_code == 401 and "原因：本浏览器的授权无效" in r.text and SIGN_IN_WORDS[b] in r.text


def said(r) -> str:
    """What the person reads: the page, or the answer's Chinese detail."""
    return r.json()["detail"] if r.headers["content-type"].startswith("application/json") else r.text


def tampered(value: str) -> list[str]:
    issued, mac = value.split(".")
    flip = "A" if mac[5] != "A" else "B"
    return [f"{issued}.{mac[:5]}{flip}{mac[6:]}", f"{int(issued) - 1}.{mac}", f"{issued}.", mac, "", "x" * 60,
            f"{issued}.{mac}.{mac}"]


@pytest.mark.parametrize("role", ["kiosk", "supervisor", "county"])
def test_a_tampered_cookie_sends_the_person_to_sign_in_with_the_reason(gateway, role):
    app, _ = gateway
    _, value = signed_in(app, role)
    for bad in tampered(value):
        if not bad:
            continue  # an empty cookie is no cookie: the plain sign-in page
        r = with_cookie(app, role, bad).get(PAGES[role])
        assert r.status_code == 401, bad
        assert "原因：本浏览器的授权无效（可能被改动过，或口令已更换）。" in r.text and SIGN_IN_WORDS[role] in r.text, bad
    api = with_cookie(app, "kiosk", tampered(signed_in(app, "kiosk")[1])[0]).get("/api/v1/kiosk/menu")
    assert api.status_code == 401 and api.json() == {
        "detail": "本浏览器的授权无效（可能被改动过，或口令已更换），请管理员用 /kiosk?key=叫号机口令 重新打开本页",
        "reason": "the kiosk page cookie is not valid (altered, or the token or the page key changed): sign in again"}


@pytest.mark.parametrize("role", ["kiosk", "supervisor", "county", "clerk"])
def test_an_expired_cookie_is_refused_with_the_reason(gateway, role, monkeypatch):
    app, _ = gateway
    c, value = signed_in(app, role)
    ring = keyring_of(app)
    now = ring.clock()
    days = ROLES[role].cookie_days
    monkeypatch.setattr(ring, "clock", lambda: now + days * 86400 - 60)
    assert c.get(OPENS[role]).status_code == 200  # a minute before its end
    monkeypatch.setattr(ring, "clock", lambda: now + days * 86400 + 1)
    r = c.get(OPENS[role])
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert f"本浏览器的授权已过期（有效期 {days} 天）" in said(r)
    if role in PAGES:
        page = c.get(PAGES[role])
        assert page.status_code == 401 and f"原因：本浏览器的授权已过期（有效期 {days} 天）。" in page.text


def test_a_new_token_or_page_key_ends_the_signed_in_pages(gateway, monkeypatch):
    app, data_dir = gateway
    c, value = signed_in(app, "kiosk")
    ring = keyring_of(app)
    monkeypatch.setitem(ring.tokens, "kiosk", "a-new-kiosk-token")
    assert c.get("/kiosk").status_code == 401
    monkeypatch.setitem(ring.tokens, "kiosk", TOKENS["kiosk"])
    assert c.get("/kiosk").status_code == 200
    monkeypatch.setattr(ring, "page_key", b"another-page-key")
    assert "原因：本浏览器的授权无效" in c.get("/kiosk").text


def test_the_page_key_is_the_halls_own_0600_file_and_outlives_a_restart(gateway, monkeypatch):
    app, data_dir = gateway
    path = data_dir / "page_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    _, value = signed_in(app, "supervisor")
    life = ROLES["supervisor"].cookie_days * 86400
    after = load_page_key(data_dir)  # the gateway started again: the same key, read back
    assert cookie.problem(after, "supervisor", TOKENS["supervisor"], value, time.time(), life) is None
    assert cookie.problem(b"a new key", "supervisor", TOKENS["supervisor"], value, time.time(), life) == cookie.INVALID
    monkeypatch.setenv("HALL_PAGE_KEY", "a-key-the-operator-set")
    assert load_page_key(data_dir) == b"a-key-the-operator-set"


def test_a_page_cookie_opens_its_pages_routes_not_the_roles_whole_api(gateway):
    app, _ = gateway
    clerk, _ = signed_in(app, "clerk")
    assert clerk.get("/api/v1/relays").status_code == 200
    # A console acts for its session's window only: the clerk's cookie is no window action token.
    assert clerk.post("/api/v1/windows/1/actions", json={"action": "call_next"}).status_code == 401
    assert clerk.post("/api/v1/tickets", json={"service": "ZH"}).status_code == 401
    sup, _ = signed_in(app, "supervisor")
    assert sup.get("/api/v1/reports").status_code == 503  # past the guard: the store is not built here
    assert sup.get("/api/v1/followups").status_code == 401  # the API's follow-ups: the token, as before
    kiosk, _ = signed_in(app, "kiosk")
    assert kiosk.post("/api/v1/tickets", json={"service": "ZH"}).status_code == 401


def test_a_cookie_sent_from_another_origin_is_refused(gateway):
    app, _ = gateway
    kiosk, _ = signed_in(app, "kiosk")
    r = kiosk.post("/api/v1/kiosk/tickets", json={"service": "ZH"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["detail"] == "不接受来自其他网页的请求"
    r = kiosk.post("/api/v1/kiosk/tickets", json={"service": "NOPE"}, headers={"Origin": "http://testserver"})
    assert r.status_code == 422  # its own page: past the guard, to the kiosk's own checks


def test_the_console_says_why_a_browser_must_give_the_token_again(gateway, monkeypatch):
    app, _ = gateway
    c, value = signed_in(app, "clerk")
    hall = c.get("/clerk/api/hall").json()
    assert (hall["enrolled"], hall["enrol_problem"]) == (True, None)
    ring = keyring_of(app)
    now = ring.clock()
    monkeypatch.setattr(ring, "clock", lambda: now + 31 * 86400)
    hall = c.get("/clerk/api/hall").json()
    assert hall["enrolled"] is False and hall["enrol_problem"].startswith("本浏览器的开通已过期（最后一次登录后 30 天）")
    monkeypatch.setattr(ring, "clock", lambda: now)
    hall = with_cookie(app, "clerk", tampered(value)[0]).get("/clerk/api/hall").json()
    assert hall["enrolled"] is False and hall["enrol_problem"].startswith("本浏览器的开通已失效")
    assert browser(app).get("/clerk/api/hall").json()["enrol_problem"] is None  # never enrolled: the first-use hint
