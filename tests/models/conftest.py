"""Fixtures of the model tests: a tiny model of every family, built and saved once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from mathrl_pipeline.models import FAMILIES  # noqa: E402 (after the environment)

TEXTS = [f"Row {i}: which digit is shown? {i}" for i in range(10)]


@pytest.fixture(scope="session", params=[t for f in FAMILIES for t in f.model_types])
def model_type(request: pytest.FixtureRequest) -> str:
    """Each ``model_type`` a family declares (a new family is tested without a new fixture)."""
    return str(request.param)


@pytest.fixture(scope="session")
def tiny_dir(model_type: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model of ``model_type``'s family, saved with ``save_pretrained``."""
    from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model

    path = tmp_path_factory.mktemp(f"tiny_{model_type}")
    spec = TinyModelSpec(model_type=model_type, max_pixels=112 * 112)
    build_tiny_model(TEXTS, spec).save_pretrained(path)
    return path
