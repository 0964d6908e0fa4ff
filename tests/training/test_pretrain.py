"""The pre-training stage (training/pretrain.py) makes a random tiny model read its image."""

from __future__ import annotations

import io
import random

import pytest
import torch
from PIL import Image, ImageDraw

from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model
from mathrl_pipeline.tasks.prompts import conversational_prompt
from mathrl_pipeline.training.pretrain import (
    IGNORE_INDEX,
    CompletionCollator,
    PretrainConfig,
    encode_example,
    pretrain,
)

PROMPT = conversational_prompt("", "Is the box dark?")


def _image(dark: bool) -> dict:
    image = Image.new("RGB", (112, 56), "white")
    if dark:
        ImageDraw.Draw(image).rectangle([10, 10, 100, 45], fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"bytes": buffer.getvalue(), "path": None}


def _teacher_forced_right(model, processor, images, completions) -> int:
    examples = [
        encode_example(processor, PROMPT, image, completion, 512)
        for image, completion in zip(images, completions, strict=True)
    ]
    batch = CompletionCollator(processor.tokenizer.pad_token_id)(examples)
    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits
    right = 0
    for row in range(len(examples)):
        labels = batch["labels"][row]
        positions = (labels != IGNORE_INDEX).nonzero().flatten()
        predicted = logits[row, positions - 1].argmax(-1)
        right += int(torch.equal(predicted, labels[positions]))
    return right


def test_prompt_tokens_are_masked_and_completion_is_learned_from() -> None:
    bundle = build_tiny_model(["<answer>1</answer>"], TinyModelSpec())
    example = encode_example(bundle.processor, PROMPT, _image(True), "<answer>1</answer>", 512)
    learned = example["labels"] != IGNORE_INDEX
    completion_ids = example["input_ids"][learned].tolist()
    text = bundle.processor.tokenizer.decode(completion_ids)
    assert text == "<answer>1</answer><|im_end|>"  # only the completion (and its EOS) is learned
    assert example["image_grid_thw"].tolist() == [[1, 4, 8]]


def test_too_long_example_names_the_parameter() -> None:
    bundle = build_tiny_model(["x"], TinyModelSpec())
    with pytest.raises(ValueError, match="max_length"):
        encode_example(bundle.processor, PROMPT, _image(True), "1" * 50, 16)


def test_config_is_typed_and_names_its_limits() -> None:
    assert PretrainConfig.model_validate({"epochs": 2}).learning_rate == 3e-3
    with pytest.raises(ValueError, match="max_length"):
        PretrainConfig(max_length=8)
    with pytest.raises(ValueError, match="epoch"):
        PretrainConfig.model_validate({"epoch": 2})


def test_pretraining_makes_answers_follow_the_image(tmp_path) -> None:
    # a random model cannot tell the two images apart; after a short pre-training it must
    rng = random.Random(0)
    labels = [rng.randint(0, 1) for _ in range(192)]
    images = [_image(bool(label)) for label in labels]
    completions = [f"<answer>{label}</answer>" for label in labels]
    bundle = build_tiny_model(completions, TinyModelSpec())
    held_out = ([_image(True), _image(False)] * 8, ["<answer>1</answer>", "<answer>0</answer>"] * 8)
    before = _teacher_forced_right(bundle.model, bundle.processor, *held_out)
    history = pretrain(
        bundle.model,
        bundle.processor,
        prompts=[PROMPT] * len(labels),
        images=images,
        completions=completions,
        config=PretrainConfig(
            epochs=8, batch_size=16, learning_rate=3e-3, logging_steps=10, output_dir=str(tmp_path)
        ),
    )
    after = _teacher_forced_right(bundle.model, bundle.processor, *held_out)
    losses = [h["loss"] for h in history if "loss" in h]
    assert losses[-1] < losses[0]
    assert before < 12 and after == 16
