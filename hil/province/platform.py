"""The emulated province's rules and state, without HTTP.

Strict on purpose: it is how the tests prove each rating arrives exactly once
with every field right. What it accepts is committed to SQLite (WAL,
synchronous FULL) before it is answered, so a killed platform restarts with
everything it acknowledged. Tokens and pending faults live in memory: a
restarted real platform forgets its sessions too.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HCP = "hcp-json"
FORM = "zj-form"
SIGN_WINDOW_S = 300
DEFAULT_VERSION = "P2026.1"
# Levels 1 and 2 are the 差评 (5 = 非常满意): only they carry reasons.
REASON_LEVELS = (1, 2)
_DEFAULT_REASON_LIST = [
    {"code": "01", "text": "服务态度差"},
    {"code": "02", "text": "办事效率低"},
    {"code": "03", "text": "一次告知不到位"},
    {"code": "04", "text": "多次跑动"},
    {"code": "05", "text": "等候时间长"},
    {"code": "06", "text": "环境设施差"},
    {"code": "99", "text": "其他"},
]
DEFAULT_REASONS = {str(level): _DEFAULT_REASON_LIST for level in REASON_LEVELS}
# The praise-tags mode (--praise-tags): as some provinces do, the content lists 好评标签 for the
# good levels too, so every level has a list and the list alone cannot tell 差评 from 好评.
PRAISE_LEVELS = (3, 4, 5)
PRAISE_TAGS = {
    "3": [{"code": "H31", "text": "按时办结"}, {"code": "H32", "text": "指引清楚"}],
    "4": [{"code": "H41", "text": "热情周到"}, {"code": "H42", "text": "一次办成"}, {"code": "H43", "text": "指引清楚"}],
    "5": [{"code": "H51", "text": "热情周到"}, {"code": "H52", "text": "一次办成"}, {"code": "H53", "text": "高效便捷"},
          {"code": "H54", "text": "环境舒适"}],
}
FOLLOWUP_STATES = frozenset({
    "待整改", "整改中", "整改完成", "无效差评", "无法整改", "整改超期", "回访",
    "pending", "rectifying", "rectified", "invalid", "unfixable", "overdue", "callback",
})
CHANNELS = ("1", "2", "3", "4", "5", "6", "7")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AREA_RE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")
# Form fields that only carry the request (not the rating): left out of the
# stored copy and of the duplicate comparison.
FORM_TRANSPORT = ("appKey", "timestamp", "sign")
# The evaluator is anonymous: none of the citizen's identity may be sent.
FORM_IDENTITY = ("userProp", "userName", "userCert", "certType", "certKey", "mobile", "idCard", "userId")
# userProp, evalDetail and writingEvaluation may be empty, and an absent one reads as empty.
FORM_REQUIRED = ("areaCode", "deptCode", "taskCode", "taskName", "projectNo", "proStatus", "proManager",
                 "pf", "satisfaction", "assessTime", "assessNumber", "acceptDate", "dataSource")
# Paths (server.py serves them; the attempts log is counted by them).
TOKEN_PATH, EVAL_PATH, FOLLOWUP_PATH = "/hcp/token", "/hcp/evaluations", "/hcp/followups"
VERSION_PATH, CONTENT_PATH, FORM_PATH = "/hcp/content/version", "/hcp/content", "/zj/evaluation"
HCP_REQUIRED = ("eval_id", "project_no", "task_code", "task_name", "dept_code", "area_code", "channel",
                "level", "reasons", "content_version", "window", "staff_id", "staff_name", "assess_time",
                "assess_number", "hall_id")


def sign(secret: str, timestamp: int | str) -> str:
    return hashlib.md5((secret + str(timestamp)).encode()).hexdigest().upper()


def sm4_key(secret: str) -> bytes:
    return hashlib.md5(secret.encode()).digest()[:16]


def sm4_decrypt(secret: str, text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    dec = Cipher(algorithms.SM4(sm4_key(secret)), modes.ECB()).decryptor()
    padded = dec.update(raw) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


class Invalid(Exception):
    """The request is wrong; the message names the field."""


@dataclass
class Answer:
    status: int
    body: dict
    protocol: str
    key: str | None = None   # eval_id / projectNo#assessNumber, for the attempts log
    accepted: bool = False   # stored by this very request (cut_after_accept may then apply)

    @property
    def label(self) -> str:
        """HTTP status and the protocol's own answer code, e.g. "200/0", "200/3", "401"."""
        if self.protocol == FORM and self.body.get("status"):
            code = self.body.get("custom", {}).get("code") if self.body["status"].get("code") == "200" \
                else self.body["status"].get("code")
            return f"{self.status}/{code}"
        code = self.body.get("code")
        return f"{self.status}/{code}" if code and str(code) != str(self.status) else str(self.status)


