"""`edcontrol` command line: analyze a lesson, score the models on labelled data, export the schema.

Exit codes: 0 done, 1 internal error (a bug: please report), 2 bad command line, 3 unusable input,
4 report could not be written.
"""

from __future__ import annotations

import os

# Native model runtimes log to stderr on import; users should see our messages, not theirs.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from edcontrol.errors import EdControlError, InputError, OutputError, UsageError

if TYPE_CHECKING:
    from edcontrol.report import schema as rs

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "eval"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: never a half-written report."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"output folder does not exist: {folder}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".edcontrol-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _progress_bar(enabled: bool):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    from edcontrol.pipeline.progress import OverallProgress

    bar = tqdm(
        total=100, unit="%", disable=not enabled, bar_format="{desc:<8} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}"
    )
    state, overall = {"stage": ""}, OverallProgress()

    def update(stage: str, fraction: float) -> None:
        if stage != state["stage"]:
            state["stage"] = stage
            bar.set_description_str(stage)
        target = overall.update(stage, fraction)
        if target is not None and round(target) > bar.n:
            bar.update(round(target) - bar.n)

    return bar, update


def cmd_analyze(args: argparse.Namespace) -> int:
    from edcontrol.pipeline.analyze import analyze_video
    from edcontrol.pipeline.audio_track import AudioTrackConfig
    from edcontrol.pipeline.config import FaceTrackConfig

    config = FaceTrackConfig(sample_fps=args.fps, emotion_inference=not args.no_emotion)
    audio_config = (
        None
        if args.no_audio
        else AudioTrackConfig(
            asr_model=None if args.asr == "none" else args.asr,
            language=args.language,
            n_speakers=args.speakers,
            diarizer=args.diarizer,
            emotion_inference=not args.no_emotion,
        )
    )
    out = Path(args.output)
    if out.exists() and out.is_dir():
        raise OutputError(f"output path is a folder: {out}")
    bar, update = _progress_bar((not args.quiet and sys.stderr.isatty()) or args.progress)
    try:
        report = analyze_video(args.video, config, update, audio_config)
    finally:
        bar.close()
    write_atomic(out, report.model_dump_json(indent=1))
    for w in report.warnings:
        print(f"warning: {w.message}", file=sys.stderr)
    if not args.quiet:
        speakers = len(report.audio.speakers) if report.audio else 0
        print(
            f"{len(report.persons)} person(s), {speakers} speaker(s), {len(report.moments)} negative moment(s), "
            f"{len(report.positive_markers)} positive marker(s); report written to {out}",
            file=sys.stderr,
        )
        print(watch_first_text(report))
    return 0


def watch_first_text(report: rs.LessonReport) -> str:
    """The watch-first list as lines a manager reads in a terminal."""
    if not report.watch_first:
        return "Watch first: nothing."
    by_id = {m.id: m for m in report.moments}
    lines = ["Watch first:"]
    for rank, mid in enumerate(report.watch_first, start=1):
        m = by_id[mid]
        how = "+".join(
            dict.fromkeys({"face": "seen", "voice": "heard", "text": "said"}[s.modality] for s in m.modalities)
        )
        said = f' "{m.transcript_excerpt[:70]}"' if m.transcript_excerpt else ""
        lines.append(
            f"  {rank}. {_mmss(m.start_s)}-{_mmss(m.end_s)} {m.person} ({m.role}) {m.kind.replace('_', ' ')} "
            f"[{how}] confidence {m.confidence:.2f}{said}"
        )
    return "\n".join(lines)


def _mmss(t: float) -> str:
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


def cmd_eval(args: argparse.Namespace) -> int:
    data = Path(args.data)
    if not data.is_dir():
        raise EdControlError(f"data folder not found: {data}")
    log = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    if args.task == "episodes":
        from edcontrol.evaluation.episodes import eval_episodes

        try:
            figures = eval_episodes(data, log)
        except FileNotFoundError as exc:
            raise EdControlError(str(exc)) from exc
    elif args.task == "faces":
        from edcontrol.evaluation.faces import eval_faces

        try:
            figures = eval_faces(data, log)
        except FileNotFoundError as exc:
            raise EdControlError(str(exc)) from exc
    else:
        from edcontrol.evaluation import audio as audio_eval

        runner = {
            "diarization": lambda d, lg: audio_eval.eval_diarization(d, lg, args.diarizer),
            "asr": audio_eval.eval_asr,
            "speech-emotion": audio_eval.eval_speech_emotion,
        }[args.task]
        try:
            figures = runner(data, log)
        except FileNotFoundError as exc:
            raise EdControlError(str(exc)) from exc
    print(json.dumps(figures))
    return 0


