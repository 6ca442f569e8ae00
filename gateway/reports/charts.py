"""The report's charts, drawn once with ReportLab's graphics and used twice: as vector drawings
in the PDF (export.py) and as SVG on the dashboard (its text stays text in the page's DOM).

Server-rendered rather than a chart library in the browser: the PDF needs the same charts,
nothing has to be fetched or built for the page, and a Pi serves a few kilobytes of SVG.
Pure functions of the report dict (or the trend's), except for registering the CJK font."""
from __future__ import annotations

from pathlib import Path

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# Debian's fonts-wqy-microhei (also the hall pages' CJK font): one TTC, face 0.
FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
FONT = "WQYMicroHei"
BLUE, GREEN, ORANGE, GREY = (colors.HexColor(c) for c in ("#2f6fb0", "#3a9a5b", "#d9822b", "#8a8a8a"))
W, H = 640, 250


def font() -> str:
    """The CJK font's name for ReportLab, registered on first use."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_FILES if p.exists()), None)
        if path is None:
            raise RuntimeError("no CJK font: install the Debian package fonts-wqy-microhei (make system)")
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


def _frame(title: str, width: int = W, height: int = H) -> Drawing:
    d = Drawing(width, height)
    d.add(String(10, height - 18, title, fontName=font(), fontSize=13, fillColor=colors.black))
    return d


def _bars(d: Drawing, cls, data: list[list[float]], names: list[str], fills, x=50, y=40, w=None, h=None):
    c = cls()
    c.x, c.y = x, y
    c.width, c.height = w or d.width - x - 20, h or d.height - y - 50
    c.data = data or [[0]]
    c.categoryAxis.categoryNames = names or [""]
    c.categoryAxis.labels.fontName = c.valueAxis.labels.fontName = font()
    c.categoryAxis.labels.fontSize = c.valueAxis.labels.fontSize = 8
    c.valueAxis.valueMin = 0
    c.valueAxis.forceZero = True
    c.barSpacing, c.groupSpacing = 1, 4
    for i, fill in enumerate(fills):
        c.bars[i].fillColor = fill
        c.bars[i].strokeColor = None
    d.add(c)
    return c


def _legend(d: Drawing, pairs: list[tuple], x: float) -> None:
    lg = Legend()
    lg.x, lg.y = x, d.height - 12
    lg.fontName, lg.fontSize = font(), 9
    lg.alignment = "right"
    lg.columnMaximum = 1
    lg.dx = lg.dy = 8
    lg.deltax = 70
    lg.colorNamePairs = pairs
    d.add(lg)


def days(rep: dict) -> Drawing:
    d = _frame("每日取号与办结")
    rows = rep["days"]
    names = [r["date"][5:] if len(rows) <= 16 else (r["date"][8:] if i % 2 == 0 else "")
             for i, r in enumerate(rows)]
    c = _bars(d, VerticalBarChart, [[r["issued"] for r in rows], [r["served"] for r in rows]], names,
              (BLUE, GREEN))
    c.categoryAxis.labels.angle = 45 if len(rows) > 16 else 0
    c.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 16 else "n"
    _legend(d, [(BLUE, "取号"), (GREEN, "办结")], W - 170)
    return d


def hours(rep: dict) -> Drawing:
    d = _frame("各时段取号与办结（按小时）")
    rows = [h for h in rep["hours"] if h["issued"] or h["served"]] or rep["hours"][8:18]
    _bars(d, VerticalBarChart, [[h["issued"] for h in rows], [h["served"] for h in rows]],
          [f"{h['hour']}时" for h in rows], (BLUE, GREEN))
    _legend(d, [(BLUE, "取号"), (GREEN, "办结")], W - 170)
    return d


def waits(rep: dict) -> Drawing:
    d = _frame("等候时长分布（分钟）")
    rows = rep["wait_histogram"]
    names = [f"{r['from_s'] // 60}-{r['to_s'] // 60}" if r["to_s"] is not None else f"{r['from_s'] // 60}以上"
             for r in rows]
    _bars(d, VerticalBarChart, [[r["count"] for r in rows]], names, (ORANGE,))
    return d


def satisfaction(rep: dict, limit: int = 24) -> Drawing:
    rows = [w for w in rep["windows"] if w["ratings"]["rated"]][:limit]
    height = max(H, 60 + 14 * len(rows))
    d = _frame("各窗口满意度（%）", height=height)
    c = _bars(d, HorizontalBarChart, [[round(100 * w["ratings"]["satisfaction_rate"], 1) for w in rows]],
              [w["name"] or str(w["window"]) for w in rows], (GREEN,), x=110)
    c.valueAxis.valueMax = 100
    c.valueAxis.valueStep = 10
    c.categoryAxis.reverseDirection = True
    return d


def trend(tr: dict) -> Drawing:
    d = _frame("满意度周趋势（%）")
    c = HorizontalLineChart()
    c.x, c.y, c.width, c.height = 50, 40, W - 70, H - 90
    series = [[None if v is None else round(100 * v, 1) for v in tr["hall"]["satisfaction_rate"]]]
    c.data = [[v if v is not None else 0 for v in s] for s in series]
    c.categoryAxis.categoryNames = [w["label"] for w in tr["weeks"]]
    c.categoryAxis.labels.fontName = c.valueAxis.labels.fontName = font()
    c.categoryAxis.labels.fontSize = c.valueAxis.labels.fontSize = 8
    c.valueAxis.valueMin, c.valueAxis.valueMax, c.valueAxis.valueStep = 0, 100, 20
    c.lines[0].strokeColor, c.lines[0].strokeWidth = GREEN, 2
    d.add(c)
    return d


CHARTS = {"days": days, "hours": hours, "waits": waits, "satisfaction": satisfaction}


def svg(d: Drawing) -> str:
    out = renderSVG.drawToString(d)
    return out[out.index("<svg"):]  # inline in the page: no XML declaration or doctype


def svgs(rep: dict) -> dict[str, str]:
    return {name: svg(fn(rep)) for name, fn in CHARTS.items()}
