"""Desired state of each device from the window view. Pure: view + hall +
brightness in, protocol dicts (without rev) out; the publisher adds rev and
sends only what changed."""
from __future__ import annotations

import base64
import functools

from gateway.config import Hall
from gateway.devices.view import Content, HallView, WindowView, content_of
from gateway.display.render import glyph, render
from protocols import desired as wire
from protocols.desired import GLYPHS_MAX, PAUSE_REASONS_MAX

TEXT_MAX = 64  # protocols.desired DISPLAY "text"
MSG_MAX = 48
NAME_MAX = 16
_EVALUATOR = {f[0]: f for f in wire.EVALUATOR}   # (name, kind, required, lo, hi, cap)
RV_MAX = _EVALUATOR["rv"][4]
CODE_MAX, REASONS_MAX = _EVALUATOR["reasons"][4], _EVALUATOR["reasons"][5]
RTEXT_MAX = _EVALUATOR["rtexts"][4]


def display_lines(w, wv: WindowView) -> list[str]:
    """What the window's LED sign says: its name plus the number called, or
    the clerk's 去向留言 while paused."""
    if wv.status == "paused":
        note = "暂停" + (" " + wv.paused_reason if wv.paused_reason else "") + (f" {wv.until}回" if wv.until else "")
        return [w.display_text, note]
    if wv.status in ("calling", "serving") and wv.number:
        return [w.display_text, wv.number]
    if wv.status == "closed":
        return [w.display_text, "暂停服务"]
    return [w.display_text]


def display_text(w, wv: WindowView) -> str:
    lines = display_lines(w, wv)
    if wv.status == "paused":
        return lines[1][:TEXT_MAX]  # the note alone fits a 64 px sign best: "暂停 会议 14:30回"
    return " ".join(lines)[:TEXT_MAX]


@functools.lru_cache(maxsize=1024)
def _frame(lines: tuple[str, ...], pw: int, ph: int):
    return render(list(lines), pw, ph)


def display(hall: Hall, wv: WindowView, bright: int) -> dict:
    w = hall.window(wv.window)
    pw, ph = w.panel.width, w.panel.height
    text = display_text(w, wv)
    # A panel two lines tall shows name and number on their own lines.
    lines = tuple(display_lines(w, wv)) if ph >= 32 else (text,)
    f = _frame(lines, pw, ph)
    d = {"role": "display", "window": wv.window, "status": wv.status, "text": text,
         "pw": pw, "ph": ph, "fw": f.width, "frame": f.b64(), "scroll": f.scroll, "bright": bright}
    if wv.number:
        d["ticket"] = wv.number
    return d


@functools.lru_cache(maxsize=1024)
def _glyphs(text: str) -> tuple[str, str]:
    chars: list[str] = []
    for c in text:
        if ord(c) > 127 and c not in chars and glyph(c) is not None:
            chars.append(c)
            if len(chars) == GLYPHS_MAX:
                break
    return "".join(chars), base64.b64encode(b"".join(glyph(c) for c in chars)).decode()


def glyphs(*texts: str) -> dict:
    """gl/gb for a screen that shows these texts: the distinct non-ASCII
    characters in order of first use, at most GLYPHS_MAX (the later ones, if
    any, are drawn as '?'), and their Unifont bitmaps. The firmware's own
    words are in its flash (gateway/provision/screen_font.py)."""
    gl, gb = _glyphs("".join(texts))
    return {"gl": gl, "gb": gb}


def _name(hall: Hall, staff_id: str) -> str:
    if not staff_id:
        return ""
    try:
        return hall.staff_member(staff_id).name[:NAME_MAX]
    except KeyError:
        return staff_id[:NAME_MAX]


def waiting_for(hall: Hall, view: HallView, window: int) -> int:
    return min(9999, sum(view.waiting.get(s, 0) for s in hall.window(window).services))


def callpad(hall: Hall, view: HallView, wv: WindowView) -> dict:
    w = hall.window(wv.window)
    post = "A" if wv.staff and wv.staff == w.post_a else "B" if wv.staff and wv.staff == w.post_b else ""
    tstate = {"calling": "called", "serving": "serving"}.get(wv.status, "") if wv.number else ""
    staff, msg = _name(hall, wv.staff), wv.msg[:MSG_MAX]
    reasons = [r[:16] for r in hall.queue.pause_reasons[:PAUSE_REASONS_MAX]]
    why = wv.paused_reason[:16] if wv.status == "paused" else ""
    # in the order they matter: should they need more glyphs than fit, the
    # message's last characters are the ones drawn as '?' (the hall file check
    # holds the name and the reasons within GLYPHS_MAX: the pause menu never)
    d = {"role": "callpad", "window": wv.window, "logged_in": wv.status != "closed",
         "staff": staff, "post": post, "ticket": wv.number if tstate else "",
         "tstate": tstate, "recalls": min(99, wv.recalls), "waiting": waiting_for(hall, view, wv.window),
         "paused": wv.status == "paused", "msg": msg, "reasons": reasons,
         **glyphs(staff, *reasons, why, msg)}
    if why:
        d["pause_reason"] = why
    return d


