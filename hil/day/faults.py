"""The day's faults, each a real one: the gateway SIGKILLed and restarted, the
broker restarted, a board power-cycled, a board's Wi-Fi cut, and a device event
delivered twice (captured off the broker and published again, same boot/seq)."""
from __future__ import annotations

import socket
import threading
import time

import paho.mqtt.client as mqtt

from hil.board.board import BoardError

WIFI_OUT_SECONDS = 3.0


class Tap:
    """Listens to every device event of the hall, to deliver one again later."""

    def __init__(self, hall_id: str, port: int):
        self.events: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"hil-tap-{time.monotonic_ns()}")
        c.on_socket_open = lambda cl, ud, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.on_connect = lambda cl, ud, fl, rc, pr: cl.subscribe(f"hall/{hall_id}/device/+/event", 1)
        c.on_message = self._on_message
        c.connect("127.0.0.1", port)
        c.loop_start()
        self.client = c

    def _on_message(self, client, userdata, msg) -> None:
        with self.lock:
            self.events.append((msg.topic, bytes(msg.payload)))

    def redeliver(self, device: str | None) -> str | None:
        """Publish the device's last event again (any device's, if it sent none, as
        displays never do); returns whose event went out twice."""
        with self.lock:
            mine = [e for e in self.events if device and f"/device/{device}/" in e[0]] or self.events
            if not mine:
                return None
            topic, payload = mine[-1]
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)
        return topic.split("/")[3]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def inject(day, fault) -> tuple[str, bool]:
    """Carry out one planned fault: what happened, for the log, and whether the
    fault was really carried out (only those count)."""
    sim = day.sim
    if fault.kind == "gateway_kill":
        sim.gateway.kill()
        time.sleep(0.5)
        sim.gateway.start()
        return "gateway SIGKILLed and restarted", True
    if fault.kind == "broker_restart":
        sim.broker.restart(0.5)
        return "broker restarted", True
    board = sim.boards.get(fault.target)
    if fault.kind == "duplicate":
        dev = day.tap.redeliver(fault.target)
        return (f"event of {dev} delivered again", True) if dev else ("no event yet to deliver again", False)
    if board is None:
        return f"no board {fault.target}", False
    try:
        if fault.kind == "power_cycle":
            board.power_cycle(0.3)
            return f"{fault.target} power-cycled", True
        if fault.kind == "wifi_loss":
            board.wifi(False)
            time.sleep(WIFI_OUT_SECONDS)
            board.wifi(True)
            return f"{fault.target} lost Wi-Fi for {WIFI_OUT_SECONDS:.0f} s", True
    except BoardError as e:
        return f"{fault.kind} on {fault.target} not carried out: {e}", False
    raise ValueError(f"unknown fault {fault.kind}")