@dataclass
class Fault:
    kind: str
    count: int
    seconds: float = 0.0


class Faults:
    """Pending faults. 5xx, timeout and slow act as a request arrives, one per
    request, oldest first; cut_after_accept waits for an accepted evaluation;
    offline is a mode until online."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self.cut = 0
        self.offline = False

    def add(self, kind: str, count: int, seconds: float = 0.0) -> None:
        with self._lock:
            if kind == "cut_after_accept":
                self.cut += count
            else:
                self._queue.append(Fault(kind, count, seconds))

    def take(self) -> Fault | None:
        with self._lock:
            if not self._queue:
                return None
            f = self._queue[0]
            f.count -= 1
            if f.count <= 0:
                self._queue.pop(0)
            return Fault(f.kind, 1, f.seconds)

    def take_cut(self) -> bool:
        with self._lock:
            if self.cut > 0:
                self.cut -= 1
                return True
            return False

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.cut = 0

    def pending(self) -> dict:
        with self._lock:
            return {"queue": [{"fault": f.kind, "count": f.count, "seconds": f.seconds} for f in self._queue],
                    "cut_after_accept": self.cut, "offline": self.offline}


SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (seq INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT UNIQUE NOT NULL,
    published_at REAL NOT NULL, reasons TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY AUTOINCREMENT, eval_id TEXT UNIQUE NOT NULL,
    project_no TEXT NOT NULL, assess_number INTEGER NOT NULL, received_at REAL NOT NULL, sm4 INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS form_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL,
    project_no TEXT NOT NULL, assess_number TEXT NOT NULL, received_at REAL NOT NULL, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS followups (seq INTEGER PRIMARY KEY AUTOINCREMENT, eval_id TEXT NOT NULL,
    state TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL, received_at REAL NOT NULL,
    UNIQUE (eval_id, state, at));
CREATE TABLE IF NOT EXISTS conflicts (seq INTEGER PRIMARY KEY AUTOINCREMENT, protocol TEXT NOT NULL,
    key TEXT NOT NULL, received_at REAL NOT NULL, fields TEXT NOT NULL, stored TEXT NOT NULL,
    received TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,
    protocol TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, key TEXT, answer TEXT NOT NULL,
    detail TEXT);
"""


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _text(obj: dict, name: str, *, hi: int | None = None, empty: bool = False) -> str:
    v = obj[name]
    if not isinstance(v, str):
        raise Invalid(f"{name}: must be a string, got {type(v).__name__}")
    if not empty and not v.strip():
        raise Invalid(f"{name}: must not be empty")
    if hi is not None and len(v) > hi:
        raise Invalid(f"{name}: at most {hi} characters, got {len(v)}")
    return v


def _int(obj: dict, name: str, allowed: range | tuple) -> int:
    v = obj[name]
    if isinstance(v, bool) or not isinstance(v, int):
        raise Invalid(f"{name}: must be an integer, got {type(v).__name__} {v!r}")
    if v not in allowed:
        raise Invalid(f"{name}: must be one of {list(allowed)}, got {v}")
    return v


def _time(name: str, v: str) -> datetime:
    if not _TIME_RE.fullmatch(v):
        raise Invalid(f"{name}: must be 'yyyy-MM-dd HH:mm:ss', got {v!r}")
    try:
        return datetime.strptime(v, TIME_FORMAT)
    except ValueError:
        raise Invalid(f"{name}: not a real time: {v!r}") from None


def _area(name: str, v: str) -> None:
    if not _AREA_RE.fullmatch(v):
        raise Invalid(f"{name}: must be 6, 9 or 12 digits, got {v!r}")


