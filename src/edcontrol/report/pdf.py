"""The printable lesson report (PDF): score and reasons, the timeline image, the top moments with their
evidence, and who talked how much.

fpdf2 with the DejaVu fonts matplotlib ships (full Cyrillic), so nothing is fetched and Russian prints.
Every figure printed is read from the report; only its layout is decided here.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from edcontrol.report.digest import Report, chip_text, duration_s, moments, positives, reason_text, watch_first
from edcontrol.report.i18n import mmss, tr
from edcontrol.report.timeline_image import timeline_png

TOP_MOMENTS = 10
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Pdf(FPDF):
    lang = "en"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(120)
        self.cell(0, 8, f"EdControl · {tr('pdf_page', self.lang, n=self.page_no())}", align="C")
        self.set_text_color(0)


def lesson_pdf(
    report: Report,
    lang: str = "en",
    meta: dict[str, str] | None = None,
    thumbnails: dict[str, bytes] | None = None,
) -> bytes:
    """PDF bytes. ``meta``: lesson facts from the store (teacher, date); ``thumbnails``: JPEG per moment id."""
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.lang = lang
    pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, tr("pdf_title", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=10)
    facts = [
        (tr("pdf_file", lang), report["source"]["file_name"]),
        (tr("pdf_duration", lang), mmss(duration_s(report))),
        (tr("pdf_generated", lang), str(report.get("generated_at", ""))[:16].replace("T", " ")),
    ]
    facts += [(k, v) for k, v in (meta or {}).items() if v]
    for label, value in facts:
        pdf.cell(0, 6, f"{label}: {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 13)
    ranked = moments(report)
    by_id = {m.id: m for m in ranked}
    score = report.get("score")
    pdf.cell(0, 8, f"{tr('score', lang)}: {score['value'] if score else '—'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    if score and score["reasons"]:
        for reason in score["reasons"]:
            moment = by_id.get(reason.get("moment_id") or "")
            when = f"{mmss(moment.start_s)} · " if moment and lang != "en" else ""
            pdf.multi_cell(
                0,
                5,
                f"• {when}{reason_text(reason, by_id, lang)} ({tr('points_off', lang, points=reason['points'])})",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    elif score:
        pdf.cell(0, 5, tr("score_perfect", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, tr("timeline", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.image(io.BytesIO(timeline_png(report, lang)), w=pdf.epw)

    rows = top_moments(report)
    _section(pdf, tr("watch_first", lang), None if rows else tr("moments_none", lang))
    for rank, row in enumerate(rows, 1):
        thumb = (thumbnails or {}).get(row.id)
        top = pdf.get_y()
        if top > pdf.h - 45:
            pdf.add_page()
            top = pdf.get_y()
        text_x = pdf.l_margin
        if thumb:
            pdf.image(io.BytesIO(thumb), x=pdf.l_margin, y=top, h=22)
            text_x = pdf.l_margin + 34
        pdf.set_xy(text_x, top)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(
            0,
            5,
            f"{rank}. {mmss(row.start_s)}–{mmss(row.end_s)}  {tr('kind_' + row.kind, lang)}  ({row.who})",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_font("DejaVu", size=9)
        pdf.set_x(text_x)
        pdf.cell(
            0,
            5,
            " · ".join(chip_text(c, lang) for c in row.chips)
            + f" · {tr('moment_intensity', lang)}: {row.intensity} · {tr('moment_confidence', lang)}: "
            f"{row.confidence}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        if row.excerpt:
            pdf.set_x(text_x)
            pdf.multi_cell(
                pdf.epw - (text_x - pdf.l_margin), 5, f"«{row.excerpt}»", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        pdf.set_y(max(pdf.get_y(), top + (24 if thumb else 0)) + 2)

    good = positives(report)
    _section(pdf, tr("positives", lang), None if good else tr("positives_none", lang))
    for g in good[:TOP_MOMENTS]:
        said = f" «{g.excerpt}»" if g.excerpt else ""
        pdf.multi_cell(
            0,
            5,
            f"• {mmss(g.start_s)} {tr('kind_' + g.kind, lang)} ({g.lane}){said}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    speakers = (report.get("audio") or {}).get("speakers", [])
    if speakers:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(0, 8, tr("conversation", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=8)
        head = [
            "speaker",
            "person",
            "role",
            "talk_time",
            "talk_share",
            "turns",
            "longest_monologue",
            "interruptions",
            "questions",
        ]
        with pdf.table(text_align="LEFT", line_height=5, col_widths=(9, 9, 16, 11, 11, 9, 14, 13, 10)) as table:
            row = table.row()
            for key in head:
                row.cell(tr(key, lang))
            for sp in speakers:
                m = sp["metrics"]
                row = table.row()
                for value in (
                    sp["id"],
                    sp.get("person_id") or "—",
                    tr("role_" + sp.get("role", "unknown"), lang),
                    mmss(m["talk_time_s"]),
                    f"{m['talk_share']:.0%}",
                    m["turns"],
                    mmss(m["longest_monologue_s"]),
                    m["interruptions"],
                    m["questions"],
                ):
                    row.cell(str(value))
    return bytes(pdf.output())


def top_moments(report: Report) -> list:
    """The moments the PDF shows as cards: the watch-first list, or the most severe when it is empty."""
    return watch_first(report) or moments(report)[:TOP_MOMENTS]


def _section(pdf: FPDF, title: str, empty: str | None) -> None:
    """A list's heading, then its body font; ``empty`` is said instead when the list has nothing."""
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    if empty is not None:
        pdf.cell(0, 6, empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
