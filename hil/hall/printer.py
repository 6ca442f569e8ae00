"""The emulated thermal printer of `hall-hil run`: when the hall file's kiosk prints on a
network printer on this machine (the county example: network:127.0.0.1:9109), the printer is
started there before the gateway, so the first ticket prints instead of 打印机脱机. Each slip
is printed on the console and handed to the devices page (hil/hall/feed.py)."""
from __future__ import annotations

from collections.abc import Callable

from hil.printer import PrinterEmulator, Ticket

THIS_MACHINE = ("127.0.0.1", "localhost", "::1")


def local_port(hall) -> int | None:
    """The port of the kiosk's printer when it is a network printer on this machine, else None."""
    a = hall.kiosk.printer
    return a.port if a.kind == "network" and a.host in THIS_MACHINE else None


def console_text(t: Ticket) -> str:
    head = "hall-hil: 取号单（纸用完，未切纸）" if t.torn else "hall-hil: 取号单"
    body = [f"  | {line}" for line in t.text.splitlines()] + [f"  | [二维码] {q}" for q in t.qr]
    return "\n".join([head, *body])


class HallPrinter:
    def __init__(self, port: int, on_slip: Callable[[Ticket], None] = lambda t: None,
                 say: Callable[[str], None] = lambda s: print(s, flush=True)):
        self.port, self.say = port, say

        def slip(t: Ticket) -> None:
            self.say(console_text(t))
            on_slip(t)
        self.emulator = PrinterEmulator(on_ticket=slip)
        self.address: str | None = None

    def start(self) -> HallPrinter:
        """Listens on the port; if another program holds it, says so and goes on without."""
        try:
            self.emulator.serve_tcp(self.port)
        except OSError as e:
            self.say(f"hall-hil: 模拟打印机未启动：端口 {self.port} 已被占用（{e.strerror}）；取号单将打不出来 "
                     f"(emulated printer not started: port {self.port} is taken)")
            return self
        self.address = f"network:127.0.0.1:{self.port}"
        return self

    def close(self) -> None:
        self.emulator.close()