def _codes(name: str, codes: list[str], level: int, allowed: set[str], where: str, praise: bool = False) -> None:
    if len(set(codes)) != len(codes):
        raise Invalid(f"{name}: a reason code is given twice: {codes}")
    if level not in REASON_LEVELS and codes and not (praise and level in PRAISE_LEVELS):
        raise Invalid(f"{name}: level {level} takes no reasons, got {codes}")
    for c in codes:
        if c not in allowed:
            raise Invalid(f"{name}: {c!r} is not a level-{level} reason of {where}")


def validate_record(rec: dict, versions: dict[str, dict], praise: bool = False) -> None:
    """The hcp-json record rules; raises Invalid naming the first wrong field."""
    missing = [f for f in HCP_REQUIRED if f not in rec]
    if missing:
        raise Invalid(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    _text(rec, "eval_id", hi=64)
    _text(rec, "project_no", hi=64)
    for name in ("task_code", "task_name", "dept_code"):
        _text(rec, name)
    _area("area_code", _text(rec, "area_code"))
    if _text(rec, "channel") not in CHANNELS:
        raise Invalid(f"channel: must be one of {list(CHANNELS)}, got {rec['channel']!r}")
    level = _int(rec, "level", range(1, 6))
    reasons = rec["reasons"]
    if not isinstance(reasons, list) or not all(isinstance(c, str) and c for c in reasons):
        raise Invalid(f"reasons: must be a list of non-empty strings, got {reasons!r}")
    version = _text(rec, "content_version")
    if version not in versions:
        raise Invalid(f"content_version: {version!r} was never published (published: {sorted(versions)})")
    window = rec["window"]
    if isinstance(window, bool) or not isinstance(window, int | str) or (isinstance(window, str) and not window.strip()):
        raise Invalid(f"window: must be an integer or a non-empty string, got {window!r}")
    _text(rec, "staff_id")
    _text(rec, "staff_name")
    _time("assess_time", _text(rec, "assess_time"))
    _int(rec, "assess_number", (1, 2))
    _text(rec, "hall_id")
    allowed = {r["code"] for r in listed(versions[version], level, praise)}
    _codes("reasons", reasons, level, allowed, f"content version {version}", praise)


def listed(version: dict, level: int | str, praise: bool) -> list[dict]:
    """What a content version lists for a level: its 差评 reasons, or in the praise-tags
    mode the praise tags of a good level the version lists nothing for."""
    items = version.get(str(level), [])
    if not items and praise and int(level) in PRAISE_LEVELS:
        return PRAISE_TAGS[str(level)]
    return items


def validate_reasons(reasons) -> dict[str, list[dict]]:
    """A published version's reasons: {"1": [{"code", "text"}…], "2": […]}."""
    if not isinstance(reasons, dict):
        raise Invalid("reasons: must be an object {level: [{code, text}…]}")
    out = {}
    for level, items in reasons.items():
        if level not in ("1", "2"):
            raise Invalid(f"reasons: only the 差评 levels '1' and '2' carry reasons, got level {level!r}")
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and set(i) == {"code", "text"}
                and all(isinstance(i[k], str) and i[k].strip() for k in ("code", "text")) for i in items):
            raise Invalid(f"reasons[{level}]: must be a list of {{code, text}} with non-empty strings")
        codes = [i["code"] for i in items]
        if len(set(codes)) != len(codes):
            raise Invalid(f"reasons[{level}]: a code is given twice")
        out[level] = items
    return out


