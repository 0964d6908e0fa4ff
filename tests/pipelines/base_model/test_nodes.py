"""`base_model` nodes: corpus collection and the Hub-id pass-through (the build is in training)."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from mathrl_pipeline.pipelines.base_model.nodes import build_base_model, collect_tokenizer_corpus


def test_corpus_takes_the_configured_columns_and_skips_missing_values() -> None:
    split = pd.DataFrame({"question": ["What is 2+2?", None], "solution": ["4", "5"], "x": [1, 2]})
    corpus = collect_tokenizer_corpus(split, {"corpus_columns": ["question", "solution", "nope"]})
    assert corpus == ["What is 2+2?", "4", "5"]


def test_a_source_is_passed_through_and_params_are_typed() -> None:
    assert build_base_model([], {"source": "Qwen/Qwen2.5-VL-3B-Instruct"}) == (
        "Qwen/Qwen2.5-VL-3B-Instruct"
    )
    with pytest.raises(ValidationError):
        build_base_model([], {"tiny": {"hidden_sise": 3}})
