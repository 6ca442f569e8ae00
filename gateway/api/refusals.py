"""The engine's refusals in the hall's words, for every page a person reads (the clerk
console, the kiosk, the ticket's phone page): Chinese only, never the English appended.

The engine refuses in English (its log and the machine API keep that text). ZH holds one
entry per refusal the engine (and the runtime and the kiosk) can produce: the key is the
refusal's f-string with each {…} written as {}, the value its Chinese, where {0}, {1} … are
those values in order and {1:win} passes one through a converter (a staff id becomes a
name, a status its Chinese, a date 2026年11月23日). tests/api/test_refusals.py reads the
engine's source and fails for a refusal that has no entry here; a refusal that still finds
none at run time (a newer engine) shows a general Chinese sentence, and the English goes to
the log, never to the page.

Page-facing endpoints answer {"detail": <Chinese>, "reason": <the engine's English>}:
detail is what a person reads, reason stays exact and stable for machines and the log.
It lives in the API, the lowest of the web parts (docs/ARCHITECTURE.md): the API's 补充评价
answers with it, and the pages, the kiosk and the reports stand above the API.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway import disk
from gateway.disk import StoreFull

log = logging.getLogger("hallgw.refusals")
FALLBACK = "未能办理，请咨询工作人员"
QUOTED = r"'[^']*'|\S+"

WINDOW_STATUS = {"closed": "未登录", "idle": "空闲", "calling": "正在叫号", "serving": "正在办理", "paused": "暂停中"}
TICKET_STATE = {"waiting": "等候中", "called": "已叫号", "serving": "正在办理", "done": "已结束"}
DOING = {"call next": "叫号", "call a ticket": "按号叫号", "recall": "重呼", "start": "开始办理", "finish": "办结",
         "mark a no-show": "过号", "transfer": "转移", "pause": "暂停"}
FOLLOWUP_ACTION = {"start": "开始整改", "complete": "完成整改", "request_invalid": "申请无效差评",
                   "request_unfixable": "申请无法整改", "approve": "批准", "reject": "驳回", "callback": "回访"}
COMMAND = {"issue_ticket": "取号", "cancel_ticket": "取消号", "void_ticket": "作废号", "slip_printed": "出票确认", "login": "登录", "logout": "退出",
           "call_next": "叫号", "call_ticket": "按号叫号", "recall": "重呼", "start": "开始办理", "finish": "办结",
           "no_show": "过号", "transfer": "转移", "pause": "暂停", "resume": "恢复", "request_evaluation": "请评价",
           "rate": "评价", "cancel_evaluation": "撤销评价", "attach_case": "关联办件编号",
           "rate_supplementary": "补充评价", "set_content": "更新评价内容", "followup": "差评整改",
           "relay_case": "帮办代办上报", "relay_escalate": "帮办代办转上级", "relay_receive": "接收帮办代办",
           "relay_handle": "办理帮办代办", "relay_result": "帮办代办答复", "tick": "计时", "part_fault": "设备故障",
           "device_flood": "设备消息过多",
           "book_appointment": "预约", "cancel_appointment": "取消预约",
           "confirm_level_map": "确认好差评等级对应", "clock": "时钟"}
FIELD = {"service": "业务", "lane": "取号方式", "matter": "事项", "sup_code": "评价码", "ticket": "号票",
         "reason": "原因", "staff_code": "登录码", "verified": "登录校验", "staff": "人员", "number": "号码",
         "case_type": "办件类型", "to_service": "转移业务", "to_window": "转移窗口", "to_staff": "转移人员",
         "until": "返回时间", "prompt": "评价", "level": "满意程度", "reasons": "差评原因", "rated_at": "评价时间",
         "rv": "评价内容版本", "project_no": "办件编号", "code": "评价码", "version": "版本", "source": "来源",
         "id": "编号", "action": "操作", "by": "操作人", "note": "说明", "result": "回访结果", "role": "身份",
         "relay": "帮办代办", "from": "来源大厅", "origin_hall": "来源大厅", "sent_at": "上报时间", "events": "事件",
         "part": "部件", "active": "状态", "cause": "原因", "device": "设备", "dropped": "已丢弃条数",
         "unlogged": "未逐条记录的拒绝", "malformed": "无法识别的消息", "window": "窗口", "at": "时间",
         "appointment_code": "预约码", "start": "开始时间", "end": "结束时间", "ref": "预约编号", "name": "姓名",
         "person": "身份", "appointment": "预约", "called_at": "回访时间",
         "map": "等级对应", "platform": "省平台", "printing": "出票中",
         "synced": "是否已同步", "via": "对时方式", "step": "校正量", "offset": "时钟偏差", "boot": "开机编号"}
PART = {"audio": "广播"}
ASKED = {"invalid_requested": "无效差评", "unfixable_requested": "无法整改"}
NOTE_NEEDED = {"what was done": "请填写整改情况（做了什么）", "why the 差评 is invalid": "请填写申请无效差评的理由",
               "why it cannot be rectified": "请填写无法整改的理由"}
APPOINTMENT_STATE = {"booked": "已预约", "checked_in": "已签到", "cancelled": "已取消", "no_show": "已过期未到"}


def _bare(v: str) -> str:
    return v.strip("'\"")


def _named(table: dict, default: str) -> Callable[[str, object], str]:
    def conv(v: str, _hall) -> str:
        got = table.get(_bare(v))
        if got is None:
            log.info("refusal value %r has no Chinese name: shown as %s", v, default)
        return got or default
    return conv


def _staff(v: str, hall) -> str:
    v = _bare(v)
    for s in getattr(hall, "staff", ()):
        if s.id == v:
            return s.name
    return "该工作人员"


def _service(v: str, hall) -> str:
    v = _bare(v)
    for s in getattr(hall, "services", ()):
        if s.code == v:
            return f"“{s.name}”"
    return "这项业务"


def _matter(v: str, hall) -> str:
    v = _bare(v)
    for s in getattr(hall, "services", ()):
        for m in s.matters:
            if m.code == v:
                return f"“{m.name}”"
    return "这个事项"


def _number(v: str, _hall) -> str:
    """A ticket's printed number; an id (2026-11-23-A001) shows as its number alone."""
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", _bare(v))


