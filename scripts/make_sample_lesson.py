"""Build samples/sample_lesson.mp4: a 30 s two-tile "video call" from CC BY 4.0 GRID clips.

The GRID corpus (Cooke, Barker, Cunningham, Shao 2006) is CC BY 4.0, so this small derivative may be
committed with attribution (samples/ATTRIBUTION.md). Left tile: the "teacher", right tile: the
"student"; they take turns to speak, 3 s each, the speaking tile's clip gives the audio.
Usage: python scripts/make_sample_lesson.py [--grid DIR] [-o samples/sample_lesson.mp4]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edcontrol.media.audio import read_audio
from edcontrol.media.compose import tile, write_video
from edcontrol.media.frames import iter_frames

ROOT = Path(__file__).resolve().parents[1]
TEACHER, STUDENT = "lwbsza.mpg", "brbk7n.mpg"


def clip_frames(path: Path) -> list[np.ndarray]:
    return [f.image for f in iter_frames(path, fps=25.0, max_side=None, skip_nonref=False)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--grid", type=Path, default=ROOT.parent / "shared" / "eval" / "av_en_grid_talking_heads_lipnet" / "video"
    )
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "samples" / "sample_lesson.mp4")
    ap.add_argument("--turns", type=int, default=10)
    args = ap.parse_args()
    teacher, student = clip_frames(args.grid / TEACHER), clip_frames(args.grid / STUDENT)
    n = min(len(teacher), len(student))
    audio_t, audio_s = read_audio(args.grid / TEACHER), read_audio(args.grid / STUDENT)
    frames, audio = [], []
    for turn in range(args.turns):
        forward = turn % 2 == 0  # ping-pong the listener's clip so it loops without a jump
        for i in range(n):
            j = i if forward else n - 1 - i
            left = teacher[i] if turn % 2 == 0 else teacher[j]
            right = student[i] if turn % 2 == 1 else student[j]
            frames.append(tile([left, right]))
        speech = audio_t if turn % 2 == 0 else audio_s
        audio.append(np.resize(speech, n * 16000 // 25))
    write_video(args.output, frames, fps=25.0, audio=np.concatenate(audio), audio_rate=16000, options={"crf": "30"})
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(frames) / 25:.1f} s)")


if __name__ == "__main__":
    main()
