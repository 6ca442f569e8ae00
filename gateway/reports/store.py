"""The reporting store (data/reports.db): the fold's rows in SQLite, and its cursor.

Derived from the command log alone: rebuild = the fold over the log from seq 1, and
after that the same fold over the records past the cursor. The cursor is written in
the same transaction as the rows its records produced, so a crash leaves both at one
seq; a missing file or an older SCHEMA_VERSION means "rebuild", and loses nothing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import operator
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from gateway import disk
from gateway.config.model import Hall
from gateway.engine.calendar import HallCalendar
from gateway.engine.followup import FINAL
from gateway.reports import correct
from gateway.reports.fold import Live, fold
from gateway.store import LogReader

DB_NAME = "reports.db"
# 2: ratings keep the matter and the reasons' content version; reasons
# 3: the store's own facts (schema, hall, cursor) in report_meta: `meta` is a table of the log's
SCHEMA_VERSION = 3
BATCH = 5000  # records per transaction while catching up: few commits, bounded memory

COLUMNS = {
    "tickets": ("id", "day", "number", "service", "lane", "issued_at", "ready_at", "outcome", "ended_at",
                "ended_day", "visits"),
    "visits": ("ticket", "n", "day", "number", "window", "staff", "service", "lane", "ready_at", "called_at",
               "started_at", "ended_at", "how", "case_type", "wait_s", "walkup_s", "service_s", "handover_s"),
    "spans": ("id", "window", "kind", "staff", "start", "stop", "day", "end_day", "post", "reason"),
    "ratings": ("id", "day", "prompt", "ticket", "number", "service", "window", "staff", "finished_at", "rated_at",
                "at", "level", "reasons", "source", "followup", "matter", "reasons_version"),
    "followups": ("id", "day", "prompt", "ticket", "window", "staff", "service", "level", "created_at",
                  "contact_by", "rectify_by", "status", "contact_overdue", "overdue", "closed_at"),
    "alerts": ("id", "key", "kind", "day", "window", "service", "staff", "started", "ended"),
    "reasons": ("id", "version", "code", "text"),
}
KEYS = {"visits": ("ticket", "n")}  # every other table: ("id",)
TABLES = tuple(COLUMNS)

SCHEMA = """
CREATE TABLE IF NOT EXISTS report_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (id TEXT PRIMARY KEY, day TEXT NOT NULL, number TEXT, service TEXT, lane TEXT,
  issued_at REAL, ready_at REAL, outcome TEXT NOT NULL, ended_at REAL, ended_day TEXT, visits INTEGER);