def _day(v: str, _hall) -> str:
    y, m, d = (int(x) for x in v.split("-"))
    return f"{y}年{m}月{d}日"


def _time(v: str, hall) -> str:
    day, hm = v.split(" ")
    return f"{_day(day, hall)} {hm}"


def _chinese_part(v: str, _hall) -> str:
    """'待整改 (pending)' -> '待整改': the engine names some states in both."""
    return re.sub(r"\s*\([ -~]*\)", "", v).strip() or "当前状态"


def _plain(v: str, _hall) -> str:
    return _bare(v)


def _listed(v: str, _hall) -> str:
    return "、".join(x.strip() for x in v.split(","))


@dataclass(frozen=True)
class Conv:
    pattern: str  # what the value looks like in the English text
    fn: Callable[[str, object], str]


CONVERTERS = {
    "win": Conv(r"\d+", _plain), "n": Conv(r"\d+", _plain),
    "ord": Conv(r"\d+", lambda v, _h: str(int(v) + 1)),
    "staff": Conv(QUOTED, _staff), "svc": Conv(QUOTED, _service), "matter": Conv(QUOTED, _matter),
    "num": Conv(QUOTED, _number), "id": Conv(QUOTED, _plain),
    "wstatus": Conv(r"[a-z_]+", _named(WINDOW_STATUS, "当前状态")),
    "tstate": Conv(r"[a-z_]+", _named(TICKET_STATE, "当前状态")),
    "doing": Conv(r"[a-z -]+?", _named(DOING, "这样操作")),
    "fuaction": Conv(r"[a-z_]+", _named(FOLLOWUP_ACTION, "这样处理")),
    "ctype": Conv(QUOTED, _named(COMMAND, "操作")),
    "field": Conv(r"[a-z_]+", _named(FIELD, "某项")),
    "part": Conv(QUOTED, _named(PART, "该部件")),
    "note": Conv(r"[a-z 差评]+", _named(NOTE_NEEDED, "请填写说明")),
    "asked": Conv(r".+?", lambda v, _h: ASKED.get(re.sub(r".*\(([a-z_]+)\)$", r"\1", v), "申请")),
    "astate": Conv(r"[a-z_]+", _named(APPOINTMENT_STATE, "已处理")),
    "hm": Conv(r"\d{2}:\d{2}", _plain),
    "day": Conv(r"\d{4}-\d{2}-\d{2}", _day), "time": Conv(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", _time),
    "cn": Conv(r".+?", _chinese_part), "list": Conv(r".+", _listed),
}

ZH: dict[str, str] = {
    # -- at a window (gateway/engine/clerk.py) ------------------------------------------------
    "nobody is logged in at window {}": "{0:win}号窗口还没有人员登录",
    "cannot {}: window {} is {}{}": "{1:win}号窗口{2:wstatus}，不能{0:doing}",
    "window {} already has {} logged in: log out first": "{0:win}号窗口已有{1:staff}登录，请先退出",
    "{} is already logged in at window {}": "{0:staff}已在{1:win}号窗口登录，请先在那里退出",
    "window {} holds ticket {}: finish, mark no-show or transfer it first":
        "{0:win}号窗口还有{1:num}号未处理：请先办结、过号或转移",
    "no ticket is waiting for window {}": "没有等候{0:win}号窗口的号",
    "no ticket is waiting for window {} yet: {} is still printing at the kiosk":
        "暂时没有可叫的号：{1:num}号正在叫号机出票，请稍候再叫",
    "no ticket {} today": "今天没有{0:num}号",
    "ticket {} is not waiting (it is {})": "{0:num}号不在等候中（{1:tstate}）",
    "ticket {} is not for window {}": "{0:num}号不在{1:win}号窗口办理",
    "unknown service {}": "本厅没有这项业务",
    "cannot transfer to window {}": "不能转移到{0:win}号窗口",
    "cannot transfer to staff member {}": "不能转移给{0:staff}",
    "pause reason must be one of: {}": "暂停原因请从本厅的列表中选：{0:list}",
    "window {} is not paused": "{0:win}号窗口没有暂停",
    "window {} has no ticket to attach a case to": "{0:win}号窗口没有可关联办件编号的号",
    "window {} holds no ticket and has no finished service awaiting a rating": "{0:win}号窗口没有可关联办件编号的号",
    "ticket {} is rated already: its record is final, no case can be attached":
        "{0:num}号已评价，评价记录已定，不能再关联办件编号",
    # -- a command's shape (gateway/engine/commands.py) ----------------------------------------
    "a command must be an object": "请求格式有误",
    "unknown command type {}": "没有这项操作",
    "{}: 'at' must be epoch seconds before 2100": "{0:ctype}：时间有误",
    "login: 'staff_code' is required": "登录：请输入登录码",
    "login: a verified login names its staff member, a wrong code none": "登录：请求有误",
    "rate: 'rated_at' must be epoch seconds before 2100": "评价：评价时间有误",
    "issue_ticket: lane must be one of {}": "取号：请选择取号方式（普通、绿色通道或预约签到）",
    "finish: case_type must be one of {}": "办结：请选择办件类型（即办件、承诺件、联办件、上报件或退办件）",
    "transfer: give exactly one of to_service, to_window, to_staff": "转移：请选择一个转移目标（业务、窗口或人员）",
    "pause: 'until' must be HH:MM": "暂停：返回时间请写成“时:分”，如 10:30",
    "{}: level must be 1 (非常不满意) to 5 (非常满意)": "{0:ctype}：请选择满意程度（非常满意至非常不满意）",
    "{}: '{}' must be {} to {} characters of {}": "{0:ctype}：{1:field}应为 {2:n} 至 {3:n} 位字母或数字",
    "attach_case: 'project_no' (办件编号) must be 1 to 40 of A-Z, a-z, 0-9 and -":
        "关联办件编号：办件编号只能由字母、数字和“-”组成，最多 40 位",
    "{}: 'window' must be a window number": "{0:ctype}：窗口号有误",
    "{}: no window {} in this hall": "本厅没有{1:win}号窗口",
    "{}: '{}' must be a {}": "{0:ctype}：{1:field}格式有误",
    "{}: '{}' is required": "{0:ctype}：请填写{1:field}",
    "set_content: source 'hall' is reserved for the hall file's own list": "更新评价内容：来源有误",
    "followup: action must be one of {}": "差评整改：没有这项操作",
    "followup: result must be one of {}": "差评整改：回访结果有误",
    "set_content: 'version' must be 1 to {} printable characters": "更新评价内容：版本号有误（最多 {0:n} 个字符）",
    "set_content: 1 to {} reasons (an evaluator shows at most {})": "更新评价内容：差评原因应为 1 至 {0:n} 条",
    "set_content: reasons[{}] must be {code, text} with a code of 1 to 16 of A-Z a-z 0-9 _ -":
        "更新评价内容：第 {0:ord} 条差评原因的代码有误",
    "set_content: reasons[{}].text must be 1 to {} printable characters":
        "更新评价内容：第 {0:ord} 条差评原因的文字有误（最多 {1:n} 字）",
    "set_content: reason code {} appears twice": "更新评价内容：差评原因代码重复",
    # -- 好差评 (content.py, evaluation.py, supplementary.py) -----------------------------------
    "content version {} is already current": "评价内容已是这个版本",
    "window {} is already waiting for rating {}": "{0:win}号窗口正在等待评价",
    "window {} has no finished service to rate": "{0:win}号窗口没有可评价的办件",
    "prompt {} belongs to window {}, not {}": "这次评价属于{1:win}号窗口，不属于{2:win}号窗口",
    "ticket {} was already rated with its code (补充评价, 一次一评)": "{0:num}号已经扫码补充评价过了（一次一评）",
    "prompt {} was already rated (一次一评)": "这次服务已经评价过了（一次一评）",
    "prompt {} was withdrawn by the clerk and recorded as not rated": "这次评价已由工作人员撤销，记为未评价",
    "no evaluation prompt {}": "没有这次评价",
    "prompt {} timed out and was recorded as not rated": "这次评价已超时，记为未评价",
    "window {} is not waiting for a rating": "{0:win}号窗口没有等待中的评价",
    "no supplementary rating code {} (unknown, or its time is over)": "评价码无效，或已过补充评价期限",
    "ticket {} of {} was already rated at window {} (一次一评)": "{0:num}号已在{2:win}号窗口评价过了（一次一评）",
    "ticket {} of {} was already rated with this code (补充评价, 一次一评)": "{0:num}号已经补充评价过了（一次一评）",
    "code {} expired at {}: 补充评价 is open for a limited time after the service": "补充评价期限已于 {1:time} 结束",
    "ticket {} is being rated at window {} now: rate there": "{0:num}号正在{1:win}号窗口评价，请在窗口的评价器上评价",
    # -- 差评 follow-ups (followup.py) ----------------------------------------------------------
    "no follow-up {}": "没有这条差评整改记录",
    "{}: a note is required ({})": "{1:note}",
    "callback (回访): 'result' is required: reached, unreachable, satisfied or unsatisfied": "请选择回访结果",
    "callback (回访): 'called_at' must lie between the 差评 and now": "回访时间应在差评之后，且不晚于现在",
    "{}: 'result' and 'called_at' are only for a callback (回访)": "{0:fuaction}：只有回访才填写回访结果和时间",
    "cannot {} follow-up {}: it is {}, {} needs {}": "这条差评现为「{2:cn}」，不能{0:fuaction}",
    "{} of follow-up {} needs a supervisor (role: supervisor)": "{0:fuaction}须由监管人员进行",
    "{} asked for {} of follow-up {}: another supervisor must {} it (four eyes)":
        "不能审核自己提出的申请：{0:staff}申请的「{1:asked}」须由另一位监管人员{3:fuaction}（四眼原则）",
    "{} is the staff member the 差评 of follow-up {} is about: another must {} it":
        "{0:staff}是这条差评所评价的工作人员，须由另一位监管人员{2:fuaction}",
    # -- login codes (guard.py) -----------------------------------------------------------------
    "unknown staff code: login locked {} s": "登录码错误，本窗口登录已锁定 {0:n} 秒",
    "login locked {} s more (wrong codes at window {})": "{1:win}号窗口登录已锁定，请 {0:n} 秒后再试",
    "unknown staff code ({} more wrong before the login locks)": "登录码错误（再错 {0:n} 次将锁定本窗口登录）",
    # -- 帮办代办 (relay.py) ---------------------------------------------------------------------
    "this hall has no parent hall ([parent] in the hall file) to send a case to": "本厅没有上级大厅，不能上报",
    "window {} is not logged in": "{0:win}号窗口还没有人员登录",
    "window {} holds no ticket and has served none to send up": "{0:win}号窗口没有可上报的号",
    "ticket {} was sent up already ({})": "{0:num}号已上报过（{1:cn}）",
    "this hall has no parent hall to hand the case on to": "本厅没有上级大厅，不能转上级",
    "no case {} was received here": "本厅没有收到这件帮办代办",
    "unknown staff member {}": "没有这位工作人员",
    "case {} is {}": "这件帮办代办{1:cn}，不能再转",
    "case {} was received already": "这件帮办代办已经收到",
    "relay_handle: action must be one of {}": "办理帮办代办：没有这项操作",
    "case {} is {} already": "这件帮办代办已是“{1:cn}”，不能再办理",
    "case {} is being handled already": "这件帮办代办已在办理中",
    "no answer to a case of this hall in it": "其中没有本厅帮办代办的答复",
    # -- tickets (tickets.py) -------------------------------------------------------------------
    "supplementary code {} is already in use": "评价码重复，请重新取号",
    "matter {} is not a matter (事项) of service {} (its matters: {})": "{0:matter}不是{1:svc}的办理事项",
    "the hall is closed: tickets are issued only in opening hours": "现在不是办公时间，请在办公时间内取号",
    "ticket {} is {}, only a waiting ticket can be cancelled": "{0:num}号{1:tstate}，只有等候中的号才能取消",
    "ticket {} is still printing at the kiosk: it can be called once its slip is out":
        "{0:num}号正在叫号机出票，出票后才能叫号",
    "ticket {} is not printing (it is {})": "{0:num}号不在出票中（{1:tstate}）",
    "ticket {} has been called ({}): only a waiting ticket never called can be voided":
        "{0:num}号已经叫过（{1:tstate}），不能作废",
    # -- 预约 (appointments.py) ------------------------------------------------------------------
    "appointment source must be one of {}": "预约来源有误",
    "clock: cause must be one of {}": "时钟记录的原因有误",
    "clock: '{}' must be at most {} seconds either way": "时钟记录的校正量过大",
    "appointment code must be {} to {} letters or digits": "预约码应为 {0:n} 至 {1:n} 位字母或数字",
    "matter {} is not a matter (事项) of service {}": "{0:matter}不是{1:svc}的办理事项",
    "an appointment slot must end after it starts, within 12 hours": "预约时段有误：结束须晚于开始，且不超过 12 小时",
    "the slot {}-{} has passed": "预约时段 {0:hm}-{1:hm} 已过",
    "the slot {}-{} is outside the hall's opening hours": "预约时段 {0:hm}-{1:hm} 不在本厅办公时间内",
    "the hall takes no appointments on {}, not a working day ([hours] appointment_weekends is false)":
        "{0:day}不是工作日，本厅这天不受理预约",
    "appointment code {} is already in use on {}": "预约码 {0:id} 在{1:day}已被使用",
    "appointment {} is {} and can no longer change": "预约 {0:id} {1:astate}，不能再更改",
    "no appointment {}": "没有这个预约",
    "appointment {} is {}: only a booked one can be cancelled": "预约 {0:id} {1:astate}，不能取消",
    "an appointment ticket needs its appointment code (预约码)": "预约签到请输入预约码",
    "no appointment with code {} today": "今天没有预约码为 {0:id} 的预约，请核对预约码或咨询工作人员",
    "appointment {} is already checked in (ticket {})": "此预约已签到，号码是 {1:num}",
    "appointment {} was cancelled": "此预约已取消，请咨询工作人员",
    "appointment {} is past its check-in time (until {}): take a normal ticket":
        "已过预约签到时间（{1:hm} 截止），请取普通号",
    "appointment {} opens for check-in at {}": "还没到签到时间，请于 {1:hm} 后签到",
    "appointment {} is for service {}, not {}": "此预约办理的是{1:svc}，不是{2:svc}",
    "appointment {} is for matter {}, not {}": "此预约办理的事项是{1:matter}",
    "an appointment code goes with the appointment lane (预约签到) only": "只有预约签到才需输入预约码",
    # -- a part of the hall's equipment (parts.py) ----------------------------------------------
    "unknown part {}": "没有这个设备部件",
    "no device {} in this hall": "本厅没有这个设备",
    # -- the runtime (gateway/runtime.py) -------------------------------------------------------
    "origin must be {dev: text, boot: text, seq: integer}": "设备消息格式有误",
    "command is not plain JSON: {}": "请求格式有误",
    "this request (its Idempotency-Key) was answered already": "这项操作已经办理过了",
    # -- the kiosk's own checks (gateway/kiosk/service.py) --------------------------------------
    "unknown service {}; this hall has {}": "本厅没有这项业务",
    "service {} needs its matter (事项): one of {}": "请先选择{0:svc}的办理事项",
    "matter {} is not a matter of service {}": "{0:matter}不是{1:svc}的办理事项",
    "the green channel (绿色通道) needs a category: one of {}": "绿色通道请先选择您的情况",
    "category is for the green channel (lane green) only": "只有绿色通道才需选择情况",
    "appointment_code goes with lane appointment (预约签到), and only there": "预约签到请输入预约码",
    "service is required; 预约签到 (lane appointment) needs only its appointment_code": "请先选择业务",
}

FIELD_RE = re.compile(r"\{(\d+)(?::(\w+))?\}")


def _used(zh: str) -> dict[int, str | None]:
    return {int(i): spec or None for i, spec in FIELD_RE.findall(zh)}


def _compile(template: str, zh: str) -> re.Pattern:
    parts = template.split("{}")
    used = _used(zh)
    rx = re.escape(parts[0])
    for i, literal in enumerate(parts[1:]):
        spec = used.get(i, "")
        if spec:
            group = CONVERTERS[spec].pattern
        elif i in used:
            group = r".+?"
        else:
            group = r".*?"
        rx += f"({group})" + re.escape(literal)
    return re.compile(rx, re.DOTALL)


# The most literal text first: "case {} is being handled already" before "case {} is {}".
_COMPILED = sorted(((_compile(k, v), v, k) for k, v in ZH.items()),
                   key=lambda x: -len(x[2].replace("{}", "")))


def _fill(zh: str, values: tuple, hall) -> str:
    def one(m: re.Match) -> str:
        v, spec = values[int(m.group(1))], m.group(2)
        return CONVERTERS[spec].fn(v, hall) if spec else v
    return FIELD_RE.sub(one, zh)


def template_of(refusal: str) -> str | None:
    """The ZH key a refusal matches, or None."""
    for rx, _zh, key in _COMPILED:
        if rx.fullmatch(refusal):
            return key
    return None


def chinese(refusal: str | None, hall=None) -> str:
    """The refusal as a person reads it on a page: Chinese, with names, no English."""
    if not refusal:
        return FALLBACK
    for rx, zh, _key in _COMPILED:
        m = rx.fullmatch(refusal)
        if m:
            return _fill(zh, m.groups(), hall)
    log.warning("no Chinese for the refusal %r: the page shows %r", refusal, FALLBACK)
    return FALLBACK


class PageRefusal(HTTPException):
    """An answer to a page: `detail` in Chinese (the refusal's, or given), `reason` the exact
    English (the engine's refusal, or a short one of the page's own) for machines and the log."""

    def __init__(self, status: int, reason: str, hall=None, lead: str = "", detail: str | None = None,
                 headers: dict | None = None):
        super().__init__(status, detail if detail is not None else lead + chinese(reason, hall), headers)
        self.reason = reason


async def _answer(_request: Request, exc: PageRefusal) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, "reason": exc.reason}, status_code=exc.status_code,
                        headers=exc.headers)