class Platform:
    def __init__(self, db_path: Path, app_key: str, secret: str, *, sm4: bool = False,
                 token_ttl: float = 600, clock: Callable[[], float] = time.time, praise_tags: bool = False):
        self.app_key, self.secret, self.sm4, self.token_ttl, self.clock = app_key, secret, sm4, token_ttl, clock
        self.praise_tags = praise_tags  # list 好评标签 for the good levels too
        self._lock = threading.RLock()
        self._tokens: dict[str, float] = {}   # token -> expiry (wall time)
        self.faults = Faults()
        self.db = sqlite3.connect(str(db_path), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        with self.db:
            if not self.db.execute("SELECT 1 FROM versions").fetchone():
                self.db.execute("INSERT INTO versions (version, published_at, reasons) VALUES (?, ?, ?)",
                                (DEFAULT_VERSION, self.clock(), _dumps(DEFAULT_REASONS)))

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- content versions -------------------------------------------------
    def versions(self) -> dict[str, dict]:
        with self._lock:
            rows = self.db.execute("SELECT version, reasons FROM versions ORDER BY seq").fetchall()
        return {v: json.loads(r) for v, r in rows}

    def current_version(self) -> str:
        with self._lock:
            return self.db.execute("SELECT version FROM versions ORDER BY seq DESC LIMIT 1").fetchone()[0]

    def publish(self, version, reasons) -> None:
        if not isinstance(version, str) or not version.strip():
            raise Invalid("version: must be a non-empty string")
        checked = validate_reasons(reasons)
        with self._lock, self.db:
            if self.db.execute("SELECT 1 FROM versions WHERE version = ?", (version,)).fetchone():
                raise Invalid(f"version: {version!r} is already published")
            self.db.execute("INSERT INTO versions (version, published_at, reasons) VALUES (?, ?, ?)",
                            (version, self.clock(), _dumps(checked)))

    # -- answers ----------------------------------------------------------
    @staticmethod
    def bad(protocol: str, msg: str, key: str | None = None) -> Answer:
        if protocol == FORM:
            return Answer(200, {"status": {"code": "400", "msg": msg}}, FORM, key)
        return Answer(400, {"code": "1", "msg": msg}, protocol, key)

    @staticmethod
    def _unauthorized(msg: str) -> Answer:
        return Answer(401, {"code": "401", "msg": msg}, HCP)

    def _sign_problem(self, app_key, timestamp: int, given) -> str | None:
        """Why an app_key/timestamp/sign triple is refused, or None."""
        if app_key != self.app_key:
            return "app_key is not known to this platform"
        off = abs(self.clock() * 1000 - timestamp) / 1000
        if off > SIGN_WINDOW_S:
            return f"timestamp is {off:.0f} s off the platform's clock (allowed {SIGN_WINDOW_S} s)"
        if not isinstance(given, str) or not hmac.compare_digest(given, sign(self.secret, timestamp)):
            return "sign does not match upper(hex(MD5(secret + timestamp)))"
        return None

    # -- hcp-json ---------------------------------------------------------
    def token(self, payload) -> Answer:
        if not isinstance(payload, dict):
            return self.bad(HCP, "body: must be a JSON object")
        missing = [f for f in ("app_key", "timestamp", "sign") if f not in payload]
        if missing:
            return self.bad(HCP, f"missing field: {', '.join(missing)}")
        ts = payload["timestamp"]
        if isinstance(ts, bool) or not isinstance(ts, int):
            return self.bad(HCP, f"timestamp: must be an integer of milliseconds, got {ts!r}")
        why = self._sign_problem(payload["app_key"], ts, payload["sign"])
        if why:
            return self._unauthorized(why)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = self.clock() + self.token_ttl
        return Answer(200, {"access_token": token, "expires_in": int(self.token_ttl)}, HCP)

    def expire_tokens(self) -> None:
        with self._lock:
            for t in self._tokens:
                self._tokens[t] = 0.0

    def auth(self, token: str | None) -> Answer | None:
        """None when the bearer token is good, else the 401 answer."""
        if not token:
            return self._unauthorized("missing Authorization: Bearer token")
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return self._unauthorized("token is not known (issued by an earlier run, or never)")
        if self.clock() >= expiry:
            return self._unauthorized("token has expired")
        return None

    def _open(self, payload) -> dict:
        """The record or follow-up inside {"app_key", "data"}, decrypted when SM4 is on."""
        if not isinstance(payload, dict):
            raise Invalid("body: must be a JSON object {app_key, data}")
        for f in ("app_key", "data"):
            if f not in payload:
                raise Invalid(f"missing field: {f}")
        if payload["app_key"] != self.app_key:
            raise Invalid("app_key: not the app key this token was issued to")
        data = payload["data"]
        if self.sm4:
            if not isinstance(data, str):
                raise Invalid(f"data: SM4 is on, so data must be the base64 of the SM4 cipher text, "
                              f"got {type(data).__name__}")
            try:
                data = json.loads(sm4_decrypt(self.secret, data).decode("utf-8"))
            except ValueError as e:   # base64, block length, padding, UTF-8 and JSON errors
                raise Invalid(f"data: does not decrypt to a JSON object ({e})") from None
        elif not isinstance(data, dict):
            raise Invalid(f"data: SM4 is off, so data must be the JSON object, got {type(data).__name__}")
        if not isinstance(data, dict):
            raise Invalid("data: must hold a JSON object")
        return data

    def evaluation(self, token: str | None, payload) -> Answer:
        refused = self.auth(token)
        if refused:
            return refused
        try:
            rec = self._open(payload)
            if "eval_id" not in rec:
                raise Invalid("missing field: eval_id")
            eval_id = _text(rec, "eval_id", hi=64)
        except Invalid as e:
            return self.bad(HCP, str(e))
        with self._lock:
            row = self.db.execute("SELECT record FROM records WHERE eval_id = ?", (eval_id,)).fetchone()
            if row:
                self._conflict(HCP, eval_id, json.loads(row[0]), rec)
                return Answer(200, {"code": "3", "msg": "重复值"}, HCP, eval_id)
            try:
                validate_record(rec, self.versions(), self.praise_tags)
            except Invalid as e:
                return self.bad(HCP, str(e), eval_id)
            with self.db:
                self.db.execute("INSERT INTO records (eval_id, project_no, assess_number, received_at, sm4, record)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                (eval_id, rec["project_no"], rec["assess_number"], self.clock(), int(self.sm4),
                                 _dumps(rec)))
        return Answer(200, {"code": "0", "msg": "成功"}, HCP, eval_id, accepted=True)

    def _conflict(self, protocol: str, key: str, stored: dict, received: dict) -> None:
        """A resend whose content differs from what was stored: kept for the tests to find."""
        fields = sorted(k for k in set(stored) | set(received) if stored.get(k, ...) != received.get(k, ...))
        if fields:
            with self.db:
                self.db.execute("INSERT INTO conflicts (protocol, key, received_at, fields, stored, received)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                (protocol, key, self.clock(), _dumps(fields), _dumps(stored), _dumps(received)))

    def content_version(self, token: str | None) -> Answer:
        return self.auth(token) or Answer(200, {"version": self.current_version()}, HCP)

    def content(self, token: str | None, level: str | None, version: str | None = None) -> Answer:
        refused = self.auth(token)
        if refused:
            return refused
        if level not in ("1", "2", "3", "4", "5"):
            return self.bad(HCP, f"level: must be 1..5, got {level!r}")
        versions = self.versions()
        version = version or self.current_version()
        if version not in versions:
            return self.bad(HCP, f"version: {version!r} was never published")
        reasons = listed(versions[version], level, self.praise_tags)
        return Answer(200, {"version": version, "level": int(level), "reasons": reasons}, HCP)

    def followup(self, token: str | None, payload) -> Answer:
        refused = self.auth(token)
        if refused:
            return refused
        try:
            data = self._open(payload)
            missing = [f for f in ("eval_id", "state", "at", "note") if f not in data]
            if missing:
                raise Invalid(f"missing field: {', '.join(missing)}")
            eval_id = _text(data, "eval_id", hi=64)
            state = _text(data, "state")
            if state not in FOLLOWUP_STATES:
                raise Invalid(f"state: not a follow-up state: {state!r} (one of {sorted(FOLLOWUP_STATES)})")
            at = _text(data, "at")
            try:
                datetime.fromisoformat(at)
            except ValueError:
                raise Invalid(f"at: must be a time 'yyyy-MM-dd HH:mm:ss' or ISO 8601, got {at!r}") from None
            note = _text(data, "note", empty=True)
        except Invalid as e:
            return self.bad(HCP, str(e))
        with self._lock:
            if not self.db.execute("SELECT 1 FROM records WHERE eval_id = ?", (eval_id,)).fetchone():
                return self.bad(HCP, f"eval_id: no evaluation {eval_id!r} was received", eval_id)
            with self.db:
                cur = self.db.execute("INSERT OR IGNORE INTO followups (eval_id, state, at, note, received_at)"
                                      " VALUES (?, ?, ?, ?, ?)", (eval_id, state, at, note, self.clock()))
        if cur.rowcount == 0:
            return Answer(200, {"code": "3", "msg": "重复值"}, HCP, eval_id)
        return Answer(200, {"code": "0", "msg": "成功"}, HCP, eval_id)

    # -- zj-form ----------------------------------------------------------
    @staticmethod
    def _form_answer(custom: str, msg: str | None = None, key: str | None = None, accepted=False) -> Answer:
        body = {"status": {"code": "200"}, "custom": {"code": custom}}
        if msg:
            body["custom"]["msg"] = msg
        return Answer(200, body, FORM, key, accepted)

    def form(self, multi: dict[str, list[str]]) -> Answer:
        """A decoded form body (every value a list, as parse_qs gives it)."""
        twice = sorted(k for k, v in multi.items() if len(v) != 1)
        fields = {k: v[0] for k, v in multi.items()}
        for f in ("appKey", "timestamp", "sign"):
            if f not in fields:
                return Answer(200, {"status": {"code": "401", "msg": f"missing {f}"}}, FORM)
        if not fields["timestamp"].isascii() or not fields["timestamp"].isdigit():
            return Answer(200, {"status": {"code": "401", "msg": "timestamp: must be milliseconds"}}, FORM)
        why = self._sign_problem(fields["appKey"], int(fields["timestamp"]), fields["sign"])
        if why:
            return Answer(200, {"status": {"code": "401", "msg": why}}, FORM)
        rating = {k: v for k, v in fields.items() if k not in FORM_TRANSPORT}
        key = None
        try:
            if twice:
                raise Invalid(f"{twice[0]}: given more than once")
            missing = [f for f in FORM_REQUIRED if f not in fields]
            if missing:
                raise Invalid(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
            project_no = _text(fields, "projectNo", hi=64)
            if fields["assessNumber"] not in ("1", "2"):
                raise Invalid(f"assessNumber: must be '1' or '2', got {fields['assessNumber']!r}")
            key = f"{project_no}#{fields['assessNumber']}"
        except Invalid as e:
            return self._form_answer("2", str(e), key)
        with self._lock:
            row = self.db.execute("SELECT fields FROM form_records WHERE key = ?", (key,)).fetchone()
            if row:
                self._conflict(FORM, key, json.loads(row[0]), rating)
                return self._form_answer("3", "重复值", key)
            try:
                self._validate_form(fields)
            except Invalid as e:
                return self._form_answer("2", str(e), key)
            with self.db:
                self.db.execute("INSERT INTO form_records (key, project_no, assess_number, received_at, fields)"
                                " VALUES (?, ?, ?, ?, ?)",
                                (key, project_no, fields["assessNumber"], self.clock(), _dumps(rating)))
        return self._form_answer("1", None, key, accepted=True)

    def _validate_form(self, f: dict[str, str]) -> None:
        _area("areaCode", _text(f, "areaCode"))
        for name in ("deptCode", "taskCode", "taskName", "proStatus", "proManager", "dataSource"):
            _text(f, name)
        if f["pf"] not in CHANNELS:
            raise Invalid(f"pf: must be one of {list(CHANNELS)}, got {f['pf']!r}")
        for name in FORM_IDENTITY:
            if f.get(name, ""):
                raise Invalid(f"{name}: must be empty, the evaluator is anonymous")
        if f["satisfaction"] not in ("1", "2", "3", "4", "5"):
            raise Invalid(f"satisfaction: must be '1'..'5', got {f['satisfaction']!r}")
        level = int(f["satisfaction"])
        detail = f.get("evalDetail", "")
        codes = detail.split(",") if detail else []
        if any(not c for c in codes):
            raise Invalid(f"evalDetail: an empty code in {detail!r}")
        allowed = {r["code"] for v in self.versions().values() for r in listed(v, level, self.praise_tags)}
        _codes("evalDetail", codes, level, allowed, "any published content version", self.praise_tags)
        assessed = _time("assessTime", f["assessTime"])
        accepted = f["acceptDate"]
        if _DATE_RE.fullmatch(accepted):
            try:
                accepted_at = datetime.strptime(accepted, "%Y-%m-%d")
            except ValueError:
                raise Invalid(f"acceptDate: not a real date: {accepted!r}") from None
        elif _TIME_RE.fullmatch(accepted):
            accepted_at = _time("acceptDate", accepted)
        else:
            raise Invalid(f"acceptDate: must be 'yyyy-MM-dd HH:mm:ss' or 'yyyy-MM-dd', got {accepted!r}")
        # A matter is rated after it is accepted, never before.
        if assessed < accepted_at:
            raise Invalid(f"assessTime: {f['assessTime']} is before acceptDate {accepted}")

    # -- faults and inspection --------------------------------------------
    def control(self, payload) -> dict:
        """Applies one control command; raises Invalid when it is wrong."""
        if not isinstance(payload, dict) or not isinstance(payload.get("fault"), str):
            raise Invalid("body: must be a JSON object with a 'fault'")
        kind = payload["fault"]
        if kind in ("5xx", "timeout", "slow", "cut_after_accept"):
            count = payload.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise Invalid(f"count: must be a positive integer, got {count!r}")
            seconds = payload.get("seconds", 0)
            if kind in ("timeout", "slow"):
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 600:
                    raise Invalid(f"seconds: must be a number in (0, 600], got {seconds!r}")
            self.faults.add(kind, count, float(seconds))
        elif kind == "expire_tokens":
            self.expire_tokens()
        elif kind == "offline":
            self.faults.offline = True
        elif kind == "online":
            self.faults.offline = False
        elif kind == "publish":
            self.publish(payload.get("version"), payload.get("reasons", {}))
        elif kind == "clear":
            self.faults.clear()
        else:
            raise Invalid(f"fault: unknown {kind!r}")
        return {"ok": True, "faults": self.faults.pending(), "version": self.current_version()}

    def log_attempt(self, protocol: str, method: str, path: str, key: str | None, answer: str,
                    detail: str | None = None) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT INTO attempts (at, protocol, method, path, key, answer, detail)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", (self.clock(), protocol, method, path, key, answer, detail))

    def _rows(self, sql: str) -> list[dict]:
        with self._lock:
            cur = self.db.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def state(self) -> dict:
        one = lambda sql: self._rows(sql)[0]["n"]  # noqa: E731
        requests: dict[str, dict[str, int]] = {}
        for r in self._rows("SELECT protocol, answer, COUNT(*) AS n FROM attempts GROUP BY protocol, answer"):
            requests.setdefault(r["protocol"], {})[r["answer"]] = r["n"]
        return {
            "accepted": {HCP: one("SELECT COUNT(*) AS n FROM records"),
                         FORM: one("SELECT COUNT(*) AS n FROM form_records")},
            "duplicates_answered": one("SELECT COUNT(*) AS n FROM attempts WHERE answer = '200/3'"
                                       f" AND path IN ('{EVAL_PATH}', '{FORM_PATH}')"),
            "conflicts": one("SELECT COUNT(*) AS n FROM conflicts"),
            # Two different eval_ids for one project's same rating: a rating delivered twice under new ids.
            "project_repeats": one("SELECT COALESCE(SUM(c - 1), 0) AS n FROM (SELECT COUNT(*) AS c FROM records"
                                   " GROUP BY project_no, assess_number)"),
            "requests": requests,
            "followups": one("SELECT COUNT(*) AS n FROM followups"),
            "tokens_issued": one(f"SELECT COUNT(*) AS n FROM attempts WHERE path = '{TOKEN_PATH}' AND answer = '200'"),
            "faults": self.faults.pending(),
            "version": self.current_version(),
            "versions": list(self.versions()),
            "sm4": self.sm4,
            "praise_tags": self.praise_tags,
        }

    def records(self) -> list[dict]:
        return [{"eval_id": r["eval_id"], "received_at": r["received_at"], "sm4": bool(r["sm4"]),
                 "record": json.loads(r["record"])} for r in self._rows("SELECT * FROM records ORDER BY seq")]

    def form_records(self) -> list[dict]:
        return [{"key": r["key"], "received_at": r["received_at"], "fields": json.loads(r["fields"])}
                for r in self._rows("SELECT * FROM form_records ORDER BY seq")]

    def followups(self) -> list[dict]:
        return self._rows("SELECT eval_id, state, at, note, received_at FROM followups ORDER BY seq")

    def conflicts(self) -> list[dict]:
        return [dict(r, fields=json.loads(r["fields"]), stored=json.loads(r["stored"]),
                     received=json.loads(r["received"]))
                for r in self._rows("SELECT protocol, key, received_at, fields, stored, received FROM conflicts"
                                    " ORDER BY seq")]

    def attempts(self) -> list[dict]:
        return self._rows("SELECT at, protocol, method, path, key, answer, detail FROM attempts ORDER BY seq")