def _content(hall: Hall, content: Content | None) -> Content:
    if content is not None:
        return content
    ev = hall.evaluation
    return Content(ev.reasons_version, tuple((r.code, r.text) for r in ev.reasons))


def evaluator(hall: Hall, wv: WindowView, content: Content | None = None) -> dict:
    """content: the engine's (the province's version), None for the hall file's.
    Codes, texts and version go out whole, never cut: one that does not fit
    makes the state invalid, so it is not sent and the evaluators keep the
    list they had (evaluator_state_fits says so before it is taken)."""
    ev, c = hall.evaluation, _content(hall, content)
    d = {"role": "evaluator", "window": wv.window, "mode": wv.eval_mode,
         "reasons": [code for code, _ in c.reasons], "rtexts": [text for _, text in c.reasons],
         "rv": c.version, "acked": list(wv.acked)}
    if wv.eval_mode == "prompt":
        d["prompt"] = wv.prompt
        d["timeout"] = min(600, wv.prompt_timeout or ev.prompt_timeout_seconds)
    staff = _name(hall, wv.prompt_staff if wv.eval_mode != "idle" else wv.staff)
    if staff:
        d["staff"] = staff
    d.update(glyphs(staff, *d["rtexts"]))
    return d


def largest_evaluator_state(hall: Hall, content: Content | None = None) -> int:
    """Bytes of the largest desired state this hall can send an evaluator:
    its reasons (content's, else the hall file's), its longest-named clerk, a
    prompt and 16 acked prompts with ids as long as a year of prompts makes
    them. The one role whose state size the hall file and the province's
    content decide (the others have a fixed bound). ValueError when such a
    state breaks the contract."""
    pid = "E" + "9" * 9
    worst = 0
    for member in hall.staff or (None,):
        wv = WindowView(window=999, status="serving", staff=member.id if member else "", eval_mode="prompt",
                        prompt=pid, prompt_staff=member.id if member else "", prompt_timeout=600,
                        acked=(pid,) * 16)
        worst = max(worst, len(wire.encode({**evaluator(hall, wv, content), "rev": wire.REV_MAX}).encode()))
    return worst


def evaluator_state_fits(hall: Hall, content) -> str | None:
    """Why the evaluators could not take this content ({"version": str,
    "reasons": [{"code", "text"}, ...]}, as the engine keeps it), or None when
    they can: each field within the wire contract (protocols/desired.py
    EVALUATOR), every Chinese character of the texts and the longest clerk's
    name among the glyphs a state carries, and the largest state within the
    evaluator's receive buffer (RX_BYTES). Call it before a downloaded version
    is submitted: a content that does not fit is never sent to the devices."""
    c = content_of(content)
    if c is None:
        return 'content must be {"version": text, "reasons": [{"code": text, "text": text}, ...]}'
    codes = [code for code, _ in c.reasons]
    if not all(isinstance(x, str) for r in c.reasons for x in r):
        return "reason codes and texts must be texts"
    if not 0 < len(c.version) <= RV_MAX:
        return f"version {c.version!r} is {len(c.version)} characters; an evaluator's rv holds 1 to {RV_MAX}"
    if len(c.reasons) > REASONS_MAX:
        return f"{len(c.reasons)} reasons; an evaluator shows at most {REASONS_MAX}"
    for code, text in c.reasons:
        if not 0 < len(code) <= CODE_MAX:
            return f"reason code {code!r} is {len(code)} characters; an evaluator takes 1 to {CODE_MAX}"
        if not 0 < len(text) <= RTEXT_MAX:
            return f"reason text {text!r} is {len(text)} characters; an evaluator shows 1 to {RTEXT_MAX}"
    if len(set(codes)) != len(codes):
        return "a reason code appears twice"
    if not any(d.role == "evaluator" for d in hall.devices):
        return None
    texts = "".join(text for _, text in c.reasons)
    for member in hall.staff or (None,):
        name = _name(hall, member.id) if member else ""
        need = len(dict.fromkeys(ch for ch in name + texts if ord(ch) > 127 and glyph(ch) is not None))
        if need > GLYPHS_MAX:
            return (f"the reason texts{' and the name ' + name if name else ''} need {need} Chinese glyphs; "
                    f"an evaluator's state carries {GLYPHS_MAX} (the rest would show as '?')")
    try:
        n = largest_evaluator_state(hall, c)
    except ValueError as e:
        return f"an evaluator's state would break the contract: {e}"
    cap = wire.RX_BYTES["evaluator"]
    if n > cap:
        return (f"with these reasons (and the longest clerk's name) an evaluator's state is up to {n} bytes, "
                f"more than the {cap} it takes: fewer or shorter reason texts")
    return None


def for_window(hall: Hall, view: HallView, window: int, bright: int) -> dict[str, dict]:
    """Desired state of every device configured at one window, by device id."""
    wv = view.windows[window]
    out = {}
    for dev in hall.devices_of(window):
        if dev.role == "display":
            out[dev.id] = display(hall, wv, bright)
        elif dev.role == "callpad":
            out[dev.id] = callpad(hall, view, wv)
        elif dev.role == "evaluator":
            out[dev.id] = evaluator(hall, wv, view.content)
    return out
