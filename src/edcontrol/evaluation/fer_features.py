"""Expression inputs for face-crop datasets, built exactly as the video pipeline builds them."""

from __future__ import annotations

import cv2
import numpy as np

from edcontrol.models.face_expression import ALIGNED_SIZE, FaceExpression, aligned_crop
from edcontrol.models.face_mesh import FaceMesh


def align_crop_image(image: np.ndarray, mesh: FaceMesh) -> np.ndarray:
    """A dataset image is already a face crop: fit the mesh to all of it and align by the eyes."""
    geo = mesh.fit([image], [(0.0, 0.0)])[0]
    if geo is None:
        return cv2.resize(image, (ALIGNED_SIZE, ALIGNED_SIZE), interpolation=cv2.INTER_AREA)
    return aligned_crop(image, geo.left_eye, geo.right_eye)


def face_features(images: list[np.ndarray], mesh: FaceMesh, expr: FaceExpression) -> np.ndarray:
    """Head input features for each image (see ``FaceExpression.features``)."""
    faces = [align_crop_image(im, mesh) for im in images]
    out = [expr.features(faces[i : i + 32])[0] for i in range(0, len(faces), 32)]
    return np.concatenate(out) if out else np.zeros((0, 270), np.float32)
