"""The slip's QR code drawn for a screen: the kiosk shows it with a number issued "on screen
only" (the printer is out), so the citizen still gets the phone page the slip would have
given. An SVG as a data: address, made here (qrcode, already the printer's), nothing fetched."""
from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg


def data_url(text: str) -> str:
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = img.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