def _emit(text: str, output: str | None) -> int:
    if output:
        write_atomic(Path(output), text)
    else:
        print(text)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from edcontrol.service.openapi import openapi_text

    return _emit(openapi_text(), args.output)


def cmd_schema(args: argparse.Namespace) -> int:
    from edcontrol.report.export import json_schema_text

    return _emit(json_schema_text(), args.output)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from edcontrol.service.api import create_app
    from edcontrol.service.settings import Settings

    settings = Settings()
    print(
        f"EdControl API on http://{args.host}:{args.port}  (data: {settings.data_dir}, "
        f"worker: {'embedded' if settings.embedded_worker else 'external'})",
        file=sys.stderr,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    import secrets

    from edcontrol.service.settings import Settings
    from edcontrol.service.store import Tenant, hash_key, make_sessions

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sessions = make_sessions(settings.db_url)
    key = secrets.token_urlsafe(32)
    with sessions() as s:
        t = Tenant(
            name=args.name, key_hash=hash_key(key), compliance_mode=args.compliance, retention_days=args.retention_days
        )
        s.add(t)
        s.commit()
        print(json.dumps({"id": t.id, "name": t.name, "api_key": key, "compliance_mode": t.compliance_mode}))
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    """A school's staff account for the dashboard; the password comes from stdin or a prompt, never argv."""
    import getpass

    from edcontrol.service.passwords import WeakPassword
    from edcontrol.service.routers.auth import create_user
    from edcontrol.service.settings import Settings
    from edcontrol.service.store import make_sessions

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise UsageError("the passwords differ")
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with make_sessions(settings.db_url)() as s:
        try:
            user = create_user(s, args.tenant_id, args.username, password)
        except (LookupError, ValueError, WeakPassword) as exc:
            raise UsageError(str(exc).strip("'\"")) from None
        print(json.dumps({"id": user.id, "tenant_id": user.tenant_id, "username": user.username}))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from edcontrol.service.celery_worker import run_worker
    from edcontrol.service.settings import Settings

    run_worker(Settings())
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from edcontrol.service.retention import purge
    from edcontrol.service.settings import Settings
    from edcontrol.service.storage import Storage
    from edcontrol.service.store import make_sessions

    settings = Settings()
    got = purge(
        make_sessions(settings.db_url), Storage(settings.storage_dir), settings.orphan_grace_s, settings.tombstone_ttl_s
    )
    print(
        json.dumps(
            {"purged_lessons": got.lessons, "orphaned_folders": got.orphaned_folders, "tombstones": got.tombstones}
        )
    )
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from edcontrol.dashboard.launcher import DashboardOptions, run_dashboard

    if args.submit is not None and not Path(args.submit).is_file():
        raise InputError(f"file not found: {args.submit}")
    return run_dashboard(
        DashboardOptions(
            host=args.host,
            port=args.port,
            api_port=args.api_port,
            public_api_url=args.public_api_url,
            submit=Path(args.submit) if args.submit else None,
            auto_sign_in=not args.no_auto_sign_in,
        )
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value > 60:
        raise argparse.ArgumentTypeError("must be > 0 and <= 60")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edcontrol", description="Offline analytics of recorded video lessons.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse a lesson recording into a JSON report")
    a.add_argument("video", help="the recording (mp4, webm, mkv, mov, mpg ...)")
    a.add_argument("-o", "--output", default="report.json", help="report path (default: report.json)")
    a.add_argument("--fps", type=_positive_float, default=2.0, help="frames sampled per second (default 2)")
    a.add_argument("--no-emotion", action="store_true", help="compliance mode: no emotion inference")
    a.add_argument(
        "--asr",
        choices=["base", "tiny.en", "none"],
        default="base",
        help="speech recognition model: base (RU+EN, default), tiny.en (fast English), none",
    )
    a.add_argument("--language", help="lesson language code (e.g. ru, en); detected when omitted")
    a.add_argument("--speakers", type=int, help="number of speakers, when known (estimated otherwise)")
    a.add_argument(
        "--diarizer", choices=["overlap", "ge2e"], default="overlap",
        help="overlap-aware (default) or the lighter GE2E diarizer without an overlap model",
    )  # fmt: skip
    a.add_argument("--no-audio", action="store_true", help="skip the audio track (faces only)")
    a.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    a.add_argument("-q", "--quiet", action="store_true")
    a.set_defaults(func=cmd_analyze)
    e = sub.add_parser("eval", help="score the models on labelled data; ends with one JSON line")
    e.add_argument("task", choices=["faces", "diarization", "asr", "speech-emotion", "episodes"])
    e.add_argument("--data", default=str(DEFAULT_DATA), help=f"data folder (default {DEFAULT_DATA})")
    e.add_argument("-q", "--quiet", action="store_true")
    e.add_argument("--diarizer", choices=["overlap", "ge2e"], default="overlap", help="for eval diarization")
    e.set_defaults(func=cmd_eval)
    sv = sub.add_parser("serve", help="run the REST API with its embedded worker")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.set_defaults(func=cmd_serve)
    db = sub.add_parser("dashboard", help="run the web dashboard with the embedded service (API + worker)")
    db.add_argument("--host", default="127.0.0.1", help="address both servers listen on")
    db.add_argument("--port", type=int, default=8501, help="dashboard port (default 8501)")
    db.add_argument("--api-port", type=int, default=8000, help="REST API port (default 8000)")
    db.add_argument("--public-api-url", help="the API's address as viewers' browsers reach it (video playback)")
    db.add_argument("--submit", metavar="VIDEO", help="analyse this recording at start if no lesson exists yet")
    db.add_argument(
        "--no-auto-sign-in",
        action="store_true",
        help="always ask viewers to sign in (on loopback they are signed in as the local school by default; "
        "never on another address)",
    )
    db.set_defaults(func=cmd_dashboard)
    tn = sub.add_parser("tenant", help="manage tenants (schools)")
    tsub = tn.add_subparsers(dest="tenant_command", required=True)
    tc = tsub.add_parser("create", help="create a tenant and print its API key (shown once)")
    tc.add_argument("name")
    tc.add_argument("--compliance", action="store_true", help="emotion inference off for this tenant")
    tc.add_argument("--retention-days", type=int)
    tc.set_defaults(func=cmd_tenant_create)
    us = sub.add_parser("user", help="manage a school's staff accounts (dashboard sign-in)")
    usub = us.add_subparsers(dest="user_command", required=True)
    uc = usub.add_parser("create", help="create a staff account of a school")
    uc.add_argument("tenant_id", help="the school's id (printed by `edcontrol tenant create`)")
    uc.add_argument("username")
    uc.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    uc.set_defaults(func=cmd_user_create)
    wk = sub.add_parser("worker", help="run a Celery worker (EDCONTROL_BROKER_URL, EDCONTROL_DATABASE_URL)")
    wk.set_defaults(func=cmd_worker)
    pg = sub.add_parser("purge", help="delete lessons past retention, orphaned files, old tombstones")
    pg.set_defaults(func=cmd_purge)
    oa = sub.add_parser("openapi", help="print or write the REST API's OpenAPI document")
    oa.add_argument("-o", "--output")
    oa.set_defaults(func=cmd_openapi)
    s = sub.add_parser("schema", help="print or write the LessonReport JSON Schema")
    s.add_argument("-o", "--output")
    s.set_defaults(func=cmd_schema)
    return p


class _NativeStderrSilenced:
    """Send native libraries' stderr (MediaPipe/TFLite/absl chatter) to /dev/null, keep Python's.

    Python's ``sys.stderr`` is re-pointed at a duplicate of the real stream first, so our messages
    and the progress bar still reach the user.
    """

    def __enter__(self) -> None:
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._py = sys.stderr
        sys.stderr = os.fdopen(os.dup(self._saved), "w", buffering=1, encoding="utf-8", errors="replace")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc: object) -> None:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = self._py
        os.dup2(self._saved, 2)
        os.close(self._saved)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.debug:
        return _run(args)
    with _NativeStderrSilenced():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except EdControlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
