"""hallgw run --config FILE: the gateway service (engine, store, API, extensions)."""
from __future__ import annotations

import argparse
import gc
import os
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

from gateway import disk
from gateway.api.connections import IDLE_TIMEOUT_S
from gateway.config import ConfigError
from gateway.extensions.context import Settings
from gateway.observe import logs

EX_TEMPFAIL = 75  # sysexits.h: try again later (the disk is full)
HOST = "127.0.0.1"  # a checkout's default: pages for this machine only
SWITCH_INTERVAL_S = 0.001


def register(sub) -> None:
    p = sub.add_parser("run", help="run the gateway: queue engine, SQLite store, HTTP API, extensions")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--data-dir", default=str(Settings.data_dir), metavar="DIR", help="where the store lives (default ./data)")
    p.add_argument("--http-port", type=int, default=Settings.http_port, metavar="N", help="the pages' and API's port (8080)")
    p.add_argument("--listen", default=HOST, metavar="ADDR",
                   help="the address the pages and API listen on (127.0.0.1: this machine only; the installed "
                        "unit gives 0.0.0.0, so the hall's screens, kiosks and clerks' PCs reach them)")
    p.add_argument("--mqtt-credentials", metavar="FILE",
                   help="credentials.json from `hallgw mosquitto-config`: the gateway's broker login "
                        "(also $HALLGW_MQTT_CREDENTIALS)")
    p.add_argument("--without", action="append", default=[], metavar="EXT",
                   help="do not start this extension (a module of gateway/extensions/); repeatable")
    p.add_argument("--no-extensions", action="store_true", help="run only the engine, store and API")
    p.add_argument("--attached", metavar="FILE", help="hardware wired to the Pi: its LED panel and call buttons "
                   "(docs/OPERATING.md \"Pi-attached panel and buttons\")")
    p.add_argument("--backup-dir", metavar="FOLDER", help="online backups of the store into FOLDER on a schedule "
                   "(a second disk, or a folder the county collects)")
    p.add_argument("--backup-every-hours", type=float, default=Settings.backup_every_hours, metavar="H", help="(24)")
    p.add_argument("--backup-keep-days", type=float, default=Settings.backup_keep_days, metavar="N", help="(14)")
    p.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT_S, metavar="S",
                   help="close an HTTP connection that has not sent a whole request this long after it was "
                        f"opened or last answered ({IDLE_TIMEOUT_S:g})")
    p.add_argument("--connections", type=int, default=None, metavar="N",
                   help="hold at most N HTTP connections (default: as many as the open-file limit leaves room for)")
    p.add_argument("--log-file", metavar="FILE", help="log into FILE, rotated at --log-max-mb (default: stderr, "
                   "the journal under systemd)")
    p.add_argument("--log-max-mb", type=float, default=logs.MAX_BYTES / 2**20, metavar="MB", help="(10)")
    p.add_argument("--log-keep", type=int, default=logs.KEEP, metavar="N", help="rotated log files kept (3)")
    p.add_argument("--log-repeat-seconds", type=float, default=logs.EVERY_S, metavar="S",
                   help="a kind of log record repeating past its burst is written once per S seconds, "
                        f"with a count of the rest ({logs.EVERY_S:g})")
    # Hidden: the hall simulator (hall-hil) runs the gateway on a simulated day's clock and
    # on a broker port of its own. clock() = start + (now - real_start) * speed; real_start
    # is passed so a gateway restarted after SIGKILL continues the same timeline.
    p.add_argument("--clock-start", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--clock-speed", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--clock-real-start", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--broker-port", type=int, default=None, help=argparse.SUPPRESS)
    # the embedded broker's TLS port instead of the hall file's (0: none); simulations side by side
    p.add_argument("--broker-tls-port", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def day_clock(start: float | None, speed: float, real_start: float | None):
    """time.time, or a simulated day's clock running `speed` times as fast."""
    if start is None:
        return time.time
    real0 = time.time() if real_start is None else real_start

    def clock() -> float:
        return start + (time.time() - real0) * speed
    return clock


def fixed_mmap_threshold() -> None:
    """glibc raises its mmap threshold to the largest block freed (up to 32 MiB), so after
    the first login code is hashed (argon2's 7 MiB) every later hash takes its block from
    the heap, which then stays grown. A fixed threshold gives large blocks back at free."""
    try:
        import ctypes
        ctypes.CDLL(None).mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass  # not glibc: nothing to set


def connection_limits(args, devices: int):
    """The HTTP connection table's size from this process's open-file limit, what is open, and
    the devices connecting to a broker in this process."""
    import resource

    from gateway.api import connections

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    nofile = connections.FD_SETSIZE if soft == resource.RLIM_INFINITY else soft
    try:
        open_now = len(os.listdir("/proc/self/fd"))
    except OSError:
        open_now = 64  # no /proc: a generous guess
    limits = connections.plan(nofile, open_now, devices, args.connections)
    print(f"hallgw: HTTP connections: at most {limits.total} (requests {limits.requests}, the hall's page streams "
          f"{limits.pages}, phones' streams {limits.phones}); idle ones closed after {args.idle_timeout:g} s "
          f"(open-file limit {nofile}, {open_now} open)", flush=True)
    if limits.starved:
        print(f"hallgw: the open-file limit {nofile} leaves too little room for HTTP connections: raise LimitNOFILE "
              "(docs/OPERATING.md \"Connections and logs\")", file=sys.stderr)
    return limits


def run(args) -> int:
    from gateway import extensions, latency
    from gateway.api import create_app, serving
    from gateway.api.connections import ConnectionTable
    from gateway.engine.compat import StoreMismatch
    from gateway.extensions.context import Context, Tokens
    from gateway.observe.load import LoadCollector
    from gateway.roles import load_role_token, load_supervisor_token, load_token
    from gateway.runtime import Runtime
    from gateway.store.schema import NewerStore

    repeats = logs.configure(Path(args.log_file) if args.log_file else None, int(args.log_max_mb * 2**20),
                             args.log_keep, args.log_repeat_seconds)
    # A key press waits for the GIL behind whatever else runs (a hundred screens' streams
    # being written): hand it over every 1 ms rather than every 5 ms.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    fixed_mmap_threshold()
    try:  # the extensions' declarations met, before anything is opened
        order = [] if args.no_extensions else extensions.ordered(tuple(args.without))
    except extensions.PlanError as e:
        print(f"hallgw: {e}", file=sys.stderr)
        return 2
    from gateway.devices.fit import load_checked
    try:
        hall = load_checked(args.config)
    except ConfigError as e:
        print("\n".join(e.lines()), file=sys.stderr)
        return 2
    attached = None
    if args.attached:
        from gateway.attached.config import load as load_attached
        try:
            attached = load_attached(args.attached, hall)
        except ConfigError as e:
            print("\n".join(e.lines()), file=sys.stderr)
            return 2
    data_dir = Path(args.data_dir)
    try:
        runtime = Runtime(hall, data_dir)
    except StoreMismatch as e:
        print(f"hallgw: {data_dir / 'hall.db'} holds today's open state that {args.config} no longer fits:",
              file=sys.stderr)
        for line in e.problems:
            print(f"  {line}", file=sys.stderr)
        print("hallgw: put the hall file back as it was, serve, cancel or log out what is listed, stop the "
              "gateway cleanly, then apply the change", file=sys.stderr)
        return 2
    except NewerStore as e:
        print(f"hallgw: {e}", file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as e:
        why = disk.no_room_to_start(e, data_dir)
        if why is None:
            raise
        # Not a crash to read a traceback of: systemd starts it again (Restart=on-failure) until
        # the room is back, and then it serves as it was (nothing acknowledged was lost).
        print(f"hallgw: {why}", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"hallgw: {hall.name} ({hall.id}): store {data_dir / 'hall.db'}, "
          f"{runtime.replayed} command(s) replayed", flush=True)
    from gateway.logins.report import import_at_start
    import_at_start(runtime.codes, args.config)
    token, where = load_token(data_dir)
    print(f"hallgw: API token for clerk actions: {where}", flush=True)
    supervisor_token, where = load_supervisor_token(data_dir)
    if supervisor_token == token:
        print("hallgw: the supervisor token (差评 follow-ups) must differ from the clerk token", file=sys.stderr)
        runtime.close()
        return 2
    print(f"hallgw: API token for 差评 follow-ups (supervisor): {where}", flush=True)
    kiosk_token, where = load_role_token(data_dir, "kiosk")
    if kiosk_token in (token, supervisor_token):
        print("hallgw: the kiosk token must differ from the clerk and supervisor tokens", file=sys.stderr)
        runtime.close()
        return 2
    print(f"hallgw: token of the ticket kiosk (叫号机): {where}", flush=True)
    screen_token, where = load_role_token(data_dir, "screen")
    if screen_token in (token, supervisor_token, kiosk_token):
        # The screen's key sits in its address (/screen?key=): it must open nothing else.
        print("hallgw: the screen token must differ from the clerk, supervisor and kiosk tokens", file=sys.stderr)
        runtime.close()
        return 2
    print(f"hallgw: token of the hall screen (电子显示屏, /screen?key=): {where}", flush=True)
    from gateway.clock.hall_clock import HallClock
    # The Pi's clock plus the offset the log holds, never jumping before a step is logged
    # (gateway/clock); a simulated day is not watched for jumps.
    clock = HallClock(day_clock(args.clock_start, args.clock_speed, args.clock_real_start),
                      detect=args.clock_start is None)
    app = create_app(runtime, token, clock=clock, supervisor_token=supervisor_token, kiosk_token=kiosk_token)
    closing = threading.Event()
    server = None  # made once the extensions have opened their files (the connection table counts them)

    # uvicorn re-raises the signal it caught once it has stopped; with these handlers
    # that lands here instead of killing the process before the extensions stop.
    def on_signal(signum, frame):
        closing.set()
        if server is not None:
            server.should_exit = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings = Settings(config_path=Path(args.config), data_dir=data_dir, http_port=args.http_port,
                        mqtt_credentials=Path(args.mqtt_credentials) if args.mqtt_credentials else None,
                        attached=attached, backup_dir=Path(args.backup_dir) if args.backup_dir else None,
                        backup_every_hours=args.backup_every_hours, backup_keep_days=args.backup_keep_days,
                        broker_port=args.broker_port, broker_tls_port=args.broker_tls_port)
    ctx = Context(runtime, Tokens(token, supervisor_token, kiosk_token, screen_token), settings, app, clock, closing)
    started = extensions.start_all(ctx, order)
    # What start-up made (modules, the hall file, the app, the fonts) lives as long as the
    # process: keep it out of the cyclic collector's full passes, which otherwise walk ~100k
    # objects (50-170 ms with the GIL held: a key press waiting behind one missed its display).
    gc.collect()
    gc.freeze()
    runtime.start_ticker(clock)
    load = None
    try:
        if started:
            print(f"hallgw: extensions: {', '.join(n for n, _ in started)}", flush=True)
        embedded = hall.broker.embedded and any(name == "broker" for name, _ in started)
        table = ConnectionTable(connection_limits(args, len(hall.devices) if embedded else 0))
        load = LoadCollector(table, repeats)
        latency.REGISTRY.register(load)  # on /metrics
        server = serving.server(app, args.listen, args.http_port, table, closing, args.idle_timeout)
        print(f"hallgw: API http://{args.listen}:{args.http_port}/api/v1  docs http://{args.listen}:{args.http_port}/docs",
              flush=True)
        if not closing.is_set():
            server.run()
    finally:
        extensions.stop_all(started)
        runtime.close()
        if load is not None:
            latency.REGISTRY.unregister(load)
        print("hallgw: stopped", flush=True)
        repeats.close()
    return 0
