"""One-off conversion of alt-profanity-check 1.9.1's English offensive-language model (MIT) to plain arrays.

Why: the package is a scikit-learn pipeline (TF-IDF over word unigrams, then five sigmoid-calibrated linear
SVMs averaged) stored with joblib, so using it imports scikit-learn and SciPy's sparse machinery: ~135 MB
resident in every analysis and 2-4 s of import, for a dot product per sentence. The arrays it holds
(vocabulary, idf, the five SVMs' weights and their calibration) are written to
``src/edcontrol/models/weights/profanity_en.npz``; ``models/profanity_en.py`` computes the same
probabilities with numpy alone. This script checks that on texts of several kinds the two agree to 1e-12.
Run in the dev environment (which has the package and scikit-learn):  .venv/bin/python scripts/convert_profanity_en.py
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import joblib
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights" / "profanity_en.npz"
CHECK = [
    "You are a complete idiot and nobody wants you here.",
    "Good morning everyone, please open your books at page twelve.",
    "What the hell is wrong with you? Shut up!",
    "I think your answer is wrong, but the method is fine.",
    "",
    "fuck this stupid shit",
    "Ünïcödé wörds and numbers 123 mixed with CAPITALS",
]


def main() -> None:
    data = resources.files("profanity_check") / "data"
    vectorizer = joblib.load(data / "vectorizer.joblib")
    model = joblib.load(data / "model.joblib")
    params = vectorizer.get_params()
    assert params["ngram_range"] == (1, 1) and params["lowercase"] and params["norm"] == "l2", params
    assert params["use_idf"] and not params["sublinear_tf"] and params["analyzer"] == "word", params
    words = np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__))
    svms = [c.estimator for c in model.calibrated_classifiers_]
    calibrators = [c.calibrators[0] for c in model.calibrated_classifiers_]
    assert all(c.method == "sigmoid" for c in model.calibrated_classifiers_)
    np.savez_compressed(
        OUT,
        words=words,
        idf=vectorizer.idf_,
        token_pattern=np.array(params["token_pattern"]),
        coef=np.stack([s.coef_[0] for s in svms]),
        intercept=np.array([s.intercept_[0] for s in svms]),
        a=np.array([c.a_ for c in calibrators]),
        b=np.array([c.b_ for c in calibrators]),
    )
    from profanity_check import predict_prob

    from edcontrol.models.profanity_en import EnglishProfanity

    ours, theirs = EnglishProfanity().predict(CHECK), predict_prob(CHECK)
    print(
        f"{OUT.name}: {OUT.stat().st_size} bytes, {len(words)} words; max |ours - package| =",
        float(np.abs(ours - theirs).max()),
    )
    assert np.allclose(ours, theirs, rtol=0, atol=1e-12)


if __name__ == "__main__":
    main()
