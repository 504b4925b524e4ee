"""Lesson: the whole lesson in two minutes. The five moments to watch first, score and why, the recording,
the timeline, every moment as one card (seen / heard / said chips, each one click from its video),
positive markers apart, who talked how much, and the searchable transcript."""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import charts, ui
from edcontrol.report import digest
from edcontrol.report.i18n import mmss

PAGE_SIZE = 20  # moments drawn at a time, most severe first
BADGE = {"face": "red", "voice": "orange", "text": "violet"}  # the timeline's colours, as Streamlit badges

lesson_id = ui.current_lesson_id()
if not lesson_id:
    st.info(ui.t("lesson_none"))
    st.stop()
st.query_params["lesson"] = lesson_id
if st.session_state.get("shown_lesson") != lesson_id:  # another lesson (e.g. by URL): start afresh
    st.session_state.update(shown_lesson=lesson_id, video_start=0.0, video_seeks=0, moments_shown=PAGE_SIZE)
api = ui.client()
lesson = ui.call(lambda: api.lesson(lesson_id))
st.title(f"{lesson['file_name']}")
st.caption(
    " · ".join(
        x
        for x in (
            lesson["teacher_name"] or lesson["teacher_id"],
            lesson["created_at"][:16].replace("T", " "),
            mmss(lesson["duration_s"]),
        )
        if x
    )
)
if lesson["status"] == "failed":
    st.error(ui.t("analysis_failed", error=lesson["error"] or ""))
    st.stop()
if lesson["status"] != "done":

    @st.fragment(run_every=2.0)
    def wait_for_report() -> None:
        """Live progress while the lesson is analysed; the whole page reloads once the report exists."""
        now = ui.call(lambda: api.lesson(lesson_id))
        if now["status"] in ("done", "failed"):
            st.rerun()
        st.info(ui.t("lesson_not_ready", status=ui.status_label(now), progress=now["progress"]))
        st.progress(now["progress"] / 100, text=ui.stage_label(now["stage"]))

    wait_for_report()
    st.stop()

report = ui.call(lambda: api.report(lesson_id))
compliance = bool((report.get("settings") or {}).get("compliance_mode"))
every = digest.moments(report)
by_id = {m.id: m for m in every}


def jump(start_s: float) -> None:
    """Seek the player: every click counts, also a second click on the same moment after the player moved
    (the player is re-created per click, so it seeks again even to the same second)."""
    st.session_state["video_start"] = start_s
    st.session_state["video_seeks"] = st.session_state.get("video_seeks", 0) + 1


def chips(m: digest.MomentRow) -> str:
    """The moment's modality chips; under compliance mode only behaviour (voice loudness, words) shows."""
    shown = [c for c in m.chips if not compliance or (c.modality != "face" and c.kind != "angry_speech")]
    return " ".join(f":{BADGE[c.modality]}-badge[{digest.chip_text(c, ui.lang())}]" for c in shown)


# --- the five to watch first
st.subheader(ui.t("watch_first"))
first = digest.watch_first(report)
if not first:
    st.success(ui.t("watch_first_none"))
for rank, m in enumerate(first, start=1):
    cols = st.columns([1, 7, 2])
    cols[0].markdown(f"**{rank}.**")
    cols[1].markdown(
        f"**{ui.t('kind_' + m.kind)}** · {m.who} · {mmss(m.start_s)}–{mmss(m.end_s)} · "
        f"{ui.t('moment_confidence')} {m.confidence}  \n{chips(m)}"
    )
    cols[2].button(ui.t("jump", start=mmss(m.start_s)), key=f"first_{m.id}", on_click=jump, args=(m.start_s,))


# --- score and the reasons behind it
score = report.get("score")
left, right = st.columns([1, 3])
if score is None:
    left.info(ui.t("score_none"))
