"""hallgw announce: write the announcement a hall would play for one call, as a WAV file."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from gateway.audio import AudioError, mix, voice
from gateway.config import load_or_report


def register(sub) -> None:
    p = sub.add_parser("announce", help="write the call-number announcement for a ticket and window as WAV")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--ticket", required=True, help="ticket number, e.g. A012")
    p.add_argument("--window", required=True, type=int, help="window number, e.g. 3")
    p.add_argument("--out", required=True, metavar="FILE.wav")
    p.add_argument("--voice-dir", metavar="DIR", help="where built-in voice packs are built (default build/voice)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--at", metavar="HH:MM", help="use the volume schedule at this time of day (default: now)")
    g.add_argument("--volume", type=int, metavar="PERCENT", help="play at this volume instead of the schedule")
    p.set_defaults(func=run)


def run(args) -> int:
    hall = load_or_report(args.config)
    if hall is None:
        return 2
    try:
        v = voice.load(hall, Path(args.voice_dir) if args.voice_dir else None)
        percent, note = _volume(args, v)
        pcm = v.render(args.ticket, args.window, percent)
    except (AudioError, ValueError) as e:
        print(f"hallgw announce: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    # write beside the target and rename, so a failure never leaves a half file
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", suffix=".wav.part")
    with os.fdopen(fd, "wb") as f:
        f.write(mix.to_wav(pcm, v.rate))
    os.replace(tmp, out)
    print(f"{out}: {len(pcm) / 2 / v.rate:.2f} s, {v.rate} Hz mono 16-bit, volume {percent} %{note}")
    return 0


def _volume(args, v) -> tuple[int, str]:
    if args.volume is not None:
        if not 0 <= args.volume <= 100:
            raise ValueError(f"--volume must be 0..100, not {args.volume}")
        return args.volume, ""
    if args.at:
        try:
            t = dt.time.fromisoformat(args.at)
        except ValueError:
            raise ValueError(f"--at must be HH:MM, not {args.at!r}") from None
        when = dt.datetime.combine(dt.date.today(), t, v.tz).timestamp()
    else:
        when = time.time()
    note = " (quiet hours then: the hall would not play it)" if v.quiet(when) else ""
    return v.volume(when), note
