"""Expression inputs for face-crop datasets, built exactly as the video pipeline builds them:
detector box and eyes -> mesh -> eye-aligned 160x160 crop."""

from __future__ import annotations

import numpy as np

from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression, aligned_crop
from edcontrol.models.face_mesh import ROI_SCALE, FaceMesh
from edcontrol.models.types import Box


class CropAligner:
    """Align a dataset face crop; when the detector misses (tight crops), the crop is the face region."""

    def __init__(self) -> None:
        self.detector = FaceDetector(min_confidence=0.3, min_size_px=8)
        self.mesh = FaceMesh(min_presence=0.3)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        dets = self.detector.detect([image])[0]
        if dets:
            det = max(dets, key=lambda d: d.box.area)
            box, eyes = det.box, (tuple(det.keypoints[0]), tuple(det.keypoints[1]))
        else:
            side = min(h, w) / ROI_SCALE
            box, eyes = Box((w - side) / 2, (h - side) / 2, side, side), None
        geo = self.mesh.fit(image, [box], [eyes])[0]
        if geo is not None:
            return aligned_crop(image, geo.left_eye, geo.right_eye)
        if eyes is not None:
            return aligned_crop(image, eyes[0], eyes[1])
        return aligned_crop(image, (w * 0.32, h * 0.4), (w * 0.68, h * 0.4))


def face_features(images: list[np.ndarray], aligner: CropAligner, expr: FaceExpression) -> np.ndarray:
    """Head input features for each image (see ``FaceExpression.features``)."""
    faces = [aligner(im) for im in images]
    out = [expr.features(faces[i : i + 32])[0] for i in range(0, len(faces), 32)]
    return np.concatenate(out) if out else np.zeros((0, 270), np.float32)
