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


# The default run (`kedro run`), shrunk to a couple of minutes on CPU: every dataset of the
# default pipeline gets written (for the kedro-viz previews and the MLflow run tests).
SMALL_DEFAULT_RUN: dict[str, object] = {
    "base_model_arith.pretrain.epochs": 0.05,
    "base_model_arith.corpus.limit": 64,
    "train_arith.max_steps": 2,
    "train_arith.save_steps": 2,
    "train_arith.samples_every": 1,
    "train_arith.max_completion_length": 8,
    "evaluate_arith.limit": 2,
    "evaluate_arith.batch_size": 2,
    "evaluate_arith.greedy.max_new_tokens": 4,
    "evaluate_arith.sampled.num_samples": 2,
    "evaluate_arith.sampled.max_new_tokens": 4,
    "evaluate_arith.pass_k": [1, 2],
}


@pytest.fixture(scope="session")
def small_default_run(project_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """``__default__`` run once, small, into a temp data folder with its own MLflow store
    (artifacts under the temp folder). Returns ``(data_dir, tracking_uri)``."""
    from tests.kedro_helpers import run_pipelines

    root = tmp_path_factory.mktemp("default_run")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    saved_uri, saved_cwd = os.environ["MLFLOW_TRACKING_URI"], Path.cwd()
    os.environ["MLFLOW_TRACKING_URI"] = uri
    os.chdir(root)  # MLflow's default artifact root (./mlruns) lands here
    try:
        run_pipelines(project_root, root / "data", ["__default__"], SMALL_DEFAULT_RUN)
    finally:
        os.chdir(saved_cwd)
        os.environ["MLFLOW_TRACKING_URI"] = saved_uri
    return root / "data", uri
