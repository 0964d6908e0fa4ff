"""Project hooks: every parameter of a run checked before its first node, MLflow params flat.

Kedro validates each typed ``params:`` input of a node against its type (the library's config
type) when the catalog is built. :class:`ParameterCheck` adds what that cannot see: a key that no
node of the project reads (a typo such as ``sat.sourse``) under a block the run uses.
:class:`ProjectMlflowHook` is kedro-mlflow's hook logging typed parameters as flat keys
(``train_arith.learning_rate``), as it does for plain dictionaries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
from pydantic import BaseModel

logger = logging.getLogger(__name__)

PARAMS = "params:"


class ParameterError(ValueError):
    """A parameter that no node reads, named with its dotted key."""


def read_parameters(nodes: Iterable[Any]) -> set[str]:
    """The dotted parameter keys that ``nodes`` take as inputs (``params:a.b`` -> ``a.b``)."""
    return {
        name.removeprefix(PARAMS)
        for node in nodes
        for name in node.inputs
        if name.startswith(PARAMS)
    }


def unread_keys(params: dict[str, Any], blocks: Iterable[str], read: set[str]) -> list[str]:
    """Keys under ``blocks`` that are neither read nor hold a read key (sorted, dotted)."""
    unread: list[str] = []

    def walk(path: str, value: Any) -> None:
        if path in read:
            return
        if not any(r.startswith(path + ".") for r in read):
            unread.append(path)
            return
        if isinstance(value, dict):
            for key, child in value.items():
                walk(f"{path}.{key}", child)

    for block in blocks:
        if block in params:
            walk(block, params[block])
    return sorted(unread)


def check_parameters(params: dict[str, Any], run_nodes: Iterable[Any],
                     project_nodes: Iterable[Any]) -> None:
    """Raise :class:`ParameterError` for keys of the run's blocks that no project node reads."""
    run_read = read_parameters(run_nodes)
    blocks = sorted({key.split(".", 1)[0] for key in run_read})
    read = read_parameters(project_nodes)
    unread = unread_keys(params, blocks, read)
    if unread:
        bad_blocks = {u.split(".", 1)[0] for u in unread}
        readable = sorted(k for k in read if k.split(".", 1)[0] in bad_blocks)
        raise ParameterError(
            f"parameter(s) {', '.join(unread)} are read by no node (a typo, or a key of another "
            f"version?). The keys that nodes read there: {', '.join(readable)}"
        )


class ParameterCheck:
    """Before the first node: every key under a block the run reads is read by some node."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any,
                            catalog: Any) -> None:
        """Check the run's parameters against what the project's nodes read."""
        from kedro.framework.project import pipelines

        project_nodes = [node for pipe in pipelines.values() for node in pipe.nodes]
        check_parameters(catalog.load("parameters"), pipeline.nodes, project_nodes)


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class ProjectMlflowHook(MlflowHook):
    """kedro-mlflow's hook, logging typed parameters flat like dictionaries."""

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: dict[str, Any],
                        is_async: bool) -> None:
        """Log the node's parameters (typed ones as their fields), as kedro-mlflow does."""
        plain = {k: _plain(v) if k.startswith(PARAMS) else v for k, v in inputs.items()}
        super().before_node_run(node=node, catalog=catalog, inputs=plain, is_async=is_async)
