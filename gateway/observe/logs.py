"""The gateway's log, bounded: what repeats is written once in a while with a count, and a log
file (under `make run`; systemd's journal has limits of its own) rotates at a size.

    repeats = configure(log_file=None, max_bytes=..., keep=..., every=10.0)   # in `hallgw run`
    repeats.suppressed     # records not written so far

RepeatFilter sits on the root logger's handler. Records of one kind (the same logger, level and
message template, or its first line for messages built before logging, as asyncio's are) pass
while the kind has tokens: a burst of BURST, then one a interval (`every`). The rest are
counted, and once the interval is over one line says how many were not written and what the
last one said. A socket flood that made 148,346 records (66 MB) in 12 s makes a few lines."""
from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
EVERY_S = 10.0
BURST = 10          # a kind's records written before the rate applies: a normal hall never gets here
KINDS_KEPT = 1000   # kinds remembered; the quiet ones are forgotten past this (messages built per call)
LAST_CHARS = 200
MAX_BYTES = 10 * 1024 * 1024
KEEP = 3


@dataclass
class _Kind:
    tokens: float
    at: float               # when the tokens were last counted
    suppressed: int = 0
    since: float = 0.0      # the first record suppressed since the last count line
    last: str = ""


class RepeatFilter(logging.Filter):
    def __init__(self, every: float = EVERY_S, burst: int = BURST, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every, self.burst, self.clock = every, burst, clock
        self.suppressed = 0
        self._kinds: dict[tuple, _Kind] = {}
        self._lock = threading.Lock()
        self._handler: logging.Handler | None = None
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple:
        return record.name, record.levelno, str(record.msg).split("\n", 1)[0][:LAST_CHARS]

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "repeat_count", False):
            return True  # our own count line
        now = self.clock()
        key = self.kind(record)
        with self._lock:
            k = self._kinds.get(key)
            if k is None:
                if len(self._kinds) >= KINDS_KEPT:
                    self._forget(now)
                k = self._kinds[key] = _Kind(tokens=float(self.burst), at=now)
            k.tokens = min(float(self.burst), k.tokens + (now - k.at) / self.every)
            k.at = now
            if k.tokens >= 1.0:
                k.tokens -= 1.0
                return True
            if not k.suppressed:
                k.since = now
            k.suppressed += 1
            self.suppressed += 1
            k.last = record.getMessage().split("\n", 1)[0][:LAST_CHARS]
            return False

    def _forget(self, now: float) -> None:
        for key in [key for key, k in self._kinds.items() if not k.suppressed and now - k.at > self.every]:
            del self._kinds[key]

    def due(self, now: float | None = None) -> list[logging.LogRecord]:
        """The count lines of the kinds whose interval of suppression is over (then reset)."""
        clock = self.clock()
        now = clock if now is None else now  # inf: every count, at the end
        out = []
        with self._lock:
            for (name, level, _template), k in self._kinds.items():
                if k.suppressed and now - k.since >= self.every:
                    rec = logging.LogRecord(name, level, __file__, 0, "suppressed %d more like this in the last "
                                            "%.0f s (the last: %s)", (k.suppressed, min(now, clock) - k.since, k.last), None)
                    rec.repeat_count = k.suppressed
                    out.append(rec)
                    k.suppressed = 0
        return out

    def flush(self, now: float | None = None) -> None:
        """Write the count lines that are due through the handler this filter sits on."""
        handler = self._handler
        for rec in self.due(now):
            if handler is not None:
                handler.handle(rec)

    def attach(self, handler: logging.Handler) -> RepeatFilter:
        handler.addFilter(self)
        self._handler = handler
        return self

    def start(self) -> RepeatFilter:
        """A thread that writes the count lines as they fall due, until close()."""
        def loop():
            while not self._stop.wait(min(1.0, self.every / 2)):
                self.flush()
        self._flusher = threading.Thread(target=loop, name="log-repeats", daemon=True)
        self._flusher.start()
        return self

    def close(self) -> None:
        """Stop the thread and write what is still counted."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(5)
        self.flush(float("inf"))


class CappedFile(io.TextIOBase):
    """A log file that rotates at max_bytes, keeping `keep` old ones (FILE.1 the newest). It is
    also the process's stdout and stderr, down to descriptors 1 and 2, so what anything prints,
    even from C, lands in the same capped file."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, keep: int = KEEP):
        super().__init__()
        self.path, self.max_bytes, self.keep = Path(path), max_bytes, keep
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self.size = os.fstat(self._fd).st_size
        for std in (1, 2):
            os.dup2(self._fd, std)

    def _rotate(self) -> None:
        os.close(self._fd)
        for n in range(self.keep, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n - 1}") if n > 1 else self.path
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n}"))
        self._open()

    def write(self, s: str) -> int:
        data = s.encode("utf-8", "replace")
        with self._lock:
            if self.size and self.size + len(data) > self.max_bytes:
                self._rotate()
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            self.size += len(data)
        return len(s)

    def flush(self) -> None:
        pass  # every write went straight to the file

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    @property
    def encoding(self) -> str:
        return "utf-8"


def configure(log_file: Path | None = None, max_bytes: int = MAX_BYTES, keep: int = KEEP,
              every: float = EVERY_S) -> RepeatFilter:
    """The root logger at INFO in the gateway's format, on stderr or on a capped file (which
    then also takes stdout and stderr), with the repeat filter and its flusher thread."""
    stream = sys.stderr
    if log_file is not None:
        stream = CappedFile(log_file, max_bytes, keep)
        sys.stdout = sys.stderr = stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return RepeatFilter(every).attach(handler).start()
