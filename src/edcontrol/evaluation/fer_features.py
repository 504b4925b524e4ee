"""Expression inputs for face-crop datasets, built exactly as the video pipeline builds them:
detector box and eyes -> mesh -> eye-aligned 160x160 crop."""

from __future__ import annotations

import numpy as np

from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression, Shape, aligned_crop
from edcontrol.models.face_mesh import ROI_SCALE, FaceMesh
from edcontrol.models.types import EXPRESSIONS, Box, FaceGeometry


class CropAligner:
    """Align a dataset face crop; when the detector misses (tight crops), the crop is the face region."""

    def __init__(self) -> None:
        self.detector = FaceDetector(min_confidence=0.3, min_size_px=8)
        self.mesh = FaceMesh(min_presence=0.3)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        return self.align(image)[0]

    def align(self, image: np.ndarray) -> tuple[np.ndarray, Shape]:
        """The aligned crop and the mesh's expression geometry (None when the mesh does not fit)."""
        crop, geo = self.measure(image)
        return crop, geo.shape if geo is not None else None

    def measure(self, image: np.ndarray) -> tuple[np.ndarray, FaceGeometry | None]:
        """The aligned crop and everything the mesh says of the face (None when it does not fit)."""
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
            return aligned_crop(image, geo.left_eye, geo.right_eye), geo
        if eyes is not None:
            return aligned_crop(image, eyes[0], eyes[1]), None
        return aligned_crop(image, (w * 0.32, h * 0.4), (w * 0.68, h * 0.4)), None


def _aligned_batches(images: list[np.ndarray], aligner: CropAligner, size: int = 32):  # type: ignore[no-untyped-def]
    """(crops, shapes) of the images, ``size`` at a time: each aligned and measured by its mesh as in a lesson."""
    for i in range(0, len(images), size):
        faces, shapes = zip(*(aligner.align(im) for im in images[i : i + size]), strict=True)
        yield list(faces), list(shapes)


def face_features(images: list[np.ndarray], aligner: CropAligner, expr: FaceExpression) -> np.ndarray:
    """Head input features for each image (see ``FaceExpression.features``)."""
    out = [expr.features(faces, shapes)[0] for faces, shapes in _aligned_batches(images, aligner)]
    return np.concatenate(out) if out else expr.features([])[0]


def predict_images(images: list[np.ndarray], aligner: CropAligner, expr: FaceExpression) -> np.ndarray:
    """Expression probabilities of dataset images, each aligned and measured by its mesh as in a lesson."""
    out = [expr.predict(faces, shapes) for faces, shapes in _aligned_batches(images, aligner)]
    return np.concatenate(out) if out else np.zeros((0, len(EXPRESSIONS)), np.float32)
