"""Batched generation on the tiny model: same tokens as one prompt at a time, samples, prompts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from mathrl_pipeline.evaluation import (
    DecodeSettings,
    generate_hf,
    instruction_of,
    load_model_and_processor,
    model_source,
    restyle_prompt,
)
from mathrl_pipeline.tasks.prompts import DEFAULT_INSTRUCTION, PromptTemplate
from tests.evaluation.helpers import make_split


@pytest.fixture(scope="module")
def noisy_tiny(eval_model_dir: Path) -> tuple[Any, Any]:
    """The tiny model with large random weights, so greedy outputs vary and sometimes stop."""
    import torch

    model, processor = load_model_and_processor(str(eval_model_dir))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.5)
    return model, processor


def _mixed_prompts() -> tuple[list[Any], list[Any]]:
    split = make_split(6)
    prompts = list(split["prompt"])
    prompts[1] = PromptTemplate(style="base").build("What is shown?")  # a plain-text prompt
    prompts[3] = PromptTemplate(style="direct").build("A longer instruction " * 5)
    return prompts, list(split["image"])


@pytest.mark.parametrize("batch_size", [2, 6])  # partial last batch; one batch of everything
def test_greedy_batched_equals_one_at_a_time(noisy_tiny: tuple[Any, Any], batch_size: int) -> None:
    model, processor = noisy_tiny
    prompts, images = _mixed_prompts()
    settings = DecodeSettings(max_new_tokens=12)
    single = generate_hf(model, processor, prompts, images, settings, batch_size=1)
    batched = generate_hf(model, processor, prompts, images, settings, batch_size=batch_size)
    assert [g.token_ids for g in batched] == [g.token_ids for g in single]
    assert [g.text for g in batched] == [g.text for g in single]
    assert len({tuple(g.token_ids) for g in single}) > 1  # outputs differ between prompts


def test_sampling_gives_n_samples_per_prompt_in_input_order(
    loaded_tiny: tuple[Any, Any],
) -> None:
    model, processor = loaded_tiny
    prompts, images = _mixed_prompts()
    settings = DecodeSettings(max_new_tokens=6, do_sample=True, num_samples=3, seed=7)
    gens = generate_hf(model, processor, prompts, images, settings, batch_size=4)
    assert [(g.row, g.sample) for g in gens] == [(r, s) for r in range(6) for s in range(3)]
    assert all(g.length == len(g.token_ids) <= 6 for g in gens)
    assert all(g.truncated == (g.length == 6) for g in gens)


@pytest.mark.parametrize(
    ("style", "check"),
    [
        # the R1 chat prompt rebuilt as is
        (
            "instruct",
            lambda p: p[0]["role"] == "system" and "<think>" in p[0]["content"][0]["text"],
        ),
        # the direct style drops the request for a thinking block
        ("direct", lambda p: "<think>" not in p[-1]["content"][1]["text"]),
        # the base style is one string ending in <think>
        ("base", lambda p: isinstance(p, str) and p.endswith("<think>")),
    ],
)
def test_restyle_prompt(style: str, check: Any) -> None:
    prompt = PromptTemplate().build(DEFAULT_INSTRUCTION)
    assert check(restyle_prompt(prompt, style))


@pytest.mark.parametrize(
    "prompt",
    [
        PromptTemplate().build("Count the dots."),  # chat
        PromptTemplate(style="base").build("Count the dots."),  # base string
        PromptTemplate(style="direct").build("Count the dots."),  # direct chat
    ],
)
def test_instruction_of_every_style(prompt: Any) -> None:
    assert instruction_of(prompt) == "Count the dots."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/models/m", "/models/m"),  # a path (what ModelDirectoryDataset loads)
        ("Qwen/Qwen2.5-VL-3B-Instruct", "Qwen/Qwen2.5-VL-3B-Instruct"),  # a Hub id
        (Path("/models/m"), "/models/m"),  # a PathLike
        ({"path": "/models/m"}, "/models/m"),  # a dict
    ],
)
def test_model_source(value: Any, expected: str) -> None:
    assert model_source(value) == expected


def test_evaluation_generation_logs_progress(loaded_tiny: tuple[Any, Any],
                                             caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mathrl_pipeline import progress as progress_module
    from tests.test_progress import progress_lines

    monkeypatch.setattr(progress_module, "LOG_INTERVAL_S", 0.0)
    monkeypatch.setattr(progress_module, "_is_terminal", lambda: False)
    caplog.set_level(logging.INFO)
    split = make_split(5)
    model, processor = loaded_tiny
    generate_hf(model, processor, split["prompt"].tolist(), split["image"].tolist(),
                DecodeSettings(max_new_tokens=2), batch_size=2)
    lines = progress_lines(caplog, "evaluate: generate (greedy)")
    assert [int(m.group(2)) for m in lines] == [2, 4]  # after each batch but the last
    assert lines[0].group(4) == "prompts" and lines[0].group(3) == "5"
