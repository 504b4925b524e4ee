"""Text tone of what was said: hostility/insults (RU + EN) and sentiment (EN).

- English offensive language: alt-profanity-check 1.9.1 (MIT; linear SVM on 200k labelled texts), computed
  with numpy (models/profanity_en.py: the package itself would import scikit-learn, ~135 MB).
- English sentiment: vaderSentiment 3.3.2 (MIT lexicon).
- Russian: the `toxicity` CNN (models/toxicity_ru.py), plus a lemma lexicon of insults matched through
  pymorphy3 (so "дураки", "дурака" all hit "дурак") that names the offending words as evidence.
Input is short texts (a speaker turn, or a sentence of it); output one score set per text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_RU_INSULT_LEMMAS = frozenset(
    """дурак дура идиот идиотка тупой тупица кретин придурок дебил дебилка бестолочь бездарь бездарность
    болван балбес олух тупоголовый дурацкий идиотский тупость заткнуться урод уродина скотина тварь
    мразь сволочь козёл козел ничтожество позор бестолковый безмозглый слабоумный недоумок тормоз""".split()
)
_EN_INSULTS = frozenset(
    """idiot idiots stupid dumb moron morons useless pathetic worthless loser losers shut imbecile
    incompetent fool fools brainless""".split()
)
_TOKEN = re.compile(r"[\wёЁ'-]+", re.UNICODE)


@dataclass(frozen=True)
class ToneScores:
    hostility: float  # 0..1: insult/offensive-language probability
    sentiment: float | None  # -1..1 (EN only)
    flagged_words: tuple[str, ...]


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


class TextTone:
    """Texts in, tone scores out; ``language`` is the transcript's ("ru", "en", other)."""

    name = "text-tone"
    version = "alt-profanity-check 1.9.1 + vaderSentiment 3.3.2 (EN); toxicity 0.30 CNN + lemma lexicon (RU)"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        from edcontrol.models.profanity_en import EnglishProfanity

        self._profanity = EnglishProfanity().predict
        self._vader = SentimentIntensityAnalyzer()
        self._russian_cnn = None  # loaded on the first Russian text (navec vectors take ~1 s)

    def score(self, texts: list[str], language: str) -> list[ToneScores]:
        if not texts:
            return []
        if language == "ru":
            if self._russian_cnn is None:
                from edcontrol.models.toxicity_ru import RussianToxicity

                self._russian_cnn = RussianToxicity()
            probs = self._russian_cnn.predict(texts)
            return [self._russian(t, float(p)) for t, p in zip(texts, probs, strict=True)]
        probs = self._profanity(texts) if language == "en" else [0.0] * len(texts)
        out = []
        for text, p in zip(texts, probs, strict=True):
            tokens = [w.lower() for w in _TOKEN.findall(text)]
            flagged = tuple(w for w in tokens if w in _EN_INSULTS)
            hostility = max(float(p), 0.9 if flagged else 0.0)
            sentiment = float(self._vader.polarity_scores(text)["compound"]) if language == "en" else None
            out.append(ToneScores(hostility, sentiment, flagged))
        return out

    def _russian(self, text: str, cnn: float) -> ToneScores:
        morph = _morph()
        flagged = []
        for token in _TOKEN.findall(text.lower()):
            lemmas = {p.normal_form.replace("ё", "е") for p in morph.parse(token)[:2]}
            if lemmas & {w.replace("ё", "е") for w in _RU_INSULT_LEMMAS}:
                flagged.append(token)
        return ToneScores(max(cnn, 0.9 if flagged else 0.0), None, tuple(flagged))
