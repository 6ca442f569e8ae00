"""What the clerk console shows of its window, read from the engine (under the runtime's
lock), and the words it uses: the same facts the call pad's screen has, plus which
actions make sense now, so the page never offers a key the engine would refuse."""
from __future__ import annotations

import re

from gateway.engine.commands import CASE_TYPES

STATUS_CN = {"closed": "未登录", "idle": "空闲", "calling": "叫号中", "serving": "办理中", "paused": "暂停"}
CASE_CN = dict(zip(CASE_TYPES, ("即办件", "承诺件", "联办件", "上报件", "退办件"), strict=True))
ACTION_CN = {"login": "登录", "logout": "退出", "call_next": "叫号", "call_ticket": "按号叫号", "recall": "重呼",
             "start": "开始办理", "finish": "办结", "no_show": "过号", "transfer": "转移", "pause": "暂停",
             "resume": "恢复", "request_evaluation": "请评价", "cancel_evaluation": "撤销评价",
             "attach_case": "关联办件编号"}

# The engine's refusals most often met at a window, in the hall's words; the engine's own
# text follows in brackets (it names the exact state), and any other refusal shows as it is.
REFUSALS_CN = ((r"^login locked", "本窗口登录已锁定"), (r"^unknown staff code", "登录码错误"),
               (r"^no ticket is waiting", "没有等候本窗口的号"), (r"^no ticket \S+ today", "今天没有这个号"),
               (r"is not waiting \(", "这个号不在等候中"), (r"is not for window", "这个号不属于本窗口"),
               (r"already logged in at window", "该人员已在其他窗口登录"),
               (r"already has \S+ logged in", "本窗口已有人员登录，请先退出"),
               (r"holds ticket .*first$", "本窗口还有号未处理：请先办结、过号或转移"),
               (r"^cannot transfer to", "不能转移到该目标"), (r"^unknown service", "没有这项业务"),
               (r"^pause reason must be", "暂停原因不在本厅列表中"), (r"is not paused$", "本窗口没有暂停"),
               (r"already waiting for rating", "正在等待评价"), (r"no finished service to rate", "没有可评价的办件"),
               (r"is not waiting for a rating", "没有等待中的评价"), (r"is rated already", "已评价，不能再关联"),
               (r"holds no ticket and has no finished", "本窗口没有可关联的号"),
               (r"is not a matter \(事项\) of service", "该事项不属于这项业务"),
               (r"^cannot [a-z -]+: window \d+ is", "当前状态不能执行此操作"))


def refusal(text: str | None) -> str:
    text = text or "操作被拒绝"
    for pattern, cn in REFUSALS_CN:
        if re.search(pattern, text):
            return f"{cn}（{text}）"
    return text


def case_ticket(eng, w: dict) -> dict | None:
    """The ticket attach_case would land on (the engine's own order), or None."""
    tid = w["ticket"] or (w["last_served"] if w["last_served"] in eng.tickets else None)
    if tid is None and w["prompt"] in eng.prompts:
        tid = eng.prompts[w["prompt"]]["ticket"]
    return eng.tickets.get(tid) if tid else None


def enabled(eng, w: dict) -> dict[str, bool]:
    s, on = w["status"], w["staff"] is not None
    case = case_ticket(eng, w) if on else None
    return {"call_next": on and s == "idle", "call_ticket": on and s == "idle",
            "recall": on and s == "calling", "start": on and s == "calling", "no_show": on and s == "calling",
            "finish": on and s == "serving", "transfer": on and s in ("calling", "serving"),
            "pause": on and s == "idle", "resume": on and s == "paused",
            "request_evaluation": on and not w["prompt"] and w["last_served"] in eng.tickets,
            "cancel_evaluation": on and bool(w["prompt"]),
            "attach_case": case is not None and case["evaluation"] != "rated",
            "logout": on and not w["ticket"]}


def window_state(eng, n: int) -> dict:
    """The console's picture of window n (JSON-able). Every figure the clerk reads is here."""
    hall, w, cfg = eng.hall, eng.windows[n], eng.win_cfg[n]
    member = next((s for s in hall.staff if s.id == w["staff"]), None)
    t = eng.tickets.get(w["ticket"]) if w["ticket"] else None
    case = case_ticket(eng, w) if w["staff"] else None
    prompt = eng.prompts.get(w["prompt"]) if w["prompt"] else None
    last = eng.tickets.get(w["last_served"]) if w["last_served"] else None
    if prompt:
        evaluation = {"state": "waiting", "state_name": "等待评价", "number": prompt["number"]}
    elif last is not None:
        evaluation = {"state": "can_request", "state_name": "可请评价", "number": last["number"]}
    else:
        evaluation = {"state": "none", "state_name": "无", "number": None}
    return {"window": n, "display_text": cfg.display_text, "logged_in": w["staff"] is not None,
            "staff": w["staff"], "name": member.name if member else None, "post": w["post"],
            "status": w["status"], "status_name": STATUS_CN.get(w["status"], w["status"]),
            "ticket": w["ticket_number"], "ticket_service": t["service"] if t else None,
            "recalls": w["recalls"], "recall_limit": hall.queue.recall_limit,
            "waiting": sum(eng.line.waiting.get(s, 0) for s in cfg.services),
            "paused_reason": w["paused_reason"], "until": w["until"], "cases_today": w["cases"],
            "evaluation": evaluation,
            "case": None if case is None else {"number": case["number"], "project_no": case["project_no"],
                                               "matter": case["matter"],
                                               "matters": [{"code": m.code, "name": m.name}
                                                           for m in _service(hall, case["service"]).matters]},
            "enabled": enabled(eng, w)}


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
