"""Build samples/sample_lesson.mp4: a 60 s two-tile "video call" from CC BY 4.0 GRID clips with a
synthesised teacher/student dialogue (espeak-ng), including one rude, louder teacher turn.

GRID (Cooke, Barker, Cunningham, Shao 2006) is CC BY 4.0, so this small derivative may be committed
with attribution (samples/ATTRIBUTION.md); espeak-ng output carries no rights. Left tile: teacher,
right tile: student. Needs espeak-ng (Debian package) only to rebuild the committed file.
Usage: python scripts/make_sample_lesson.py [--grid DIR] [-o samples/sample_lesson.mp4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from edcontrol.media.audio import read_audio
from edcontrol.media.compose import call_layout_frames, write_video
from edcontrol.media.frames import iter_frames

ROOT = Path(__file__).resolve().parents[1]
TEACHER, STUDENT = "lwbsza.mpg", "brbk7n.mpg"
DIALOGUE = [
    ("teacher", "Good morning. Today we are going to practise adding fractions with different denominators."),
    ("student", "Good morning. I did the homework, but the last exercise was really difficult for me."),
    ("teacher", "Let us do it together then. What is one third plus one sixth?"),
    ("student", "I think it is two ninths, because I add the tops and the bottoms."),
    ("teacher", "No! That is completely wrong. Are you stupid? I explained this three times already!"),
    ("student", "Sorry. I did not understand the explanation last time."),
    ("teacher", "Fine. First we find a common denominator. Six works for both fractions."),
    ("student", "So one third is two sixths, and two sixths plus one sixth is three sixths, one half."),
    ("teacher", "Correct. Well done. Please do the next three exercises in your notebook."),
]
VOICES = {"teacher": ["-v", "en-us", "-s", "150", "-p", "40"], "student": ["-v", "en-us+f3", "-s", "160", "-p", "70"]}


def speak(text: str, who: str, rude: bool) -> np.ndarray:
    args = VOICES[who] if not rude else ["-v", "en-us", "-s", "180", "-p", "70", "-a", "200"]
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(["espeak-ng", *args, "-w", str(wav), text], check=True, capture_output=True)
        audio = read_audio(wav)
    return audio / max(float(np.abs(audio).max()), 1e-6) * (0.85 if rude else 0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--grid", type=Path, default=ROOT.parent / "shared" / "eval" / "av_en_grid_talking_heads_lipnet" / "video"
    )
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "samples" / "sample_lesson.mp4")
    args = ap.parse_args()
    parts = [np.zeros(8000, np.float32)]
    spans: list[tuple[int, float, float]] = []  # (tile, start, end): only the speaker's lips move
    t = 0.5
    for who, text in DIALOGUE:
        line = speak(text, who, "stupid" in text)
        spans.append((0 if who == "teacher" else 1, t, t + len(line) / 16000))
        parts += [line, np.zeros(12000, np.float32)]
        t += len(line) / 16000 + 0.75
    audio = np.concatenate(parts)
    seconds = len(audio) / 16000
    clips = [
        [f.image for f in iter_frames(args.grid / c, fps=25.0, max_side=None, skip_nonref=False)]
        for c in (TEACHER, STUDENT)
    ]

    def talking(person: int, at: float) -> bool:
        return any(p == person and a <= at < b for p, a, b in spans)

    frames = call_layout_frames(clips, seconds, 25.0, size=(960, 400), talking=talking)
    write_video(args.output, frames, fps=25.0, audio=audio, audio_rate=16000, options={"crf": "32"})
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {seconds:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
