"""One place that opens a packaged ONNX model the way every model here needs it: CPU, one thread.

Why one intra-op thread: on 2 cores the stages run side by side (decode thread, face models, audio),
and a model that grabs both cores slows everything else down far more than it gains.
"""

from __future__ import annotations

from importlib import resources

import onnxruntime as ort


def packaged_session(file_name: str) -> ort.InferenceSession:
    """An ONNX Runtime session for ``edcontrol/models/weights/<file_name>``."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    path = resources.files("edcontrol.models") / "weights" / file_name
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
