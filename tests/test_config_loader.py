"""`_extends` between parameter blocks (src/mathrl_pipeline/config_loader.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mathrl_pipeline.config_loader import ExtendsError, ProjectConfigLoader, resolve_extends

BASE = {"train": {"lr": 1.0, "model": {"dtype": "auto", "lora": {"r": 16}}, "rewards": ["a"]}}


@pytest.mark.parametrize(
    ("params", "key", "expected"),
    [
        # a block with no _extends is left as is
        (BASE, "train", BASE["train"]),
        # own keys over the base; nested mappings merge key by key
        ({**BASE, "t2": {"_extends": "train", "model": {"dtype": "bf16"}}}, "t2",
         {"lr": 1.0, "model": {"dtype": "bf16", "lora": {"r": 16}}, "rewards": ["a"]}),
        # lists are replaced, not appended
        ({**BASE, "t2": {"_extends": "train", "rewards": ["b"]}}, "t2",
         {"lr": 1.0, "model": {"dtype": "auto", "lora": {"r": 16}}, "rewards": ["b"]}),
        # chains resolve in order
        ({**BASE, "t2": {"_extends": "train", "lr": 2.0}, "t3": {"_extends": "t2"}}, "t3",
         {"lr": 2.0, "model": {"dtype": "auto", "lora": {"r": 16}}, "rewards": ["a"]}),
    ],
)
def test_resolve_extends(params: dict, key: str, expected: dict) -> None:
    assert resolve_extends(params)[key] == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"a": {"_extends": "missing"}}, "extends 'missing', which is not"),  # no such block
        ({"a": {"_extends": "b"}, "b": {"_extends": "a"}}, "loop"),  # a cycle
        ({"a": {"_extends": "a"}}, "loop"),  # itself
        ({"a": {"_extends": "b"}, "b": 3}, "not a mapping"),  # a scalar
    ],
)
def test_bad_extends_are_named(params: dict, message: str) -> None:
    with pytest.raises(ExtendsError, match=message):
        resolve_extends(params)


def test_environment_and_runtime_overrides_reach_the_extending_block(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    for env, params in {
        "base": {"train": {"lr": 1.0, "steps": 10}, "train_x": {"_extends": "train", "steps": 5}},
        "gpu": {"train": {"lr": 0.5}},
    }.items():
        (conf / env).mkdir(parents=True)
        (conf / env / "parameters.yml").write_text(yaml.safe_dump(params))
    loader = ProjectConfigLoader(str(conf), env="gpu", base_env="base",
                                 runtime_params={"train": {"steps": 99}},
                                 merge_strategy={"parameters": "soft"})
    params = loader["parameters"]
    # the environment's lr and the run's steps reach train; train_x keeps its own steps
    assert params["train"] == {"lr": 0.5, "steps": 99}
    assert params["train_x"] == {"lr": 0.5, "steps": 5}