CREATE INDEX IF NOT EXISTS tickets_day ON tickets (day);
CREATE INDEX IF NOT EXISTS tickets_ended_day ON tickets (ended_day);
CREATE INDEX IF NOT EXISTS tickets_open ON tickets (outcome) WHERE outcome = 'open';
CREATE TABLE IF NOT EXISTS visits (ticket TEXT NOT NULL, n INTEGER NOT NULL, day TEXT NOT NULL, number TEXT,
  window INTEGER, staff TEXT, service TEXT, lane TEXT, ready_at REAL, called_at REAL, started_at REAL,
  ended_at REAL, how TEXT, case_type TEXT, wait_s REAL, walkup_s REAL, service_s REAL, handover_s REAL,
  PRIMARY KEY (ticket, n)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS visits_day ON visits (day);
CREATE INDEX IF NOT EXISTS visits_day_window ON visits (day, window);
CREATE INDEX IF NOT EXISTS visits_day_staff ON visits (day, staff);
CREATE INDEX IF NOT EXISTS visits_open ON visits (how) WHERE how IS NULL;
CREATE TABLE IF NOT EXISTS spans (id TEXT PRIMARY KEY, window INTEGER NOT NULL, kind TEXT NOT NULL, staff TEXT,
  start REAL NOT NULL, stop REAL, day TEXT NOT NULL, end_day TEXT, post TEXT, reason TEXT) WITHOUT ROWID;
-- The few spans that run past their first day (a session left open overnight, one still open):
-- a period's report finds those begun before it without scanning every earlier span.
CREATE INDEX IF NOT EXISTS spans_long ON spans (day) WHERE end_day IS NULL OR end_day > day;
CREATE INDEX IF NOT EXISTS spans_day ON spans (day);
CREATE INDEX IF NOT EXISTS spans_day_window ON spans (day, window);
CREATE INDEX IF NOT EXISTS spans_day_staff ON spans (day, staff);
CREATE INDEX IF NOT EXISTS spans_open ON spans (stop) WHERE stop IS NULL;
CREATE TABLE IF NOT EXISTS ratings (id TEXT PRIMARY KEY, day TEXT NOT NULL, prompt TEXT, ticket TEXT, number TEXT,
  service TEXT, window INTEGER, staff TEXT, finished_at REAL, rated_at REAL, at REAL, level INTEGER,
  reasons TEXT, source TEXT, followup TEXT, matter TEXT, reasons_version TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ratings_day ON ratings (day);
CREATE INDEX IF NOT EXISTS ratings_day_window ON ratings (day, window);
CREATE INDEX IF NOT EXISTS ratings_day_staff ON ratings (day, staff);
CREATE TABLE IF NOT EXISTS followups (id TEXT PRIMARY KEY, day TEXT NOT NULL, prompt TEXT, ticket TEXT,
  window INTEGER, staff TEXT, service TEXT, level INTEGER, created_at REAL, contact_by TEXT, rectify_by TEXT,
  status TEXT, contact_overdue INTEGER, overdue INTEGER, closed_at REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS followups_day ON followups (day);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, key TEXT NOT NULL, kind TEXT, day TEXT NOT NULL,
  window INTEGER, service TEXT, staff TEXT, started REAL, ended REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_day ON alerts (day);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (ended) WHERE ended IS NULL;
-- The evaluation content's versions as the log received them: a 差评 reason's text is the one
-- of the version its rating was made with.
CREATE TABLE IF NOT EXISTS reasons (id TEXT PRIMARY KEY, version TEXT NOT NULL, code TEXT NOT NULL,
  text TEXT) WITHOUT ROWID;
"""
_VALUES = {t: operator.itemgetter(*c) for t, c in COLUMNS.items()}  # row dict -> its column values
_INSERT = {t: f"INSERT OR REPLACE INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
           for t, c in COLUMNS.items()}


class DayOf:
    """epoch -> service day (ISO), remembering the last day's bounds: the fold asks per event."""

    def __init__(self, cal: HallCalendar):
        self.cal, self.lo, self.hi, self.day = cal, 0.0, -1.0, ""

    def __call__(self, at: float) -> str:
        if not self.lo <= at < self.hi:
            d = self.cal.service_day(at)
            self.lo, self.hi = self.cal.day_begins(d), self.cal.day_begins(d + dt.timedelta(days=1))
            self.day = d.isoformat()
        return self.day


def day_rule(hall: Hall) -> str:
    """What places a time in a service day: rows folded under another rule are in the wrong days."""
    return f"{hall.timezone}|{hall.queue.service_day_start.isoformat(timespec='minutes')}"


def needs_rebuild(path: str | Path, hall: Hall | None = None, log_db: str | Path | None = None) -> str | None:
    """Why the store must be rebuilt from the log (None: it can be caught up): no store, another
    schema version, another hall or day rule, or a log that is not the one it was folded from
    (the record at its cursor is missing or has another audit hash)."""
    path = Path(path)
    if not path.exists():
        return f"{path.name} is missing"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if not _has_meta(conn):
                return f"{path.name} was written by an earlier release (before schema {SCHEMA_VERSION})"
            meta = dict(conn.execute("SELECT key, value FROM report_meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error as e:
        return f"{path.name} cannot be read ({e})"
    if meta.get("schema") != str(SCHEMA_VERSION):
        return f"{path.name} has schema {meta.get('schema')}, this gateway writes {SCHEMA_VERSION}"
    if hall is not None and meta.get("hall") != hall.id:
        return f"{path.name} belongs to hall {meta.get('hall')!r}"
    if hall is not None and meta.get("day_rule") != day_rule(hall):
        return f"the service day rule changed ({meta.get('day_rule')} -> {day_rule(hall)})"
    cursor = int(meta.get("cursor") or 0)
    if log_db is not None and cursor:
        with LogReader.open(log_db) as log:
            folded_from = log.hash_of(cursor)
        if folded_from is None or folded_from != meta.get("head"):
            return f"the command log is not the one {path.name} was folded from (record {cursor} differs)"
    return None


class ReportStore:
    """The SQLite shell around the fold. Writes come from one thread (the follower or a rebuild);
    reads (the report) may come from any thread, on a connection of their own."""

    def __init__(self, path: str | Path, hall: Hall):
        self.path, self.hall = Path(path), hall
        self.cal = HallCalendar(hall)
        self.day_of = DayOf(self.cal)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = _connect(self.path)
        got = self.meta("schema")
        if got is None and self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'tickets'").fetchone():
            raise ValueError(f"{self.path} was written by an earlier release (before schema {SCHEMA_VERSION}): "
                             "rebuild it")
        if got is None:
            self.conn.executescript(SCHEMA)
            self._set_meta({"schema": str(SCHEMA_VERSION), "hall": hall.id, "day_rule": day_rule(hall),
                            "cursor": "0", "head": ""})
        elif got != str(SCHEMA_VERSION):
            raise ValueError(f"{self.path} has schema {got}, not {SCHEMA_VERSION}: rebuild it")
        elif self.meta("hall") != hall.id:
            raise ValueError(f"{self.path} belongs to hall {self.meta('hall')!r}, not {hall.id!r}")
        elif self.meta("day_rule") != day_rule(hall):
            raise ValueError(f"{self.path} was folded with the service day rule {self.meta('day_rule')}: rebuild it")
        self.live = self._load_live()
        self._readers = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._write = threading.Lock()

    @classmethod
    def fresh(cls, path: str | Path, hall: Hall) -> ReportStore:
        """An empty store (the old file, if any, is replaced): its cursor at 0."""
        path = Path(path)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return cls(path, hall)

    @classmethod
    def rebuilt(cls, path: str | Path, hall: Hall, log_db: str | Path) -> ReportStore:
        """A fresh store folded from the whole log (the old file, if any, is replaced)."""
        store = cls.fresh(path, hall)
        store.catch_up(log_db)
        return store

    @classmethod
    def opened(cls, path: str | Path, hall: Hall, log_db: str | Path) -> tuple[ReportStore, str | None]:
        """(store, why it was rebuilt or None): rebuilt when needs_rebuild says so, else caught up."""
        why = needs_rebuild(path, hall, log_db)
        if why:
            return cls.rebuilt(path, hall, log_db), why
        store = cls(path, hall)
        store.catch_up(log_db)
        return store, None

    # -- meta and cursor -----------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        try:
            row = self.conn.execute("SELECT value FROM report_meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None  # no report_meta table yet: a new file (or one of an earlier release)
        return row[0] if row else None

    def _set_meta(self, values: dict[str, str]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO report_meta VALUES (?, ?)", values.items())

    @property
    def cursor(self) -> int:
        return int(self.meta("cursor") or 0)

    # -- folding ---------------------------------------------------------------------------------
    def fold_records(self, records: Iterable[dict], batch: int = BATCH) -> int:
        """Fold records (in seq order, past the cursor); one transaction per `batch`. -> records folded."""
        with self._write:
            cursor, done = self.cursor, 0
            pending: dict[tuple, tuple[str, dict]] = {}
            last, head, flushed = cursor, None, cursor
            for rec in records:
                if rec["seq"] <= last:
                    continue  # folded already (a poke racing a catch-up)
                fixes = correct.corrections(rec)
                if fixes:
                    # A step of the clock: what was folded so far is written, then corrected and
                    # this record folded on the corrected clock, with the cursor, in one transaction.
                    if last != flushed:
                        self._flush(pending, last, head)
                    pending = {}
                    self._fold_step(rec, fixes)
                    last = flushed = rec["seq"]
                    done += 1
                    continue
                for table, row in fold(self.live, rec, self.day_of):
                    pending[_key(table, row)] = (table, row)
                last, head = rec["seq"], rec.get("hash")
                done += 1
                if done % batch == 0:
                    self._flush(pending, last, head)
                    pending, flushed = {}, last
            if last != flushed:
                self._flush(pending, last, head)
            return done

    def _fold_step(self, rec: dict, fixes: list[dict]) -> None:
        """Every row with a time in the stretch [since, …) moved by the step (correct.py), the open
        rows read again, and the step's own record folded: one transaction, so a crash never
        leaves a correction without its cursor (and so applied twice)."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            for fix in fixes:
                since, step = fix["since"], fix["step"]
                for table, cols in correct.TIMES.items():
                    names = COLUMNS[table]
                    where = " OR ".join(f"{col} >= ?" for col in cols)
                    rows = [dict(zip(names, r, strict=True)) for r in c.execute(
                        f"SELECT {', '.join(names)} FROM {table} WHERE {where}", (since,) * len(cols))]
                    fixed = [_VALUES[table](r) for r in rows if correct.row(table, r, since, step, self.day_of)]
                    if fixed:
                        c.executemany(_INSERT[table], fixed)
            self.live = self._load_live()  # this connection reads its own writes
            changed = {_key(table, row): (table, row) for table, row in fold(self.live, rec, self.day_of)}
            by_table: dict[str, list[tuple]] = {}
            for table, row in changed.values():
                by_table.setdefault(table, []).append(_VALUES[table](row))
            for table, rows in by_table.items():
                c.executemany(_INSERT[table], rows)
            c.executemany("INSERT OR REPLACE INTO report_meta VALUES (?, ?)",
                          (("cursor", str(rec["seq"])), ("head", rec.get("hash") or "")))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            self.live = self._load_live()
            raise

    def _flush(self, pending: dict, cursor: int, head: str | None) -> None:
        by_table: dict[str, list[tuple]] = {}
        for table, row in pending.values():
            by_table.setdefault(table, []).append(_VALUES[table](row))
        try:
            with disk.transaction(self.conn) as c:  # a full disk: StoreFull, SQLite's error its cause
                for table, rows in by_table.items():
                    c.executemany(_INSERT[table], rows)
                c.executemany("INSERT OR REPLACE INTO report_meta VALUES (?, ?)",
                              (("cursor", str(cursor)), ("head", head or "")))
        except BaseException:
            self.live = self._load_live()  # the rows in memory ran ahead of the file: back to it
            raise

    def catch_up(self, log_db: str | Path) -> int:
        """Fold the log's records past the cursor, read on a connection of its own (never the runtime's)."""
        with LogReader.open(log_db) as log:
            return self.fold_records(log.for_folding(self.cursor))

    def _load_live(self) -> Live:
        def rows(sql: str, table: str, *args) -> list[dict]:
            cols = COLUMNS[table]
            return [dict(zip(cols, r, strict=True)) for r in
                    self.conn.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE {sql}", args)]

        live = Live()
        live.tickets = {r["id"]: r for r in rows("outcome = 'open'", "tickets")}
        live.visits = {r["ticket"]: r for r in rows("how IS NULL", "visits")}
        live.spans = {(r["window"], r["kind"]): r for r in rows("stop IS NULL", "spans")}
        live.alerts = {r["key"]: r for r in rows("ended IS NULL", "alerts")}
        final = ", ".join(f"'{s}'" for s in sorted(FINAL))
        live.followups = {r["id"]: r for r in rows(f"status NOT IN ({final})", "followups")}
        return live

    # -- reading ---------------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """A read connection for the calling thread (WAL: readers never wait for the writer)."""
        conn = getattr(self._readers, "reader", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=10000")
            self._readers.reader = conn
            self._all_readers.append(conn)
        return conn

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self.reader().execute(sql, args).fetchall()

    @contextlib.contextmanager
    def reading(self):
        """One read transaction for the calling thread: every query of a report sees the same
        folded seq, however the follower commits meanwhile. -> that seq."""
        conn = self.reader()
        conn.execute("BEGIN")
        try:
            yield int(conn.execute("SELECT value FROM report_meta WHERE key = 'cursor'").fetchone()[0])
        finally:
            conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def dump(self) -> dict[str, list[tuple]]:
        """Every table's rows in key order, and the cursor: for comparing two stores."""
        out = {t: self.conn.execute(f"SELECT {', '.join(COLUMNS[t])} FROM {t} ORDER BY "
                                    f"{', '.join(KEYS.get(t, ('id',)))}").fetchall() for t in TABLES}
        out["cursor"] = [(self.cursor,)]
        return out

    def close(self) -> None:
        self.conn.close()
        for conn in self._all_readers:
            conn.close()


def _key(table: str, row: dict) -> tuple:
    return (table, row["ticket"], row["n"]) if table == "visits" else (table, row["id"])


def _has_meta(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'report_meta'").fetchone() \
        is not None


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # Derived data: a power cut may lose the last transaction, never split rows from their
    # cursor (WAL keeps transactions whole); the log is folded again from the cursor.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn
