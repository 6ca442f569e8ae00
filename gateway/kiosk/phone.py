"""The ticket's phone page (/t/{id}?c=code, the slip's QR code): what it shows, read from the
engine under the runtime's lock. The ticket's progress (estimate.progress), and with the
ticket's own 补充评价 code whether the citizen may rate now:

  later      not served yet: the rating opens once the service is done
  offered    served, not rated (at the window or with the code), within the period
  at_window  the clerk has invited a rating at the window's evaluator: rate there
  rated      rated, at the window's evaluator or with the code (and the level)
  expired    the period is over

Without the code nothing about the rating is shown (a ticket's id is easy to guess; how a
citizen rated is theirs). A served ticket of an earlier day (gone from the engine at the
rollover) is still shown from its kept 补充评价 entry while the code is valid.
"""
from __future__ import annotations

from gateway.config.model import LEVEL_NAMES
from gateway.engine import reads
from gateway.kiosk import estimate

LEVELS = [{"level": n, "name": LEVEL_NAMES[n - 1]} for n in range(5, 0, -1)]  # 非常满意 first
BAD_LEVEL_MAX = 2  # 不满意 and 非常不满意 are 差评: their reasons may be given


def _when(eng, at: float) -> str:
    d = eng.cal.local(at)
    return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"


def _level_name(level) -> str | None:
    return LEVEL_NAMES[level - 1] if isinstance(level, int) and 1 <= level <= 5 else None


def _from_entry(eng, e: reads.Supplementary) -> dict:
    """An earlier day's served ticket, from its 补充评价 entry."""
    svc = next((s for s in eng.hall.services if s.code == e.service), None)
    return {"hall": eng.hall.name, "number": e.number, "state": "done", "outcome": "served",
            "window": e.window, "text": estimate.DONE_TEXT["served"], "service": e.service,
            "service_name": svc.name if svc else None,
            "matter_name": next((m.name for m in svc.matters if m.code == e.matter), None) if svc else None,
            "lane": None, "day": e.day, "issued": None, "ahead": None, "wait_minutes": None,
            "window_name": estimate.window_name(eng, e.window), "called": None, "recalls": 0,
            "finished": _when(eng, e.finished_at)}


def rating(eng, tid: str, code: str | None, now: float) -> dict | None:
    """May the holder of this code rate this ticket's service now, and if not, why."""
    t = reads.ticket(eng, tid)
    e = reads.supplementary(eng, code)
    if e is None or e.ticket != tid:
        if t is not None and t.state != "done" and reads.holds_code(eng, tid, code):
            return {"state": "later", "text": "办结后可在此补充评价"}
        return None
    if e.rated is not None:
        level = t.level if t is not None and t.level else e.level
        where = f"在 {e.window} 号窗口的评价器上" if e.rated == "evaluator" else "补充"
        name = _level_name(level)
        return {"state": "rated", "channel": e.rated, "level": level, "level_name": name,
                "text": f"您已{where}评价" + (f"：{name}" if name else "") + "。感谢您的评价！"}
    if now > e.until:
        return {"state": "expired", "text": f"补充评价已于 {_when(eng, e.until)} 截止"}
    if t is not None and t.evaluation == "requested":
        return {"state": "at_window", "text": f"请在 {e.window} 号窗口的评价器上评价"}
    return {"state": "offered", "until": _when(eng, e.until), "levels": LEVELS, "bad_max": BAD_LEVEL_MAX,
            "reasons": [{"code": r.code, "text": r.text} for r in reads.content(eng).reasons],
            "text": f"请为本次服务评价（{_when(eng, e.until)} 前有效，一次一评）"}


def view(eng, tid: str, code: str | None, now: float) -> dict | None:
    """The page's picture of the ticket, or None (no such ticket of today, and no valid code)."""
    p = estimate.progress(eng, tid)
    if p is None:
        e = reads.supplementary(eng, code)
        if e is None or e.ticket != tid:
            return None
        p = _from_entry(eng, e)
    return {**p, "rating": rating(eng, tid, code, now) if code else None}
