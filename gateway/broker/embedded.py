"""The embedded broker: amqtt in its own thread with its own asyncio loop, so
`make run` needs no Mosquitto. Anonymous and unencrypted: for a bench or a
demo on loopback; production runs Mosquitto with `hallgw mosquitto-config`."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading

log = logging.getLogger(__name__)
# amqtt logs every state-machine step of every session at INFO (through the
# `transitions` library): hundreds of lines a minute in a busy hall.
for _noisy in ("transitions", "amqtt"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def config(host: str, port: int) -> dict:
    # Only the anonymous-auth plugin: amqtt's default set adds $SYS publishing
    # and per-packet logging, which a hall gateway does not want.
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}", "max_connections": 0}},
        "timeout_disconnect_delay": 0,
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int = 1883):
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> EmbeddedBroker:
        self._thread = threading.Thread(target=self._run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"embedded broker did not start on {self.host}:{self.port}")
        if self._error:
            raise RuntimeError(f"embedded broker could not start on {self.host}:{self.port}: {self._error}")
        log.info("embedded MQTT broker (amqtt) listening on %s:%d", self.host, self.port)
        return self

    def _run(self) -> None:
        from amqtt.broker import Broker

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._broker = Broker(config(self.host, self.port), loop=loop)
            loop.run_until_complete(self._broker.start())
        except BaseException as e:  # report any start failure to start(), not to a dead thread
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()

    def stop(self) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or broker is None or self._error or not loop.is_running():
            return
        fut = asyncio.run_coroutine_threadsafe(broker.shutdown(), loop)
        try:
            fut.result(10)
        except Exception:
            log.exception("embedded broker did not shut down cleanly")
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(10)

    def listening(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
