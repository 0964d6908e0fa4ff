"""Fixtures of the training tests: the tiny model, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Qwen2.5-VL (tokenizer trained on a few digit questions)."""
    from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model

    path = tmp_path_factory.mktemp("tiny_model")
    texts = [f"Row {i}: which digit is shown? {i}" for i in range(10)]
    build_tiny_model(texts, TinyModelSpec(max_pixels=112 * 112)).save_pretrained(path)
    return path
