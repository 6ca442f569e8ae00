"""An emulated USB-serial line to a board's REPL, for provisioning tests.

The MicroPython unix port sits on one pty as a board sits on its UART; a
second pty is the host's end (what /dev/ttyUSB0 is on a maintainer's laptop),
and a thread shuttles bytes between the two masters like a null-modem cable.
Both ends are raw: with the tty's newline translation on, the REPL's banners
arrive as \\r\\r\\n and mpremote does not recognise them."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import threading
import tty
from pathlib import Path

from hil.board.board import micropython_binary


class SerialLine:
    def __init__(self, flash: Path, heapsize: str = "96K"):
        self.flash = Path(flash)
        self.flash.mkdir(parents=True, exist_ok=True)
        self.heapsize = heapsize
        self.port = ""
        self._fds: list[int] = []
        self._proc: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake: tuple[int, int] | None = None

    def start(self) -> SerialLine:
        dev_master, dev_slave = pty.openpty()
        host_master, host_slave = pty.openpty()
        tty.setraw(dev_slave)
        tty.setraw(host_slave)
        self.port = os.ttyname(host_slave)
        self._fds = [dev_master, dev_slave, host_master, host_slave]
        self._proc = subprocess.Popen([micropython_binary(), "-X", f"heapsize={self.heapsize}"],
                                      stdin=dev_slave, stdout=dev_slave, stderr=dev_slave,
                                      cwd=self.flash, start_new_session=True)
        self._wake = os.pipe()
        self._thread = threading.Thread(target=self._shuttle, args=(dev_master, host_master, self._wake[0]),
                                        daemon=True, name="serial-line")
        self._thread.start()
        return self

    def _shuttle(self, a: int, b: int, wake: int) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([a, b, wake], [], [])
            if wake in ready:
                return
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                    view = memoryview(data)
                    while view:
                        view = view[os.write(b if fd == a else a, view):]
                except OSError:
                    return

    def stop(self) -> None:
        # The shuttle must be gone before its descriptors are closed: the
        # numbers are reused at once by the next open(), and a shuttle still
        # running would read and write someone else's file or pipe.
        self._stop.set()
        if self._wake:
            os.write(self._wake[1], b"x")
        if self._thread:
            self._thread.join(timeout=5)
            if self._thread.is_alive():  # stuck in a write: leak the fds rather than reuse them
                self._fds, self._wake = [], None
            self._thread = None
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for fd in self._fds + list(self._wake or ()):
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []
        self._wake = None

    def __enter__(self) -> SerialLine:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
