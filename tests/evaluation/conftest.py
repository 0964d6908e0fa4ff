"""Fixtures of the evaluation tests: the tiny model (built once per session), a loaded copy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.evaluation.helpers import build_tiny_model_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def eval_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Qwen2.5-VL."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("eval_tiny_model"))


@pytest.fixture(scope="session")
def loaded_tiny(eval_model_dir: Path) -> tuple[Any, Any]:
    """The tiny model and processor, loaded in float32 through the evaluation loader."""
    from mathrl_pipeline.evaluation import load_model_and_processor

    return load_model_and_processor(str(eval_model_dir))
