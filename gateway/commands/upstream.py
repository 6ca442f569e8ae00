"""hallgw upstream status|retry|check: the provincial 好差评 link from the shell.

status and retry work on the store alone (a running gateway picks a retry up within
seconds); check asks the live platform whether the hall file's level map runs its
way round (exit 1 when the content says it is reversed; 0 with a note when the content
cannot tell, e.g. praise tags for every level), and fetches its current content version."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from gateway.runtime import DB_NAME


def register(sub) -> None:
    p = sub.add_parser("upstream", help="the provincial 好差评 platform: delivery status, dead letter, mapping check")
    us = p.add_subparsers(dest="upstream_command", required=True, metavar="ACTION")
    s = us.add_parser("status", help="pending, delivered, dead letter, last error, last delivery")
    s.add_argument("--data-dir", default="data", metavar="DIR")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--dead", action="store_true", help="also list the dead-letter records with their reasons")
    s.set_defaults(func=status_cmd)
    r = us.add_parser("retry", help="put a dead-letter record (or all) back in line, after fixing the mapping")
    r.add_argument("--data-dir", default="data", metavar="DIR")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--eval-id", metavar="ID")
    g.add_argument("--all", action="store_true")
    r.set_defaults(func=retry_cmd)
    c = us.add_parser("check", help="test the level map against the platform and show its content version")
    c.add_argument("--config", required=True, metavar="FILE")
    c.set_defaults(func=check_cmd)


def _db(args) -> Path | None:
    db = Path(args.data_dir) / DB_NAME
    if not db.exists():
        print(f"hallgw upstream: no store at {db}", file=sys.stderr)
        return None
    return db


def status_cmd(args) -> int:
    from gateway.outbox import items, status
    from gateway.outbox.store import connect
    from gateway.upstream.destination import NAME
    db = _db(args)
    if db is None:
        return 2
    conn = connect(db, readonly=True)
    try:
        st = status(conn, NAME)
        dead = [{"key": i.key, "seq": i.seq, "attempts": i.attempts, "reason": i.last_error}
                for i in items(conn, NAME, "dead")] if args.dead else None
    finally:
        conn.close()
    if args.json:
        print(json.dumps({"destinations": [st], **({"dead_letter": dead} if dead is not None else {})},
                         ensure_ascii=False, indent=1))
        return 0
    for k in ("name", "pending", "delivered", "dead_letter", "last_error", "last_delivered_at",
              "oldest_pending_since", "cursor", "head"):
        print(f"{k}: {st[k] if st[k] is not None else '-'}")
    for d in dead or ():
        print(f"dead: {d['key']} (record {d['seq']}, {d['attempts']} attempt(s)): {d['reason']}")
    return 0


def retry_cmd(args) -> int:
    from gateway.outbox import OutboxStore
    from gateway.upstream.destination import NAME
    db = _db(args)
    if db is None:
        return 2
    store = OutboxStore(db, NAME)
    try:
        n = store.retry(None if args.all else args.eval_id)
    finally:
        store.close()
    if n == 0 and not args.all:
        print(f"hallgw upstream: {args.eval_id} is not in dead letter", file=sys.stderr)
        return 1
    print(f"retry: {n} record(s) back in line")
    return 0


def check_cmd(args) -> int:
    from gateway.config import load_or_report
    from gateway.upstream import adapters
    from gateway.upstream.mapping import UNCLEAR, check_levels, fetch_content
    from gateway.upstream.secret import SecretError, read_secret
    hall = load_or_report(args.config)
    if hall is None:
        return 2
    up = hall.upstream
    try:
        adapter = adapters.make(up, read_secret(up.secret_file))
    except SecretError as e:
        print(f"hallgw upstream: {e}", file=sys.stderr)
        return 2
    try:
        if not adapter.has_content:
            print(f"{up.adapter}: this interface has no content call; the level map cannot be checked against "
                  "the platform: confirm it with the province in writing")
            return 0
        check = check_levels(hall, adapter)
        for p in check.problems:
            print(f"{args.config}: {p}", file=sys.stderr)
        if check.holds:
            return 1
        version, reasons = fetch_content(hall, adapter)
        mapped = ", ".join(f"{k}->{v}" for k, v in sorted(up.level_map.items()))
        if check.verdict == UNCLEAR:
            # Delivered all the same: only content that points one way holds the ratings back.
            print(f"level map not checkable against the content: {mapped}; ratings are delivered and the "
                  "dashboard warns until a supervisor confirms the map")
        else:
            print(f"level map ok: {mapped}")
        print(f"content {version}: {len(reasons)} 差评 reasons: "
              + ", ".join(f"{r['code']} {r['text']}" for r in reasons))
        return 0
    except Exception as e:
        print(f"hallgw upstream: the platform at {up.url} did not answer as expected: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 1
    finally:
        adapter.close()
