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


def _corpus(rows: int):
    import io

    import pandas as pd
    from PIL import Image, ImageDraw

    from mathrl_pipeline.tasks.prompts import conversational_prompt

    def cell(dark: bool) -> dict:
        image = Image.new("RGB", (112, 56), (122, 122, 122))
        if dark:
            ImageDraw.Draw(image).rectangle([10, 10, 100, 45], fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return {"bytes": buffer.getvalue(), "path": None}

    labels = [i % 2 for i in range(rows)]
    return pd.DataFrame(
        {
            "prompt": [conversational_prompt("", "Dark?")] * rows,
            "image": [cell(bool(label)) for label in labels],
            "completion": [f"<answer>{label}</answer>" for label in labels],
            "question": ["box"] * rows,
        }
    )


def test_pretrain_base_model_trains_the_built_model(tmp_path) -> None:
    import torch

    from mathrl_pipeline.pipelines.base_model.nodes import (
        build_base_model,
        pretrain_base_model,
    )

    params = {"corpus_columns": ["completion"], "pretrain": {"epochs": 2, "batch_size": 8,
                                                             "output_dir": str(tmp_path)}}
    corpus = _corpus(16)
    bundle = build_base_model(list(corpus["completion"]), params)
    before = [p.detach().clone() for p in bundle.model.parameters()]
    result = pretrain_base_model(bundle, corpus, params)
    after = list(result.model.parameters())
    assert result is bundle
    assert any(not torch.equal(b, a) for b, a in zip(before, after, strict=True))


def test_pretrain_base_model_refuses_a_corpus_without_completions(tmp_path) -> None:
    import pytest

    from mathrl_pipeline.pipelines.base_model.nodes import build_base_model, pretrain_base_model

    params = {"pretrain": {"output_dir": str(tmp_path)}}
    corpus = _corpus(4).drop(columns=["completion"])
    bundle = build_base_model(["x"], params)
    with pytest.raises(KeyError, match="completion"):
        pretrain_base_model(bundle, corpus, params)
