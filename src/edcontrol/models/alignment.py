"""Similarity alignment of a face from its two eye centres, shared by the expression models.

Why: both packaged expression nets were trained on upright crops where the eyes sit at a fixed place;
a tilted head or a loose detector box costs them several points of accuracy.
"""

from __future__ import annotations

import cv2
import numpy as np


def align_face(
    image: np.ndarray,
    left_eye: tuple[float, float],
    right_eye: tuple[float, float],
    size: int,
    eye_distance: float = 0.36,
    eye_height: float = 0.38,
) -> np.ndarray:
    """Warp ``image`` so the eyes are level, ``eye_distance * size`` apart, at ``eye_height * size``."""
    (lx, ly), (rx, ry) = sorted([left_eye, right_eye])  # image-left eye first
    dx, dy = rx - lx, ry - ly
    dist = float(np.hypot(dx, dy))
    if dist < 1e-3:
        return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    scale = eye_distance * size / dist
    angle = float(np.degrees(np.arctan2(dy, dx)))
    cx, cy = (lx + rx) / 2, (ly + ry) / 2
    m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    m[0, 2] += size / 2 - cx
    m[1, 2] += eye_height * size - cy
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
