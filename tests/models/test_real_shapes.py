"""The seeds' models in their Hub repos' folder layout, real config values, layers cut
(tests/models/real_shapes.py), read through models/loading.py exactly as a Hub id is.

The GRPO step and the evaluation of each family run in the whole recipe runs
(tests/pipelines/test_recipe_runs.py: Qwen2-VL-2B in grpo_sat, Qwen2-VL-2B-Instruct in
grpo_hf_vqa, Qwen2.5-VL-3B-Instruct in grpo_deepmath and grpo_latex_ocr); here: the files, the
configuration and the processor, without loading the weights.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

from mathrl_pipeline.models.loading import family_of, load_processor
from mathrl_pipeline.training.config import ModelParams
from tests.models.real_shapes import TEXT_LAYERS, VISION_DEPTH, hub_model

REPOS = ("Qwen/Qwen2-VL-2B", "Qwen/Qwen2-VL-2B-Instruct", "Qwen/Qwen2.5-VL-3B-Instruct")
HUB_FILES = {
    "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer_config.json",
    "chat_template.json", "vocab.json", "merges.txt", "tokenizer.json",
    "model.safetensors.index.json",
}  # fmt: skip


@pytest.fixture(scope="module", params=REPOS)
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """(Hub id, its real-shaped folder), built once per session."""
    root = tmp_path_factory.getbasetemp() / "hub_models"
    return request.param, hub_model(root, request.param)


def test_folder_has_the_hub_layout(repo: tuple) -> None:
    repo_id, folder = repo
    files = {p.name for p in folder.iterdir()}
    assert HUB_FILES <= files
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    shards = set(index["weight_map"].values())
    assert len(shards) >= 2 and shards <= files  # model-0000N-of-0000M.safetensors
    names = set(index["weight_map"])
    # the Hub's tensor names (transformers 5 loads them into model.language_model / model.visual)
    assert "model.embed_tokens.weight" in names and "visual.patch_embed.proj.weight" in names
    assert {f"model.layers.{TEXT_LAYERS - 1}.mlp.up_proj.weight",
            f"visual.blocks.{VISION_DEPTH - 1}.attn.qkv.weight"} <= names
    assert "lm_head.weight" not in names  # tied to the embeddings, as on the Hub


# (repo, config path, value, source): real values survive AutoConfig; only layers are cut
CONFIG_VALUES: list[tuple[str, str, Any, str]] = [
    ("Qwen/Qwen2-VL-2B", "text_config.hidden_size", 1536, "config.json hidden_size"),
    ("Qwen/Qwen2-VL-2B", "text_config.intermediate_size", 8960, "config.json"),
    ("Qwen/Qwen2-VL-2B", "text_config.num_attention_heads", 12, "config.json"),
    ("Qwen/Qwen2-VL-2B", "text_config.num_key_value_heads", 2, "config.json"),
    ("Qwen/Qwen2-VL-2B", "text_config.vocab_size", 151936, "config.json"),
    ("Qwen/Qwen2-VL-2B", "text_config.rope_parameters.mrope_section", [16, 24, 24],
     "config.json rope_scaling"),
    ("Qwen/Qwen2-VL-2B", "text_config.rope_parameters.rope_theta", 1e6, "config.json"),
    ("Qwen/Qwen2-VL-2B", "text_config.num_hidden_layers", TEXT_LAYERS, "cut (real: 28)"),
    ("Qwen/Qwen2-VL-2B", "text_config.layer_types", ["full_attention"] * TEXT_LAYERS,
     "derived from the cut count"),
    ("Qwen/Qwen2-VL-2B", "vision_config.embed_dim", 1280, "config.json vision_config"),
    ("Qwen/Qwen2-VL-2B", "vision_config.hidden_size", 1536, "merger output = text width"),
    ("Qwen/Qwen2-VL-2B", "vision_config.num_heads", 16, "config.json vision_config"),
    ("Qwen/Qwen2-VL-2B", "vision_config.patch_size", 14, "config.json vision_config"),
    ("Qwen/Qwen2-VL-2B", "vision_config.spatial_merge_size", 2, "config.json vision_config"),
    ("Qwen/Qwen2-VL-2B", "vision_config.depth", VISION_DEPTH, "cut (real: 32)"),
    ("Qwen/Qwen2-VL-2B", "image_token_id", 151655, "config.json"),
    ("Qwen/Qwen2-VL-2B", "vision_start_token_id", 151652, "config.json"),
    ("Qwen/Qwen2-VL-2B", "tie_word_embeddings", True, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "text_config.hidden_size", 2048, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "text_config.intermediate_size", 11008, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "text_config.num_attention_heads", 16, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "text_config.max_position_embeddings", 128000,
     "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "text_config.rope_parameters.mrope_section", [16, 24, 24],
     "config.json rope_scaling"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.hidden_size", 1280, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.intermediate_size", 3420, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.out_hidden_size", 2048, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.window_size", 112, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.tokens_per_second", 2, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "vision_config.fullatt_block_indexes", [VISION_DEPTH - 1],
     "cut: the last block of [7, 15, 23, 31] in each 8"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "image_token_id", 151655, "config.json"),
    ("Qwen/Qwen2.5-VL-3B-Instruct", "video_token_id", 151656, "config.json"),
]


@pytest.mark.parametrize("case", CONFIG_VALUES, ids=[f"{r}:{k}" for r, k, *_ in CONFIG_VALUES])
def test_real_config_values_load(case: tuple, tmp_path_factory: pytest.TempPathFactory) -> None:
    from transformers import AutoConfig

    repo_id, key, expected, source = case
    config = AutoConfig.from_pretrained(hub_model(tmp_path_factory.getbasetemp() / "hub_models",
                                                  repo_id))
    value: Any = config
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    assert value == expected, source


# (repo, family, regular + added tokens, weights in bf16 bytes / 2 = parameters)
SIZES = [
    ("Qwen/Qwen2-VL-2B", "Qwen2-VL", 151657, 401_918_976),  # 151,643 + 14 special
    ("Qwen/Qwen2-VL-2B-Instruct", "Qwen2-VL", 151657, 401_918_976),  # same weights
    ("Qwen/Qwen2.5-VL-3B-Instruct", "Qwen2.5-VL", 151665, 542_939_248),  # + 8 tool/fim tokens
]


@pytest.mark.parametrize(("repo_id", "family", "tokens", "parameters"), SIZES)
def test_family_tokenizer_and_size(repo_id: str, family: str, tokens: int, parameters: int,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = hub_model(tmp_path_factory.getbasetemp() / "hub_models", repo_id)
    assert family_of(str(folder)).name == family  # from config.json's model_type
    processor = load_processor(str(folder), ModelParams())
    tokenizer = processor.tokenizer
    assert len(tokenizer) == tokens
    special = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645,
               "<|vision_start|>": 151652, "<|image_pad|>": 151655, "<|video_pad|>": 151656}
    for token, token_id in special.items():  # one id each, the real one
        assert tokenizer(token, add_special_tokens=False)["input_ids"] == [token_id]
    assert (tokenizer.eos_token, tokenizer.pad_token) == ("<|im_end|>", "<|endoftext|>")
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert index["metadata"]["total_size"] == 2 * parameters  # bf16, tied lm_head


# (pixel budget, image size, patch grid): the processor's resize at the recipes' budgets
PIXEL_BUDGETS = [
    ((784, 100352), (1000, 1000), [1, 22, 22]),  # Math-OCR-Zero: <= 128 image tokens (121)
    ((3136, 401408), (750, 200), [1, 14, 54]),  # VisualThinker / R1-V budget, a 750 px render
    # the Hub default: a 48 x 32 image grows, aspect kept, to 84 x 56 (>= 3136 pixels)
    ((3136, 12845056), (48, 32), [1, 4, 6]),
]


@pytest.mark.parametrize(("budget", "size", "grid"), PIXEL_BUDGETS)
@pytest.mark.parametrize("repo_id", ["Qwen/Qwen2-VL-2B-Instruct", "Qwen/Qwen2.5-VL-3B-Instruct"])
def test_pixel_budget_and_image_tokens(repo_id: str, budget: tuple[int, int],
                                       size: tuple[int, int], grid: list[int],
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = hub_model(tmp_path_factory.getbasetemp() / "hub_models", repo_id)
    params = ModelParams(min_pixels=budget[0], max_pixels=budget[1])
    processor = load_processor(str(folder), params)
    messages = [{"role": "user", "content": [
        {"type": "image", "image": Image.new("RGB", size, "white")},
        {"type": "text", "text": "How many items are there in the image?"}]}]
    inputs = processor.apply_chat_template([messages], add_generation_prompt=True,
                                           tokenize=True, return_dict=True)
    assert [list(g) for g in inputs["image_grid_thw"]] == [grid]
    n_image_tokens = list(inputs["input_ids"][0]).count(151655)
    assert n_image_tokens == grid[1] * grid[2] // 4  # 2 x 2 patches merged into one token


@pytest.mark.parametrize(
    ("repo_id", "start"),
    [
        # the Instruct template adds its default system turn (R1-V's prompts rely on it)
        ("Qwen/Qwen2-VL-2B-Instruct", "<|im_start|>system\nYou are a helpful assistant."),
        ("Qwen/Qwen2.5-VL-3B-Instruct", "<|im_start|>system\nYou are a helpful assistant."),
        # the base model's template passes content items through (no roles)
        ("Qwen/Qwen2-VL-2B", "<|vision_start|><|image_pad|><|vision_end|>Which"),
    ],
)
def test_hub_chat_templates(repo_id: str, start: str,
                            tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = hub_model(tmp_path_factory.getbasetemp() / "hub_models", repo_id)
    processor = load_processor(str(folder), ModelParams())
    items = [{"type": "image"}, {"type": "text", "text": "Which object is closer?"}]
    messages = items if repo_id.endswith("2B") else [{"role": "user", "content": items}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert text.startswith(start)
