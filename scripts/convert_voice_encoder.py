"""One-off export of resemblyzer's GE2E speaker encoder (resemblyzer 0.1.4, Apache-2.0) to ONNX.

Why: resemblyzer pulls torch, librosa and a webrtcvad source build at run time; we need only its
17 MB ``pretrained.pt``. This script rebuilds the tiny network (3-layer LSTM 40->256, linear 256->256,
ReLU, L2 norm), loads the weights and exports ONNX, so EdControl runs it with ONNX Runtime, no torch.
Run it in a throw-away venv:  python3.11 -m venv /tmp/conv && /tmp/conv/bin/pip install torch==2.13.0 onnx
then: /tmp/conv/bin/python scripts/convert_voice_encoder.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"


class VoiceEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(40, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)
        self.relu = nn.ReLU()

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        embeds_raw = self.relu(self.linear(hidden[-1]))
        return embeds_raw / torch.norm(embeds_raw, dim=1, keepdim=True).clamp_min(1e-9)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "resemblyzer==0.1.4"], check=True
        )
        wheel = next(Path(tmp).glob("[Rr]esemblyzer-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            (Path(tmp) / "pretrained.pt").write_bytes(zf.read("resemblyzer/pretrained.pt"))
            lic = [n for n in zf.namelist() if n.upper().endswith("LICENSE") or "LICENSE" in n.upper()]
            licence = zf.read(lic[0]) if lic else None
        state = torch.load(Path(tmp) / "pretrained.pt", map_location="cpu")
        state = state.get("model_state", state)
        model = VoiceEncoder()
        missing = model.load_state_dict({k: v for k, v in state.items() if not k.startswith("similarity")}, strict=True)
        print(missing)
        model.eval()
        example = torch.rand(2, 160, 40)
        OUT.mkdir(parents=True, exist_ok=True)
        torch.onnx.export(
            model,
            (example,),
            OUT / "voice_encoder_ge2e.onnx",
            input_names=["mels"],
            output_names=["embedding"],
            dynamic_axes={"mels": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        if licence:
            (OUT / "LICENSE.resemblyzer.txt").write_bytes(licence)
        with torch.no_grad():
            ref = model(example).numpy()
        import numpy as np
        import onnxruntime as ort

        sess = ort.InferenceSession(str(OUT / "voice_encoder_ge2e.onnx"), providers=["CPUExecutionProvider"])
        got = sess.run(None, {"mels": example.numpy()})[0]
        print("max abs diff torch vs onnx:", float(np.abs(got - ref).max()))


if __name__ == "__main__":
    main()
