"""GRPO runs of the tiny model: alignment (the R1-V bug), freeze-vision, the base prompt style."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor, TrainerCallback

from mathrl_pipeline.models import family_for
from mathrl_pipeline.models.loading import register_processors
from mathrl_pipeline.training.callbacks import completion_text
from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.runner import run_grpo
from tests.training.digits import digit_frame

REWARDS = [
    {"name": "accuracy"},
    {"name": "format", "weight": 0.5},
    # shaping: the random tiny model gets a reward that varies, hence non-zero gradients
    {"name": "length_penalty", "kwargs": {"limit": 0, "slope": 0.005, "unit": "chars"}},
]
# Distinct sizes -> distinct image-token counts per row: a swapped image shows up.
SIZES = [(56, 56), (84, 56), (112, 56), (56, 84), (84, 84), (112, 84), (56, 112), (84, 112)]


def _params(tmp_path: Path, **overrides: Any) -> TrainParams:
    base = {
        "run_name": "test",
        "output_dir": str(tmp_path / "run"),
        "rewards": REWARDS,
        "num_generations": 4,
        "per_device_train_batch_size": 8,
        "max_steps": 2,
        "max_completion_length": 8,
        "save_steps": 100,
        "learning_rate": 1e-2,
        "beta": 0.0,
        "samples_every": 1,
    }
    return TrainParams.model_validate({**base, **overrides})


def _row_of(text: str) -> int:
    return int(text.split("Row ", 1)[1].split(":", 1)[0])


class AlignmentProbe(TrainerCallback):
    """Records the prompt tokens and pixels of every generation and every forward with images."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def _record(self, kwargs: dict[str, Any], kind: str) -> None:
        if kwargs.get("pixel_values") is not None:
            self.calls.append(
                {
                    "kind": kind,
                    "ids": kwargs["input_ids"].clone(),
                    "pixels": kwargs["pixel_values"].clone(),
                    "grid": kwargs["image_grid_thw"].clone(),
                }
            )

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kw: Any):
        generate = model.generate

        def recording_generate(*args: Any, **kwargs: Any) -> Any:
            self._record(kwargs, "generate")
            return generate(*args, **kwargs)

        def forward_hook(_module: Any, args: tuple, kwargs: dict) -> None:
            self._record(kwargs, "forward")

        model.generate = recording_generate
        model.model.register_forward_pre_hook(forward_hook, with_kwargs=True)


def test_columns_images_and_completions_stay_aligned(tiny_model_dir: Path, tmp_path: Path):
    """Per-device batch 8 and 4 generations: every column, image and completion is its row's."""
    df = digit_frame(8, sizes=SIZES)
    seen: list[dict[str, Any]] = []
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    tokenizer = processor.tokenizer

    def alignment_check(completions, prompts, completion_ids, **columns) -> list[float]:
        seen.append({"n": len(completions)})
        for i, completion in enumerate(completions):
            row = int(columns["id"][i].rsplit("-", 1)[1])
            assert _row_of(completion_text(prompts[i])) == row
            assert columns["solution"][i] == str(row % 10)
            assert columns["image"][i].size == SIZES[row]
            decoded = tokenizer.decode(completion_ids[i], skip_special_tokens=True)
            assert completion_text(completion) == decoded
        ids = columns["id"]
        groups = [ids[g : g + 4] for g in range(0, len(ids), 4)]
        assert all(len(set(group)) == 1 for group in groups), ids
        return [0.0] * len(completions)

    probe = AlignmentProbe()
    run_grpo(
        _params(tmp_path),
        df,
        tiny_model_dir,
        extra_callbacks=[probe],
        extra_rewards=[(alignment_check, 0.0)],
    )
    assert len(seen) == 2 and all(s["n"] == 8 for s in seen)
    image_pad = tokenizer.convert_tokens_to_ids("<|image_pad|>")
    expected = {
        i: processor.image_processor(
            [Image.open(io.BytesIO(df["image"][i]["bytes"]))], return_tensors="pt"
        )["pixel_values"]
        for i in range(len(df))
    }
    assert {c["kind"] for c in probe.calls} == {"generate", "forward"}
    for call in probe.calls:
        rows_per_image = call["grid"].prod(-1).tolist()
        chunks = torch.split(call["pixels"], rows_per_image)
        assert len(chunks) == call["ids"].shape[0]
        for ids, grid, chunk in zip(call["ids"], call["grid"], chunks, strict=True):
            row = _row_of(tokenizer.decode(ids))
            assert int((ids == image_pad).sum()) == int(grid.prod()) // 4
            assert torch.allclose(chunk, expected[row].to(chunk.dtype))


def test_freeze_vision_really_freezes(tiny_model_dir: Path, tmp_path: Path):
    """No vision-tower parameter moves; the language model does."""
    register_processors()
    params = _params(tmp_path, model={"freeze_vision": True})
    result = run_grpo(params, digit_frame(8), tiny_model_dir)
    before = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).state_dict()
    after = AutoModelForImageTextToText.from_pretrained(result.model_dir).state_dict()
    family = family_for("qwen2_5_vl")
    vision = [k for k in before if family.is_vision_parameter(k)]
    assert vision
    assert all(torch.equal(before[k], after[k]) for k in vision)
    text = [k for k in before if not family.is_vision_parameter(k)]
    assert any(not torch.equal(before[k], after[k]) for k in text)


def test_base_style_string_prompts_train(tiny_model_dir: Path, tmp_path: Path):
    """VisualThinker's string prompt (image placeholder, ending in <think>) trains as is."""
    result = run_grpo(_params(tmp_path, max_steps=1), digit_frame(8, style="base"), tiny_model_dir)
    assert result.metrics["step"].tolist() == [1]
    prompt = result.samples["prompt"].iloc[0]
    assert prompt.startswith("A conversation between User and Assistant")
    assert prompt.rstrip().endswith("<think>")
    # the saved model keeps Qwen's chat template, not the raw one used for training
    saved = AutoProcessor.from_pretrained(result.model_dir)
    assert "<|im_start|>" in saved.chat_template


@pytest.mark.parametrize("lora", [True])
def test_lora_run_saves_a_merged_model(tiny_model_dir: Path, tmp_path: Path, lora: bool):
    """With LoRA the final folder is a plain model the Auto classes load."""
    params = _params(tmp_path, max_steps=1, model={"lora": {"enabled": lora, "r": 4}})
    result = run_grpo(params, digit_frame(8), tiny_model_dir)
    model = AutoModelForImageTextToText.from_pretrained(result.model_dir)
    assert not any("lora" in name for name, _ in model.named_parameters())
