"""The report's exports, each `report -> bytes` (docs/REPORTS.md), all three from tables.py's
model, for people: CSV in UTF-8 with a BOM (so Excel opens the Chinese), XLSX with one sheet per
section (openpyxl: numbers, dates and times as real cells with their formats, columns sized to
their content), and a printable A4 PDF in Chinese with the charts (ReportLab, the font from
Debian's fonts-wqy-microhei)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from gateway.reports import charts, tables
from gateway.reports.definitions import TEXT as DEFINITIONS

# Excel number formats by the cell's type (a float is a figure rounded to 0.1).
XLSX_FORMATS = ((dt.datetime, "yyyy-mm-dd hh:mm"), (dt.date, "yyyy-mm-dd"), (float, "0.0"), (int, "0"))
XLSX_MAX_WIDTH = 60  # characters; longer text wraps inside its cell


def to_csv(rep: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([tables.title(rep)])
    for name, head, rows in tables.sections(rep):
        w.writerow([])
        w.writerow([f"【{name}】"])
        w.writerow(head)
        w.writerows([[tables.text(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_format(v) -> str | None:
    return next((f for t, f in XLSX_FORMATS if isinstance(v, t)), None)


def to_xlsx(rep: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for name, head, rows in tables.sections(rep):
        ws = wb.create_sheet(name)
        ws.append(head)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        widths = [tables.width(h) for h in head]
        for row in ws.iter_rows(min_row=2):
            for i, cell in enumerate(row):
                fmt = xlsx_format(cell.value)
                if fmt:
                    cell.number_format = fmt
                w = len(fmt) if fmt and not isinstance(cell.value, int | float) else tables.width(cell.value)
                if w > XLSX_MAX_WIDTH:
                    cell.alignment = wrap
                widths[i] = max(widths[i], min(w, XLSX_MAX_WIDTH))
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w + 2
        ws.freeze_panes = "A2"
        if name != "总览" and rows:
            ws.auto_filter.ref = ws.dimensions
    wb.properties.title = tables.title(rep)
    wb.properties.creator = rep["hall"]["name"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(rep: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    f = charts.font()
    h1 = ParagraphStyle("h1", fontName=f, fontSize=18, leading=24, spaceAfter=6, wordWrap="CJK")
    h2 = ParagraphStyle("h2", fontName=f, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=f, fontSize=10, leading=15, wordWrap="CJK")
    note = ParagraphStyle("note", parent=body, spaceAfter=3)
    cell = ParagraphStyle("cell", fontName=f, fontSize=8, leading=10, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=tables.title(rep), author=rep["hall"]["name"])
    width = A4[0] - 28 * mm
    pad = 7  # a cell's left and right padding together, in points (and a point to spare)

    def measure(v) -> float:
        return stringWidth(tables.text(v), f, cell.fontSize)

    def unbroken(v) -> float:
        """The narrowest a cell may wrap to: its longest word (a date, a ticket number), or
        five CJK characters (Chinese wraps between any two; 非常不满意 stays whole)."""
        return max([0.0] + [min(measure(w), 5 * cell.fontSize) if tables.width(w) > len(w) else measure(w)
                            for w in tables.text(v).split()])

    def widths(head, rows) -> list[float]:
        """Each column as wide as its content, to the page's width; when they do not fit, the
        columns of long text give way first (they wrap), never below their longest unbroken word."""
        nat = [max([measure(h) / 2, 2 * cell.fontSize] + [min(measure(r[i]), 20 * cell.fontSize) for r in rows])
               for i, h in enumerate(head)]
        least = [min(n, max([2 * cell.fontSize] + [unbroken(r[i]) for r in rows])) for i, n in enumerate(nat)]
        room = width - pad * len(head)
        if sum(nat) <= room:
            got = [n * room / sum(nat) for n in nat]
        elif sum(least) < room:
            give = (sum(nat) - room) / (sum(nat) - sum(least))
            got = [n - (n - m) * give for n, m in zip(nat, least, strict=True)]
        else:
            got = [m * room / sum(least) for m in least]
        return [g + pad for g in got]

    def table(head, rows, limit=None):
        shown = rows if limit is None else rows[:limit]
        data = [[Paragraph(str(h), cell) for h in head]] + [
            [Paragraph("—" if v is None else tables.text(v), cell) for v in row] for row in shown]  # — : no figure
        t = Table(data, colWidths=widths(head, shown), repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        items = [t]
        if limit is not None and len(rows) > limit:
            items.append(Paragraph(f"（共 {len(rows)} 行，此处列出前 {limit} 行；全部见 Excel 或 CSV 导出）", body))
        return items

    def scaled(d, max_w=width):
        k = min(1.0, max_w / d.width)
        d.scale(k, k)
        d.width, d.height = d.width * k, d.height * k
        return d

    secs = {name: (head, rows) for name, head, rows in tables.sections(rep)}
    t, r = rep["totals"], rep["totals"]["ratings"]
    rate = tables.pct(r["satisfaction_rate"])
    story = [Paragraph(tables.title(rep), h1),
             Paragraph(f"统计期间 {rep['period']['from']} 至 {rep['period']['to']}，共 {rep['calendar']['days']} 天，"
                       f"其中工作日 {rep['calendar']['working_days']} 天。生成于 "
                       f"{tables.cn_time(tables.local(rep['generated_at']))}。", body),
             Paragraph(f"本期取号 {t['issued']} 张，办结 {t['served']} 件，未到 {t['no_show']} 人，转办 {t['transferred']} 件；"
                       f"平均等候 {tables.minutes(t['wait_s']['avg']) or 0} 分钟。", body),
             Paragraph(f"收到评价 {r['rated']} 条（其中补充评价 {r['supplementary']} 条），满意度 "
                       f"{'—' if rate is None else rate}%；差评 {r['bad']} 条（整改未办结 {rep['followups']['open']} 件，"
                       f"超期 {rep['followups']['overdue']} 件）。", body),
             Spacer(1, 4)]
    pairs = [row for row in secs["总览"][1] if row[0] != "满意度口径"]  # that one is a sentence, below
    half = (len(pairs) + 1) // 2
    story += table(["项目", "数值", "项目", "数值"],
                   [a + b for a, b in zip(pairs[:half], pairs[half:] + [[None, None]], strict=False)])
    story += [Spacer(1, 3), Paragraph(f"满意度口径：{DEFINITIONS['satisfaction_rate']}", note)]
    drawn = [[scaled(d), Spacer(1, 6)] for d in (charts.days(rep), charts.hours(rep), charts.waits(rep),
                                                charts.satisfaction(rep))]
    drawn[0].insert(0, Paragraph("图表", h2))  # the heading goes with its first chart
    story += [KeepTogether(d) for d in drawn]
    story.append(PageBreak())
    keep = [0, 1, 2, 4, 5, 7, 10, 12, 13, 14, 15]  # the columns a page can hold (FIG_HEAD indices)
    head = [tables.FIG_HEAD[i] for i in keep]
    story.append(Paragraph("窗口", h2))
    story += table(["窗口", *head], [[row[1]] + [row[2 + i] for i in keep] for row in secs["窗口"][1]])
    story.append(Paragraph("人员（年度考核：差评与出勤）", h2))
    staff_rows = [[row[0], row[1], row[2], row[3], row[7], row[8], row[9], row[11 + 2], row[11 + 12],
                   row[11 + 13], row[10]] for row in secs["人员"][1]]
    story += table(["工号", "姓名", "出勤天数", "登录次数", "在岗(时)", "暂停(时)", "暂停原因", "办结", "评价数",
                    "满意度(%)", "差评"], staff_rows)
    story.append(PageBreak())
    story.append(Paragraph("差评明细（归属：票号、业务事项、窗口、人员、时间）", h2))
    if secs["差评"][1]:
        story += table(*secs["差评"])
    else:
        story.append(Paragraph("本期没有差评。", body))
    story.append(Paragraph("告警", h2))
    story += table(*secs["告警"], limit=200) if secs["告警"][1] else [Paragraph("本期没有告警。", body)]
    story.append(Paragraph("口径说明", h2))
    story += [Paragraph(v, note) for v in DEFINITIONS.values()]

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(f, 8)
        canvas.drawString(14 * mm, 8 * mm, f"{rep['hall']['name']} · {rep['period']['label']}")
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, f"第 {doc_.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
