"""`python -m hil.province --port N --state-dir DIR --app-key K --secret-file F [--sm4] [--praise-tags]`:
the emulated province as its own process, so a test can SIGKILL it."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from hil.province.platform import Platform
from hil.province.server import ProvinceServer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hil.province", description="emulated provincial 好差评 platform")
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port (the line printed names it)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--state-dir", type=Path, required=True)
    ap.add_argument("--app-key", required=True)
    ap.add_argument("--secret-file", type=Path, required=True)
    ap.add_argument("--sm4", action="store_true", help="evaluation and follow-up data are SM4-encrypted")
    ap.add_argument("--token-ttl", type=float, default=600, metavar="SECONDS")
    ap.add_argument("--praise-tags", action="store_true",
                    help="list praise tags (好评标签) for the good levels too, as some provinces do")
    args = ap.parse_args(argv)
    secret = args.secret_file.read_text(encoding="utf-8").strip()
    if not secret:
        ap.error(f"{args.secret_file} holds no secret")
    if args.token_ttl <= 0:
        ap.error("--token-ttl must be positive")
    args.state_dir.mkdir(parents=True, exist_ok=True)
    platform = Platform(args.state_dir / "province.db", args.app_key, secret, sm4=args.sm4,
                        token_ttl=args.token_ttl, praise_tags=args.praise_tags)
    server = ProvinceServer(args.host, args.port, platform)

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return, so not from this (its own) thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # The socket listens from the constructor on: connections made now are queued, not refused.
    print(f"province: listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        platform.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
