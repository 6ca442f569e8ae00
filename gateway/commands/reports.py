"""hallgw reports rebuild|show: the reporting store (data/reports.db) from the command log.

    hallgw reports rebuild --config FILE [--data-dir DIR]
    hallgw reports show --config FILE --period month --date 2026-11-01 [--format text|json|csv|xlsx|pdf] [--out F]

Both work beside a running gateway (the log is read from a read-only connection; the store's
writes are its own transactions), or on a copy of a hall's data directory."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from gateway.config import load_or_report


def register(sub) -> None:
    p = sub.add_parser("reports", help="reports (日检查、周考勤、月通报、季考核) from the command log")
    rs = p.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    r = rs.add_parser("rebuild", help="fold the whole command log into a new data/reports.db")
    r.add_argument("--config", required=True, metavar="FILE")
    r.add_argument("--data-dir", default="data", metavar="DIR")
    r.set_defaults(func=rebuild)
    s = rs.add_parser("show", help="a report of a day, week, month, quarter or range")
    s.add_argument("--config", required=True, metavar="FILE")
    s.add_argument("--data-dir", default="data", metavar="DIR")
    s.add_argument("--period", default="month", help="day | week | month | quarter | range (default month)")
    s.add_argument("--date", help="YYYY-MM-DD, any day inside the period (default today)")
    s.add_argument("--from", dest="first", metavar="DATE", help="period range: first day")
    s.add_argument("--to", dest="last", metavar="DATE", help="period range: last day (inclusive)")
    s.add_argument("--window", type=int)
    s.add_argument("--service")
    s.add_argument("--staff")
    s.add_argument("--format", default="text", choices=("text", "json", "csv", "xlsx", "pdf"))
    s.add_argument("--out", metavar="FILE", help="write there (csv, xlsx and pdf need it)")
    s.set_defaults(func=show)


def _log(args) -> Path | None:
    db = Path(args.data_dir) / "hall.db"
    if not db.exists():
        print(f"hallgw: no command log at {db}", file=sys.stderr)
        return None
    return db


def rebuild(args) -> int:
    from gateway.reports.store import DB_NAME, ReportStore

    hall = load_or_report(args.config)
    db = _log(args)
    if hall is None or db is None:
        return 2
    t0 = time.monotonic()
    store = ReportStore.rebuilt(Path(args.data_dir) / DB_NAME, hall, db)
    counts, cursor = store.counts(), store.cursor
    store.close()
    print(f"hallgw: {Path(args.data_dir) / DB_NAME} rebuilt from {cursor} record(s) in "
          f"{time.monotonic() - t0:.1f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def show(args) -> int:
    from gateway.reports import export, tables
    from gateway.reports.period import BadQuery
    from gateway.reports.report import report
    from gateway.reports.store import DB_NAME, ReportStore

    hall = load_or_report(args.config)
    db = _log(args)
    if hall is None or db is None:
        return 2
    if args.format in ("csv", "xlsx", "pdf") and not args.out:
        print(f"hallgw: --format {args.format} needs --out FILE", file=sys.stderr)
        return 2
    store, why = ReportStore.opened(Path(args.data_dir) / DB_NAME, hall, db)
    if why:
        print(f"hallgw: reports.db rebuilt ({why})", file=sys.stderr)
    try:
        rep = report(store, hall, args.period, args.date, args.first, args.last, args.window, args.service,
                     args.staff)
    except BadQuery as e:
        print(f"hallgw: {e}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.format == "json":
        text = json.dumps(rep, ensure_ascii=False, indent=1)
        Path(args.out).write_text(text, encoding="utf-8") if args.out else print(text)
    elif args.format == "text":
        lines = [tables.title(rep)] + [f"  {k}: {'' if v is None else v}" for k, v in tables.overview(rep)]
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8") if args.out else print("\n".join(lines))
    else:
        Path(args.out).write_bytes({"csv": export.to_csv, "xlsx": export.to_xlsx, "pdf": export.to_pdf}[args.format](rep))
        print(f"hallgw: {args.out} ({tables.title(rep)})")
    return 0
