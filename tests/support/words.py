"""What people read must be Chinese, with names and local times (docs/REPORTS.md, the working
rules): helpers that find what slipped through (English words, codes, ISO timestamps) in the
text of a page, a PDF, an XLSX or a CSV. Importable as `support_words` (tests/ is on the path).

    english_or_iso(text) -> ["wait_s", "2026-12-09T09:10:00+08:00", ...]   (empty: all is well)

A word is offending when it holds two or more Latin letters in a row ("SB", "wait_s", "None"),
unless allowed: the few words halls use as they are (QR, PDF, Excel, CSV), and whatever the
caller adds (the hall file's own names: `configured_words(hall)`). A ticket number (A001), a
staff number (s001), P90 or a unit symbol (%) has at most one letter in a row and passes.
A timestamp is offending when it is ISO 8601 with a "T" or a zone (2026-12-09T09:10, 09:10:00+08:00,
…Z); 2026-12-09 09:10 and 2026年12月9日 09:10 are how the hall writes times."""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

# Words and units a Chinese hall uses as they are: a QR code, a file's kind, an LED screen, KB, MB, GB, dBm.
ALLOWED = frozenset({"QR", "PDF", "Excel", "CSV", "LED", "KB", "MB", "GB", "dBm"})
# With a T, or a time to the second with a zone ("09:00-12:00", opening hours, is no timestamp).
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
                 r"|\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
                 r"|\d{4}-\d{2}-\d{2}-[A-Z]{1,2}\d+")  # ... or a ticket's id (2026-11-23-A001): its number is shown
WORD = re.compile(r"[A-Za-z0-9_]*[A-Za-z]{2}[A-Za-z0-9_]*")


def english_or_iso(text: str, allow: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The offending words and timestamps of `text`, each once, in the order found."""
    found: list[str] = []
    for m in ISO.finditer(text):
        found.append(m.group())
    rest = ISO.sub(" ", text)
    for m in WORD.finditer(rest):
        w = m.group()
        letters = re.findall(r"[A-Za-z]{2,}", w)  # 16KB is a figure and its unit
        if w not in allow and not all(x in ALLOWED or x in allow for x in letters):
            found.append(w)
    return list(dict.fromkeys(found))


def configured_words(hall) -> set[str]:
    """Latin words in the hall file's own names (a window called "VIP窗口" says VIP on purpose)."""
    texts = [hall.name, *(s.name for s in hall.services), *(s.department for s in hall.services),
             *(m.name for s in hall.services for m in s.matters), *(w.display_text for w in hall.windows),
             *(s.name for s in hall.staff), *(r.text for r in hall.evaluation.reasons), *hall.queue.pause_reasons,
             *(d.id for d in hall.devices)]  # a device is named by its id in the hall file (s1-pad)
    return {m.group() for t in texts for m in WORD.finditer(t or "")}


def pdf_text(pdf: bytes | Path) -> str:
    """Every word of a PDF as pdftotext (poppler-utils) reads it."""
    if isinstance(pdf, bytes | bytearray):
        out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=bytes(pdf), capture_output=True,
                             check=True, timeout=60)
        return out.stdout.decode("utf-8")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def xlsx_cells(data: bytes) -> list[tuple[str, str, object]]:
    """(sheet, cell, value) of every filled cell, and each sheet's name as (sheet, "", name)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    out: list[tuple[str, str, object]] = []
    for ws in wb:
        out.append((ws.title, "", ws.title))
        for row in ws.iter_rows():
            out += [(ws.title, c.coordinate, c.value) for c in row if c.value is not None]
    if wb.properties.title:
        out.append(("", "title", wb.properties.title))
    return out


TEXT_LOOKS_TYPED = re.compile(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")


def xlsx_problems(data: bytes, allow: set[str] = frozenset()) -> list[str]:
    """English words and ISO timestamps in any text cell, and numbers, dates or times kept as text
    (Excel can neither add them up nor sort them as dates)."""
    problems = []
    for sheet, ref, v in xlsx_cells(data):
        if isinstance(v, str):
            problems += [f"{sheet}!{ref}: {w}" for w in english_or_iso(v, allow)]
            if TEXT_LOOKS_TYPED.fullmatch(v.strip()):
                problems.append(f"{sheet}!{ref}: {v!r} is text, not a number, date or time")
        elif not isinstance(v, int | float | dt.date):
            problems.append(f"{sheet}!{ref}: {v!r} of type {type(v).__name__}")
    return problems
