"""The hall's roles, each with how its credential is presented and what a person is told.

A role's secret is its token (gateway/roles/tokens.py: an environment variable, a systemd
credential, else a 0600 file in the data directory). Presented as:

  bearer   Authorization: Bearer <token>: devices, scripts, the API; opens every route of the role
  key      ?key=<token>, where a header cannot be sent: the hall screen's stream (EventSource),
           and a role's page opened once (/kiosk?key=…), which turns it into the cookie at once
  cookie   a cookie signed with the hall's page key, never the token (gateway/roles/cookie.py):
           opens only the paths the role's page uses (cookie_opens), not the role's whole API

The county's dashboard is opened with the supervisor token of the county's gateway, but its
page cookie is its own: a hall dashboard's cookie does not open the county page, nor back."""
from __future__ import annotations

from dataclasses import dataclass

DAY = 86400


@dataclass(frozen=True)
class Role:
    name: str
    title: str                       # who holds it, in the hall's words
    word: str                        # what its secret is called on the pages
    env: str                         # the environment variable holding the token
    file: str                        # the systemd credential / data-dir file holding it
    needs: str                       # English, for machines and the log: how to present it
    needs_cn: str                    # Chinese, shown when nothing was presented
    again_cn: str = ""               # Chinese: how to sign in again (after an expired cookie)
    cookie: str | None = None        # the page cookie's name (None: this role has no page cookie)
    cookie_days: int = 0
    cookie_opens: tuple[str, ...] = ()  # paths where the cookie counts ("…/": everything under it)
    key_opens: tuple[str, ...] = ()     # paths where ?key= counts
    page: str | None = None          # the page opened once as page?key=<token>
    refused_page: str = ""           # the page a person sees there without a credential ({reason})


def opens(scope: tuple[str, ...], path: str) -> bool:
    return any(path == s or (s.endswith("/") and path.startswith(s)) for s in scope)


CLERK = Role(
    "clerk", "窗口工作人员", "接口令牌", "HALL_API_TOKEN", "api_token",
    needs="the clerk token: Authorization: Bearer <token> (HALL_API_TOKEN or data/api_token), or a page "
          "enrolled with it once (the clerk console, 帮办代办)",
    needs_cn="需要接口令牌：本浏览器尚未开通窗口控制台",
    again_cn="请再输入一次管理员提供的令牌",
    # One cookie for the clerk's two pages; never the window actions of the API (a console acts
    # for its session's window only).
    cookie="hall_clerk_key", cookie_days=30,
    cookie_opens=("/clerk/api/", "/api/v1/relays", "/api/v1/relays/", "/api/v1/stream/relays"))

KIOSK = Role(
    "kiosk", "叫号机", "叫号机口令", "HALL_KIOSK_TOKEN", "kiosk_token",
    needs="the kiosk needs its own token: Authorization: Bearer <kiosk token> (HALL_KIOSK_TOKEN or "
          "data/kiosk_token), or open /kiosk?key=<kiosk token> once",
    needs_cn="本机未授权：需要叫号机口令",
    again_cn="请管理员用 /kiosk?key=叫号机口令 重新打开本页",
    cookie="hall_kiosk", cookie_days=365, cookie_opens=("/kiosk", "/api/v1/kiosk/", "/api/v1/printers"),
    key_opens=("/kiosk",), page="/kiosk",
    refused_page="""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>叫号机</title>
<body style="font:32px sans-serif;padding:2em"><h1>本机未授权</h1>{reason}<p>请管理员用 /kiosk?key=叫号机口令 打开本页。</p>""")

SCREEN = Role(
    "screen", "电子显示屏", "显示屏口令", "HALL_SCREEN_TOKEN", "screen_token",
    needs="the hall screen needs its key: ?key=<screen token> (HALL_SCREEN_TOKEN or data/screen_token)",
    needs_cn="电子显示屏需要显示屏口令：/screen?key=显示屏口令",
    # The page hands the key from its address on to its stream: EventSource sends no header.
    key_opens=("/api/v1/screen", "/api/v1/stream/screen"))

SUPERVISOR = Role(
    "supervisor", "监管人员", "监管口令", "HALL_SUPERVISOR_TOKEN", "supervisor_token",
    needs="the supervisor's token: Authorization: Bearer <supervisor token> (HALL_SUPERVISOR_TOKEN or "
          "data/supervisor_token), or open /dashboard?key=<supervisor token> once",
    needs_cn="需要监管口令：请用 /dashboard?key=监管口令 打开监管看板",
    again_cn="请用 /dashboard?key=监管口令 重新打开本页",
    cookie="hall_supervisor", cookie_days=365,
    cookie_opens=("/dashboard", "/api/v1/dashboard", "/api/v1/dashboard/", "/api/v1/stream/dashboard",
                  "/api/v1/reports", "/api/v1/reports/"),
    key_opens=("/dashboard",), page="/dashboard",
    refused_page="""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>监管看板</title>
<body style="font:28px sans-serif;padding:2em"><h1>需要监管口令</h1>{reason}<p>请用 /dashboard?key=监管口令 打开本页。</p>""")

COUNTY = Role(
    "county", "县级监管", "监管人员的密钥", "HALL_SUPERVISOR_TOKEN", "supervisor_token",
    needs="the county's supervisor token: Authorization: Bearer <supervisor token> (HALL_SUPERVISOR_TOKEN or "
          "data/supervisor_token of the county's gateway), or open /county?key=<supervisor token> once",
    needs_cn="需要监管人员的密钥：请用 /county?key=… 打开县级监管页",
    again_cn="请用监管人员的密钥重新打开本页：/county?key=…",
    cookie="hall_county", cookie_days=365,
    cookie_opens=("/county", "/api/v1/county", "/api/v1/county/", "/api/v1/stream/county"),
    key_opens=("/county",), page="/county",
    refused_page="<!doctype html><meta charset=utf-8><title>县级监管</title>{reason}"
                 "<p style='font-size:28px'>请用监管人员的密钥打开本页：/county?key=…</p>")

ROLES = {r.name: r for r in (CLERK, KIOSK, SCREEN, SUPERVISOR, COUNTY)}
