"""hallgw county run|status: the county's service over its sites.

  hallgw county run --config county.toml [run's options]   the county hall's gateway with the
      ingest of every site into PostgreSQL and the county dashboard (/county); refuses to start
      when the hall file is no county with [mirror] database, or the database cannot be reached
  hallgw county status --config county.toml [--json]      every site: head, last heard,
      duplicates suppressed, chain findings (straight from the database)
"""
from __future__ import annotations

import json
import sys
import time

from gateway.config import load_or_report


def register(sub) -> None:
    from gateway.commands import run as run_cmd

    p = sub.add_parser("county", help="the county's ingest of every site (PostgreSQL) and its dashboard")
    sp = p.add_subparsers(dest="county_command", required=True, metavar="ACTION")
    run_cmd.register(sp)  # the same options as `hallgw run`
    sp.choices["run"].set_defaults(func=run)
    s = sp.add_parser("status", help="every site's head, last record, duplicates and chain findings")
    s.add_argument("--config", required=True, metavar="FILE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=status)


def _store(args):
    hall = load_or_report(args.config)
    if hall is None:
        return None, None
    if hall.tier != "county" or not hall.mirror.database:
        print(f"{args.config}: the county service needs tier = \"county\" and [mirror] database", file=sys.stderr)
        return hall, None
    from gateway.mirror.pgstore import PgSites, conninfo
    try:
        return hall, PgSites(conninfo(hall.mirror.database, hall.mirror.database_password_file))
    except Exception as e:
        print(f"{args.config}: mirror.database: cannot reach PostgreSQL: {e}", file=sys.stderr)
        return hall, None


def run(args) -> int:
    from gateway.commands import run as run_cmd

    _, store = _store(args)
    if store is None:
        return 2
    store.close()
    return run_cmd.run(args)


def status(args) -> int:
    _, store = _store(args)
    if store is None:
        return 2
    try:
        sites, findings = store.sites(), store.findings()
    finally:
        store.close()
    if args.json:
        print(json.dumps({"sites": sites, "findings": findings}, ensure_ascii=False, indent=2))
        return 0
    now = time.time()
    for s in sites:
        n = sum(1 for f in findings if f["site"] == s["hall_id"])
        print(f"{s['hall_id']:<24} via {s['via']:<20} head {s['head_seq']:>8}  heard {now - s['last_seen']:>8.0f} s ago"
              f"  duplicates suppressed {s['duplicates']:>6}  findings {n}")
    for f in findings:
        print(f"finding: {f['site']} record {f['seq']} ({f['kind']}): {f['detail']}")
    return 1 if findings else 0
