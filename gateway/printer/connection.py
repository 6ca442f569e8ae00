"""The kiosk printer through python-escpos: Network(host, port), Serial(devfile, baudrate) or
Usb(vendor, product) from the hall file's [kiosk] printer. One connection per use (a 9100 port
takes one client at a time; a printer switched off and on again is found on the next ticket)."""
from __future__ import annotations

import logging
import time

from gateway.config.kiosk import PrinterAddress
from gateway.printer import status as st

log = logging.getLogger(__name__)
DLE_EOT = b"\x10\x04"
GS_R_PAPER = b"\x1dr\x01"  # transmit paper sensor status: answered in turn, after the data before it
PRINT_SECONDS = 10.0  # a slip (with pictures) prints in 1-3 s at 150 mm/s


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
            if self.address.kind != "serial":
                return bytes(self.dev.query_status(DLE_EOT + bytes((n,))) or b"")[:1]
            self.dev._raw(DLE_EOT + bytes((n,)))  # query_status, with a read that stops at the answer
            return self._read()[:1]
        except Exception:  # a timeout, or the connection went away
            return b""

    def _read(self) -> bytes:
        """What the printer has sent; at least one byte, or nothing by the timeout. (python-escpos's
        Serial reads 16 bytes, so it would wait out the whole timeout for a 1-byte answer.)"""
        if self.address.kind == "serial":
            port = self.dev.device
            return port.read(max(1, port.in_waiting))
        return self.dev._read()

    def _ask_nothing(self) -> None:
        try:
            self._read()
        except Exception:
            pass

    def status(self) -> str:
        printer = self._ask(st.PRINTER)
        cause = self._ask(st.OFFLINE_CAUSE) if st.valid(printer) and printer[0] & st.OFFLINE_BIT else None
        paper = self._ask(st.PAPER) if st.valid(printer) and not printer[0] & st.OFFLINE_BIT else None
        return st.state(printer, cause, paper)

    def send(self, data: bytes) -> bool:
        """Send a slip and wait until the printer has worked through it: DLE EOT is answered at
        once, even with the slip still in the buffer, so the status after printing is asked only
        once GS r 1 (answered in turn) comes back. False: no answer in time (out of paper, say)."""
        try:
            self.dev._raw(data + GS_R_PAPER)
        except Exception as e:
            raise PrinterError(f"printing failed: {e}") from None
        end = time.monotonic() + max(PRINT_SECONDS, self.timeout)
        while time.monotonic() < end:
            # Meanwhile DLE EOT 1 tells a printer that stopped (offline: no paper, cover open).
            # The answers tell themselves apart: every DLE EOT byte has bit 4 set, GS r 1's has not.
            try:
                self.dev._raw(DLE_EOT + b"\x01")
                got = self._read()
            except TimeoutError:
                continue
            except Exception:
                return False
            done = any(not b & 0x10 for b in got)
            if done and all(not b & 0x10 for b in got):
                self._ask_nothing()  # the DLE EOT answer still on its way must not pass for the next one
            if done:
                return True
            if any(st.valid(bytes((b,))) and b & st.OFFLINE_BIT for b in got):
                return False
            time.sleep(0.05)
        return False