else:
    left.metric(ui.t("score"), score["value"])
    with right:
        st.subheader(ui.t("score_reasons"))
        if not score["reasons"]:
            st.write(ui.t("score_perfect"))
        for i, reason in enumerate(score["reasons"]):
            moment = by_id.get(reason.get("moment_id") or "")
            text = digest.reason_text(reason, by_id, ui.lang())
            cols = st.columns([6, 2, 2])
            cols[0].write(f"{text}  (**{ui.t('points_off', points=reason['points'])}**)")
            if moment is not None:
                cols[1].button(
                    ui.t("jump", start=mmss(moment.start_s)), key=f"reason_{i}", on_click=jump, args=(moment.start_s,)
                )

warnings = report.get("warnings") or []
if warnings:
    with st.expander(f"{ui.t('warnings')} ({len(warnings)})"):
        for w in warnings:  # the report's message in English; its code names it in other languages
            st.write(f"- {w['message'] if ui.lang() == 'en' else ui.label_or('warning_', w['code'], w['message'])}")

# --- the recording, started where the last clicked moment starts
st.subheader(ui.t("video"))
media = ui.call(lambda: api.media(lesson_id))
start = float(st.session_state.get("video_start", 0.0))
seeks = int(st.session_state.get("video_seeks", 0))
player = st.container(key=f"player_{seeks}")  # a new player per click: the same start seeks again
if seeks % 2:
    player.empty()  # and a new position for it, so the browser surely builds a fresh element
if media is None:
    player.info(ui.t("video_missing"))
elif media["has_video"]:
    player.video(media["url"], format=media["media_type"], start_time=start, autoplay=start > 0, muted=False)
else:
    player.audio(media["url"], format=media["media_type"], start_time=start)

# --- timeline: one lane per person
st.subheader(ui.t("timeline"))
lanes = digest.lanes(report)
if not lanes:
    st.info(ui.t("timeline_empty"))
else:
    event = st.plotly_chart(
        charts.timeline_figure(report, lanes, ui.lang()),
        width="stretch",
        on_select="rerun",
        selection_mode="points",
        key="timeline",
    )
    picked = [p for p in (event.selection.points if event else []) if p.get("customdata")]
    if picked and isinstance(picked[0]["customdata"], list):
        moment = by_id.get(picked[0]["customdata"][0])
        if moment is not None and st.session_state.get("picked_moment") != moment.id:
            st.session_state["picked_moment"] = moment.id
            jump(moment.start_s)
            st.rerun()

# --- moments, most severe first; the less sure hidden unless asked
floor = st.slider(ui.t("min_confidence"), 0.0, 1.0, digest.default_min_confidence(report), 0.05, key="min_confidence")
rows = [m for m in every if m.confidence >= floor]
st.subheader(f"{ui.t('moments')} ({len(rows)})")
if not rows:
    st.success(ui.t("moments_none"))
if len(every) > len(rows):
    st.caption(ui.t("moments_hidden", n=len(every) - len(rows)))


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def thumbnail(lesson_id: str, t: float, box: tuple[float, ...] | None) -> bytes | None:
    return ui.client().frame(lesson_id, t, list(box) if box else None)


shown = st.session_state.setdefault("moments_shown", PAGE_SIZE)
for m in rows[:shown]:  # pictures are fetched for the moments on screen only: hour-long lessons stay quick
    with st.container(border=True):
        pic, info, act = st.columns([2, 6, 2])
        image = (
            thumbnail(lesson_id, m.thumbnail_s, tuple(m.box) if m.box else None)
            if media and media["has_video"]
            else None
        )
        if image:
            pic.image(image, width="stretch")
        info.markdown(
            f"**{ui.t('kind_' + m.kind)}** · {m.who} ({ui.t('role_' + m.role)}) · "
            f"{mmss(m.start_s)}–{mmss(m.end_s)}  \n{chips(m)}  \n"
            f"{ui.t('moment_intensity')}: {m.intensity} · {ui.t('moment_confidence')}: {m.confidence}"
        )
        if m.excerpt:
            info.markdown(f"> {m.excerpt}")
        act.button(
            ui.t("jump", start=mmss(m.start_s)), key=f"jump_{m.id}", on_click=jump, args=(m.start_s,), type="primary"
        )

if len(rows) > shown:
    st.button(
        ui.t("show_more", n=min(PAGE_SIZE, len(rows) - shown), total=len(rows)),
        key="more_moments",
        on_click=lambda: st.session_state.update(moments_shown=shown + PAGE_SIZE),
    )

