"""The board's Wi-Fi as seen from the network: a TCP relay between the
emulated device and the real broker. Cutting the radio freezes the relay
(nothing passes, the broker is told nothing, as when a station drops off
the air); restoring it drops the stale connections so the device reconnects."""
from __future__ import annotations

import select
import socket
import threading


class Radio:
    def __init__(self, broker_host: str, broker_port: int):
        self.target = (broker_host, broker_port)
        self.on = True
        self._ls = socket.socket()
        self._ls.bind(("127.0.0.1", 0))
        self._ls.listen(8)
        self.port = self._ls.getsockname()[1]
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._lock = threading.Lock()
        self._stop = False
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

    def _drop_pairs(self) -> None:
        for s in list(self._pairs):
            s.close()
        self._pairs.clear()

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

    def _pump(self) -> None:
        while not self._stop:
            with self._lock:
                live = list(self._pairs) if self.on else []
            try:
                ready, _, _ = select.select([self._ls] + live, [], [], 0.05)
            except (OSError, ValueError):
                continue
            with self._lock:
                for s in ready:
                    if s is self._ls:
                        self._accept()
                        continue
                    if not self.on or s not in self._pairs:
                        continue
                    peer = self._pairs[s]
                    try:
                        data = s.recv(65536)
                        if data:
                            peer.sendall(data)
                            continue
                    except OSError:
                        pass
                    for x in (s, peer):
                        self._pairs.pop(x, None)
                        x.close()

    def close(self) -> None:
        self._stop = True
        self._t.join(1)
        with self._lock:
            self._drop_pairs()
        self._ls.close()
