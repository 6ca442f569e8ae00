"""Property-based tests: random command sequences against the engine's invariants.

Every call is checked against the order the hall promises, written clause by clause from
the rule (order_violations), not from the engine's heaps or its `choose`.
"""
import datetime as dt
import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.engine import Engine
from gateway.engine.commands import CALLBACK_RESULTS, FOLLOWUP_ACTIONS
from gateway.engine.followup import FINAL, STATUSES
from gateway.engine.stats import FIELDS
from tests.support.hallday import MONDAY_9, TZ, hall

HALL = hall("village", normal_per_priority=2, recall_limit=3, issue_outside_hours=True)
HALL_KEEP = hall("village", normal_per_priority=2, recall_limit=3, issue_outside_hours=True,
                 keep_open_overnight=True)
N = HALL.queue.normal_per_priority
WINDOWS = [w.number for w in HALL.windows]
SERVICES = [s.code for s in HALL.services]

# Weighted so that a day has many calls: most random clerk actions would be refused.
KINDS = (["issue_ticket"] * 6 + ["login"] * 4 + ["call_next"] * 6 + ["start"] * 4 + ["finish"] * 4
         + ["recall", "no_show", "logout", "pause", "resume", "request_evaluation", "rate", "rate",
            "call_ticket", "cancel_ticket", "void_ticket", "transfer", "transfer", "tick", "night",
            "attach_case", "rate_supplementary", "set_content"] + ["followup"] * 3 + ["serve"] * 8
         + ["evaluate"] * 2 + ["book"] * 3 + ["check_in"] * 3 + ["cancel_appointment"])
# A small pool of 补充评价 codes, so that codes collide (refused while taken) and ratings by
# code find their ticket, without feedback from the run (the replay test builds commands up front).
CODES = ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666", "FFFF7777")
MATTERS = (None, "330681-CZ-001", "330681-CZ-002", "nope")
APPOINTMENT_CODES = ("111111", "222222")


