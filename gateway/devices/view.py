"""What each window looks like now, folded from engine events. Pure: every
function returns a new view and the windows it touched; nothing here reads a
clock or does I/O, so the same events always give the same view."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

THANKS_SECONDS = 4  # how long the evaluator says 谢谢 before going back to idle
ACKED_MAX = 16  # protocols.desired EVALUATOR "acked" cap


@dataclass(frozen=True)
class WindowView:
    window: int
    status: str = "closed"
    ticket: str = ""  # ticket id
    number: str = ""  # ticket number shown and called, e.g. A012
    staff: str = ""  # staff id logged in
    paused_reason: str = ""
    until: str = ""
    recalls: int = 0
    msg: str = ""  # call pad message line (refusals)
    eval_mode: str = "idle"
    prompt: str = ""
    prompt_staff: str = ""
    prompt_timeout: int = 0
    thanks_until: float = 0.0
    acked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    """The 差评 reasons the evaluators offer and the version of that list: the
    province's, once the gateway has downloaded it (the engine's `content`)."""
    version: str
    reasons: tuple[tuple[str, str], ...]  # (code, text)


@dataclass(frozen=True)
class HallView:
    windows: dict[int, WindowView]
    waiting: dict[str, int] = field(default_factory=dict)  # service code -> tickets waiting
    content: Content | None = None  # None: the hall file's evaluation.reasons


def content_of(c) -> Content | None:
    """The engine's content {"version", "reasons": [{"code", "text"}, ...]} as the
    view keeps it; None for anything else (then the hall file's reasons stand)."""
    if not isinstance(c, dict) or not isinstance(c.get("version"), str) or not isinstance(c.get("reasons"), list):
        return None
    try:
        return Content(c["version"], tuple((r["code"], r["text"]) for r in c["reasons"]))
    except (KeyError, TypeError):
        return None


def with_content(view: HallView, content: Content | None) -> tuple[HallView, set[int]]:
    """New evaluator content: every window is touched (the publisher sends only
    the states that changed, so only the evaluators' go out)."""
    if content is None or content == view.content:
        return view, set()
    return replace(view, content=content), set(view.windows)


def empty(window_numbers) -> HallView:
    return HallView({n: WindowView(n) for n in window_numbers})


def _put(view: HallView, wv: WindowView) -> HallView:
    return replace(view, windows={**view.windows, wv.window: wv})


def apply(view: HallView, ev: dict, services_of) -> tuple[HallView, set[int]]:
    """Fold one engine event. services_of(window) -> the window's service codes."""
    t = ev.get("type")
    if t == "queue_changed":
        waiting = {**view.waiting, **ev.get("waiting", {})}
        changed = {k for k in waiting if waiting.get(k) != view.waiting.get(k)}
        touched = {n for n in view.windows if changed & set(services_of(n))}
        return replace(view, waiting=waiting), touched
    n = ev.get("window")
    wv = view.windows.get(n)
    if wv is None:
        return view, set()
    if t == "window_changed":
        wv = replace(wv, status=ev["status"], ticket=ev.get("ticket") or "", number=ev.get("number") or "",
                     staff=ev.get("staff") or "", paused_reason=ev.get("paused_reason") or "",
                     until=ev.get("until") or "", msg="")
        if wv.status != "calling" and wv.status != "serving":
            wv = replace(wv, recalls=0)
    elif t == "ticket_called":
        wv = replace(wv, recalls=int(ev.get("recall") or 0), msg="")
    elif t == "evaluation_requested":
        wv = replace(wv, eval_mode="prompt", prompt=ev["prompt"], prompt_staff=ev.get("staff") or "",
                     prompt_timeout=int(ev.get("timeout") or 0))
    elif t == "rating_recorded":
        wv = ack(wv, ev["prompt"])
        if wv.prompt == ev["prompt"]:
            wv = replace(wv, eval_mode="thanks", prompt="", thanks_until=float(ev["at"]) + THANKS_SECONDS)
    elif t in ("evaluation_timed_out", "evaluation_cancelled"):
        if wv.prompt == ev["prompt"]:
            wv = replace(wv, eval_mode="idle", prompt="", prompt_staff="")  # not rated: no default level
    elif t in ("ticket_started", "ticket_finished", "ticket_no_show", "ticket_transferred", "ticket_cancelled"):
        wv = replace(wv, msg="")
    else:
        return view, set()
    return _put(view, wv), {n}


def ack(wv: WindowView, prompt: str) -> WindowView:
    # The evaluator drops acked prompts from flash; keep the most recent ones.
    if prompt in wv.acked:
        return wv
    return replace(wv, acked=(wv.acked + (prompt,))[-ACKED_MAX:])


def acked(view: HallView, window: int, prompt: str) -> tuple[HallView, set[int]]:
    wv = view.windows[window]
    new = ack(wv, prompt)
    return (view, set()) if new is wv else (_put(view, new), {window})


def message(view: HallView, window: int, text: str) -> tuple[HallView, set[int]]:
    wv = view.windows[window]
    return _put(view, replace(wv, msg=text)), {window}


def expire(view: HallView, now: float) -> tuple[HallView, set[int]]:
    """Evaluators whose 谢谢 has been shown long enough go back to idle."""
    touched = {n for n, wv in view.windows.items() if wv.eval_mode == "thanks" and now >= wv.thanks_until}
    if not touched:
        return view, set()
    windows = dict(view.windows)
    for n in touched:
        windows[n] = replace(windows[n], eval_mode="idle", prompt_staff="")
    return replace(view, windows=windows), touched
