"""Train the Whisper-encoder speech-emotion model on ../shared/eval/ser_de_emodb_2s_22k ONLY, speaker-wise.

Each speaker's clips are packed into 30 s windows as a lesson packs a speaker's segments
(`models/speech_emotion.py`), the encoder states pooled per clip and z-scored per speaker. Training
rows come from several shuffled packings (the neighbours in a window change); the held-out speaker is scored on
one packing it was never trained on. C is chosen by leave-one-speaker-out accuracy on EmoDB alone. The English
CREMA-D clips (ser_en_cremad_1002_dev) are printed once, after the choice, as a cross-language measurement:
they choose nothing.

Usage: .venv/bin/python scripts/train_speech_emotion.py [--data ../shared/eval] [--orders 3]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from edcontrol.evaluation.speech_emotion import cross_language, emodb_rows, speakerwise_cv
from edcontrol.models.speech_emotion import EMOTIONS, WEIGHTS, load_encoder

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"
GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    ap.add_argument("--orders", type=int, default=3, help="shuffled packings per speaker to train on")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, do not write the weights")
    args = ap.parse_args()
    encoder = load_encoder(threads=2)
    folder = args.data / "ser_de_emodb_2s_22k"
    test_x, y, spk, train = emodb_rows(encoder, folder, args.orders)
    results = {c: speakerwise_cv(test_x, y, spk, c, train) for c in GRID}
    best = max(results, key=lambda c: (results[c]["accuracy"], -c))
    model = LogisticRegression(C=best, max_iter=5000, class_weight="balanced").fit(train[0], y[train[1]])
    assert tuple(model.classes_) == EMOTIONS
    if not args.dry_run:
        np.savez(
            OUT / WEIGHTS,
            coef=model.coef_.astype(np.float32),
            intercept=model.intercept_.astype(np.float32),
            classes=np.array(model.classes_),
            C=np.float32(best),
            orders=np.int32(args.orders),
        )
    cross = cross_language(model.predict_proba, encoder, args.data / "ser_en_cremad_1002_dev")
    print(
        json.dumps(
            {
                "data": str(folder),
                "orders": args.orders,
                "chosen_C": best,
                "emodb_leave_one_speaker_out": {str(c): r["accuracy"] for c, r in results.items()},
                "recall_per_class": results[best]["recall_per_class"],
                "cremad_1002_right": cross["right"],
                "cremad_1002_angry_clip_highest_anger": cross["angry_clip_highest_anger"],
            }
        )
    )


if __name__ == "__main__":
    main()
