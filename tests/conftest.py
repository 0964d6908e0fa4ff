"""Shared fixtures: project paths, the real data samples beside the project, a Kedro project."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MPLBACKEND", "Agg")
# MLflow runs of the test suite go to a throw-away SQLite store, never the project's mlflow.db.
os.environ["MLFLOW_TRACKING_URI"] = (
    f"sqlite:///{tempfile.mkdtemp(prefix='mathrl-mlflow-')}/mlflow.db"
)


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (where pyproject.toml is)."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` beside the project; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data samples not found at {SHARED_DATA} (outside this workplace)")
    return SHARED_DATA
