"""One-off conversion of the `toxicity` package's Russian toxic-comment CNN (toxicity 0.30, MIT) to ONNX.

Why: the package needs TensorFlow at run time; we need only its small Keras SavedModel. This script
downloads the sdist, loads the model with tensorflow-cpu 2.15.1, converts it with tf2onnx and checks
that ONNX Runtime gives the same outputs. The navec word vectors it reads (navecWeights.tar, MIT) stay
inside the installed `toxicity` package (scripts/setup.sh installs it with --no-deps).
Run in a throw-away venv:  /tmp/conv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx navec onnxruntime
then: /tmp/conv/bin/python scripts/convert_toxicity_ru.py
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"


def main() -> None:
    import onnxruntime as ort
    import tensorflow as tf
    import tf2onnx

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-q",
                "-d",
                tmp,
                "toxicity==0.30",
            ],
            check=True,
        )
        with tarfile.open(next(Path(tmp).glob("toxicity-*.tar.gz"))) as tar:
            tar.extractall(tmp, filter="data")
        pkg = next(Path(tmp).glob("toxicity-*/toxicity"))
        model = tf.keras.models.load_model(str(pkg / "weightedCNN_NavecWordEmbeddings"))
        spec = (tf.TensorSpec((None, 31, 300), tf.float32, name="words"),)
        onnx_model, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "toxicity_ru_cnn.onnx"
        path.write_bytes(onnx_model.SerializeToString())
        x = np.random.default_rng(0).normal(0, 0.3, (4, 31, 300)).astype(np.float32)
        ref = model.predict(x, verbose=0).reshape(-1)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})[0].reshape(-1)
        print("max |keras - onnx|:", float(np.abs(ref - got).max()), "input:", sess.get_inputs()[0].name)
    (OUT / "LICENSE.toxicity.txt").write_text(
        "toxicity 0.30 (PyPI), Barsukov Nikita, MIT License (declared in its setup.py).\n"
        "navec word vectors (navecWeights.tar inside that package): natasha/navec, MIT License.\n"
    )


if __name__ == "__main__":
    main()
