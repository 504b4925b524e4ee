"""Shared fixtures: paths to the third-party evaluation data and real media built from it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("EDCONTROL_EVAL_DATA", ROOT.parent / "shared" / "eval"))
GRID = EVAL / "av_en_grid_talking_heads_lipnet" / "video"
SAMPLE = ROOT / "samples" / "sample_lesson.mp4"
PG_ADMIN = os.environ.get("EDCONTROL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not EVAL.is_dir():
        raise pytest.UsageError(f"evaluation data not found at {EVAL} (set EDCONTROL_EVAL_DATA)")


@pytest.fixture(scope="session")
def grid_clip():
    """Decoded RGB frames (25 fps) of a GRID clip, cached per session."""
    from edcontrol.media.frames import iter_frames

    cache: dict[str, list[np.ndarray]] = {}

    def get(name: str) -> list[np.ndarray]:
        if name not in cache:
            cache[name] = [f.image for f in iter_frames(GRID / name, fps=25.0, max_side=None, skip_nonref=False)]
        return cache[name]

    return get


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture()
def pg_database():
    """A fresh PostgreSQL database for one test (scripts/services.sh makes sure the server answers)."""
    import uuid

    import psycopg

    name = f"edcontrol_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
