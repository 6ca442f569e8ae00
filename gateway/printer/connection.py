"""The kiosk printer through python-escpos: Network(host, port), Serial(devfile, baudrate) or
Usb(vendor, product) from the hall file's [kiosk] printer. One connection per use (a 9100 port
takes one client at a time; a printer switched off and on again is found on the next ticket)."""
from __future__ import annotations

import logging

from gateway.config.kiosk import PrinterAddress
from gateway.printer import status as st

log = logging.getLogger(__name__)
DLE_EOT = b"\x10\x04"


class PrinterError(Exception):
    """The printer could not be reached or took no data."""


class Link:
    def __init__(self, address: PrinterAddress, timeout: float = 2.0):
        self.address, self.timeout = address, timeout
        self.dev = None

    def open(self):
        a = self.address
        try:
            if a.kind == "network":
                from escpos.printer import Network
                dev = Network(a.host, a.port, timeout=self.timeout)
            elif a.kind == "serial":
                from escpos.printer import Serial
                dev = Serial(a.devfile, a.baudrate, timeout=self.timeout)
            elif a.kind == "usb":
                from escpos.printer import Usb
                dev = Usb(a.vendor, a.product, timeout=int(self.timeout * 1000))
            else:
                raise PrinterError("no printer configured")
            dev.open()
        except PrinterError:
            raise
        except Exception as e:  # escpos raises its own DeviceNotFoundError, pyserial/pyusb theirs
            raise PrinterError(f"cannot reach {a}: {e}".replace("\n", " ")) from None
        if getattr(dev, "device", None) is None:
            raise PrinterError(f"cannot reach {a}")
        self.dev = dev
        return self

    def close(self) -> None:
        if self.dev is not None:
            try:
                self.dev.close()
            except Exception:
                log.debug("closing %s", self.address, exc_info=True)
            self.dev = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()

    def _ask(self, n: int) -> bytes:
        """One real-time status query; b"" when the printer does not answer in time."""
        try:
            return bytes(self.dev.query_status(DLE_EOT + bytes((n,))) or b"")[:1]
        except Exception:  # a timeout, or the connection went away
            return b""

    def status(self) -> str:
        printer = self._ask(st.PRINTER)
        cause = self._ask(st.OFFLINE_CAUSE) if st.valid(printer) and printer[0] & st.OFFLINE_BIT else None
        paper = self._ask(st.PAPER) if st.valid(printer) and not printer[0] & st.OFFLINE_BIT else None
        return st.state(printer, cause, paper)

    def send(self, data: bytes) -> None:
        try:
            self.dev._raw(data)
        except Exception as e:
            raise PrinterError(f"printing failed: {e}") from None
