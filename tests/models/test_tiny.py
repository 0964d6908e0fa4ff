"""The tiny model of every family: real architecture, local tokenizer, Auto-class round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from mathrl_pipeline.models import family_for
from mathrl_pipeline.models.loading import register_processors
from mathrl_pipeline.models.tiny import TinyModelSpec
from tests.models.helpers import image_messages


def test_mrope_section_must_sum_to_half_the_head_dim() -> None:
    with pytest.raises(ValueError, match=r"base_model\.tiny\.mrope_section"):
        TinyModelSpec(hidden_size=64, num_attention_heads=4, mrope_section=(2, 2, 2))


def test_hidden_size_must_split_into_heads() -> None:
    with pytest.raises(ValueError, match=r"base_model\.tiny\.hidden_size"):
        TinyModelSpec(hidden_size=66, num_attention_heads=4)


def test_spec_refuses_unknown_keys_and_families() -> None:
    with pytest.raises(ValueError, match="hidden_sise"):
        TinyModelSpec.model_validate({"hidden_sise": 3})
    with pytest.raises(ValueError, match=r"base_model\.tiny\.model_type.*qwen2_5_vl.*qwen2_vl"):
        TinyModelSpec(model_type="llava")


def test_qwen2_vl_needs_an_integer_vision_mlp_ratio() -> None:
    TinyModelSpec(model_type="qwen2_5_vl", vision_intermediate_size=80)  # any width
    with pytest.raises(ValueError, match=r"base_model\.tiny\.vision_intermediate_size"):
        TinyModelSpec(model_type="qwen2_vl", vision_intermediate_size=80)


def test_saved_model_loads_with_auto_classes_and_generates(tiny_dir: Path, model_type: str):
    register_processors()
    processor = AutoProcessor.from_pretrained(tiny_dir)
    model = AutoModelForImageTextToText.from_pretrained(tiny_dir)
    assert model.config.model_type == model_type
    tokenizer = processor.tokenizer
    for token in family_for(model_type).special_tokens:  # each special token is one id
        assert tokenizer.convert_tokens_to_ids(token) != tokenizer.unk_token_id
        assert len(tokenizer(token, add_special_tokens=False)["input_ids"]) == 1
    messages = image_messages()
    inputs = processor.apply_chat_template(
        [messages], add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    text = tokenizer.decode(inputs["input_ids"][0])
    assert text.startswith("<|im_start|>system") and text.endswith("<|im_start|>assistant\n")
    assert "<|vision_start|><|image_pad|>" in text
    torch.manual_seed(0)
    out = model.generate(**inputs, max_new_tokens=4, do_sample=True)
    assert out.shape[1] > inputs["input_ids"].shape[1]


def test_r1_tags_are_ordinary_text(tiny_dir: Path) -> None:
    register_processors()
    tokenizer = AutoProcessor.from_pretrained(tiny_dir).tokenizer
    text = "<think> 3 + 4 = 7 </think><answer> 7 </answer>"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
