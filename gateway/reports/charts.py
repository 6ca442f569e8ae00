"""The report's charts, drawn once with ReportLab's graphics and used twice: as vector drawings
in the PDF (export.py) and as SVG on the dashboard (its text stays text in the page's DOM).

Server-rendered rather than a chart library in the browser: the PDF needs the same charts,
nothing has to be fetched or built for the page, and a Pi serves a few kilobytes of SVG.
Pure functions of the report dict (or the trend's), except for registering the CJK font."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# Debian's fonts-wqy-microhei (also the hall pages' CJK font): one TTC, face 0.
FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
FONT = "WQYMicroHei"
BLUE, GREEN, ORANGE, GREY = (colors.HexColor(c) for c in ("#2f6fb0", "#3a9a5b", "#d9822b", "#8a8a8a"))
# Drawn at the size both show it: the dashboard's grid columns are at least 560 px wide and the
# PDF's A4 page holds 516 pt between its margins, so neither scales a chart down and its text
# stays the size it is drawn.
W, H = 510, 260
TITLE, LABEL = 15, 13
MIN_FONT = 12  # what a chart's text may be at the least, as drawn (tests hold every chart to it)


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
    d.add(String(10, height - 20, title, fontName=font(), fontSize=TITLE, fillColor=colors.black))
    return d


def _axes(c) -> None:
    c.categoryAxis.labels.fontName = c.valueAxis.labels.fontName = font()
    c.categoryAxis.labels.fontSize = c.valueAxis.labels.fontSize = LABEL


def _bars(d: Drawing, cls, data: list[list[float]], names: list[str], fills, x=50, y=40, w=None, h=None):
    c = cls()
    c.x, c.y = x, y
    c.width, c.height = w or d.width - x - 20, h or d.height - y - 55
    c.data = data or [[0]]
    c.categoryAxis.categoryNames = names or [""]
    _axes(c)
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
    lg.x, lg.y = x, d.height - 14
    lg.fontName, lg.fontSize = font(), LABEL
    lg.alignment = "right"
    lg.columnMaximum = 1
    lg.dx = lg.dy = 10
    lg.deltax = 70
    lg.colorNamePairs = pairs
    d.add(lg)


def days(rep: dict) -> Drawing:
    d = _frame("每日取号与办结")
    rows = rep["days"]
    many = len(rows) > 10  # month-long: every other day's date, slanted
    names = [r["date"][5:] if not many or i % 2 == 0 else "" for i, r in enumerate(rows)]
    c = _bars(d, VerticalBarChart, [[r["issued"] for r in rows], [r["served"] for r in rows]], names,
              (BLUE, GREEN), y=60 if many else 40, h=H - (60 if many else 40) - 55)
    c.categoryAxis.labels.angle = 45 if many else 0
    c.categoryAxis.labels.boxAnchor = "ne" if many else "n"
    _legend(d, [(BLUE, "取号"), (GREEN, "办结")], W - 130)
    return d


def hours(rep: dict) -> Drawing:
    d = _frame("各时段取号与办结（按小时）")
    rows = [h for h in rep["hours"] if h["issued"] or h["served"]] or rep["hours"][8:18]
    c = _bars(d, VerticalBarChart, [[h["issued"] for h in rows], [h["served"] for h in rows]],
              [f"{h['hour']}时" for h in rows], (BLUE, GREEN))
    if len(rows) > 12:  # a hall open round the clock: every other hour named
        c.categoryAxis.categoryNames = [n if i % 2 == 0 else "" for i, n in enumerate(c.categoryAxis.categoryNames)]
    _legend(d, [(BLUE, "取号"), (GREEN, "办结")], W - 130)
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
    height = max(H, 80 + 20 * len(rows))
    d = _frame("各窗口满意度（%）", height=height)
    c = _bars(d, HorizontalBarChart, [[round(100 * w["ratings"]["satisfaction_rate"], 1) for w in rows]],
              [w["name"] or f"{w['window']}号窗口" for w in rows], (GREEN,), x=135)
    c.valueAxis.valueMax = 100
    c.valueAxis.valueStep = 20
    c.categoryAxis.reverseDirection = True
    c.barLabelFormat = "%.1f"  # each window's figure written on its bar: 92.3 and 96.0 look alike drawn
    c.barLabels.fontName, c.barLabels.fontSize, c.barLabels.fillColor = font(), MIN_FONT, colors.white
    c.barLabels.boxAnchor, c.barLabels.dx = "e", -4
    if not rows:
        d.add(String(d.width / 2, d.height / 2, "本期没有评价", fontName=font(), fontSize=LABEL, fillColor=GREY,
                     textAnchor="middle"))
    return d


def runs(values: list) -> list[list]:
    """One series per unbroken run of weeks with data (None elsewhere): the line never crosses a
    week without ratings, which is no 0 %."""
    out, cur = [], None
    for i, v in enumerate(values):
        if v is None:
            cur = None
            continue
        if cur is None:
            cur = [None] * len(values)
            out.append(cur)
        cur[i] = v
    return out


def trend(tr: dict) -> Drawing:
    """满意度 per week: a point for each week with ratings, lines only between neighbouring ones,
    and 无数据 written at each week without a rating."""
    d = _frame("满意度周趋势（%）")
    c = HorizontalLineChart()
    c.x, c.y, c.width, c.height = 50, 40, W - 70, H - 95
    values = [None if v is None else round(100 * v, 1) for v in tr["hall"]["satisfaction_rate"]]
    series = runs(values)
    c.data = series or [[0] * len(values)]  # no week rated: the axes alone (the row is drawn invisible)
    c.categoryAxis.categoryNames = [w["from"][5:] for w in tr["weeks"]]  # each week by its Monday
    _axes(c)
    if len(values) > 8:
        c.y, c.height = 55, H - 110
        c.categoryAxis.labels.angle, c.categoryAxis.labels.boxAnchor = 30, "ne"
    c.valueAxis.valueMin, c.valueAxis.valueMax, c.valueAxis.valueStep = 0, 100, 20
    for i in range(len(series)):
        c.lines[i].strokeColor, c.lines[i].strokeWidth = GREEN, 2
        c.lines[i].symbol = makeMarker("FilledCircle", size=6, fillColor=GREEN, strokeColor=GREEN)
    if not series:
        c.lines[0].strokeColor = None
    d.add(c)
    n = len(values)
    for i, v in enumerate(values):
        if v is None:  # written top to bottom: three characters fit a week's narrow column
            for k, ch in enumerate("无数据"):
                d.add(String(c.x + c.width * (i + 0.5) / n, c.y + 6 + MIN_FONT * (2 - k), ch, fontName=font(),
                             fontSize=MIN_FONT, fillColor=GREY, textAnchor="middle"))
    return d


CHARTS = {"days": days, "hours": hours, "waits": waits, "satisfaction": satisfaction}


def svg(d: Drawing, name: str = "chart") -> str:
    """The drawing as inline SVG, its ids its own (`name`): a page holds several charts, and a
    shared clip-path id would cut every chart to the first one's size; titled with its title."""
    out = renderSVG.drawToString(d)
    out = out[out.index("<svg"):]  # inline in the page: no XML declaration or doctype
    title = escape(d.contents[0].text) if d.contents and isinstance(d.contents[0], String) else ""
    return (out.replace('id="clip"', f'id="{name}-clip"').replace("url(#clip)", f"url(#{name}-clip)")
            .replace('id="group"', f'id="{name}-group"').replace("<title>...</title>", f"<title>{title}</title>")
            .replace("<desc>...</desc>", ""))


def svgs(rep: dict) -> dict[str, str]:
    return {name: svg(fn(rep), name) for name, fn in CHARTS.items()}
