"""The lesson timeline as a still image (PNG) for the printed report.

Same lanes as the dashboard's interactive chart (``digest.lanes``): presence as a grey band, the face's
negative intensity and the voice's arousal as lines, speaking turns as a strip, moments as red spans.
Matplotlib with the Agg backend: no browser or display needed on a server.
"""

from __future__ import annotations

import io
import itertools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from edcontrol.report.digest import MOMENT_COLOUR, Report, arousal_level, duration_s, lanes
from edcontrol.report.i18n import mmss, tr


def _gaps(values: list[float | None], bridge: int = 0) -> list[float]:
    """None (not seen, silent) as NaN so lines break there, except runs of at most ``bridge`` missing
    samples between two known ones (expressions are not scored every second), which are joined."""
    out = [math.nan if v is None else float(v) for v in values]
    known = [i for i, v in enumerate(out) if not math.isnan(v)]
    for a, b in itertools.pairwise(known):
        if 1 < b - a <= bridge + 1:
            for i in range(a + 1, b):
                out[i] = out[a] + (out[b] - out[a]) * (i - a) / (b - a)
    return out


def timeline_png(report: Report, lang: str = "en", width_in: float = 10.0, dpi: int = 120) -> bytes:
    rows = lanes(report)
    end = max(duration_s(report), 1.0)
    n = max(1, len(rows))
    fig, axes = plt.subplots(n, 1, figsize=(width_in, 0.4 + 1.1 * n), sharex=True, squeeze=False, dpi=dpi)
    for ax, lane in zip(axes[:, 0], rows or [None], strict=False):
        ax.set_ylim(0, 1.15)
        ax.set_yticks([])
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if lane is None:
            ax.text(0.5, 0.5, tr("timeline_empty", lang), ha="center", va="center", transform=ax.transAxes)
            continue
        ax.set_ylabel(f"{lane.key}\n{tr('role_' + lane.role, lang)}", rotation=0, ha="right", va="center")
        if lane.t:
            ax.fill_between(lane.t, 0, [0.25 * p for p in lane.presence], step="post", color="#c7c7c7", lw=0)
            ax.plot(lane.t, _gaps(lane.negative_intensity, bridge=2), color="#d62728", lw=0.9)
        for start, stop in lane.turns:
            ax.axhspan(1.02, 1.12, xmin=start / end, xmax=stop / end, color="#1f77b4", lw=0)
        if lane.speech_t and lane.arousal_z:
            ax.plot(
                lane.speech_t, _gaps([arousal_level(z) for z in lane.arousal_z]), color="#ff7f0e", lw=0.7, alpha=0.8
            )
        for m in lane.moments:
            ax.axvspan(
                m.start_s,
                max(m.end_s, m.start_s + 0.5),
                color=MOMENT_COLOUR.get(m.modality, "#d62728"),
                alpha=0.25,
                lw=0,
            )
    last = axes[-1, 0]
    last.set_xlim(0, end)
    last.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 3, 5, 6, 10]))
    last.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: mmss(x)))
    last.set_xlabel(tr("time_axis", lang))
    fig.legend(
        handles=[
            plt.Rectangle((0, 0), 1, 1, color="#c7c7c7"),
            plt.Line2D([], [], color="#d62728"),
            plt.Line2D([], [], color="#ff7f0e"),
            plt.Rectangle((0, 0), 1, 1, color="#1f77b4"),
            plt.Rectangle((0, 0), 1, 1, color="#d62728", alpha=0.25),
        ],
        labels=[tr(k, lang) for k in ("presence", "negative_face", "arousal", "speaking", "moments")],
        loc="upper center",
        ncol=5,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()
