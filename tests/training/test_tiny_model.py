"""The embedded tiny Qwen2.5-VL: real architecture, local tokenizer, Auto-class round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor

from mathrl_pipeline.training.tiny_model import QWEN_SPECIAL_TOKENS, TinyModelSpec


def test_mrope_section_must_sum_to_half_the_head_dim() -> None:
    with pytest.raises(ValueError, match="mrope_section"):
        TinyModelSpec(hidden_size=64, num_attention_heads=4, mrope_section=(2, 2, 2))


def test_saved_model_loads_with_auto_classes_and_generates(tiny_model_dir: Path) -> None:
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    model = AutoModelForImageTextToText.from_pretrained(tiny_model_dir)
    assert model.config.model_type == "qwen2_5_vl"
    tokenizer = processor.tokenizer
    for token in QWEN_SPECIAL_TOKENS:  # each special token is one id
        assert tokenizer.convert_tokens_to_ids(token) != tokenizer.unk_token_id
        assert len(tokenizer(token, add_special_tokens=False)["input_ids"]) == 1
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": Image.new("RGB", (56, 56), "white")},
                {"type": "text", "text": "Row 1: which digit is shown?"},
            ],
        }
    ]
    inputs = processor.apply_chat_template(
        [messages], add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    text = tokenizer.decode(inputs["input_ids"][0])
    assert text.startswith("<|im_start|>system") and text.endswith("<|im_start|>assistant\n")
    assert "<|vision_start|><|image_pad|>" in text
    torch.manual_seed(0)
    out = model.generate(**inputs, max_new_tokens=4, do_sample=True)
    assert out.shape[1] > inputs["input_ids"].shape[1]


def test_r1_tags_are_ordinary_text(tiny_model_dir: Path) -> None:
    tokenizer = AutoProcessor.from_pretrained(tiny_model_dir).tokenizer
    text = "<think> 3 + 4 = 7 </think><answer> 7 </answer>"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
