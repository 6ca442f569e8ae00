"""The report's exports, each `report -> bytes` (docs/REPORTS.md): CSV in UTF-8 with a BOM (so
Excel opens the Chinese), XLSX with one sheet per section (openpyxl), and a printable A4 PDF in
Chinese with the charts (ReportLab, the font from Debian's fonts-wqy-microhei)."""
from __future__ import annotations

import csv
import io

from gateway.reports import charts, tables


def to_csv(rep: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([tables.title(rep)])
    for name, head, rows in tables.sections(rep):
        w.writerow([])
        w.writerow([f"【{name}】"])
        w.writerow(head)
        w.writerows([["" if v is None else v for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rep: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, head, rows in tables.sections(rep):
        ws = wb.create_sheet(name)
        ws.append(head)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, h in enumerate(head, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(8, min(40, 2 * len(str(h)) + 2))
    wb.properties.title = tables.title(rep)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(rep: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    f = charts.font()
    h1 = ParagraphStyle("h1", fontName=f, fontSize=18, leading=24, spaceAfter=6, wordWrap="CJK")
    h2 = ParagraphStyle("h2", fontName=f, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=f, fontSize=9.5, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=f, fontSize=7, leading=9, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=tables.title(rep), author=rep["hall"]["name"])
    width = A4[0] - 28 * mm

    def table(head, rows, widths=None, limit=None):
        shown = rows if limit is None else rows[:limit]
        data = [[Paragraph(str(h), cell) for h in head]] + [
            [Paragraph("" if v is None else str(v), cell) for v in row] for row in shown]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        items = [t]
        if limit is not None and len(rows) > limit:
            items.append(Paragraph(f"（共 {len(rows)} 行，此处列出前 {limit} 行；全部见 XLSX / CSV）", body))
        return items

    def scaled(d, max_w=width):
        k = min(1.0, max_w / d.width)
        d.scale(k, k)
        d.width, d.height = d.width * k, d.height * k
        return d

    secs = {name: (head, rows) for name, head, rows in tables.sections(rep)}
    t, r = rep["totals"], rep["totals"]["ratings"]
    story = [Paragraph(tables.title(rep), h1),
             Paragraph(f"统计期间 {rep['period']['from']} 至 {rep['period']['to']}，共 {rep['calendar']['days']} 天，"
                       f"其中工作日 {rep['calendar']['working_days']} 天。生成于 {rep['generated_at']}。", body),
             Paragraph(f"本期取号 {t['issued']} 张，办结 {t['served']} 件，未到 {t['no_show']} 人，转办 {t['transferred']} 件；"
                       f"平均等候 {tables.minutes(t['wait_s']['avg']) or 0} 分钟；收到评价 {r['rated']} 条，满意度 "
                       f"{tables.pct(r['satisfaction_rate']) if r['satisfaction_rate'] is not None else '—'}%，"
                       f"差评 {r['bad']} 条（整改未办结 {rep['followups']['open']} 件，超期 "
                       f"{rep['followups']['overdue']} 件）。", body),
             Spacer(1, 4)]
    story += table(["项目", "数值"], secs["总览"][1], [45 * mm, width - 45 * mm])
    story.append(Paragraph("图表", h2))
    for d in (charts.days(rep), charts.hours(rep), charts.waits(rep), charts.satisfaction(rep)):
        story.append(KeepTogether([scaled(d), Spacer(1, 6)]))
    story.append(PageBreak())
    keep = [0, 1, 2, 4, 5, 7, 10, 12, 13, 14, 15]  # the columns a page can hold (FIG_HEAD indices)
    head = [tables.FIG_HEAD[i] for i in keep]
    story.append(Paragraph("窗口", h2))
    story += table(["窗口", "名称", *head], [row[:2] + [row[2 + i] for i in keep] for row in secs["窗口"][1]])
    story.append(Paragraph("人员（年度考核：差评与出勤）", h2))
    staff_rows = [[row[0], row[1], row[2], row[3], row[7], row[8], row[9], row[11 + 2], row[11 + 12],
                   row[11 + 13], row[10]] for row in secs["人员"][1]]
    story += table(["工号", "姓名", "出勤天数", "登录次数", "在岗(时)", "暂停(时)", "暂停原因", "办结", "评价数",
                    "满意度(%)", "差评"], staff_rows)
    story.append(Paragraph("差评明细（归属：票号、窗口、人员、时间）", h2))
    story += table(secs["差评"][0], secs["差评"][1])
    story.append(Paragraph("告警", h2))
    story += table(secs["告警"][0], secs["告警"][1], limit=200)
    story.append(Paragraph("口径说明", h2))
    for k, v in rep["definitions"].items():
        story.append(Paragraph(f"{k}：{v}", body))

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(f, 8)
        canvas.drawString(14 * mm, 8 * mm, f"{rep['hall']['name']} · {rep['period']['label']}")
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, f"第 {doc_.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
