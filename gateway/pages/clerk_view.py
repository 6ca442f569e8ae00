"""What the clerk console shows of its window, read from the engine (under the runtime's
lock), and the words it uses: the same facts the call pad's screen has, plus which
actions make sense now, so the page never offers a key the engine would refuse. Refusals
are put into Chinese by gateway/api/refusals.py.

The rating of the window's last service stays shown (已评价 and its level) after the prompt
has closed: the engine forgets which ticket a window last served once it invites a rating, so
the console keeps that (reads.last_served at start, then folded from ticket_finished by the pages'
push hub)."""
from __future__ import annotations

from gateway.clock import words as clock_words
from gateway.config.model import LEVEL_NAMES
from gateway.engine import reads
from gateway.engine.commands import CASE_TYPES

STATUS_CN = {"closed": "未登录", "idle": "空闲", "calling": "叫号中", "serving": "办理中", "paused": "暂停"}
CASE_CN = dict(zip(CASE_TYPES, ("即办件", "承诺件", "联办件", "上报件", "退办件"), strict=True))
ACTION_CN = {"login": "登录", "logout": "退出", "call_next": "叫号", "call_ticket": "按号叫号", "recall": "重呼",
             "start": "开始办理", "finish": "办结", "no_show": "过号", "transfer": "转移", "pause": "暂停",
             "resume": "恢复", "request_evaluation": "请评价", "cancel_evaluation": "撤销评价",
             "attach_case": "关联办件编号"}


def fold_finished(state: dict, upd) -> dict:
    """For PushHub.keep: the last finished ticket of each window, after this update."""
    done = {e["window"]: e["ticket"] for e in upd.events if e.get("type") == "ticket_finished"}
    return {**state, **done} if done else state


def evaluation(eng, w: reads.Window, last: str | None) -> dict:
    """The 评价 row: waiting for the evaluator, may be invited, rated (and how), or not rated."""
    p = reads.prompt(eng, w.prompt)
    if p is not None:
        return {"state": "waiting", "state_name": "等待评价", "number": p.number}
    t = reads.ticket(eng, w.last_served) or reads.ticket(eng, last)
    if t is None or t.window != w.number:
        return {"state": "none", "state_name": "无", "number": None}
    if t.evaluation == "rated":
        level = t.level
        return {"state": "rated", "state_name": "已评价", "number": t.number, "level": level,
                "level_name": LEVEL_NAMES[level - 1] if level in range(1, 6) else None,
                "channel_name": "扫码补充评价" if reads.rated_by_code(eng, t.id) else "评价器"}
    if t.id == w.last_served:
        return {"state": "can_request", "state_name": "可请评价", "number": t.number}
    if t.evaluation == "not_rated":
        return {"state": "not_rated", "state_name": "未评价", "number": t.number}
    return {"state": "none", "state_name": "无", "number": None}


def enabled(eng, w: reads.Window, case: reads.Ticket | None) -> dict[str, bool]:
    """case: the ticket attach_case would land on (reads.case_ticket), None when nobody is logged in."""
    s, on = w.status, w.staff is not None
    served = reads.ticket(eng, w.last_served)
    return {"call_next": on and s == "idle", "call_ticket": on and s == "idle",
            "recall": on and s == "calling", "start": on and s == "calling", "no_show": on and s == "calling",
            "finish": on and s == "serving", "transfer": on and s in ("calling", "serving"),
            "pause": on and s == "idle", "resume": on and s == "paused",
            "request_evaluation": on and not w.prompt and served is not None and served.evaluation != "rated",
            "cancel_evaluation": on and bool(w.prompt),
            "attach_case": case is not None and case.evaluation != "rated",
            "logout": on and not w.ticket}


def window_state(eng, n: int, last: str | None = None) -> dict:
    """The console's picture of window n (JSON-able). Every figure the clerk reads is here.
    last: the ticket window n finished last (see fold_finished)."""
    hall, w, cfg = eng.hall, reads.window(eng, n), eng.hall.window(n)
    member = next((s for s in hall.staff if s.id == w.staff), None)
    t = reads.ticket(eng, w.ticket)
    case = reads.case_ticket(eng, n) if w.staff else None
    waiting = reads.waiting(eng)
    return {"window": n, "display_text": cfg.display_text, "logged_in": w.staff is not None,
            "staff": w.staff, "name": member.name if member else None, "post": w.post,
            "status": w.status, "status_name": STATUS_CN.get(w.status, w.status),
            "ticket": w.ticket_number, "ticket_service": t.service if t else None,
            "recalls": w.recalls, "recall_limit": hall.queue.recall_limit,
            "waiting": sum(waiting.get(s, 0) for s in cfg.services),
            "paused_reason": w.paused_reason, "until": w.until, "cases_today": w.cases,
            "evaluation": evaluation(eng, w, last),
            "case": None if case is None else {"number": case.number, "project_no": case.project_no,
                                               "matter": case.matter,
                                               "matters": [{"code": m.code, "name": m.name}
                                                           for m in _service(hall, case.service).matters]},
            "enabled": enabled(eng, w, case),
            "clock_note": clock_words.console(reads.clock(eng))}  # the hall clock not synchronized: said


def hall_choices(hall, n: int, staff: str | None) -> dict:
    """The fixed lists the console's forms offer: pause reasons, case types, transfer targets."""
    return {"hall": hall.name, "pause_reasons": list(hall.queue.pause_reasons),
            "case_types": [{"code": c, "name": CASE_CN[c]} for c in CASE_TYPES],
            "services": [{"code": s.code, "name": s.name} for s in hall.services],
            "windows": [{"number": w.number, "display_text": w.display_text} for w in hall.windows if w.number != n],
            "staff": [{"id": s.id, "name": s.name} for s in hall.staff if s.id != staff]}


def confirmation(action: str, result: dict | None, choices_cn: dict) -> str:
    """The line the clerk reads after an action went through."""
    r = result or {}
    num = r.get("number") or ""
    if action in ("call_next", "call_ticket"):
        return f"已叫号 {num}"
    if action == "recall":
        return f"已重呼 {num}（第 {r.get('recalls', 0)} 次）" if r.get("state") == "called" else f"{num} 已过号（重呼已满）"
    if action == "start":
        return f"开始办理 {num}"
    if action == "finish":
        return f"{num} 已办结（{CASE_CN.get(r.get('case_type'), '即办件')}）"
    if action == "no_show":
        return f"{num} 已过号"
    if action == "transfer":
        to = r.get("waiting_for") or {}
        where = {"service": "业务", "window": "窗口", "staff": "人员"}.get(to.get("to"), "")
        return f"{num} 已转移至{where} {choices_cn.get((to.get('to'), to.get('key')), to.get('key', ''))}"
    if action == "pause":
        back = f"，{r['until']} 返回" if r.get("until") else ""
        return f"已暂停：{r.get('reason', '')}{back}"
    if action == "resume":
        return "已恢复"
    if action == "request_evaluation":
        return f"已请 {num} 评价"
    if action == "cancel_evaluation":
        return "已撤销评价"
    if action == "attach_case":
        return f"已关联 办件 {r.get('project_no', '')}（{num}）"
    return ACTION_CN.get(action, action) + " 完成"


def target_names(hall) -> dict:
    """(kind, key) -> the name a transfer target is shown by."""
    out: dict = {("service", s.code): s.name for s in hall.services}
    out.update({("window", w.number): w.display_text for w in hall.windows})
    out.update({("staff", s.id): s.name for s in hall.staff})
    return out


def _service(hall, code: str):
    return next(s for s in hall.services if s.code == code)
