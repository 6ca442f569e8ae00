"""The mirror's MQTT connection (paho 2.x): TCP_NODELAY, TLS when asked, reconnection
with capped backoff, and every message handed to one worker thread in arrival order
(paho's network thread only queues it, so a slow database never stalls the socket).

paho keeps nothing on disk and the session may be clean: nothing here is trusted to
keep data. What must arrive is sent again until the other side acknowledges it."""
from __future__ import annotations

import logging
import queue
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from gateway.devices.link import nodelay

log = logging.getLogger("hallgw.mirror")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""


class Connection:
    def __init__(self, endpoint: Endpoint, client_id: str, subscriptions: list[str],
                 on_message: Callable[[str, bytes], None], on_connect: Callable[[], None] | None = None):
        self.endpoint = endpoint
        self.subscriptions = subscriptions
        self._on_message, self._on_connect = on_message, on_connect
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True,
                        protocol=mqtt.MQTTv311)
        if endpoint.username:
            c.username_pw_set(endpoint.username, endpoint.password or None)
        if endpoint.tls:
            c.tls_set(ca_certs=endpoint.ca_file or None, certfile=endpoint.cert_file or None,
                      keyfile=endpoint.key_file or None, cert_reqs=ssl.CERT_REQUIRED)
        c.reconnect_delay_set(min_delay=1, max_delay=30)
        c.max_inflight_messages_set(200)
        c.max_queued_messages_set(0)
        c.on_socket_open = lambda client, userdata, sock: nodelay(sock)
        c.on_connect = self._connected
        c.on_disconnect = self._disconnected
        c.on_message = lambda client, userdata, msg: self._inbox.put((msg.topic, bytes(msg.payload)))
        self.client = c
        self.connected = threading.Event()
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        self._worker = threading.Thread(target=self._work, name=f"mirror-{self.client._client_id.decode()}",
                                        daemon=True)
        self._worker.start()
        self.client.connect_async(self.endpoint.host, self.endpoint.port, keepalive=15)
        self.client.loop_start()

    def stop(self) -> None:
        self.connected.clear()
        self.client.disconnect()
        self.client.loop_stop()
        if self._worker is not None:
            self._inbox.put(None)
            self._worker.join(10)
            self._worker = None

    def publish(self, topic: str, payload: bytes) -> bool:
        if not self.connected.is_set():
            return False
        return self.client.publish(topic, payload, qos=1).rc == mqtt.MQTT_ERR_SUCCESS

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("mirror: %s:%d refused us: %s", self.endpoint.host, self.endpoint.port, reason_code)
            return
        client.subscribe([(t, 1) for t in self.subscriptions])
        self.connected.set()
        log.info("mirror: connected to %s:%d", self.endpoint.host, self.endpoint.port)
        if self._on_connect is not None:
            self._inbox.put(("", b""))  # on the worker: resend from the acknowledged position

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected.is_set():
            log.warning("mirror: lost %s:%d (%s); reconnecting", self.endpoint.host, self.endpoint.port, reason_code)
        self.connected.clear()

    def _work(self) -> None:
        while (item := self._inbox.get()) is not None:
            topic, payload = item
            try:
                if not topic:
                    self._on_connect()
                else:
                    self._on_message(topic, payload)
            except Exception:
                # One bad message (or a database gone for a moment) must not end the intake:
                # nothing was acknowledged for it, so the sender tries again.
                log.exception("mirror: message on %s not handled", topic or "(connect)")


class Worker:
    """A mirror part: its connection plus one thread of its own (`_loop`), woken by poke()."""
    conn: Connection
    thread_name = "mirror"

    def _init_worker(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poke(self, _events=None) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()
        self.conn.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.conn.stop()
        if self._thread is not None:
            self._thread.join(15)

    def _loop(self) -> None:
        raise NotImplementedError
