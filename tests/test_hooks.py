"""Parameters are checked before the first node: unread keys named, bad values named."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from kedro.validation.exceptions import ParameterValidationError

from mathrl_pipeline.hooks import ParameterError, check_parameters, unread_keys
from tests.kedro_helpers import run_pipelines

READ = {"sat.source", "sat.split", "train_arith"}


@pytest.mark.parametrize(
    ("params", "unread"),
    [
        # every key under a read block is read
        ({"sat": {"source": {"path": "x"}, "split": {}}}, []),
        # a typo of a block key
        ({"sat": {"sourse": {"path": "x"}, "split": {}}}, ["sat.sourse"]),
        # a key nobody reads beside read ones
        ({"sat": {"source": {}, "split": {}, "max_images": 2}}, ["sat.max_images"]),
        # inside a read block, the block's type refuses unknown keys itself
        ({"train_arith": {"anything": 1}}, []),
    ],
)
def test_unread_keys(params: dict, unread: list[str]) -> None:
    assert unread_keys(params, {k.split(".")[0] for k in READ}, READ) == unread


def test_check_names_the_key_and_what_is_read() -> None:
    nodes = [SimpleNamespace(inputs=["params:sat.source", "params:sat.split", "rows"])]
    with pytest.raises(ParameterError, match=r"sat\.sampel.*sat\.source, sat\.split"):
        check_parameters({"sat": {"source": {}, "split": {}, "sampel": 1}}, nodes, nodes)


@pytest.mark.parametrize(
    ("params", "error", "names"),
    [
        # a value out of range, caught by the parameter type
        ({"arith.split.test_fraction": 1.5}, ParameterValidationError, "arith.split"),
        # a key that no node reads
        ({"arith.canvass.width": 100}, ParameterError, "arith.canvass"),
    ],
)
def test_bad_parameters_stop_the_run_before_any_node(
    project_root: Path, tmp_path: Path, params: dict, error: type, names: str
) -> None:
    with pytest.raises(error, match=names):
        run_pipelines(project_root, tmp_path, ["grpo_arith"], params)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # no node wrote anything
