"""English offensive language: alt-profanity-check 1.9.1's model (MIT; a linear SVM ensemble trained on
~200k labelled texts) computed with numpy from the arrays ``scripts/convert_profanity_en.py`` took out of
its scikit-learn pipeline.

Why not the package itself at run time: it is a pickled scikit-learn pipeline, and loading it imports
scikit-learn and SciPy's sparse machinery (~135 MB resident, 2-4 s) for what is a dot product per text.
The arithmetic is the pipeline's: TF-IDF of word unigrams (lower-cased, the package's token pattern, smoothed
idf, l2 norm), each of five linear SVMs' decision value through its sigmoid calibration, then their mean.
The conversion script checks the two agree to 1e-12; tests/test_text_tone.py does again.
"""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import numpy as np


class EnglishProfanity:
    """Texts in, probability that each is offensive out."""

    name = "alt-profanity-check"
    version = "1.9.1 (numpy port of its TF-IDF + calibrated linear SVMs)"

    def __init__(self) -> None:
        with np.load(str(resources.files("edcontrol.models") / "weights" / "profanity_en.npz")) as d:
            self._index = {str(w): i for i, w in enumerate(d["words"])}
            self._idf = d["idf"]
            self._token = re.compile(str(d["token_pattern"]))
            self._coef, self._intercept = d["coef"], d["intercept"]
            self._a, self._b = d["a"], d["b"]

    def predict(self, texts: list[str]) -> np.ndarray:
        return np.array([self._one(t) for t in texts], dtype=np.float64)

    def _one(self, text: str) -> float:
        counts = Counter(i for w in self._token.findall(text.lower()) if (i := self._index.get(w)) is not None)
        idx = np.array(sorted(counts), dtype=np.int64)
        x = np.array([counts[i] for i in idx], dtype=np.float64) * self._idf[idx]
        norm = float(np.sqrt(np.dot(x, x)))
        if norm > 0:
            x /= norm
        decision = self._coef[:, idx] @ x + self._intercept
        return float(np.mean(1.0 / (1.0 + np.exp(self._a * decision + self._b))))
