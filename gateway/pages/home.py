"""The gateway's own start page at / (gateway/extensions/home.py): the hall's name and its
pages in Chinese, for whoever types the gateway's address into a browser. Anyone who can
reach the gateway can open it, so it holds no key and no name of a person: each page says
what opens it (a key the administrator keeps, or the clerk's own login code)."""
from __future__ import annotations

import html

# (address, name, what it is and what opens it); None: no link (the page needs its key in the address)
PAGES = (
    ("/kiosk", "取号机", "放在大厅入口的取号机浏览器用：管理员用取号机口令开通一次，之后本机记住。"),
    ("/clerk", "窗口控制台", "窗口叫号器坏了时在电脑上叫号：本浏览器由管理员开通一次，之后工作人员用本人登录码登录。"),
    ("/dashboard", "监管看板", "今日数据、告警、差评整改和报表：需要监管口令。"),
    (None, "大厅显示屏", "在显示屏电视的浏览器里打开 /screen?key=显示屏口令（口令由管理员保管）。"),
    (None, "办事进度与补充评价", "群众扫取号单上的二维码打开。"),
)

STYLE = """body{margin:0;background:#f3f6fa;color:#111;font:24px/1.6 "WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}
header{background:#0a2450;color:#fff;padding:28px 48px;border-bottom:6px solid #ffd21f}
h1{margin:0;font-size:44px;letter-spacing:.06em}header p{margin:4px 0 0;color:#d6e0f5}
main{padding:20px 48px}li{margin:12px 0}a{color:#0a4fb4;font-weight:bold}.name{font-weight:bold}
footer{padding:0 48px 32px;font-size:20px;color:#555}"""


def page(hall) -> str:
    e = html.escape
    items = "".join(
        f'<li><a href="{href}">{e(name)}</a>：{e(what)}</li>' if href else
        f'<li><span class="name">{e(name)}</span>：{e(what)}</li>' for href, name, what in PAGES)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>{e(hall.name)}</title><style>{STYLE}</style></head><body>
<header><h1>{e(hall.name)}</h1><p>排队叫号与“好差评”网关</p></header>
<main><ul>{items}</ul></main>
<footer>维护：<a href="/healthz">运行状态</a>（JSON）· <a href="/docs">接口文档</a>（英文，供开发和维护人员）</footer>
</body></html>"""
