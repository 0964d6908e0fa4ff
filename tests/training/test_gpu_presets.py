"""The real configuration's presets (conf/gpu/parameters_train.yml) load and validate."""

import pytest

from mathrl_pipeline.training.cli import load_params


@pytest.mark.parametrize(
    ("preset", "model", "generations", "completion_length"),
    [
        # Math-OCR-Zero: Qwen2.5-VL-3B-Instruct, 5 rollouts per prompt, 1024-token responses
        (None, "Qwen/Qwen2.5-VL-3B-Instruct", 5, 1024),
        ("math_ocr_zero", "Qwen/Qwen2.5-VL-3B-Instruct", 5, 1024),
        # VisualThinker-R1-Zero: Qwen2-VL-2B base, 8 generations, 700-token completions
        ("visualthinker", "Qwen/Qwen2-VL-2B", 8, 700),
    ],
)
def test_gpu_presets_validate(
    project_root, preset: str | None, model: str, generations: int, completion_length: int
) -> None:
    params = load_params(
        project_root / "conf" / "gpu" / "parameters_train.yml",
        preset=preset,
        runtime={"data_dir": "data"},
    )
    assert params.model.source == model
    assert params.num_generations == generations
    assert params.max_completion_length == completion_length
    assert params.per_device_train_batch_size % params.num_generations == 0


def test_unknown_preset_is_named(project_root) -> None:
    with pytest.raises(ValueError, match="nonexistent"):
        load_params(project_root / "conf" / "gpu" / "parameters_train.yml", preset="nonexistent")
