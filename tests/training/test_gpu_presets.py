"""The real configuration's training blocks (conf/gpu on top of conf/base) load and validate."""

import pytest

from mathrl_pipeline.training.cli import load_params


@pytest.mark.parametrize(
    ("block", "model", "generations", "completion_length"),
    [
        # Math-OCR-Zero: Qwen2.5-VL-3B-Instruct, 5 rollouts per prompt, 1024-token responses
        ("train_deepmath", "Qwen/Qwen2.5-VL-3B-Instruct", 5, 1024),
        # VisualThinker-R1-Zero: Qwen2-VL-2B base, 8 generations, 700-token completions
        ("train_sat", "Qwen/Qwen2-VL-2B", 8, 700),
    ],
)
def test_gpu_blocks_validate(
    project_root, block: str, model: str, generations: int, completion_length: int
) -> None:
    params = load_params(block=block, env="gpu", runtime={"data_dir": "data"},
                         conf_source=project_root / "conf")
    assert params.model.source == model
    assert params.num_generations == generations
    assert params.max_completion_length == completion_length
    assert params.per_device_train_batch_size % params.num_generations == 0
    assert params.output_dir.endswith(block.removeprefix("train_"))  # one folder per run


def test_unknown_block_is_named(project_root) -> None:
    with pytest.raises(ValueError, match="nonexistent"):
        load_params(block="nonexistent", env="gpu", conf_source=project_root / "conf")
