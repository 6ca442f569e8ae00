"""A short, real hall day for the observability tests: `hallgw run` as a subprocess on a
Mosquitto of its own, the village hall delivering to the emulated province and printing on
the emulated ESC/POS printer, and its five devices played by one paho client that presses
the keys a clerk and a citizen would."""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from pathlib import Path

import paho.mqtt.client as mqtt

from gateway.upstream.secret import write_secret
from hil.printer.emulator import PrinterEmulator
from hil.province.control import Province
from hil.province.hall_file import with_upstream
from hil.services.gateway import Gateway
from protocols import events, identity, status, topics
from tests.support import ROOT
from tests.support.mosquitto import Mosquitto, free_port

SECRET = "observe-day-secret"
MONDAY_9 = 1795395600.0  # 2026-11-23 09:00 Asia/Shanghai: the village is open
SPEED = 30.0             # simulated seconds per real second: waits of minutes in seconds


def village_text(province_url: str, secret_file: Path, printer_port: int) -> str:
    text = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
    text = with_upstream(text, province_url, "village-demo", secret_file, retry_max=1, timeout=1.0)
    text = re.sub(r'^printer = "none".*$', f'printer = "network:127.0.0.1:{printer_port}"\n'
                  'public_base_url = "http://127.0.0.1:8080"', text, flags=re.M)
    return text.replace("embedded = true", "embedded = false")


class Devices:
    """The village's pads, evaluators and display as one MQTT client."""

    def __init__(self, hall_id: str, port: int, ids: list[str]):
        self.hall_id, self.ids = hall_id, ids
        self.seq = {d: identity.Sequence() for d in ids}
        self.desired: dict[str, dict] = {}
        self.cv = threading.Condition()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"observe-devices-{time.monotonic_ns()}")
        c.on_connect = lambda cl, u, f, rc, p: cl.subscribe(topics.device_filter(hall_id, topics.DESIRED), 1)
        c.on_message = self._desired
        c.connect("127.0.0.1", port)
        c.loop_start()
        self.client = c

    def _desired(self, cl, u, msg) -> None:
        _, dev, _ = topics.parse(msg.topic)
        with self.cv:
            self.desired[dev] = json.loads(msg.payload)
            self.cv.notify_all()

    def online(self, dev: str, up: bool = True) -> None:
        self.client.publish(topics.availability(self.hall_id, dev),
                            status.availability(up, self.seq[dev].boot), qos=1, retain=True).wait_for_publish(5)

    def press(self, dev: str, key: str, **fields) -> None:
        s = self.seq[dev]
        e = events.action(dev, s.boot, s.next(), int(time.time()), key, **fields)
        self.client.publish(topics.event(self.hall_id, dev), events.encode(e), qos=1)

    def rate(self, dev: str, prompt: str, level: int, reasons=None) -> None:
        s = self.seq[dev]
        e = events.rating(dev, s.boot, s.next(), int(time.time()), prompt, level, int(time.time()), reasons)
        self.client.publish(topics.event(self.hall_id, dev), events.encode(e), qos=1)

    def wait(self, dev: str, test, timeout: float = 10.0) -> dict:
        with self.cv:
            if not self.cv.wait_for(lambda: dev in self.desired and test(self.desired[dev]), timeout):
                raise TimeoutError(f"{dev}: desired state never matched; last {self.desired.get(dev)}")
            return self.desired[dev]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Day:
    """Everything the day needs, stopped by close() (also after a failure)."""

    def __init__(self, tmp: Path):
        self.broker = Mosquitto(tmp / "mosquitto").start()
        self.province = Province(tmp / "province", "village-demo", SECRET).start()
        self.printer = PrinterEmulator()
        port = self.printer.serve_tcp(0)
        secret = tmp / "upstream.secret"
        write_secret(secret, SECRET)
        self.config = tmp / "village.toml"
        self.config.write_text(village_text(self.province.url, secret, port), encoding="utf-8")
        self.gateway = Gateway(self.config, tmp / "gateway", free_port(), self.broker.port, embedded_broker=False,
                               clock=(MONDAY_9, SPEED, time.time()), without=("announcer",))
        self.backups = tmp / "backups"  # the scheduled backup: the first at once
        self.gateway.args += ["--backup-dir", str(self.backups)]
        self.devices: Devices | None = None

    def start(self) -> Day:
        try:
            self.gateway.start()
            self.devices = Devices("village-demo", self.broker.port,
                                   ["s1-pad", "s1-eval", "s1-led", "s2-pad", "s2-eval"])
        except BaseException:
            self.close()
            raise
        return self

    def text(self, path: str) -> str:
        with urllib.request.urlopen(self.gateway.url + path, timeout=10) as r:
            return r.read().decode()

    def kiosk_ticket(self, service: str, matter: str) -> dict:
        return self.gateway.post("/api/v1/kiosk/tickets", {"service": service, "matter": matter},
                                 token=self.gateway.kiosk_token())

    def serve(self, window: int, level: int, reasons=None) -> None:
        """Call, start, finish, ask for a rating and rate: one citizen at the window."""
        pad, ev = f"s{window}-pad", f"s{window}-eval"
        d = self.devices
        before = d.desired.get(pad, {}).get("ticket")
        d.press(pad, "call_next")
        d.wait(pad, lambda s: s.get("tstate") == "called" and s.get("ticket") != before)
        d.press(pad, "start")
        d.wait(pad, lambda s: s.get("tstate") == "serving")
        d.press(pad, "finish", case="immediate")
        d.wait(pad, lambda s: s.get("tstate") == "")
        d.press(pad, "request_evaluation")
        prompt = d.wait(ev, lambda s: s.get("mode") == "prompt")["prompt"]
        d.rate(ev, prompt, level, reasons)
        d.wait(ev, lambda s: s.get("mode") != "prompt" or s.get("prompt") != prompt)

    def close(self) -> None:
        for stop in (lambda: self.devices and self.devices.close(), self.gateway.stop, self.province.stop,
                     self.printer.close, self.broker.stop):
            try:
                stop()
            except Exception:
                pass
