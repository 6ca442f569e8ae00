"""The county's store: every site's records in PostgreSQL (psycopg 3), the statements of
sitestore.SiteStore. The site's row is locked for the length of a batch's transaction,
so two ingesters (several county gateways behind a broker cluster) cannot both extend
one site's chain. A lost connection (the database restarting) fails the batch; it is
not acknowledged, the site sends it again, and the next use connects afresh."""
from __future__ import annotations

import logging
from contextlib import contextmanager

import psycopg

from gateway.mirror.sitestore import SCHEMA, SiteStore

log = logging.getLogger("hallgw.mirror.pg")
INDEXES = ["CREATE INDEX IF NOT EXISTS records_at ON records (hall_id, at)"]


def conninfo(database: str, password_file: str = "") -> str:
    if not password_file:
        return database
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    return psycopg.conninfo.make_conninfo(database, password=password)


class PgSites(SiteStore):
    P = "%s"

    def __init__(self, dsn: str, connect_timeout: float = 5.0):
        self.dsn = dsn
        self.connect_timeout = connect_timeout
        self.conn: psycopg.Connection | None = None
        self._connect()

    def _connect(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed or self.conn.broken:
            if self.conn is not None:
                self.conn.close()
            self.conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=int(self.connect_timeout))
            with self.conn.transaction():
                # One creator at a time: CREATE TABLE IF NOT EXISTS races with itself.
                self.conn.execute("SELECT pg_advisory_xact_lock(15015)")
                for stmt in SCHEMA + INDEXES:
                    self.conn.execute(stmt)
        return self.conn

    @contextmanager
    def tx(self):
        with self._connect().transaction():
            yield

    def lock_site(self, site: str) -> None:
        self.conn.execute("SELECT 1 FROM sites WHERE hall_id = %s FOR UPDATE", (site,))

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._connect().execute(self.q(sql), args).fetchall()

    def run(self, sql: str, args: tuple = ()) -> int:
        return self._connect().execute(self.q(sql), args).rowcount

    def many(self, sql: str, rows: list[tuple]) -> None:
        with self._connect().cursor() as cur:
            cur.executemany(self.q(sql), rows)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
