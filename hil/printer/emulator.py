"""An emulated ESC/POS thermal printer on a TCP port (127.0.0.1, 9100 style) or a pty.

It prints into `tickets` (hil.printer.decode.Ticket) and answers DLE EOT n with the status
bytes a real printer sends (Epson's layout, which the Chinese 58/80 mm printers copy):
n=1 printer, 2 offline cause, 3 error cause, 4 paper roll sensor. Faults, from the test:
set_state("ok" | "paper_near_end" | "paper_out" | "cover_open" | "offline" | "no_answer"),
run_out_after(n): the roll ends n bytes into the next ticket (torn off, never cut),
hold_next_slip(): the next slip stays in the print head (a slow print) until the test releases it.
"""
from __future__ import annotations

import os
import socket
import threading
import tty
from collections.abc import Callable

from hil.printer.decode import Decoder, Ticket

FIXED = 0x12  # bits 1 and 4 of every status byte are 1
# state -> answers to DLE EOT 1, 2, 3, 4; None: no answer at all
FAULTS: dict[str, dict[int, int] | None] = {
    "ok": {1: FIXED, 2: FIXED, 3: FIXED, 4: FIXED},
    "paper_near_end": {1: FIXED, 2: FIXED, 3: FIXED, 4: FIXED | 0x0C},
    # no paper: offline (bit 3), stopped by paper end (n=2 bit 5), both roll sensor pairs set
    "paper_out": {1: FIXED | 0x08, 2: FIXED | 0x20, 3: FIXED, 4: FIXED | 0x0C | 0x60},
    "cover_open": {1: FIXED | 0x08, 2: FIXED | 0x04, 3: FIXED, 4: FIXED},
    # offline with an error (n=2 bit 6; n=3 bit 6: auto-recoverable, e.g. the head too hot)
    "offline": {1: FIXED | 0x08, 2: FIXED | 0x40, 3: FIXED | 0x40, 4: FIXED},
    "no_answer": None,
}
GS_R_PAPER = {"ok": 0x00, "paper_near_end": 0x03}  # GS r 1: bits 0-1 near end, 2-3 roll end
PRINTS = ("ok", "paper_near_end", "no_answer")  # a printer that does not answer may still print


class Hold:
    """A slow print: `arrived` is set once the slip's bytes are in the printer (the test's barrier
    for "while it prints"); nothing more is printed or answered until release()."""

    def __init__(self):
        self.arrived = threading.Event()
        self._go = threading.Event()

    def release(self) -> None:
        self._go.set()


def _queries_only(data: bytes) -> bool:
    """Real-time status queries (DLE EOT n, three bytes each), no slip."""
    return len(data) % 3 == 0 and all(data[i:i + 2] == b"\x10\x04" for i in range(0, len(data), 3))


class PrinterEmulator:
    def __init__(self, on_ticket: Callable[[Ticket], None] | None = None):
        self.tickets: list[Ticket] = []  # every cut (or torn) slip, in order
        self.on_ticket = on_ticket       # told of each slip as it comes out (hall-hil run shows them)
        self.state = "ok"
        self.lock = threading.Lock()
        self.queries: list[int] = []
        self._budget: int | None = None
        self._hold: Hold | None = None
        self._holds: list[Hold] = []  # slips held so far: released at close, so no thread stays
        self._threads: list[threading.Thread] = []
        self._sock: socket.socket | None = None
        self._fds: list[int] = []
        self._stop = threading.Event()
        self.port = 0
        self.pty_path = ""

    # -- control ------------------------------------------------------------
    def set_state(self, state: str) -> None:
        if state not in FAULTS:
            raise ValueError(f"state must be one of {', '.join(FAULTS)}")
        with self.lock:
            self.state = state

    def run_out_after(self, nbytes: int) -> None:
        """The roll has paper for nbytes more of printing, then ends (mid-ticket)."""
        with self.lock:
            self._budget = nbytes

    def hold_next_slip(self) -> Hold:
        """The next slip waits in the printer until hold.release() (then prints, or fails as set)."""
        with self.lock:
            self._hold = Hold()
            return self._hold

    @property
    def printed(self) -> list[Ticket]:
        """Whole tickets: cut with everything on them."""
        return [t for t in self.tickets if t.cut and not t.torn]

    # -- the printer -------------------------------------------------------------
    def _decoder(self, answer) -> Decoder:
        d = Decoder(on_status=lambda n: self._status(n, answer), on_ticket=self._ticket)
        d.on_paper_end = lambda: self.set_state("paper_out")
        orig = d.feed

        def feed(data: bytes) -> None:
            with self.lock:
                hold, self._hold = (self._hold, None) if self._hold and not _queries_only(data) else (None, self._hold)
            if hold is not None:
                self._holds.append(hold)
                hold.arrived.set()
                hold._go.wait()
            with self.lock:
                d.printing = self.state in PRINTS
                d.budget, self._budget = (self._budget, None) if self._budget is not None else (d.budget, None)
            orig(data)
        d.feed = feed
        return d

    def _status(self, n: int, answer) -> None:
        with self.lock:
            self.queries.append(n)
            state, table = self.state, FAULTS[self.state]
        if n & 0x100:  # GS r: a printer stopped (no paper, cover open) works no further through its buffer
            if state in PRINTS and state != "no_answer":
                answer(bytes((GS_R_PAPER[state],)))
            return
        if table is not None and n in table:
            answer(bytes((table[n],)))

    def _ticket(self, t: Ticket) -> None:
        if t.lines or t.qr or t.images or t.torn:
            with self.lock:
                self.tickets.append(t)
            if self.on_ticket is not None:
                self.on_ticket(t)

    # -- TCP -----------------------------------------------------------------------
    def serve_tcp(self, port: int = 0, host: str = "127.0.0.1") -> int:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(4)
        s.settimeout(0.2)
        self._sock, self.port = s, s.getsockname()[1]
        self._spawn(self._accept, s)
        return self.port

    def _accept(self, s: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = s.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._client, conn)

    def _client(self, conn: socket.socket) -> None:
        d = self._decoder(lambda b: conn.sendall(b))
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                d.feed(data)

    # -- pty (a serial printer) --------------------------------------------------------
    def serve_pty(self) -> str:
        """A pty whose slave path a Serial printer opens (the baud rate is ignored)."""
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds += [master, slave]
        self.pty_path = os.ttyname(slave)
        d = self._decoder(lambda b: os.write(master, b))
        self._spawn(self._pty, master, d)
        return self.pty_path

    def _pty(self, master: int, d: Decoder) -> None:
        import select
        while not self._stop.is_set():
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                d.feed(data)

    # -- life ---------------------------------------------------------------------------
    def _spawn(self, fn, *args) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True, name="printer-emulator")
        t.start()
        self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        for hold in self._holds:
            hold.release()
        if self._sock is not None:
            self._sock.close()
        for t in self._threads:
            t.join(timeout=2)
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