# --- positive markers, apart: a lesson is not judged by its negatives alone
good = digest.positives(report)
with st.expander(f"{ui.t('positives')} ({len(good)})", expanded=bool(good)):
    if not good:
        st.write(ui.t("positives_none"))
    for g in good:
        cols = st.columns([8, 2])
        said = f" — «{g.excerpt}»" if g.excerpt else ""
        cols[0].markdown(f":green-badge[{ui.t('kind_' + g.kind)}] {g.lane} · {mmss(g.start_s)}{said}")
        cols[1].button(ui.t("jump", start=mmss(g.start_s)), key=f"good_{g.id}", on_click=jump, args=(g.start_s,))

# --- who talked how much
audio = report.get("audio") or {}
st.subheader(ui.t("conversation"))
speakers = audio.get("speakers", [])
if not speakers:
    st.info(ui.t("conversation_none"))
else:
    st.dataframe(
        [
            {
                ui.t("speaker"): sp["id"],
                ui.t("person"): sp.get("person_id") or "—",
                ui.t("role"): ui.t("role_" + sp.get("role", "unknown")),
                ui.t("talk_time"): mmss(sp["metrics"]["talk_time_s"]),
                ui.t("talk_share"): f"{sp['metrics']['talk_share']:.0%}",
                ui.t("turns"): sp["metrics"]["turns"],
                ui.t("longest_monologue"): mmss(sp["metrics"]["longest_monologue_s"]),
                ui.t("interruptions"): sp["metrics"]["interruptions"],
                ui.t("questions"): sp["metrics"]["questions"],
                ui.t("mean_wait"): "—"
                if sp["metrics"]["mean_wait_after_question_s"] is None
                else f"{sp['metrics']['mean_wait_after_question_s']} s",
            }
            for sp in speakers
        ],
        hide_index=True,
        width="stretch",
    )
    silences = (audio.get("conversation") or {}).get("long_silences", [])
    if silences:
        st.caption(
            f"{ui.t('long_silences')}: " + ", ".join(f"{mmss(s['start_s'])}–{mmss(s['end_s'])}" for s in silences)
        )

persons = report.get("persons", [])
if persons:
    with st.expander(ui.t("correct_roles")):
        roles = ["teacher", "student", "unknown"]
        labels = [ui.t("role_" + r) for r in roles]  # shown words as options: AppTest ignores format_func

        def set_role(person_id: str) -> None:
            role = roles[labels.index(st.session_state[f"role_{person_id}"])]
            ui.call(lambda: api.set_role(lesson_id, person_id, role))

        for p in persons:
            st.selectbox(
                " / ".join([p["id"], *(p.get("speaker_ids") or [])]),
                labels,
                index=roles.index(p.get("role", "unknown")),
                key=f"role_{p['id']}",
                on_change=set_role,
                args=(p["id"],),
            )

# --- transcript with speakers and search
st.subheader(ui.t("transcript"))
if not (audio.get("transcript") or {}).get("words"):
    st.info(ui.t("transcript_none"))
else:
    query = st.text_input(ui.t("transcript_search"), key="transcript_query")
    lines = digest.transcript_lines(report, query)
    if not lines:
        st.info(ui.t("transcript_no_match", query=query))
    else:
        st.caption(ui.t("low_confidence_note"))
        st.dataframe(
            [
                {ui.t("moment_when"): mmss(ln.start_s), ui.t("speaker"): ln.speaker_id or "—", "": ln.text}
                for ln in lines
            ],
            hide_index=True,
            width="stretch",
        )

# --- deleting: the recording, the report and every derived file go (the school's right to erase)
with st.expander(ui.t("delete_lesson")):
    sure = st.checkbox(ui.t("delete_confirm"), key="delete_sure")
    if st.button(ui.t("delete_lesson"), key="delete", disabled=not sure, type="secondary"):
        ui.call(lambda: api.delete(lesson_id))
        st.session_state.pop("lesson_id", None)
        st.query_params.pop("lesson", None)
        st.success(ui.t("deleted"))
        st.stop()
