"""The landing page of `make run` (hall-hil run), at /: every page of the emulated hall, each
link setting that page's credential (hil/hall/web.py /hall/open/...), so one click opens it working.
It shows no token and no login code: it says where they are."""
from __future__ import annotations

import html

# (link, title, what it is, who uses it)
PAGES = (
    ("/hall/open/screen", "大厅显示屏", "叫号、最近呼叫、各业务等候人数和当日数据，放在大厅入口的电视上", "群众"),
    ("/hall/open/kiosk", "取号机", "按部门和事项取号，取号单由模拟打印机打出", "群众"),
    ("/hall/open/clerk", "窗口控制台", "在浏览器里叫号、办结、暂停；选窗口，输入本人登录码", "窗口工作人员"),
    ("/hall/open/dashboard", "监管看板", "今日数据、告警、差评整改、日检查到季考核的报表", "监管人员"),
    ("/hall", "模拟设备", "每个窗口的叫号器、评价器和 LED 条屏，可以直接按键；打印出的取号单也在这里", "维护人员"),
)

STYLE = """
body{margin:0;background:#f3f6fa;color:#111;font:22px/1.5 "WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}
header{background:#0a2450;color:#fff;padding:28px 48px;border-bottom:6px solid #ffd21f}
h1{margin:0;font-size:44px;letter-spacing:.06em}header p{margin:6px 0 0;font-size:22px;color:#d6e0f5}
main{padding:28px 48px;display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:24px}
a.card{display:block;background:#fff;border:2px solid #c9d5ea;border-radius:14px;padding:22px 26px;color:#111;
text-decoration:none;box-shadow:0 2px 6px rgba(0,0,0,.06)}a.card:hover,a.card:focus{border-color:#0a4fb4;outline:none}
a.card h2{margin:0 0 8px;font-size:34px;color:#0a4fb4}a.card .who{font-size:20px;color:#555}
section.notes{padding:0 48px 32px;font-size:20px}section.notes h3{font-size:24px;margin:18px 0 6px}
code{font-family:"DejaVu Sans Mono",monospace;font-size:18px;background:#e6ecf6;padding:1px 6px;border-radius:4px;white-space:nowrap}
table{border-collapse:collapse}td{padding:3px 18px 3px 0;vertical-align:top}
"""


def page(hall, tokens: list[tuple[str, str]], config: str, data_dir: str, printer: str | None,
         hallgw: str = "hallgw") -> str:
    e = html.escape
    cards = "".join(f'<a class="card" href="{href}"><h2>{e(title)}</h2><div>{e(what)}</div>'
                    f'<div class="who">使用者：{e(who)}</div></a>' for href, title, what, who in PAGES)
    token_rows = "".join(f"<tr><td>{e(name)}</td><td><code>{e(where)}</code></td></tr>" for name, where in tokens)
    printed = (f"<p>模拟打印机在 <code>{e(printer)}</code>：取号机打出的取号单显示在启动它的终端里和“模拟设备”页上。</p>"
               if printer else "<p>本厅的取号机没有接打印机（或端口被占用）：取号后号码只显示在屏幕上。</p>")
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>{e(hall.name)} · 演示首页</title><style>{STYLE}</style></head><body>
<header><h1>{e(hall.name)}</h1><p>演示环境（make run）：点下面任一页面即可打开，口令已自动带上。</p></header>
<main>{cards}</main>
<section class="notes">
<h3>登录码</h3>
<p>任何页面都不显示工作人员的登录码：登录码由管理员发放给本人。演示用的登录码写在
<code>{e(config)}</code> 的 <code>[[staff]]</code> 的 <code>login_code</code> 里；
改码用 <code>{e(hallgw)} staff code --config {e(config)} --data-dir {e(data_dir)} 工号</code>
（工号即 <code>[[staff]]</code> 的 <code>id</code>）。</p>
<h3>口令文件</h3><p>各页面的口令存放在下面的文件里（本页的链接已替你带上；<code>make install</code> 装好的网关在 <code>/etc/hall</code>）：</p>
<table>{token_rows}</table>
<h3>打印机</h3>{printed}
<p>本页只在 <code>make run</code>（<code>hall-hil run</code>）下出现，正式网关的首页不带任何口令。</p>
</section></body></html>"""
