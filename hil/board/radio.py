"""The board's Wi-Fi as seen from the network: a TCP relay between the
emulated device and the real broker. Cutting the radio freezes the relay
(nothing passes, the broker is told nothing, as when a station drops off
the air); restoring it drops the stale connections so the device reconnects.

The station's power save (powersave.py) is the firmware's own: the emulated
network.WLAN tells the host what `wlan.config(pm=...)` set, and while the
station sleeps, what the broker sends TO the board waits at the access point
for the next beacon the station wakes for; what the board sends goes at once."""
from __future__ import annotations

import collections
import select
import socket
import threading

from hil.board.powersave import PM_DEFAULT, PM_NAMES, PM_NONE, Beacons

TURN_S = 0.05   # the relay's longest wait between looks


class Radio:
    def __init__(self, broker_host: str, broker_port: int, beacons: Beacons | None = None):
        self.target = (broker_host, broker_port)
        self.on = True
        self.beacons = beacons or Beacons()
        self.pm = PM_DEFAULT       # the station's power-save mode, as the firmware last set it
        self.passed = 0            # chunks to the board that went at once (station awake)
        self.held = 0              # chunks to the board that waited for a beacon
        # each held chunk's wait at the access point, on the beacon clock (ms), the newest last
        self.waits_ms: collections.deque[float] = collections.deque(maxlen=4096)
        self._queue: list[tuple[float, float, socket.socket, bytes]] = []   # (due, arrived, to the board, data)
        self._ls = socket.socket()
        self._ls.bind(("127.0.0.1", 0))
        self._ls.listen(8)
        self.port = self._ls.getsockname()[1]
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._from_broker: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = False
        self.beacons.on_advance(self._beacon)
        self._t = threading.Thread(target=self._pump, daemon=True, name=f"radio:{self.port}")
        self._t.start()

    def set(self, on: bool) -> None:
        with self._lock:
            if on and not self.on:
                self._drop_pairs()
            self.on = on

    def cut(self) -> None:
        """End the device's connections with the radio still on, as a broker that
        restarts or a router that resets them would: the device sees them closed."""
        with self._lock:
            self._drop_pairs()

    def station_pm(self, pm: int) -> None:
        """The station's power-save mode (WLAN.PM_*): set by the firmware through the emulated
        network.WLAN, and to ESP-IDF's default at each power-up. Awake, it takes at once what
        the access point holds for it."""
        if pm not in PM_NAMES:
            raise ValueError(f"unknown power-save mode {pm!r}")
        with self._lock:
            self.pm = pm
            if pm == PM_NONE and self.on:
                self._release(flush=True)

    @property
    def pm_name(self) -> str:
        return PM_NAMES[self.pm]

    def holding(self) -> int:
        """Bytes for the board the access point holds until the station wakes."""
        with self._lock:
            return sum(len(q[3]) for q in self._queue)

    def queued(self) -> int:
        """What the access point holds for the board: chunks of data, and a broker's close."""
        with self._lock:
            return len(self._queue)

    def _drop_pairs(self) -> None:
        for s in list(self._pairs):
            s.close()
        self._pairs.clear()
        self._from_broker.clear()
        self._queue.clear()

    def _accept(self) -> None:
        dev, _ = self._ls.accept()
        if not self.on:
            dev.close()  # no association: the connect never gets through
            return
        try:
            up = socket.create_connection(self.target, timeout=2)
        except OSError:
            dev.close()
            return
        for s in (dev, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pairs[dev] = up
        self._pairs[up] = dev
        self._from_broker.add(up)

    def _to_board(self, dev: socket.socket, data: bytes) -> None:
        """Data (b"": the broker closed the connection) for the board: at once while the station
        is awake, else held until the beacon it wakes for, behind what is held already (the
        access point keeps one queue per station, in order)."""
        now = self.beacons.now_ms()
        due = self.beacons.wake_ms(self.pm, now)
        if due <= now and not self._queue:
            self.passed += 1
            self._deliver(dev, data)
            return
        if self._queue:
            due = max(due, self._queue[-1][0])
        self._queue.append((due, now, dev, data))

    def _deliver(self, dev: socket.socket, data: bytes) -> None:
        if dev not in self._pairs:
            return   # its connection was dropped meanwhile
        if data:
            try:
                dev.sendall(data)
                return
            except OSError:
                pass
        self._pairs.pop(dev, None)
        dev.close()

    def _release(self, flush: bool = False) -> None:
        now = self.beacons.now_ms()
        while self._queue and (flush or self._queue[0][0] <= now):
            due, arrived, dev, data = self._queue.pop(0)
            self.held += 1
            self.waits_ms.append(min(due, now) - arrived)
            self._deliver(dev, data)

    def _beacon(self) -> None:
        with self._lock:
            if self.on:
                self._release()

    def _wait_s(self) -> float:
        if not self._queue or self.beacons.frozen:
            return TURN_S
        return max(0.0, min(TURN_S, (self._queue[0][0] - self.beacons.now_ms()) / 1000))

    def _pump(self) -> None:
        while not self._stop:
            with self._lock:
                live = list(self._pairs) if self.on else []
                wait = self._wait_s()
            try:
                ready, _, _ = select.select([self._ls] + live, [], [], wait)
            except (OSError, ValueError):
                continue
            with self._lock:
                if self.on:
                    self._release()
                for s in ready:
                    if s is self._ls:
                        self._accept()
                        continue
                    if not self.on or s not in self._pairs:
                        continue
                    peer = self._pairs[s]
                    data = b""
                    try:
                        data = s.recv(65536)
                    except OSError:
                        pass
                    if s in self._from_broker:
                        if not data:   # the broker's close reaches the board as its data would
                            self._pairs.pop(s, None)
                            self._from_broker.discard(s)
                            s.close()
                        self._to_board(peer, data)
                        continue
                    if data:
                        try:
                            peer.sendall(data)
                            continue
                        except OSError:
                            pass
                    for x in (s, peer):
                        self._pairs.pop(x, None)
                        self._from_broker.discard(x)
                        x.close()

    def close(self) -> None:
        self._stop = True
        self.beacons.off_advance(self._beacon)
        self._t.join(1)
        with self._lock:
            self._drop_pairs()
        self._ls.close()
