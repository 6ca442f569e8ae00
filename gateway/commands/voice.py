"""hallgw voice build|check: voice packs (the announcement latency benchmark is `hall-bench voice`)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from gateway.audio import AudioError, build, defaults, pack, voice
from gateway.config import load_or_report


def register(sub) -> None:
    p = sub.add_parser("voice", help="call-number voice packs")
    vsub = p.add_subparsers(dest="voice_command", required=True, metavar="ACTION")
    b = vsub.add_parser("build", help="generate the built-in packs offline (espeak-ng + sox)")
    b.add_argument("--out", metavar="DIR", help="folder for the packs (default build/voice, or $HALLGW_VOICE_DIR)")
    b.add_argument("--pack", action="append", choices=sorted(defaults.SPECS), help="only this pack (repeatable)")
    b.add_argument("--force", action="store_true", help="rebuild even when the cached pack is current")
    b.set_defaults(func=build_cmd)
    c = vsub.add_parser("check", help="check that a hall's voice packs have every clip it needs")
    c.add_argument("--config", required=True, metavar="FILE")
    c.add_argument("--voice-dir", metavar="DIR")
    c.set_defaults(func=check_cmd)


def build_cmd(args) -> int:
    root = Path(args.out) if args.out else build.default_root()
    for name in args.pack or sorted(defaults.SPECS):
        t = time.perf_counter()
        folder = root / name
        try:
            if args.force or not build.is_current(name, folder):
                build.build(name, folder)
                what = "built"
            else:
                what = "cached"
            p = pack.load(folder)
        except AudioError as e:
            print(f"hallgw voice build: {e}", file=sys.stderr)
            return 2
        print(f"{folder}: {what} {p.name!r}, {len(p.clips)} clips, {time.perf_counter() - t:.2f} s")
    return 0


def _hall(args):
    return load_or_report(args.config)


def check_cmd(args) -> int:
    hall = _hall(args)
    if hall is None:
        return 2
    try:
        v = voice.load(hall, Path(args.voice_dir) if args.voice_dir else None)
    except AudioError as e:
        print(f"{args.config}: {e}", file=sys.stderr)
        return 1
    print(f"{args.config}: ok: {', '.join(f'{p.name} ({p.path}, {len(p.clips)} clips)' for p in v.packs)}")
    return 0
