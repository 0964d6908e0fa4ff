"""The family registry: discovery, choice from a config's ``model_type``, clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from mathrl_pipeline.models import FAMILIES, UnknownModelFamilyError, family_for
from mathrl_pipeline.models.qwen2_vl import QWEN_IMAGE_PLACEHOLDER
from mathrl_pipeline.tasks.prompts import PromptTemplate


def test_every_module_with_a_family_is_registered_once() -> None:
    model_types = [t for family in FAMILIES for t in family.model_types]
    assert sorted(model_types) == ["qwen2_5_vl", "qwen2_vl"]
    assert {family.name for family in FAMILIES} == {"Qwen2-VL", "Qwen2.5-VL"}


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("qwen2_vl", "Qwen2-VL"),
        ({"model_type": "qwen2_5_vl"}, "Qwen2.5-VL"),  # a config.json
        (SimpleNamespace(model_type="qwen2_vl"), "Qwen2-VL"),  # a config object
        (SimpleNamespace(config=SimpleNamespace(model_type="qwen2_5_vl")), "Qwen2.5-VL"),  # model
    ],
)
def test_family_comes_from_the_model_type(given: object, name: str) -> None:
    assert family_for(given).name == name


def test_the_name_does_not_choose_the_family() -> None:
    # a Qwen2-VL checkpoint under a misleading name is still Qwen2-VL
    config = {"model_type": "qwen2_vl", "_name_or_path": "someone/Qwen2.5-VL-3B-finetune"}
    assert family_for(config).name == "Qwen2-VL"


def test_an_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(UnknownModelFamilyError, match=r"'llava'.*qwen2_5_vl.*qwen2_vl"):
        family_for({"model_type": "llava"})
    with pytest.raises(TypeError, match="model family"):
        family_for(3)


def test_base_prompts_use_the_family_placeholder_and_round_trip() -> None:
    from jinja2 import Template

    from mathrl_pipeline.training.data import normalise_prompt

    text = PromptTemplate(style="base").build("Which digit?")
    for family in FAMILIES:
        assert family.image_placeholder == QWEN_IMAGE_PLACEHOLDER
        messages = normalise_prompt(text, family.image_placeholder)
        assert Template(family.raw_chat_template).render(messages=messages) == text


def test_vision_parameters_are_the_family_tower() -> None:
    family = family_for("qwen2_5_vl")
    assert family.is_vision_parameter("model.visual.blocks.0.attn.qkv.weight")
    assert family.is_vision_parameter("base_model.model.model.visual.merger.mlp.0.weight")  # peft
    assert not family.is_vision_parameter("model.language_model.layers.0.mlp.up_proj.weight")


def test_the_package_imports_and_validates_without_torch() -> None:
    code = textwrap.dedent(
        """
        import sys
        for name in ("torch", "transformers", "trl", "tokenizers", "peft"):
            sys.modules[name] = None  # any import of these now raises ImportError
        import mathrl_pipeline.models.loading, mathrl_pipeline.models.tokenizer
        from mathrl_pipeline.models import FAMILIES, family_for
        from mathrl_pipeline.models.tiny import TinyModelSpec
        TinyModelSpec(model_type="qwen2_vl", mrope_section=[1, 1, 6])
        print("ok", sorted(f.name for f in FAMILIES), family_for("qwen2_vl").name)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok ['Qwen2-VL', 'Qwen2.5-VL'] Qwen2-VL" in result.stdout
