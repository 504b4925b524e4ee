"""Every tunable of the face track in one place (pyannote-style), so runs are reproducible and reported."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaceTrackConfig:
    sample_fps: float = 2.0
    max_side: int = 1280  # frames are downscaled to this before detection
    detector_confidence: float = 0.5
    detect_every_s: float = 1.0  # between detections, faces are followed by their mesh (0 = detect every frame)
    min_face_px: int = 24  # smaller faces are tracked but not classified
    expression_fps: float = 1.0  # per face; the timeline is 1 Hz, so more adds cost, not information
    emotion_inference: bool = True  # False = compliance mode: no expression models run
    # tracking
    track_iou: float = 0.25
    track_max_gap_s: float = 2.5
    embed_every_s: float = 120.0  # identity re-check per track (dlib is slow; keep sparse)
    appearance_change: float = 0.35  # histogram distance that triggers an early identity re-check
    same_person_distance: float = 0.55
    min_person_samples: int = 3
    # timeline and moments
    smoothing_window_s: float = 3.0
    min_moment_duration_s: float = 2.0
    merge_gap_s: float = 1.5
    min_peak_probability: float = 0.45
    min_intensity: float = 0.25  # a facial moment starts where the rise above the person's baseline reaches this
    offset_intensity: float = 0.15  # ... and lasts while the rise stays at this or above (hysteresis)
    # anger / disgust the nets under-read (pipeline/moments.py corroborated_rise): a relative rise of the class
    relative_rise_min: float = 3.0  # ... from this many times the person's usual probability (0) ...
    relative_rise_full: float = 10.0  # ... to this many (1), times brow lowering ...
    brow_lower_full: float = 0.04  # ... brows this far (relative) below the person's usual = fully lowered
    corroborated_confidence: float = 0.6  # a rule-based reading is less sure than the nets' own
    smile_min_rise: float = 0.3  # a smile: happiness this far above the person's own median (room-scaled) ...
    smile_min_probability: float = 0.5  # ... reaching this probability, held min_moment_duration_s
    # speech-aware faces (pipeline/talking_face.py): while the lips move, surprise and fear go to neutral ...
    talking_discount: float = 0.9  # ... this share of them (0 = off) ...
    talk_lips_low: float = 0.006  # ... scaled from lip motion (mouth-opening change per sample / mouth width) ...
    talk_lips_high: float = 0.018  # ... at this motion and above in full (sample lesson: still ~0.006, talking ~0.02)
    brow_raise_full: float = 0.15  # ... except what brows raised this far (relative) above the person's usual back
    # fear or surprise (pipeline/fear_face.py): raised brows with lips stretched wider than the person's usual
    fear_from_surprise: float = 1.0  # ... move this share of surprise to fear (0 = off) ...
    lip_stretch_full: float = 0.08  # ... in full at a mouth this much (relative) wider than the person's usual
    looking_away_yaw_deg: float = 30.0
    looking_away_pitch_deg: float = 25.0
    eyes_closed_ratio: float = 0.12
