"""English offensive-language scores from the numpy port of alt-profanity-check (models/profanity_en.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from edcontrol.models.profanity_en import EnglishProfanity


def test_numpy_port_gives_the_packages_probabilities():
    """The port must be the package's model, not an approximation: same numbers on sentences of a lesson,
    insults, empty and non-English text, and random mixes of its vocabulary with stop words."""
    from profanity_check import predict_prob

    model = EnglishProfanity()
    texts = [
        "Open your books at page twelve, please.",
        "You are a complete idiot and nobody wants you here!",
        "Shut up. Shut UP! What the hell is wrong with you?",
        "",
        "Привет, как дела?",
        "I don't think that's right, but the method is fine.",
    ]
    rng = np.random.default_rng(0)
    vocab = [*list(model._index)[:3000], "the", "and", "you", "are", "stupid", "idiot", "hello", "123"]
    texts += [" ".join(rng.choice(vocab, size=int(rng.integers(1, 25)))) for _ in range(300)]
    ours, theirs = model.predict(texts), predict_prob(texts)
    assert np.abs(ours - theirs).max() < 1e-12
    assert ours[1] > 0.8 and ours[0] < 0.2  # and it still tells an insult from an instruction


def test_text_tone_does_not_import_scikit_learn():
    """Why the port exists: scikit-learn and SciPy's sparse code cost ~135 MB in every analysis."""
    code = (
        "import sys\n"
        "from edcontrol.models.text_tone import TextTone\n"
        "print(TextTone().score(['You idiot!'], 'en')[0].hostility)\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) > 0.8