async def _store_full(request: Request, exc: StoreFull) -> JSONResponse:
    """Nothing was applied: the same shape as a refusal, the Chinese for whoever reads it, and
    what SQLite (or the OS) said in the log and the reason."""
    log.warning("%s %s not applied: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": disk.REASON_CN, "reason": str(exc)}, status_code=503,
                        headers={"Retry-After": str(int(disk.RETRY_S))})


LOC_MAX = 40  # a field of ours is named in far fewer; an unknown key sent is cut to this


def issue(e: dict) -> dict:
    """One problem of a request of the wrong shape: where (loc), what is wrong (msg), its kind
    (type); never the value sent (pydantic's `input`, `ctx`, a tag or a value quoted in msg)."""
    msg, ctx = str(e.get("msg", "")), e.get("ctx") or {}
    if e.get("type") == "union_tag_invalid":
        msg = f"{ctx.get('discriminator', 'the tag')} must be one of {ctx.get('expected_tags', '')}"
    sent = e.get("input")
    if isinstance(sent, str | int | float) and not isinstance(sent, bool):
        for shown in (f"'{sent}'", f'"{sent}"', *([str(sent)] if len(str(sent)) >= 4 else [])):
            msg = msg.replace(shown, "…")
    loc = [x if not isinstance(x, str) or len(x) <= LOC_MAX else x[:LOC_MAX] + "…" for x in e.get("loc", ())]
    return {"loc": loc, "msg": msg, "type": str(e.get("type", ""))}


async def _wrong_shape(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": [issue(e) for e in exc.errors()]}, status_code=422)


def install(app) -> None:
    """Answer PageRefusal with both fields, a full disk with 503, a request of the wrong shape
    with its fields and never its values; the gate before the body (idempotent; every page's app
    calls it, before the app starts)."""
    from gateway.api import gate

    app.add_exception_handler(PageRefusal, _answer)
    app.add_exception_handler(StoreFull, _store_full)
    app.add_exception_handler(RequestValidationError, _wrong_shape)
    gate.install(app)
