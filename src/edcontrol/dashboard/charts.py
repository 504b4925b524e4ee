"""Plotly figures for the dashboard, drawn from ``report.digest`` so they match the PDF's still image.

The lesson timeline: one lane per person on one shared time axis. In each lane: presence on screen (grey
area), the face's negative intensity (red line), the voice's arousal (orange line; z-score mapped onto the
lane, the true z in the hover), speaking turns (blue bar along the top) and the moments (shaded spans,
with a clickable marker at each peak whose hover says what, how strong, how sure).
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from edcontrol.report.digest import MOMENT_COLOUR, Lane, Report, arousal_level, duration_s
from edcontrol.report.i18n import mmss, tr

_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def time_ticks(end_s: float, target: int = 10) -> tuple[list[float], list[str]]:
    """Round tick positions (every 5 s … 1 h) labelled mm:ss."""
    step = next((s for s in _STEPS if end_s / s <= target), _STEPS[-1])
    values = [float(v) for v in range(0, int(end_s) + 1, step)]
    return values, [mmss(v) for v in values]


def _lane_title(lane: Lane, lang: str) -> str:
    role = tr("role_" + lane.role, lang)
    if lane.person_id is None:
        return f"{tr('lane_voice_only', lang, speaker=lane.key)} · {role}"
    voices = f" · {', '.join(lane.speaker_ids)}" if lane.speaker_ids else ""
    return f"{lane.key}{voices} · {role}"


def timeline_figure(report: Report, lanes: list[Lane], lang: str = "en") -> go.Figure:
    end = max(duration_s(report), 1.0)
    n = max(1, len(lanes))
    fig = make_subplots(
        rows=n,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.08, 0.3 / n),
        subplot_titles=[_lane_title(lane, lang) for lane in lanes] or [tr("timeline_empty", lang)],
    )
    shown: set[str] = set()

    def legend(name: str) -> dict:
        first = name not in shown
        shown.add(name)
        return {"name": name, "legendgroup": name, "showlegend": first}

    for row, lane in enumerate(lanes, start=1):
        if lane.t:
            fig.add_trace(
                go.Scatter(
                    x=lane.t,
                    y=lane.presence,
                    mode="lines",
                    line={"shape": "hv", "width": 0},
                    fill="tozeroy",
                    fillcolor="rgba(150,150,150,0.25)",
                    hovertemplate="%{y:.2f}<extra>" + tr("presence", lang) + "</extra>",
                    **legend(tr("presence", lang)),
                ),
                row=row,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=lane.t,
                    y=lane.negative_intensity,
                    mode="lines",
                    line={"color": "#d62728", "width": 1.5},
                    connectgaps=False,
                    hovertemplate="%{y:.2f}<extra>" + tr("negative_face", lang) + "</extra>",
                    **legend(tr("negative_face", lang)),
                ),
                row=row,
                col=1,
            )
        if lane.speech_t and lane.arousal_z:
            fig.add_trace(
                go.Scatter(
                    x=lane.speech_t,
                    y=[arousal_level(z) for z in lane.arousal_z],
                    customdata=lane.arousal_z,
                    mode="lines",
                    line={"color": "#ff7f0e", "width": 1},
                    connectgaps=False,
                    hovertemplate="z = %{customdata:.2f}<extra>" + tr("arousal", lang) + "</extra>",
                    **legend(tr("arousal", lang)),
                ),
                row=row,
                col=1,
            )
        if lane.turns:
            xs: list[float | None] = []
            for start, stop in lane.turns:
                xs += [start, stop, None]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[1.1 if x is not None else None for x in xs],
                    mode="lines",
                    line={"color": "#1f77b4", "width": 6},
                    hoverinfo="skip",
                    **legend(tr("speaking", lang)),
                ),
                row=row,
                col=1,
            )
        for m in lane.moments:
            fig.add_vrect(
                x0=m.start_s,
                x1=max(m.end_s, m.start_s + 0.5),
                fillcolor=MOMENT_COLOUR[m.modality],
                opacity=0.2,
                line_width=0,
                row=row,
                col=1,
            )
        if lane.moments:
            fig.add_trace(
                go.Scatter(
                    x=[m.peak_s for m in lane.moments],
                    y=[1.0] * len(lane.moments),
                    mode="markers",
                    marker={
                        "symbol": "triangle-down",
                        "size": 12,
                        "color": [MOMENT_COLOUR[m.modality] for m in lane.moments],
                    },
                    customdata=[[m.id, m.start_s] for m in lane.moments],
                    hovertext=[
                        f"{tr('kind_' + m.kind, lang)} · {mmss(m.start_s)}–{mmss(m.end_s)}<br>"
                        f"{tr('moment_intensity', lang)} {m.intensity} · {tr('moment_confidence', lang)} {m.confidence}"
                        for m in lane.moments
                    ],
                    hoverinfo="text",
                    **legend(tr("moments", lang)),
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(range=[0, 1.35], showticklabels=False, fixedrange=True, row=row, col=1)
    ticks, labels = time_ticks(end)
    fig.update_xaxes(range=[0, end], tickvals=ticks, ticktext=labels)
    fig.update_xaxes(title_text=tr("time_axis", lang), row=n, col=1)
    fig.update_layout(
        height=130 + 140 * n,
        margin={"l": 10, "r": 10, "t": 90, "b": 40},
        legend={"orientation": "h", "yref": "container", "y": 0.99, "yanchor": "top", "x": 0},
        hovermode="closest",
        dragmode="zoom",
    )
    return fig


def trend_figure(trend: list[dict], lang: str = "en") -> go.Figure:
    """A teacher's months: moments per hour (bars) and average score (line, right axis)."""
    months = [row["month"] for row in trend]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=months,
            y=[row["moments_per_hour"] for row in trend],
            name=tr("col_moments_per_hour", lang),
            marker_color="#d62728",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[row.get("average_score") for row in trend],
            mode="lines+markers",
            name=tr("col_avg_score", lang),
            line={"color": "#1f77b4"},
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text=tr("col_moments_per_hour", lang), secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text=tr("col_avg_score", lang), secondary_y=True, range=[0, 100])
    fig.update_xaxes(title_text=tr("month", lang), type="category")
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 40}, legend={"orientation": "h", "y": 1.15})
    return fig
