"""Turn a parsed hall TOML document into a Hall, or a list of precise errors."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

from gateway.config import model as m
from gateway.config.appointments import read_appointments
from gateway.config.device_limits import read_device_limits
from gateway.config.kiosk import read_kiosk
from gateway.config.logins import read_logins
from gateway.config.mirror import read_mirror, read_parent
from gateway.config.reader import Reader, join
from gateway.config.storage import read_storage
from protocols.desired import GLYPHS_MAX

ID = r"[a-z0-9][a-z0-9_-]{0,31}"  # also safe as an MQTT topic level
SERVICE_CODE = r"[A-Z][A-Z0-9]{0,7}"
PREFIX = r"[A-Z]{1,2}"
TOP = ("hall", "queue", "thresholds", "services", "windows", "devices", "staff",
       "hours", "evaluation", "upstream", "audio", "broker", "kiosk", "screen", "parent", "mirror",
       "logins", "appointments", "device_limits", "storage")


def build(doc: dict, source: str) -> tuple[m.Hall | None, list[tuple[str, str]]]:
    r = Reader()
    source_dir = Path(source).resolve().parent if not source.startswith("<") else Path.cwd()
    r.unknown(doc, "", TOP)
    hall_t = r.table(doc, "hall", "", required=True)
    r.unknown(hall_t, "hall", ("id", "name", "tier", "region_code", "timezone"))
    hall_id = r.string(hall_t, "id", "hall", pattern=ID, what="a hall id (a-z, 0-9, '-', '_', up to 32)")
    name = r.string(hall_t, "name", "hall")
    tier = r.string(hall_t, "tier", "hall", choices=m.TIERS)
    # 行政区划代码: 6 digits for a county, 9 or 12 for township and village.
    region = r.string(hall_t, "region_code", "hall", pattern=r"\d{6}|\d{9}|\d{12}",
                      what="a region code of 6, 9 or 12 digits")
    tz = r.string(hall_t, "timezone", "hall", default="Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(tz)
    except Exception:
        r.error("hall.timezone", f"unknown time zone {tz!r}")

    services = _services(r, doc)
    staff = _staff(r, doc)
    windows = _windows(r, doc, {s.code for s in services}, {s.id for s in staff})
    devices = _devices(r, doc, {w.number for w in windows})
    served = {c for w in windows for c in w.services}
    for i, svc in enumerate(services):
        if svc.code and svc.code not in served:
            r.error(f"services[{i}]", f"no window serves {svc.code!r}: its tickets could never be called")
    hours = _hours(r, doc)
    queue = _queue(r, doc)
    _pause_glyphs(r, queue.pause_reasons, staff)
    thresholds = _thresholds(r, doc)
    evaluation = _evaluation(r, doc)
    upstream = _upstream(r, doc, source_dir, services, evaluation.reasons, region)
    audio = _audio(r, doc)
    broker = _broker(r, doc)
    kiosk = read_kiosk(r, doc)
    screen = _screen(r, doc)
    parent = read_parent(r, doc, source_dir, hall_id, tier)
    mirror = read_mirror(r, doc, source_dir, hall_id, tier)
    logins = read_logins(r, doc)
    appointments = read_appointments(r, doc)
    device_limits = read_device_limits(r, doc)
    storage = read_storage(r, doc)
    if mirror.province and not upstream.enabled:
        r.error("mirror.province", "the county reports its sites' ratings with its own [upstream] (enabled = true, "
                                   "url, app_key, secret_file)")
    if parent and parent.ratings_via_parent and upstream.enabled:
        r.error("upstream.enabled", "parent.ratings_via_parent is true: the county reports this hall's ratings; "
                                    "never both (switch one off)")
    if r.errors:
        return None, r.errors
    return m.Hall(source=source, id=hall_id, name=name, tier=tier, region_code=region, timezone=tz,
                  services=services, windows=windows, devices=devices, staff=staff, hours=hours,
                  queue=queue, thresholds=thresholds, evaluation=evaluation, upstream=upstream,
                  audio=audio, broker=broker, kiosk=kiosk, screen=screen, parent=parent, mirror=mirror, logins=logins,
                  appointments=appointments, device_limits=device_limits, storage=storage), []


PAUSE_REASONS_MAX = 9
PAUSE_REASON_LEN = 8


def _unique(r: Reader, seen: dict, value, path: str, what: str) -> None:
    if value is None:
        return
    if value in seen:
        r.error(path, f"duplicate {what} {value!r} (first at {seen[value]})")
    else:
        seen[value] = path


def _services(r: Reader, doc: dict) -> tuple[m.Service, ...]:
    out, codes, prefixes = [], {}, {}
    for p, t in r.tables(doc, "services", "", required=True):
        r.unknown(t, p, ("code", "name", "prefix", "department", "dept_code", "matters"))
        code = r.string(t, "code", p, pattern=SERVICE_CODE, what="a service code (A-Z then A-Z/0-9, up to 8)")
        prefix = r.string(t, "prefix", p, pattern=PREFIX, what="a ticket prefix of 1 or 2 capital letters")
        _unique(r, codes, code, f"{p}.code", "service code")
        _unique(r, prefixes, prefix, f"{p}.prefix", "ticket prefix")
        matters = []
        for mp, mt in r.tables(t, "matters", p):
            r.unknown(mt, mp, ("code", "name"))
            matters.append(m.Matter(r.string(mt, "code", mp, pattern=r"[0-9A-Za-z-]{1,40}",
                                             what="a matter code (事项编码)"),
                                    r.string(mt, "name", mp)))
        out.append(m.Service(code=code, name=r.string(t, "name", p), prefix=prefix,
                             department=r.string(t, "department", p), matters=tuple(matters),
                             dept_code=r.string(t, "dept_code", p, default="", pattern=r"[0-9A-Za-z-]{0,40}",
                                                what="a department code")))
    return tuple(out)


def _staff(r: Reader, doc: dict) -> tuple[m.Staff, ...]:
    out, ids, codes = [], {}, {}
    for p, t in r.tables(doc, "staff", ""):
        r.unknown(t, p, ("id", "name", "login_code", "supervisor"))
        sid = r.string(t, "id", p, pattern=ID, what="a staff id")
        # Optional: read into the store (hashed) at the first start, then best removed from the file.
        code = r.string(t, "login_code", p, default=None, pattern=r"\d{4,8}", what="a login code of 4 to 8 digits")
        _unique(r, ids, sid, f"{p}.id", "staff id")
        _unique(r, codes, code, f"{p}.login_code", "login code")
        out.append(m.Staff(id=sid, name=r.string(t, "name", p, max_len=16), login_code=code,
                           supervisor=r.boolean(t, "supervisor", p, default=False)))
    return tuple(out)


def _panel(r: Reader, t: dict, p: str) -> m.Panel:
    v = r.string(t, "panel", p, default="64x16", pattern=r"\d{1,3}x\d{1,2}", what="a panel size WxH such as 64x16")
    try:
        w, h = (int(x) for x in v.split("x"))
    except (ValueError, AttributeError):
        return m.Panel(64, 16)
    if w % 8 or h % 8 or not 8 <= w <= 512 or not 16 <= h <= 64:
        r.error(f"{p}.panel", f"{v!r}: width and height must be multiples of 8 (MAX7219 modules), "
                              "width 8..512, height 16..64 (the LED font is 16 px tall)")
    return m.Panel(w, h)


def _windows(r: Reader, doc: dict, services: set, staff: set) -> tuple[m.Window, ...]:
    out, numbers = [], {}
    for p, t in r.tables(doc, "windows", "", required=True):
        r.unknown(t, p, ("number", "display_text", "type", "services", "panel", "post_a", "post_b"))
        num = r.integer(t, "number", p, lo=1, hi=999)
        _unique(r, numbers, num, f"{p}.number", "window number")
        wtype = r.string(t, "type", p, choices=m.WINDOW_TYPES)
        codes = r.strings(t, "services", p, nonempty=True)
        seen: dict = {}
        for i, c in enumerate(codes):
            if c not in services:
                r.error(f"{p}.services[{i}]", f"unknown service {c!r}")
            _unique(r, seen, c, f"{p}.services[{i}]", "service")
        posts = []
        for key in ("post_a", "post_b"):
            sid = r.string(t, key, p, default=None) if key in t else None
            if sid is not None and sid not in staff:
                r.error(f"{p}.{key}", f"unknown staff member {sid!r}")
            posts.append(sid)
        if posts[0] and posts[0] == posts[1]:
            r.error(f"{p}.post_b", "the B post must be a different staff member from the A post")
        out.append(m.Window(number=num, display_text=r.string(t, "display_text", p, max_len=32),
                            type=wtype, services=tuple(codes), panel=_panel(r, t, p),
                            post_a=posts[0], post_b=posts[1]))
    return tuple(out)


def _devices(r: Reader, doc: dict, windows: set) -> tuple[m.Device, ...]:
    out, ids, roles = [], {}, {}
    for p, t in r.tables(doc, "devices", ""):
        r.unknown(t, p, ("id", "role", "window", "wifi_power_save"))
        did = r.string(t, "id", p, pattern=ID, what="a device id (a-z, 0-9, '-', '_', up to 32)")
        role = r.string(t, "role", p, choices=m.ROLES)
        win = r.integer(t, "window", p, lo=1, hi=999)
        _unique(r, ids, did, f"{p}.id", "device id")
        if win is not None and win not in windows:
            r.error(f"{p}.window", f"unknown window {win}")
        # One call pad and one evaluator per window: a rating must belong to one
        # window's prompt, and a window is driven from one pad.
        if role in ("callpad", "evaluator") and win is not None:
            _unique(r, roles, (role, win), f"{p}.role", "role for this window:")
        power_save = r.boolean(t, "wifi_power_save", p, default=False)
        out.append(m.Device(id=did, role=role, window=win, wifi_power_save=power_save))
    return tuple(out)


def _hours(r: Reader, doc: dict) -> m.Hours:
    t = r.table(doc, "hours", "", required=True)
    r.unknown(t, "hours", ("weekly", "lunch_service", "extended", "holidays", "workdays",
                           "appointment_weekends"))
    weekly_t = r.table(t, "weekly", "hours", required=True)
    r.unknown(weekly_t, "hours.weekly", m.WEEKDAYS)
    weekly = {d: r.sessions(weekly_t[d], f"hours.weekly.{d}") if d in weekly_t else ()
              for d in m.WEEKDAYS}
    if weekly_t and not any(weekly.values()):
        r.error("hours.weekly", "the hall is never open")
    ext_t = r.table(t, "extended", "hours")
    r.unknown(ext_t, "hours.extended", m.WEEKDAYS)
    extended = {d: r.sessions(ext_t[d], f"hours.extended.{d}") for d in m.WEEKDAYS if d in ext_t}
    holidays = r.dates(t, "holidays", "hours")
    workdays = r.dates(t, "workdays", "hours")
    for d in sorted(holidays & workdays):
        r.error("hours.workdays", f"{d} is also listed as a holiday")
    return m.Hours(weekly=weekly, lunch_service=r.boolean(t, "lunch_service", "hours", default=False),
                   extended=extended, holidays=holidays, workdays=workdays,
                   appointment_weekends=r.boolean(t, "appointment_weekends", "hours", default=False))


def _queue(r: Reader, doc: dict) -> m.Queue:
    p = "queue"
    t = r.table(doc, p, "")
    r.unknown(t, p, ("normal_per_priority", "recall_limit", "keep_open_overnight",
                     "issue_outside_hours", "pause_reasons", "service_day_start"))
    start = r.clock(t.get("service_day_start", "00:00"), "queue.service_day_start") or dt.time(0)
    reasons = r.strings(t, "pause_reasons", p, default=("会议", "培训", "外出办事", "临时离开", "就餐"),
                        nonempty=True)
    # The clerk picks a reason with digit keys 1-9 on the call pad, whose screen line and
    # the LED sign's 去向留言 hold a short phrase.
    if len(reasons) > PAUSE_REASONS_MAX:
        r.error(f"{p}.pause_reasons", f"{len(reasons)} reasons: at most {PAUSE_REASONS_MAX} "
                                      "(the call pad picks them with the digit keys 1-9)")
    for i, reason in enumerate(reasons):
        if len(reason) > PAUSE_REASON_LEN:
            r.error(f"{p}.pause_reasons[{i}]", f"{reason!r} is {len(reason)} characters: at most {PAUSE_REASON_LEN}")
    return m.Queue(normal_per_priority=r.integer(t, "normal_per_priority", p, default=2, lo=1, hi=20),
                   recall_limit=r.integer(t, "recall_limit", p, default=3, lo=1, hi=10),
                   keep_open_overnight=r.boolean(t, "keep_open_overnight", p, default=False),
                   issue_outside_hours=r.boolean(t, "issue_outside_hours", p, default=False),
                   pause_reasons=tuple(reasons), service_day_start=start)


def _pause_glyphs(r: Reader, reasons: tuple[str, ...], staff: tuple[m.Staff, ...]) -> None:
    # A call pad draws the hall's words from the glyphs its state carries, the clerk's name
    # first, then the pause reasons (gateway/devices/desired.py): its pause menu shows '?'
    # for any that do not fit.
    text = "".join(x for x in reasons if isinstance(x, str))
    for name in [s.name for s in staff if isinstance(s.name, str)] or [""]:   # not those already refused
        need = len({c for c in name + text if ord(c) > 127})
        if need > GLYPHS_MAX:
            r.error("queue.pause_reasons", f"with the name {name!r} the reasons need {need} Chinese characters; "
                                           f"a call pad's state carries {GLYPHS_MAX}: fewer or shorter reasons")
            return


def _thresholds(r: Reader, doc: dict) -> m.Thresholds:
    p = "thresholds"
    t = r.table(doc, p, "")
    r.unknown(t, p, ("max_wait_minutes", "daily_cases_per_comprehensive_window",
                     "satisfaction_percent", "empty_post_minutes"))
    return m.Thresholds(
        max_wait_minutes=r.integer(t, "max_wait_minutes", p, default=15, lo=1, hi=240),
        daily_cases_per_comprehensive_window=r.integer(t, "daily_cases_per_comprehensive_window", p,
                                                       default=30, lo=1, hi=500),
        satisfaction_percent=_float(r.number(t, "satisfaction_percent", p, default=95, lo=0, hi=100), 95.0),
        empty_post_minutes=r.integer(t, "empty_post_minutes", p, default=10, lo=1, hi=240))


def _float(v, fallback: float) -> float:
    # a wrong value was reported already; the fallback only lets checking go on
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else fallback


def _evaluation(r: Reader, doc: dict) -> m.Evaluation:
    p = "evaluation"
    t = r.table(doc, p, "", required=True)
    r.unknown(t, p, ("prompt_timeout_seconds", "contact_working_days", "rectify_working_days",
                     "reasons_version", "reasons", "supplementary_days"))
    reasons, codes = [], {}
    for rp, rt in r.tables(t, "reasons", p, required=True):
        r.unknown(rt, rp, ("code", "text"))
        code = r.string(rt, "code", rp, pattern=r"[A-Za-z0-9_-]{1,16}", what="a reason code")
        _unique(r, codes, code, f"{rp}.code", "reason code")
        reasons.append(m.BadReason(code=code, text=r.string(rt, "text", rp, max_len=24)))
    if len(reasons) > 12:
        r.error(f"{p}.reasons", f"{len(reasons)} reasons; an evaluator shows at most 12")
    contact = r.integer(t, "contact_working_days", p, default=1, lo=0, hi=60)
    rectify = r.integer(t, "rectify_working_days", p, default=15, lo=1, hi=90)
    if isinstance(contact, int) and isinstance(rectify, int) and contact > rectify:
        r.error(f"{p}.contact_working_days", "the contact deadline falls after the rectification deadline")
    return m.Evaluation(prompt_timeout_seconds=r.integer(t, "prompt_timeout_seconds", p, default=60, lo=5, hi=600),
                        contact_working_days=contact, rectify_working_days=rectify,
                        reasons_version=r.string(t, "reasons_version", p, pattern=r"[0-9A-Za-z._-]{1,16}",
                                                 what="a version (up to 16 of 0-9 A-Z . _ -)"),
                        reasons=tuple(reasons),
                        supplementary_days=r.integer(t, "supplementary_days", p, default=7, lo=0, hi=90))


UPSTREAM_KEYS = ("enabled", "adapter", "url", "app_key", "secret_file", "sm4", "channel", "supplementary_channel",
                 "level_map", "reason_map", "area_code", "timeout_seconds", "retry_max_seconds",
                 "content_refresh_hours", "followups")
CODE = r"[0-9A-Za-z_-]{1,16}"


def _upstream(r: Reader, doc: dict, source_dir: Path, services: tuple[m.Service, ...],
              reasons: tuple[m.BadReason, ...], region: str | None) -> m.Upstream:
    p = "upstream"
    t = r.table(doc, p, "")
    r.unknown(t, p, UPSTREAM_KEYS)
    enabled = r.boolean(t, "enabled", p, default=False)
    adapter = r.string(t, "adapter", p, default="hcp-json", choices=m.ADAPTERS)
    url = r.string(t, "url", p, default="")
    if enabled and not (url or "").startswith(("http://", "https://")):
        r.error(f"{p}.url", "must be an http:// or https:// address when upstream is enabled")
    app_key = r.string(t, "app_key", p, default="", pattern=r"[0-9A-Za-z_.-]{0,64}", what="an app key")
    secret = r.string(t, "secret_file", p, default="", max_len=400)
    if enabled and not app_key:
        r.error(f"{p}.app_key", "missing: the app key the province issued to this hall")
    if enabled and not secret:
        r.error(f"{p}.secret_file", "missing: a file of mode 0600 holding the secret (never the secret itself)")
    secret_path = str(source_dir / secret) if secret and not Path(secret).is_absolute() else secret
    level_map = _level_map(r, t, p)
    reason_map: dict[str, str] = {}
    rm = r.table(t, "reason_map", p)
    known = {x.code for x in reasons}
    for k, v in rm.items():
        if k not in known:
            r.error(f"{p}.reason_map.{k}", f"no reason {k!r} in evaluation.reasons")
        elif not isinstance(v, str) or not re.fullmatch(CODE, v):
            r.error(f"{p}.reason_map.{k}", "must be the province's reason code (1-16 of 0-9 A-Z _ -)")
        else:
            reason_map[k] = v
    area = r.string(t, "area_code", p, default=region or "", pattern=r"\d{6}|\d{9}|\d{12}",
                    what="a region code of 6, 9 or 12 digits")
    if enabled:
        for i, svc in enumerate(services):
            if not svc.dept_code:
                r.error(f"services[{i}].dept_code", "missing: every 好差评 record names its department's code")
            if not svc.matters:
                r.error(f"services[{i}].matters", "missing: every 好差评 record names its matter (事项编码)")
    return m.Upstream(enabled=enabled, adapter=adapter, url=url, app_key=app_key, secret_file=secret_path,
                      sm4=r.boolean(t, "sm4", p, default=False),
                      channel=r.string(t, "channel", p, default="5", pattern=CODE, what="a channel code"),
                      supplementary_channel=r.string(t, "supplementary_channel", p, default="3", pattern=CODE,
                                                     what="a channel code"),
                      level_map=level_map, reason_map=reason_map, area_code=area,
                      timeout_seconds=_float(r.number(t, "timeout_seconds", p, default=10, lo=0.1, hi=120), 10),
                      retry_max_seconds=_float(r.number(t, "retry_max_seconds", p, default=60, lo=1, hi=86400),
                                               60),
                      content_refresh_hours=_float(r.number(t, "content_refresh_hours", p, default=24, lo=0.01,
                                                            hi=24 * 7), 24),
                      followups=r.boolean(t, "followups", p, default=True))


def _level_map(r: Reader, t: dict, p: str) -> dict[int, str]:
    """level_map names each of our levels by its Chinese name, so the direction is plain to
    read: { "非常满意" = "5", …, "非常不满意" = "1" } for a province that counts 5 as best."""
    lm = r.table(t, "level_map", p)
    if not lm:
        return {i + 1: str(i + 1) for i in range(5)}
    out: dict[int, str] = {}
    seen: dict = {}
    for k, v in lm.items():
        kp = join(f"{p}.level_map", k)  # the level's Chinese name, quoted: upstream.level_map."非常满意"
        if k not in m.LEVEL_NAMES:
            r.error(kp, f"unknown level; the five are {', '.join(m.LEVEL_NAMES)}")
            continue
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not re.fullmatch(CODE, v):
            r.error(kp, "must be the province's code for this level")
            continue
        _unique(r, seen, v, kp, "level code")
        out[m.LEVEL_NAMES.index(k) + 1] = v
    missing = [n for i, n in enumerate(m.LEVEL_NAMES) if i + 1 not in out]
    if missing and len(out) == len(lm):
        r.error(f"{p}.level_map", f"missing {', '.join(missing)}: map all five levels")
    return out


def _audio(r: Reader, doc: dict) -> m.Audio:
    p = "audio"
    t = r.table(doc, p, "")
    r.unknown(t, p, ("enabled", "voice_pack", "template", "second_template", "second_voice_pack",
                     "repeat", "chime", "quiet_hours", "volume", "backend"))
    template = r.string(t, "template", p, default="请 {ticket} 号到 {window} 号窗口办理")
    for key, tpl in (("template", template), ("second_template", t.get("second_template"))):
        if isinstance(tpl, str) and ("{ticket}" not in tpl or "{window}" not in tpl):
            r.error(f"{p}.{key}", "must contain both {ticket} and {window}")
    second = r.string(t, "second_template", p, default=None) if "second_template" in t else None
    second_pack = r.string(t, "second_voice_pack", p, default=None) if "second_voice_pack" in t else None
    if second and not second_pack:
        r.error(f"{p}.second_voice_pack", "needed when second_template is set")
    volume = []
    vt = t.get("volume", [["00:00", 80]])
    if not isinstance(vt, list):
        r.error(f"{p}.volume", "must be an array of [\"HH:MM\", percent] steps")
        vt = []
    for i, step in enumerate(vt):
        sp = f"{p}.volume[{i}]"
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[1], int)
                and not isinstance(step[1], bool) and 0 <= step[1] <= 100):
            r.error(sp, "must be [\"HH:MM\", percent 0..100]")
            continue
        at = r.clock(step[0], sp + "[0]")
        if at is not None:
            if volume and at <= volume[-1][0]:
                r.error(sp, "volume steps must be in time order")
            volume.append((at, step[1]))
    return m.Audio(enabled=r.boolean(t, "enabled", p, default=True),
                   voice_pack=r.string(t, "voice_pack", p, default="default"),
                   template=template, second_template=second, second_voice_pack=second_pack,
                   repeat=r.integer(t, "repeat", p, default=2, lo=1, hi=5),
                   chime=r.boolean(t, "chime", p, default=True),
                   quiet_hours=r.sessions(t.get("quiet_hours", []), f"{p}.quiet_hours"),
                   volume=tuple(volume),
                   backend=r.string(t, "backend", p, default="alsa", choices=("alsa", "file", "none")))


def _broker(r: Reader, doc: dict) -> m.Broker:
    p = "broker"
    t = r.table(doc, p, "")
    r.unknown(t, p, ("embedded", "host", "port", "tls_port", "plain", "tls_names"))
    port = r.integer(t, "port", p, default=1883, lo=1, hi=65535)
    tls_port = r.integer(t, "tls_port", p, default=8883, lo=0, hi=65535)
    plain = r.boolean(t, "plain", p, default=True)
    if tls_port == port:
        r.error(f"{p}.tls_port", f"{tls_port} is also the plain port")
    if plain is False and not tls_port:
        r.error(f"{p}.plain", "false needs a tls_port: the devices would have no way in")
    names = r.strings(t, "tls_names", p, default=[])
    for i, n in enumerate(names):
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,62})", n):
            r.error(f"{p}.tls_names[{i}]", f"{n!r} is not a host name")
    return m.Broker(embedded=r.boolean(t, "embedded", p, default=True),
                    host=r.string(t, "host", p, default="127.0.0.1"), port=port, tls_port=tls_port,
                    plain=plain, tls_names=tuple(names))


SCREEN_LINES = 20  # per list: the band scrolls them all, so keep it a few
SCREEN_LINE_LEN = 80  # characters: one line of the band read while walking past


def _screen(r: Reader, doc: dict) -> m.Screen:
    p = "screen"
    t = r.table(doc, p, "")
    r.unknown(t, p, ("notices", "rules", "chime"))
    lists = {}
    for key in ("notices", "rules"):
        items = r.strings(t, key, p, default=[])
        if len(items) > SCREEN_LINES:
            r.error(f"{p}.{key}", f"at most {SCREEN_LINES} lines, not {len(items)}")
        for i, line in enumerate(items):
            if len(line) > SCREEN_LINE_LEN:
                r.error(f"{p}.{key}[{i}]", f"at most {SCREEN_LINE_LEN} characters, not {len(line)}")
        lists[key] = tuple(items)
    return m.Screen(notices=lists["notices"], rules=lists["rules"],
                    chime=r.boolean(t, "chime", p, default=False))
