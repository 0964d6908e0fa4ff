"""`base_model` nodes and their typed parameter slices (the build itself is in `models`)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import torch
from kedro.validation import ParameterValidator
from PIL import Image, ImageDraw

from mathrl_pipeline.config_loader import ProjectConfigLoader
from mathrl_pipeline.models.tiny import TinyModelSpec
from mathrl_pipeline.pipelines.base_model.nodes import (
    build_base_model,
    collect_tokenizer_corpus,
    pretrain_base_model,
)
from mathrl_pipeline.pipelines.base_model.params import TokenizerCorpusParams
from mathrl_pipeline.settings import CONFIG_LOADER_ARGS
from mathrl_pipeline.tasks.prompts import conversational_prompt
from mathrl_pipeline.training.pretrain import PretrainConfig


def test_corpus_takes_the_configured_columns_and_skips_missing_values() -> None:
    split = pd.DataFrame({"question": ["What is 2+2?", None], "solution": ["4", "5"], "x": [1, 2]})
    params = TokenizerCorpusParams(columns=["question", "solution", "nope"])
    assert collect_tokenizer_corpus(split, params) == ["What is 2+2?", "4", "5"]
    assert collect_tokenizer_corpus(split, TokenizerCorpusParams(limit=1)) == ["What is 2+2?", "4"]


def test_a_source_is_passed_through() -> None:
    source = "Qwen/Qwen2.5-VL-3B-Instruct"
    assert build_base_model([], source, TinyModelSpec()) == source


def _validated(project_root, env: str | None = None) -> dict:
    """The parameters as Kedro hands them to the nodes of `base_model` and `grpo_arith`."""
    from kedro.framework.startup import bootstrap_project

    from mathrl_pipeline.pipeline_registry import register_pipelines

    bootstrap_project(project_root)
    loader = ProjectConfigLoader(
        conf_source=str(project_root / "conf"),
        env=env,
        runtime_params={"data_dir": "data"},
        **CONFIG_LOADER_ARGS,
    )
    pipelines = register_pipelines()
    wanted = {name: pipelines[name] for name in ("base_model", "grpo_arith")}
    return ParameterValidator(wanted).validate_raw_params(loader["parameters"])


def test_conf_validates_into_the_library_types(project_root) -> None:
    params = _validated(project_root)
    arith = params["base_model_arith"]
    # the miniature run's tiny model and pre-training, as before the parameters were typed
    assert arith["tiny"] == TinyModelSpec(mrope_section=(1, 1, 6), rope_theta=2.0, max_pixels=50176)
    assert arith["pretrain"] == PretrainConfig()  # the defaults: 20 epochs, a temporary folder
    assert (arith["pretrain"].epochs, arith["pretrain"].learning_rate) == (20.0, 3e-3)
    assert arith["corpus"] == TokenizerCorpusParams(columns=["completion", "question"], limit=None)
    assert arith["source"] is None
    # the stand-alone `base_model` pipeline reads the default run's block, which extends base_model
    assert params["base_model_deepmath"]["corpus"] == TokenizerCorpusParams()
    assert params["base_model_deepmath"]["tiny"] == arith["tiny"]
    gpu = _validated(project_root, env="gpu")
    assert gpu["base_model_deepmath"]["source"] == "Qwen/Qwen2.5-VL-3B-Instruct"
    assert gpu["base_model_deepmath"]["corpus"].limit == 0
    assert gpu["base_model_arith"]["source"] is None  # the miniature run keeps its tiny model


def _corpus(rows: int) -> pd.DataFrame:
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
    corpus = _corpus(16)
    bundle = build_base_model(list(corpus["completion"]), None, TinyModelSpec())
    before = [p.detach().clone() for p in bundle.model.parameters()]
    config = PretrainConfig(epochs=2, batch_size=8, output_dir=str(tmp_path))
    result = pretrain_base_model(bundle, corpus, config)
    after = list(result.model.parameters())
    assert result is bundle
    assert any(not torch.equal(b, a) for b, a in zip(before, after, strict=True))


def test_pretrain_base_model_refuses_what_it_cannot_train(tmp_path) -> None:
    config = PretrainConfig(output_dir=str(tmp_path))
    corpus = _corpus(4)
    with pytest.raises(ValueError, match=r"base_model\.source"):
        pretrain_base_model("Qwen/Qwen2-VL-2B", corpus, config)
    bundle = build_base_model(["x"], None, TinyModelSpec())
    with pytest.raises(KeyError, match="completion"):
        pretrain_base_model(bundle, corpus.drop(columns=["completion"]), config)
