"""The devices page of the emulated hall (/hall): a grid of windows, each with its call pad,
evaluator and LED display side by side, their screens drawn from the emulated hardware's
pixels and their keys labelled as on the caps (hil/board/keys.py). What the boards show is pushed
(/hall/events, hil/hall/feed.py); the page asks for nothing on a timer. No login code is on it."""
from __future__ import annotations

import html
import json

from hil.board.keys import LONG_PRESSES, labels

ROLE_NAMES = {"callpad": "叫号器", "evaluator": "评价器", "display": "LED 条屏"}
ROLE_ORDER = ("callpad", "evaluator", "display")
LANES = (("normal", "普通"), ("green", "绿色通道"), ("appointment", "预约"))
STATUS_LED = "状态灯：常亮＝在线，慢闪＝断线，快闪＝故障"
# shown under a device whose radio sleeps between the access point's beacons (its firmware's Wi-Fi power save)
POWER_SAVE = "省电模式：消息最多延迟约300毫秒"
OLED_SCALE = 2
LED_MAX_PX = 320   # an LED panel is drawn at most this wide


def _button(dev: str, key: str, label: str, long: bool = False, led: bool = False, cls: str = "") -> str:
    lamp = f'<i class="lamp" data-led="{dev}:{key}"></i>' if led else ""
    return (f'<button type="button" class="{cls}" data-dev="{html.escape(dev)}" data-key="{key}"'
            f'{" data-long=1" if long else ""}>{lamp}{html.escape(label)}</button>')


def _callpad_keys(dev: str) -> str:
    names = dict(labels("callpad"))
    functions = [k for k in names if not k.isdigit()]
    fixed = ("back", "ok")  # on the digit block, as on the pad's keypad
    keys = [_button(dev, k, names[k], cls="fn") for k in functions if k not in fixed]
    digits = [*"123", "back", *"456", "ok", *"789", "0"]
    keys += [_button(dev, k, names[k], cls="digit" if k.isdigit() else "fn") for k in digits]
    keys += [_button(dev, k, what, long=True, cls="long") for k, what in LONG_PRESSES]
    return f'<div class="keys pad">{"".join(keys)}</div>'


def _evaluator_keys(dev: str) -> str:
    keys = labels("evaluator")
    levels = [_button(dev, k, label, led=True, cls="level") for k, label in keys[:5]]
    steps = [_button(dev, k, label, cls="step") for k, label in keys[5:]]
    return f'<div class="keys levels">{"".join(levels)}</div><div class="keys steps">{"".join(steps)}</div>'


def _device(hall, d) -> str:
    e = html.escape
    if d.role == "display":
        p = hall.window(d.window).panel
        scale = max(1, min(3, LED_MAX_PX // p.width))
        w, h = p.width, p.height
    else:
        scale, w, h = OLED_SCALE, 128, 64
    keys = {"callpad": _callpad_keys, "evaluator": _evaluator_keys}.get(d.role, lambda _: "")(d.id)
    return (f'<div class="dev {d.role}"><h3>{ROLE_NAMES[d.role]} <small>{e(d.id)}</small>'
            f'<i class="st" data-led="{e(d.id)}:status" title="{STATUS_LED}"></i></h3>'
            f'<canvas class="{ "led" if d.role == "display" else "oled"}" data-dev="{e(d.id)}" width="{w}" '
            f'height="{h}" style="width:{w * scale}px;height:{h * scale}px" '
            f'aria-label="{e(d.id)} {ROLE_NAMES[d.role]}"></canvas>'
            f'<p class="pm" data-pm="{e(d.id)}" hidden>{POWER_SAVE}</p>'
            f'<div class="sr" data-text="{e(d.id)}"></div>{keys}</div>')


def _window(hall, w) -> str:
    devs = sorted(hall.devices_of(w.number), key=lambda d: (ROLE_ORDER.index(d.role), d.id))
    body = "".join(_device(hall, d) for d in devs) or '<p class="none">本窗口没有配置设备</p>'
    return (f'<article class="win" id="w{w.number}"><h2>{w.number}号窗口 <small>{html.escape(w.display_text)}</small>'
            f'</h2><div class="devs">{body}</div></article>')


def page(hall, printer: str | None) -> str:
    e = html.escape
    services = "".join(f'<option value="{e(s.code)}">{e(s.name)}（{e(s.prefix)}）</option>' for s in hall.services)
    lanes = "".join(f'<option value="{v}">{name}</option>' for v, name in LANES)
    nav = "".join(f'<a href="#w{w.number}">{w.number}</a>' for w in hall.windows)
    slip = ("还没有打印取号单：在取号机页面取号，取号单会出现在这里。" if printer
            else "本厅取号机没有接打印机：取号后号码只显示在屏幕上。")
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{e(hall.name)} · 模拟设备</title>
<link rel="stylesheet" href="/hall/static/hall.css"></head><body>
<header><h1>{e(hall.name)} · 模拟设备</h1><a href="/">返回首页</a><span id="link" class="link">连接中…</span></header>
<div class="bar"><div class="controls">
<form id="take">快速取号（不打印）：<select name="service">{services}</select><select name="lane">{lanes}</select>
<button type="submit">取号</button> <span id="msg" role="status"></span></form>
<nav>跳到窗口：{nav}</nav></div>
<aside id="printer"><h2>打印机 · 最近一张取号单</h2><pre id="slip">{slip}</pre></aside></div>
<main class="grid">{"".join(_window(hall, w) for w in hall.windows)}</main>
<script>const HALL = {json.dumps({"printer": printer}, ensure_ascii=False)};</script>
<script src="/hall/static/devices.js"></script></body></html>"""
