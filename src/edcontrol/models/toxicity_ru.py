"""Russian toxicity: the `toxicity` package's CNN over navec word vectors (toxicity 0.30, MIT),
converted to ONNX by scripts/convert_toxicity_ru.py; navec vectors read from the installed package.

Preprocessing follows the package: lower case, no digits or punctuation, each word lemmatised
(pymorphy3 here, pymorphy2 there), 31 words padded with "<pad>", unknown words as "<unk>".
"""

from __future__ import annotations

import importlib.util
import re
import string
from functools import lru_cache
from pathlib import Path

import numpy as np

from edcontrol.models.onnx_session import packaged_session

MAX_WORDS = 31
_PUNCT = re.compile(f"[{re.escape(string.punctuation)}«»—–…]")


def _package_dir() -> Path:
    """The installed `toxicity` folder, found without importing it (its __init__ imports TensorFlow)."""
    spec = importlib.util.find_spec("toxicity")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the `toxicity` package is not installed (scripts/setup.sh installs it with --no-deps)")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def preprocess(text: str) -> list[str]:
    text = re.sub(r"[0-9]", "", text.lower())
    text = re.sub(r"\s+", " ", _PUNCT.sub(" ", text)).strip()
    morph = _morph()
    return [morph.parse(w)[0].normal_form for w in text.split(" ") if w]


class RussianToxicity:
    """Russian texts in, toxicity probabilities (0..1) out."""

    name = "toxicity-ru-cnn"
    version = "toxicity 0.30 weightedCNN_NavecWordEmbeddings (ONNX) + navec hudlit 300d"

    def __init__(self) -> None:
        from navec import Navec

        self._navec = Navec.load(str(_package_dir() / "navecWeights.tar"))
        self._session = packaged_session("toxicity_ru_cnn.onnx")
        self._input = self._session.get_inputs()[0].name

    def _vector(self, word: str) -> np.ndarray:
        try:
            return self._navec[word]
        except KeyError:
            return self._navec["<unk>"]

    def predict(self, texts: list[str]) -> np.ndarray:
        """Toxicity per text, scaled by the share of its words the vectors know.

        Misheard speech turns into non-words, which all map to "<unk>"; the CNN was never trained on
        such text and its score on it means little, so unknown words pull the score down.
        """
        if not texts:
            return np.zeros(0, np.float32)
        batch = np.zeros((len(texts), MAX_WORDS, 300), np.float32)
        known = np.ones(len(texts), np.float32)
        for i, text in enumerate(texts):
            lemmas = preprocess(text)[:MAX_WORDS]
            if lemmas:
                known[i] = sum(w in self._navec.vocab for w in lemmas) / len(lemmas)
            words = (lemmas + ["<pad>"] * MAX_WORDS)[:MAX_WORDS]
            batch[i] = np.stack([self._vector(w) for w in words])
        raw = self._session.run(None, {self._input: batch})[0].reshape(-1)
        return raw * known**2
