"""systemd's notify protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET, no library needed.

The unit is Type=notify with WatchdogSec: READY=1 once the gateway answers its own /healthz,
then WATCHDOG=1 after each further round trip through it (HTTP event loop, a request thread,
the runtime's lock, a store write). A gateway hung anywhere on that path stops pinging and
systemd restarts it; a free-running timer thread would keep pinging for a dead gateway."""
from __future__ import annotations

import logging
import os
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

log = logging.getLogger("hallgw.watchdog")


def notify_socket(env: Mapping[str, str] | None = None) -> str | None:
    return (os.environ if env is None else env).get("NOTIFY_SOCKET") or None


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    addr = notify_socket(env)
    if not addr:
        return False
    if addr.startswith("@"):  # abstract namespace
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall(state.encode())
    except OSError as e:
        log.warning("could not notify systemd (%s): %s", addr, e)
        return False
    return True


def ping_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Half of WatchdogSec (sd_watchdog_enabled(3)'s advice), or None without a watchdog."""
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
    if not usec or (pid and pid.isdigit() and int(pid) != os.getpid()):
        return None
    return int(usec) / 1e6 / 2


def http_probe(url: str, timeout: float) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                r.read()
            return True
        except urllib.error.HTTPError:
            return True  # 503 is an answer: the gateway is alive, /healthz says what is wrong
        except OSError:
            return False
    return probe


class Watchdog:
    def __init__(self, probe: Callable[[], bool], interval: float | None, send=notify, startup_poll: float = 0.2):
        self.probe, self.interval, self.send, self.startup_poll = probe, interval, send, startup_poll
        self.ready = False
        self.pings = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.ready:
            self.send("STOPPING=1")
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            answered = self.probe()
            if self._stop.is_set():
                return
            if answered and not self.ready:
                self.ready = True
                self.send("READY=1\nSTATUS=serving")
                log.info("told systemd the gateway is ready%s",
                         f"; watchdog ping every {self.interval:g} s" if self.interval else "")
                if not self.interval:
                    return
            elif answered:
                self.send("WATCHDOG=1")
                self.pings += 1
            elif self.ready:
                log.warning("the gateway did not answer its own /healthz: no watchdog ping")
            self._stop.wait(self.interval if self.ready else self.startup_poll)
