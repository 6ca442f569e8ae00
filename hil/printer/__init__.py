"""The emulated ESC/POS thermal printer, the peer of gateway/printer/ (mqtt-io's mock beside
each backend): decode.py turns the bytes it receives into printed tickets, emulator.py serves
them on a TCP port (9100 style) or a pty and answers the real-time status queries."""
from hil.printer.decode import Decoder, Line, Ticket
from hil.printer.emulator import FAULTS, PrinterEmulator

__all__ = ["FAULTS", "Decoder", "Line", "PrinterEmulator", "Ticket"]
