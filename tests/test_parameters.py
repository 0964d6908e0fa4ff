"""One definition per setting: each default lives in its parameter type, YAML holds differences.

The parameter types are read from the nodes' type hints, as Kedro does when it validates them
(kedro.validation), so this test follows the code: a new typed node input is checked too.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from kedro.validation.type_extractor import TypeExtractor
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from mathrl_pipeline.config_loader import EXTENDS, ProjectConfigLoader

RUNTIME = {"data_dir": "data"}


def _raw(project_root: Path, env: str | None) -> dict[str, Any]:
    """Parameters as written (``_extends`` not applied), base or base + env."""
    loader = OmegaConfigLoader(str(project_root / "conf"), env=env or "base", base_env="base",
                               runtime_params=RUNTIME, merge_strategy={"parameters": "soft"})
    return loader["parameters"]


@pytest.fixture(scope="module")
def typed(project_root: Path) -> dict[str, type]:
    """Every typed ``params:`` input of the project's nodes: dotted key -> type."""
    bootstrap_project(project_root)
    return TypeExtractor(dict(pipelines)).extract_types_from_pipelines()


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is Union or isinstance(annotation, types.UnionType):
        found = [_model_of(a) for a in get_args(annotation)]
        return next((m for m in found if m is not None), None)
    return None


def _leaves(value: Any, model: type[BaseModel] | None, path: tuple[str, ...] = ()):
    """(path, value, default) of every leaf set in ``value`` (a sub-model's fields recursed)."""
    for key, item in value.items():
        field = model.model_fields.get(key) if model is not None else None
        child = _model_of(field.annotation) if field is not None else None
        if isinstance(item, dict) and child is not None:
            yield from _leaves(item, child, (*path, key))
        elif field is not None:
            default = field.get_default(call_default_factory=True)
            if isinstance(default, BaseModel):
                default = default.model_dump()
            yield (*path, key), item, default


def _at(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return PydanticUndefined
        tree = tree[key]
    return tree


def test_conf_base_sets_only_what_differs_from_the_type_defaults(
    project_root: Path, typed: dict[str, type]
) -> None:
    raw = _raw(project_root, None)
    resolved = ProjectConfigLoader(str(project_root / "conf"), env="base", base_env="base",
                                   runtime_params=RUNTIME)["parameters"]
    restated = []
    for key, model in typed.items():
        top, *rest = key.split(".")
        block = _at(raw[top], tuple(rest)) if top in raw else PydanticUndefined
        if not isinstance(block, dict):
            continue
        base_block = raw[top].get(EXTENDS) if not rest else None
        for path, value, default in _leaves(block, _model_of(model)):
            if path == (EXTENDS,):
                continue
            # a block that extends another restates nothing of it; a root block no type default
            reference = (_at(resolved[base_block], path) if base_block else default)
            if value == reference:
                restated.append(f"{key}.{'.'.join(path)} = {value!r}")
    assert not restated, f"conf/base restates a default (remove these lines): {restated}"


def test_conf_gpu_sets_only_what_differs_from_conf_base(project_root: Path) -> None:
    base, gpu_only = _raw(project_root, None), {}
    loader = OmegaConfigLoader(str(project_root / "conf"), env="gpu", base_env="base",
                               runtime_params=RUNTIME)
    for path in sorted((project_root / "conf" / "gpu").glob("parameters*.yml")):
        gpu_only.update(loader.load_and_merge_dir_config(str(path.parent), [path.name],
                                                         "parameters", set()))

    def walk(tree: dict[str, Any], path: tuple[str, ...] = ()):
        for key, value in tree.items():
            if isinstance(value, dict) and isinstance(_at(base, (*path, key)), dict):
                yield from walk(value, (*path, key))
            else:
                yield (*path, key), value

    same = [".".join(p) for p, v in walk(gpu_only) if _at(base, p) == v and p[0] not in RUNTIME]
    assert not same, f"conf/gpu repeats conf/base: {same}"


def test_no_typed_parameter_lies_inside_another(typed: dict[str, type]) -> None:
    # Kedro converts a typed slice in place: a typed slice inside another cannot be converted
    nested = [(a, b) for a in typed for b in typed if b.startswith(a + ".")]
    assert not nested, nested


def test_every_typed_input_is_a_strict_parameter_type(typed: dict[str, type]) -> None:
    from mathrl_pipeline.params import StrictParams

    loose = {k: t for k, t in typed.items() if not issubclass(_model_of(t), StrictParams)}
    assert not loose, f"parameter types must refuse unknown keys (StrictParams): {loose}"
