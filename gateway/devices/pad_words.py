"""The engine's refusals as a call pad's message line says them: a few words each, for a
128x64 screen whose hall words come as glyphs within the state's budget (GLYPHS_MAX). The
pages say the same refusals at length, with names (gateway/api/refusals.py); the pad has
room for the gist only. The engine's English goes to the log, never to the screen."""
from __future__ import annotations

import re

FALLBACK = "操作被拒绝"
STORE_FULL = "存储已满未执行，请联系管理员"  # the gateway's disk is full: the press was not applied
# (pattern over the engine's English refusal, what the pad says), the first that matches
PAD_REFUSALS_CN = (
    (r"still printing at the kiosk", "号票正在出票，请稍候再叫"), (r"^nobody is logged in", "未登录，请先登录"), (r"has no ticket to attach a case to", "本窗口没有可关联的号"),
    (r"^login locked", "本窗口登录已锁定"), (r"^unknown staff code", "登录码错误"),
    (r"^no ticket is waiting", "没有等候本窗口的号"), (r"^no ticket \S+ today", "今天没有这个号"),
    (r"is not waiting \(", "这个号不在等候中"), (r"is not for window", "这个号不属于本窗口"),
    (r"already logged in at window", "该人员已在其他窗口登录"),
    (r"already has \S+ logged in", "本窗口已有人员登录，请先退出"),
    (r"holds ticket .*first$", "还有号未处理：请先办结、过号或转移"),
    (r"^cannot transfer to", "不能转移到该目标"), (r"^unknown service", "没有这项业务"),
    (r"^pause reason must be", "暂停原因不在本厅列表中"), (r"is not paused$", "本窗口没有暂停"),
    (r"already waiting for rating", "正在等待评价"), (r"no finished service to rate", "没有可评价的办件"),
    (r"is not waiting for a rating", "没有等待中的评价"), (r"is rated already", "已评价，不能再关联"),
    (r"holds no ticket and has no finished", "本窗口没有可关联的号"),
    (r"is not a matter \(事项\) of service", "该事项不属于这项业务"),
    (r"^cannot [a-z -]+: window \d+ is", "当前状态不能执行此操作"))


def pad_refusal(text: str | None) -> str:
    for pattern, cn in PAD_REFUSALS_CN:
        if re.search(pattern, text or ""):
            return cn
    return FALLBACK
