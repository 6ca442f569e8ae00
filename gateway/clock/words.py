"""What people read of the hall's clock (the dashboard, the clerk console, /healthz): pure, from
the log's ClockState (gateway/engine/reads.clock) and the hall's time zone."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIA_CN = {"timesyncd": "网络对时", "chrony": "网络对时", "ntp": "网络对时", "rtc": "时钟模块（带电池）",
          "simulated": "模拟时钟", "file": "网络对时"}


def when(at: float | None, tz: str) -> str:
    if at is None:
        return "—"
    t = dt.datetime.fromtimestamp(at, ZoneInfo(tz))
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def span(seconds: float) -> str:
    """+17小时25分, -3分 … (a step, as a person reads it)."""
    sign = "+" if seconds >= 0 else "-"
    s = int(round(abs(seconds)))
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    parts = [f"{d}天" if d else "", f"{h}小时" if h else "", f"{m}分" if m else ""]
    text = "".join(parts) or f"{sec}秒"
    return sign + text


def state(c, tz: str, names: dict[str, str] | None = None) -> dict:
    """{level: ok | unsynced | set_by_hand | unknown, title, text}: the banner's words."""
    names = names or {}
    if c.synced is None:
        return {"level": "unknown", "title": "", "text": ""}
    if c.synced:
        last = c.last_step
        note = f"；{when(last['at'], tz)} 校正 {span(last['step'])}" if last else ""
        return {"level": "ok", "title": "时钟已同步", "text": f"时钟已同步（{VIA_CN.get(c.via, '网络对时')}）{note}"}
    if c.confirmed and c.cause == "supervisor":
        who = names.get(c.by or "", "监管人员")
        return {"level": "set_by_hand", "title": "时钟未与网络同步",
                "text": f"已由{who}于 {when(c.at, tz)} 按浏览器时间校准；联网对时后自动以网络时间为准。"}
    return {"level": "unsynced", "title": "时钟未同步",
            "text": f"本次开机时大厅时钟为 {when(c.since, tz)}，可能是停电前保存的时间。取号暂不受办公时间限制，"
                    "号码不变；校准后，之前记录的时间一并更正。请检查网络对时，或按本机时间校准。"}


def console(c) -> str:
    """The clerk console's one line ('' when there is nothing to say)."""
    if c.synced is None or c.synced:
        return ""
    if c.confirmed and c.cause == "supervisor":
        return "时钟未与网络同步，已由监管人员手动校准"
    return "时钟未同步：记录的时间可能不准，请通知监管人员校准时钟"


def health(c) -> dict | None:
    """/healthz's check of the clock (None: no fact logged, nothing to judge)."""
    if c.synced is None:
        return None
    reason = None
    if not c.synced:
        reason = "时钟未同步，已由监管人员手动校准" if c.confirmed and c.cause == "supervisor" else "时钟未同步"
    return {"synced": c.synced, "via": c.via, "confirmed": c.confirmed, "offset_s": c.offset,
            "unsynced_since": c.since, "set_by": c.by if c.cause == "supervisor" else None,
            "steps": c.steps, "last_step": c.last_step, "reason": reason}