def make(kind: str, r: int) -> list[dict]:
    """Commands of a kind, their parameters picked from the digits of r."""
    w = WINDOWS[r % len(WINDOWS)]
    if kind == "serve":  # a whole service, so that days have long runs of calls
        return [{"type": t, "window": w} for t in ("call_next", "start", "finish")]
    if kind == "evaluate":  # "@last" is the prompt most recently requested, filled in when run
        return [{"type": "request_evaluation", "window": w},
                {"type": "rate", "window": w, "prompt": "@last", "level": r // 2 % 5 + 1}]
    return [_one(kind, w, r // len(WINDOWS))]


def _one(kind: str, w: int, r: int) -> dict:
    if kind == "book":  # a slot around the time it is booked ("@" offsets are filled in when run)
        return {"type": "book_appointment", "code": APPOINTMENT_CODES[r % 2], "service": SERVICES[r // 4 % 2],
                "start": f"@{(r // 8 % 7 - 3) * 600}", "end": f"@{(r // 8 % 7 - 3) * 600 + 1800}",
                "source": ["hall", "province"][r // 56 % 2]}
    if kind == "cancel_appointment":
        return {"type": kind, "appointment": f"@day:{APPOINTMENT_CODES[r % 2]}"}
    if kind == "check_in":
        return {"type": "issue_ticket", "service": SERVICES[r % 2], "lane": "appointment",
                "appointment_code": APPOINTMENT_CODES[r // 2 % 2]}
    if kind == "issue_ticket":
        lane = ["normal", "normal", "green", "appointment"][r // 2 % 4]
        cmd = {"type": kind, "service": SERVICES[r % 2], "lane": lane}
        if lane == "appointment":
            cmd["appointment_code"] = APPOINTMENT_CODES[r // 4 % 2]
        if r // 8 % 3:
            cmd["sup_code"] = CODES[r // 24 % len(CODES)]
        if r // 144 % 2:
            cmd["matter"] = MATTERS[r // 288 % 3]
        return cmd
    if kind == "attach_case":
        cmd = {"type": kind, "window": w, "project_no": f"P-{r % 50}"}
        if MATTERS[r // 50 % 4]:
            cmd["matter"] = MATTERS[r // 50 % 4]
        return cmd
    if kind == "rate_supplementary":
        return {"type": kind, "code": CODES[r % len(CODES)], "level": r // 6 % 5 + 1,
                "reasons": [["01"], [], ["k1", "zz"]][r // 30 % 3]}
    if kind == "set_content":
        return {"type": kind, "version": f"c{r % 3}", "reasons": [{"code": "01", "text": "服务态度差"},
                                                                {"code": f"k{r % 3}", "text": "其他"}]}
    if kind == "followup":
        action = FOLLOWUP_ACTIONS[r // 3 % len(FOLLOWUP_ACTIONS)]
        cmd = {"type": kind, "id": f"F{r % 3 + 1}", "action": action, "by": ["m1", "m2"][r // 21 % 2]}
        if r // 42 % 4:
            cmd["note"] = "n"
        if r // 168 % 3:
            cmd["role"] = "supervisor"
        if action == "callback":
            cmd["result"] = CALLBACK_RESULTS[r // 504 % 4]
        return cmd
    if kind == "login":
        # mostly the window's own clerk, sometimes the other one (refused while they are logged in)
        return {"type": kind, "window": w, "staff_code": ["2001", "2002"][(w - 1 + (r % 5 == 0)) % 2]}
    if kind == "call_ticket":
        return {"type": kind, "window": w, "number": f"{'AZ'[r % 2]}{r // 2 % 6 + 1:03d}"}
    if kind == "cancel_ticket":
        return {"type": kind, "ticket": f"{'AZ'[r % 2]}{r // 2 % 6 + 1:03d}"}
    if kind == "void_ticket":
        return {"type": kind, "ticket": f"{'AZ'[r % 2]}{r // 2 % 6 + 1:03d}", "reason": "打印机缺纸"}
    if kind == "transfer":
        key, val = [("to_service", SERVICES[r // 3 % 2]), ("to_window", WINDOWS[r // 3 % 2]),
                    ("to_staff", ["v01", "v02"][r // 3 % 2])][r % 3]
        return {"type": kind, "window": w, key: val}
    if kind == "pause":
        return {"type": kind, "window": w, "reason": ["入户走访", "x"][r % 2]}
    if kind == "rate":
        return {"type": kind, "window": w, "prompt": f"E{r % 4 + 1}", "level": r // 4 % 5 + 1}
    if kind == "tick":
        return {"type": kind}
    if kind == "night":  # the service day ends: time jumps to the next morning
        return {"type": "tick", "night": True}
    return {"type": kind, "window": w}


command = st.builds(make, st.sampled_from(KINDS), st.integers(0, 10**6))
steps = st.lists(st.tuples(command, st.integers(0, 200)), min_size=30, max_size=150)


def resolve(cmd: dict, now: float, eng) -> dict:
    """Fill in what a command built up front says relative to the time it runs at."""
    cmd = dict(cmd, at=now)
    for k in ("start", "end"):
        if isinstance(cmd.get(k), str) and cmd[k].startswith("@"):
            cmd[k] = now + int(cmd[k][1:])
    if str(cmd.get("appointment", "")).startswith("@day:"):
        cmd["appointment"] = f"{eng.cal.service_day(now).isoformat()}:{cmd['appointment'][5:]}"
    return cmd


def key(t):
    return t["issued_at"], t["order"]


def order_violations(waiting, services, window, staff, run, called, n=None):
    """The call order as the hall promises it, written from the rule (not from the engine's
    pick): what is wrong with a window calling `called` next, given the waiting tickets."""
    t = next(x for x in waiting if x["id"] == called)
    for to, k in (("window", window), ("staff", staff)):
        directed = [x for x in waiting if x["queue"] == {"to": to, "key": k}]
        if directed:  # tickets sent to the window, then to its clerk, come first, FIFO
            return [] if t is min(directed, key=key) else [f"{called}: not the oldest ticket sent to {to} {k}"]
    if t["queue"]["to"] != "service" or t["service"] not in services:
        return [f"{called}: not a ticket of this window's services"]
    line = [x for x in waiting if x["queue"]["to"] == "service" and x["service"] in services]
    prio = [x for x in line if x["lane"] != "normal"]
    normal = [x for x in line if x["lane"] == "normal"]
    rank = services.index
    kind = prio if t["lane"] != "normal" else normal
    wrong = []
    if any(key(x) < key(t) for x in kind if x["service"] == t["service"]):
        wrong.append(f"{called}: an older ticket of its own service and lane waits (FIFO)")
    if any(rank(x["service"]) < rank(t["service"]) for x in kind):
        wrong.append(f"{called}: a ticket of the same kind waits in a service this window prefers")
    n = N if n is None else n
    due_by_ratio = any(run[x["service"]] >= n for x in prio)
    if t["lane"] == "normal":
        if any(key(p) < key(t) for p in prio):
            wrong.append(f"{called}: a priority ticket issued earlier is still waiting (绿色通道 never waits more)")
        if any(rank(p["service"]) < rank(t["service"]) for p in prio):
            wrong.append(f"{called}: a priority ticket of a service this window prefers is still waiting")
        if due_by_ratio:
            wrong.append(f"{called}: a priority ticket is due after {n} normal calls of its service")
    elif normal:
        preferred = min(normal, key=lambda x: (rank(x["service"]), key(x)))
        first_as_normal = any(rank(p["service"]) < rank(preferred["service"]) for p in prio)
        if not (due_by_ratio or first_as_normal or any(key(p) < key(preferred) for p in prio)):
            wrong.append(f"{called}: a priority ticket called before it is due (the ratio only moves it earlier)")
    return wrong


def waiting_copy(eng):
    return [dict(t, queue=dict(t["queue"])) for t in eng.tickets.values() if t["state"] == "waiting"]


def check_invariants(eng, issued_today, carried=frozenset()):
    """carried: open tickets kept from an earlier service day (keep_open_overnight)."""
    tickets = eng.tickets
    at_windows = [w["ticket"] for w in eng.windows.values() if w["ticket"]]
    assert len(at_windows) == len(set(at_windows)), "a ticket at two windows"
    for tid, t in tickets.items():
        holders = [n for n, w in eng.windows.items() if w["ticket"] == tid]
        if t["state"] in ("called", "serving"):
            assert holders == [t["window"]], f"{tid} {t['state']} but held by {holders}"
        else:
            assert holders == []
    for w in eng.windows.values():
        assert (w["status"] in ("calling", "serving")) == (w["ticket"] is not None)
        assert (w["status"] == "closed") == (w["staff"] is None)
    # nothing lost or duplicated: every ticket issued today is here exactly once
    assert set(issued_today) == set(tickets) and len(issued_today) == len(set(issued_today))
    for code in SERVICES:
        n = sum(1 for t in tickets.values() if t["state"] == "waiting" and t["service"] == code)
        assert eng.line.waiting[code] == n
    s = eng.stats
    for f in FIELDS:
        kinds = ("window", "staff") if f == "idle_s" else ("service", "window", "staff")  # idle has no service
        per = [sum(a[f] for a in s[kind].values()) for kind in kinds]
        assert max(per) - min(per) < 1e-6, f
    v = s["volume"]
    assert v["issued"] == len(tickets) - len(carried)
    for outcome in ("served", "no_show", "cancelled", "voided"):
        assert v[outcome] == sum(1 for t in tickets.values() if t["outcome"] == outcome)
    assert v["served"] == sum(a["served"] for a in s["window"].values())
    assert v["served"] + v["no_show"] + v["cancelled"] + v["voided"] + sum(
        1 for t in tickets.values() if t["state"] != "done") == len(tickets)
    ev = s["evaluation"]
    assert ev["rated"] == sum(ev["levels"].values()) == ev["satisfied"] + ev["bad"]
    assert ev["rated"] + ev["timed_out"] + len(eng.prompts) == ev["requested"]
    # a 补充评价 code names one ticket; a code on a ticket still here is taken
    assert eng.live_sup_codes == {t["sup_code"] for t in tickets.values() if t["sup_code"]}
    for t in tickets.values():
        e = eng.supplementary.get(t["sup_code"] or "")
        assert e is None or e["ticket"] == t["id"]
    # 预约: each of today's appointment tickets is one checked-in appointment, and the other way round
    appt_tickets = {t["id"] for t in tickets.values() if t["lane"] == "appointment" and t["day"] == eng.day}
    checked = [a["ticket"] for a in eng.appointments.values() if a["state"] == "checked_in" and a["day"] == eng.day]
    assert appt_tickets == set(checked) and len(checked) == len(set(checked))
    for f in eng.followups:
        assert f["status"] in STATUSES
        if f["status"] in FINAL:
            assert not [k for k in eng.alerts if k.startswith(f"followup_overdue:{f['id']}:")]


def next_morning(t: float) -> float:
    day = dt.datetime.fromtimestamp(t, TZ).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9, 0), TZ).timestamp()


def run_days(hall, seq):
    eng = Engine(hall)
    now = MONDAY_9
    issued, run, carried = [], dict.fromkeys(SERVICES, 0), set()
    rated_prompts, rated_tickets = [], []
    last_prompt = "E1"
    for cmd, dt_ in ((c, d if i == 0 else 1) for cs, d in seq for i, c in enumerate(cs)):
        now = next_morning(now) if cmd.pop("night", False) else now + dt_
        cmd = resolve(cmd, now, eng)
        if cmd.get("prompt") == "@last":
            cmd["prompt"] = last_prompt
        before = json.dumps(eng.snapshot(), sort_keys=True)
        waiting = waiting_copy(eng) if cmd["type"] == "call_next" else None
        out = eng.handle(cmd)
        if not out.ok:
            assert out.refusal and isinstance(out.refusal, str)
            if not out.events:
                assert json.dumps(eng.snapshot(), sort_keys=True) == before, "a refusal changed state"
        for e in out.events:
            if e["type"] == "ticket_reset":
                assert e["ticket"] in issued and not hall.queue.keep_open_overnight
            if e["type"] == "day_started":
                # a new day: finished tickets leave, open ones are reset (or kept overnight)
                reset = {x["ticket"] for x in out.events if x["type"] == "ticket_reset"}
                kept = [t for t in issued if t in eng.tickets]
                assert len(reset) == e["removed"] and len(kept) == e["kept"]
                assert all(eng.tickets[t]["state"] != "done" for t in kept)
                issued, carried = kept, set(kept)
            if e["type"] == "ticket_issued":
                issued.append(e["id"])
            if e["type"] == "evaluation_requested":
                last_prompt = e["prompt"]
            if e["type"] == "rating_recorded":
                rated_prompts.append(e["prompt"])
                rated_tickets.append(e["ticket"])
        if cmd["type"] == "call_next" and out.ok:
            w = eng.windows[cmd["window"]]
            got = out.result["id"]
            assert not order_violations(waiting, hall.window(cmd["window"]).services, w["number"], w["staff"],
                                        run, got, hall.queue.normal_per_priority)
            t = next(x for x in waiting if x["id"] == got)
            if t["queue"]["to"] == "service":
                run[t["service"]] = 0 if t["lane"] != "normal" else run[t["service"]] + 1
        elif cmd["type"] == "call_next" and eng.windows[cmd["window"]]["staff"] and \
                eng.windows[cmd["window"]]["status"] == "idle" and not out.ok:
            w = eng.windows[cmd["window"]]
            assert not [x for x in waiting if x["queue"] in ({"to": "window", "key": w["number"]},
                                                             {"to": "staff", "key": w["staff"]})
                        or (x["queue"]["to"] == "service" and x["service"] in hall.window(w["number"]).services)], \
                "a window was refused a call while a ticket waited for it"
        check_invariants(eng, issued, carried)
        open_numbers = [t["number"] for t in eng.tickets.values() if t["state"] != "done"]
        assert len(open_numbers) == len(set(open_numbers)), "two open tickets with one number"
    assert len(rated_prompts) == len(set(rated_prompts)), "a prompt rated twice"
    assert len(rated_tickets) == len(set(rated_tickets)), "a service rated twice (一次一评)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_days_keep_the_invariants(seq):
    run_days(HALL, seq)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_days_keeping_tickets_overnight_keep_the_invariants(seq):
    run_days(HALL_KEEP, seq)


WINDOW_SERVICES = [("ZH",), ("ZX",), ("ZH", "ZX"), ("ZX", "ZH")]


def reshaped(n: int, services: tuple) -> object:
    """The village with another ratio and other services (and orders of preference) per window."""
    windows = tuple(replace(w, services=sv) for w, sv in zip(HALL.windows, services, strict=True))
    return replace(HALL, queue=replace(HALL.queue, normal_per_priority=n), windows=windows, _index={})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.integers(1, 4), st.tuples(*[st.sampled_from(WINDOW_SERVICES)] * len(WINDOWS)))
def test_random_halls_call_in_the_promised_order(seq, n, services):
    """Over random halls (ratio, services and their order per window) and days, every call is
    one the rule allows: a priority ticket never after a later normal one, and the rest."""
    run_days(reshaped(n, services), seq)


@settings(max_examples=60, deadline=None)
@given(steps, st.integers(0, 119))
def test_snapshot_then_replay_equals_straight_run(seq, cut):
    a, now, cmds = Engine(HALL), MONDAY_9, []
    for cs, dt_ in seq:
        for i, cmd in enumerate(cs):
            now += dt_ if i == 0 else 1
            cmd = resolve(cmd, now, a)
            cmds.append(dict(cmd, prompt=f"E{now % 3 + 1:.0f}") if cmd.get("prompt") else cmd)
    cut = min(cut, len(cmds))
    b = Engine(HALL)
    for c in cmds[:cut]:
        b.handle(dict(c))
    b = Engine.restore(HALL, json.loads(json.dumps(b.snapshot())))
    for c in cmds[:cut]:
        a.handle(dict(c))
    for c in cmds[cut:]:
        assert a.handle(dict(c)).to_dict() == b.handle(dict(c)).to_dict()
    assert json.dumps(a.snapshot(), sort_keys=True) == json.dumps(b.snapshot(), sort_keys=True)


# Any JSON a device, the API or a damaged log could hand over: the engine answers
# with an outcome, never an exception, and a refusal leaves the state as it was.
json_value = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70)
                          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=6)
field_names = st.sampled_from(["window", "service", "lane", "staff_code", "number", "ticket", "case_type",
                               "to_service", "to_window", "to_staff", "reason", "until", "prompt", "level",
                               "reasons", "rated_at", "at", "matter", "sup_code", "project_no", "code", "version",
                               "source", "id", "action", "by", "note", "result", "role"])
# mostly well-formed values, so that a command gets past its first check
good_values = st.sampled_from([WINDOWS[0], "E1", "E2", 3, None, MONDAY_9, "ZH", "2001", "F1", "start", "AAAA2222",
                               "supervisor", [{"code": "01", "text": "t"}]])
garbage = st.builds(lambda kind, at, fields: {"type": kind, "at": at, **fields},
                    st.sampled_from(["rate"] * 8 + KINDS[:-10] + ["tick", "nope"]),
                    st.one_of(st.floats(MONDAY_9, MONDAY_9 + 8 * 3600),
                              st.sampled_from([-1, 0, 1e12, 1e18, 2**70, float("inf")]), json_value),
                    st.dictionaries(field_names, good_values | json_value, max_size=5))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(garbage, max_size=12))
def test_garbage_commands_never_raise_and_refusals_change_nothing(cmds):
    eng = Engine(HALL)
    # a 差评 with follow-up F1 on a ticket with code AAAA2222, a served ticket and a live
    # prompt E2 at window 1, so that garbage reaches deep handlers
    w = WINDOWS[0]
    serve = [{"type": "call_next", "window": w}, {"type": "start", "window": w}, {"type": "finish", "window": w},
             {"type": "request_evaluation", "window": w}]
    for i, c in enumerate([{"type": "issue_ticket", "service": SERVICES[0], "sup_code": "AAAA2222"},
                           {"type": "login", "window": w, "staff_code": "2001"}, *serve,
                           {"type": "rate", "window": w, "prompt": "E1", "level": 1},
                           {"type": "issue_ticket", "service": SERVICES[0]}, *serve]):
        assert eng.handle({**c, "at": MONDAY_9 + i}).ok
    for cmd in cmds:
        before = json.dumps(eng.snapshot(), sort_keys=True, default=str)
        out = eng.handle(cmd)
        if not out.ok:
            assert out.refusal
            if not out.events:  # time passing (a new day) may ride on a refusal, nothing else
                assert json.dumps(eng.snapshot(), sort_keys=True, default=str) == before
