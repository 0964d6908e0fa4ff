"""Every family loads through ``load_model`` / ``load_processor`` from a Hub-layout folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from mathrl_pipeline.models import family_for
from mathrl_pipeline.models.loading import family_of, load_model, load_processor
from mathrl_pipeline.training.config import ModelParams
from tests.models.helpers import image_messages

PARAMS = ModelParams(dtype="float32", attn_implementation=None, max_pixels=56 * 112)


def hub_layout(saved: Path, path: Path, model_type: str) -> Path:
    """``saved`` rewritten as the Hub ships Qwen-VL: preprocessor_config.json, chat_template.json.

    The processor files name the *stock* processor class (``Qwen2VLProcessor``, ...), whose
    video processor needs torchvision.
    """
    shutil.copytree(saved, path)
    stock = family_for(model_type).processor_class().__mro__[1].__name__
    image = json.loads((path / "processor_config.json").read_text())["image_processor"]
    preprocessor = {
        "min_pixels": image["size"]["shortest_edge"],
        "max_pixels": image["size"]["longest_edge"],
        **{k: image[k] for k in ("patch_size", "temporal_patch_size", "merge_size")},
        **{k: image[k] for k in ("image_mean", "image_std")},
        "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": stock,
    }
    (path / "preprocessor_config.json").write_text(json.dumps(preprocessor))
    (path / "processor_config.json").unlink()
    template = (path / "chat_template.jinja").read_text()
    (path / "chat_template.json").write_text(json.dumps({"chat_template": template}))
    (path / "chat_template.jinja").unlink()
    tokenizer = json.loads((path / "tokenizer_config.json").read_text())
    (path / "tokenizer_config.json").write_text(json.dumps({**tokenizer, "processor_class": stock}))
    return path


def test_hub_folder_loads_and_generates_from_an_image_prompt(
    tiny_dir: Path, model_type: str, tmp_path: Path
) -> None:
    path = hub_layout(tiny_dir, tmp_path / "hub", model_type)
    files = {p.name for p in path.iterdir()}
    assert {"config.json", "model.safetensors", "generation_config.json"} <= files
    assert {"tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"} <= files
    assert "chat_template.json" in files and "processor_config.json" not in files

    family = family_of(str(path))
    model = load_model(str(path), PARAMS)
    processor = load_processor(str(path), PARAMS)
    assert family is family_for(model_type) and model.config.model_type == model_type
    assert type(processor).__name__.startswith("ImageOnly")  # no torchvision on this stack
    assert processor.image_processor.size.longest_edge == 56 * 112  # the pixel budget
    messages = image_messages((112, 56))
    inputs = processor.apply_chat_template(
        [messages], add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    assert inputs["image_grid_thw"].tolist() == [[1, 4, 8]]
    torch.manual_seed(0)
    out = model.generate(**inputs, max_new_tokens=4, do_sample=True)
    assert out.shape[1] > inputs["input_ids"].shape[1]


def test_saved_folder_round_trips_through_the_loaders(tiny_dir: Path, model_type: str) -> None:
    model = load_model(str(tiny_dir), PARAMS.model_copy(update={"freeze_vision": True}))
    processor = load_processor(str(tiny_dir), PARAMS)
    assert processor.chat_template == family_for(model_type).chat_template()
    family = family_for(model)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen and all(family.is_vision_parameter(n) for n in frozen)
    assert any(p.requires_grad for p in model.parameters())


def test_an_unknown_family_is_refused_before_loading(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llava"}))
    with pytest.raises(ValueError, match=r"unknown model family.*'llava'.*known: qwen2_5_vl"):
        load_model(str(tmp_path), PARAMS)

