"""The gateway's MQTT link (paho-mqtt 2.x): a thin shell that connects,
keeps reconnecting with capped backoff, announces the gateway with a retained
availability and last will, subscribes to the devices' topics and hands every
message to one callback, on a thread of its own.

That thread, not paho's network thread, commits each event: paho writes what a callback
publishes only after the callback returns, so a desired state published from inside the
commit (the display showing the number called) would wait for every other subscriber of
the runtime (the pages, the outbox) to finish. On its own thread the commit's publishes go
out at once. One thread, first in first out: the order of events is kept."""
from __future__ import annotations

import logging
import queue
import socket
import sqlite3
import threading
import time

import paho.mqtt.client as mqtt

from gateway import latency
from gateway.devices import health
from protocols import status, topics

log = logging.getLogger(__name__)

QOS = 1
KEEPALIVE = 15  # seconds: the broker publishes our last will about 1.5x this after a power cut


def nodelay(sock) -> None:
    # Without TCP_NODELAY every small publish waits 40-90 ms for a delayed ACK (Nagle).
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


class Link:
    def __init__(self, hall_id: str, host: str, port: int, on_message, boot: str,
                 username: str | None = None, password: str | None = None, state: health.Health | None = None,
                 ca_file: str | None = None, admit=None):
        self.hall_id = hall_id
        self.host, self.port = host, port
        self._on_message = on_message
        # admit(topic) -> False: a device past its budget; the message is dropped here, on paho's
        # thread, before it waits in the inbox (the plane's budget, gateway/devices/budget.py).
        self._admit = admit
        self._boot = boot
        self._health = state or health.GATEWAY
        # A fixed client id with a persistent session: QoS 1 events that devices
        # sent while the gateway was down are delivered when it comes back.
        # Manual acks: a device event is acknowledged to the broker only once it is
        # committed (or dropped for good), so a failed commit is delivered again.
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"hallgw-{hall_id}",
                        clean_session=False, protocol=mqtt.MQTTv311, manual_ack=True)
        if username:
            c.username_pw_set(username, password)
        if ca_file:
            # A broker without a plain listener ([broker] plain = false): TLS on loopback too,
            # its certificate checked against the hall CA and for the address connected to.
            c.tls_set(ca_certs=ca_file)
        c.will_set(topics.gateway_availability(hall_id), status.availability(False), qos=QOS, retain=True)
        c.reconnect_delay_set(min_delay=1, max_delay=30)
        c.max_inflight_messages_set(100)
        c.max_queued_messages_set(0)
        c.on_socket_open = lambda client, userdata, sock: nodelay(sock)
        c.on_connect = self._connected
        c.on_disconnect = self._disconnected
        c.on_message = self._message
        self.client = c
        self.connected = False
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        self._worker = threading.Thread(target=self._work, name="device-intake", daemon=True)
        self._worker.start()
        self.client.connect_async(self.host, self.port, keepalive=KEEPALIVE)
        self.client.loop_start()

    def stop(self) -> None:
        if self.connected:
            # A clean goodbye: the retained availability says offline at once.
            info = self.client.publish(topics.gateway_availability(self.hall_id), status.availability(False),
                                       qos=QOS, retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        self.connected = False  # a goodbye, not a lost broker: no warning
        self.client.disconnect()
        self.client.loop_stop()
        if self._worker is not None:
            # What is still queued is committed now; its acks no longer reach the broker,
            # which delivers it again next time (and the origin check drops the repeat).
            self._inbox.put(None)
            self._worker.join(10)
            self._worker = None

    def publish(self, topic: str, payload: str, retain: bool = True) -> None:
        self.client.publish(topic, payload, qos=QOS, retain=retain)

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker %s:%d refused the gateway: %s", self.host, self.port, reason_code)
            self._health.set(health.ERROR)
            return
        self.connected = True
        client.subscribe([(topics.device_filter(self.hall_id, k), QOS)
                          for k in (topics.EVENT, topics.STATE, topics.AVAILABILITY)])
        client.publish(topics.gateway_availability(self.hall_id), status.availability(True, self._boot),
                       qos=QOS, retain=True)
        log.info("connected to broker %s:%d", self.host, self.port)
        self._health.set(health.CONNECTED)

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        was = self.connected
        self.connected = False
        if was:
            log.warning("lost broker %s:%d: %s; reconnecting", self.host, self.port, reason_code)
        self._health.set(health.LOST)

    def _message(self, client, userdata, msg) -> None:
        if self._admit is not None and not self._admitted(msg.topic):
            # Dropped for good: acknowledged now, so the broker neither keeps it in flight for us
            # nor sends it again; nothing of it is kept.
            if msg.qos:
                client.ack(msg.mid, msg.qos)
            return
        self._inbox.put((msg, time.perf_counter()))  # acknowledged by the worker once committed (manual acks)

    def _admitted(self, topic) -> bool:
        try:
            return self._admit(topic)
        except Exception:  # never on paho's network thread: the message goes to the intake as before
            log.exception("the device budget failed on %s; the message is read", topic)
            return True

    def _work(self) -> None:
        while (item := self._inbox.get()) is not None:
            msg, arrived = item
            self._handle(self.client, msg)
            if msg.topic.endswith("/" + topics.EVENT):
                # Committed, and the desired states it changed handed to paho (the runtime's
                # subscribers ran inside the commit): what the press waited for.
                latency.PRESS_TO_DESIRED.observe(time.perf_counter() - arrived)

    def _handle(self, client, msg) -> None:
        try:
            self._on_message(msg.topic, msg.payload)
        except (sqlite3.Error, OSError):
            # Not committed (disk full, store unwritable): leave it unacknowledged; the
            # persistent session delivers it again after the next reconnect.
            log.exception("message on %s not committed; left for the broker to deliver again", msg.topic)
            return
        except Exception:
            # Never let one message take the intake thread down with it; a message
            # that trips a fault would do so each time, so it is dropped (acknowledged).
            log.exception("message on %s could not be handled; dropped", msg.topic)
        if msg.qos:
            client.ack(msg.mid, msg.qos)
