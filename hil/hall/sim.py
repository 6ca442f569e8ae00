"""A whole simulated hall: the gateway as a subprocess, one emulated board per
configured device, and (for the day with faults and the benchmark) a Mosquitto
of its own. Everything started here is stopped by close(), also on failure."""
from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path

from gateway.config import load_file
from gateway.config.model import Hall
from hil.board import Board
from hil.board.powersave import Beacons
from hil.services.gateway import Gateway
from hil.services.mosquitto import Broker, free_port


def board_config(hall: Hall, device, broker_port: int) -> dict:
    c = {"device": device.id, "hall": hall.id, "window": device.window, "wifi_ssid": "hall-iot",
         "wifi_password": "hall-iot-key", "broker_host": "127.0.0.1", "broker_port": broker_port,
         "keepalive": 10}
    if device.role == "display":
        p = hall.window(device.window).panel
        c["panel"] = f"{p.width}x{p.height}"
    if device.wifi_power_save:
        c["wifi_power_save"] = True
    return c


class SimHall:
    def __init__(self, config: str | Path, workdir: str | Path, *, external_broker: bool = False,
                 clock: tuple[float, float, float] | None = None, http_port: int | None = None,
                 without: tuple[str, ...] = (), extra_extensions: str = "", devices: list[str] | None = None,
                 broker_port: int | None = None, beacons: Beacons | dict[str, Beacons] | None = None,
                 power_save: tuple[str, ...] = ()):
        """beacons: the hall access point's (DTIM period; default DTIM 1), or one per device id
        (devices under access points set apart); power_save: devices provisioned as battery ones
        (wifi_power_save), besides those the hall file marks."""
        self.config = Path(config)
        self.hall = load_file(self.config)
        self.workdir = Path(workdir)
        self.broker = Broker(self.workdir / "mosquitto", broker_port) if external_broker else None
        broker_port = self.broker.port if self.broker else broker_port or self.hall.broker.port
        self.broker_port = broker_port
        self.gateway = Gateway(self.config, self.workdir / "gateway", http_port or free_port(), broker_port,
                               embedded_broker=not external_broker, clock=clock, without=without,
                               extra_extensions=extra_extensions)
        chosen = [d for d in self.hall.devices if devices is None or d.id in devices]
        ap = beacons if isinstance(beacons, Beacons) else Beacons()
        per = beacons if isinstance(beacons, dict) else {}
        self.boards: dict[str, Board] = {
            d.id: Board(d.role, dict(board_config(self.hall, d, broker_port),
                                     **({"wifi_power_save": True} if d.id in power_save else {})),
                        self.workdir / "boards" / d.id, beacons=per.get(d.id, ap))
            for d in chosen}

    def start(self, gateway: bool = True) -> SimHall:
        """Broker, gateway, boards; gateway=False leaves the gateway to the caller
        (the day starts its clock once the boards are up)."""
        try:
            if self.broker:
                self.broker.start()
            if gateway:
                self.gateway.start()
            # Boards compile their flash and boot in parallel, a few at a time.
            with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
                list(pool.map(lambda b: b.start(30), self.boards.values()))
        except BaseException:
            self.close()
            raise
        return self

    def board_of(self, window: int, role: str) -> Board | None:
        for dev, b in self.boards.items():
            d = self.hall.device(dev)
            if d.window == window and d.role == role:
                return b
        return None

    def close(self) -> None:
        def stop(b: Board) -> None:
            try:
                b.stop()
            except Exception:
                pass
        # In parallel: one after another, 69 boards take about a minute to stop.
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(stop, self.boards.values()))
        self.gateway.stop()
        if self.broker:
            self.broker.stop()

    def __enter__(self) -> SimHall:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
