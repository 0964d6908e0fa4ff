"""Builders of the stages every task pipeline shares, named after the task.

A task pipeline (``pipelines/<task>/pipeline.py``) is its own generate / validate / prompts
nodes plus these: ``<task>_raw -> ingest -> <task>_ingested`` (and ``<task>_source``, where the
rows came from), ``render`` (``<task>.render``), ``split`` (``<task>.split``), ``collect
rejects`` and the ``<task>_report`` of counts. Dataset names follow
``conf/base/catalog_tasks.yml``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.ingest import SourceParams, load_rows
from mathrl_pipeline.tasks.report import split_report

from .nodes import collect_rejects, render_rows, split_rows


def ingest_node(task: str) -> Node:
    """``<task>_raw`` (the embedded rows) and ``<task>.source`` -> ``<task>_ingested`` and
    ``<task>_source`` (where the rows came from, for the report)."""

    def ingest(raw: pd.DataFrame, source: SourceParams) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The rows of the source (embedded, a Hub id or a local mirror), with the task's fields."""
        return load_rows(raw, source, task)

    return Node(ingest, [f"{task}_raw", f"params:{task}.source"],
                [f"{task}_ingested", f"{task}_source"], name=f"ingest_{task}")


def render_node(task: str, rows: str) -> Node:
    """``rows`` -> ``<task>_rendered``, the render rejects and ``<task>_render_report``."""
    return Node(render_rows, [rows, f"params:{task}.render"],
                [f"{task}_rendered", f"{task}_rejects_render", f"{task}_render_report"],
                name=f"render_{task}")


def split_node(task: str) -> Node:
    """``<task>_model_input`` -> ``<task>_train``, ``<task>_test`` (``<task>.split``)."""
    return Node(split_rows, [f"{task}_model_input", f"params:{task}.split"],
                [f"{task}_train", f"{task}_test"], name=f"split_{task}")


def rejects_node(task: str, stages: list[str]) -> Node:
    """``<task>_rejects_<stage>`` of each stage -> ``<task>_rejects``."""
    return Node(collect_rejects, [f"{task}_rejects_{s}" for s in stages], f"{task}_rejects",
                name=f"collect_{task}_rejects")


def report_node(task: str, loaded: str, splits: list[str], by: str | None = None,
                source: str | None = None) -> Node:
    """Counts of the task's run: rows ``loaded``, kept per split (and per ``by``), rejects, and
    the ``source`` description the ingest stage wrote (when the task ingests)."""

    def report(loaded_rows: pd.DataFrame, rejects: pd.DataFrame, origin: dict[str, Any] | None,
               *split_frames: pd.DataFrame) -> dict[str, Any]:
        """Source, rows loaded, kept per split and value of `by`, rejects, image modes."""
        named = dict(zip(splits, split_frames, strict=True))
        return split_report(task, loaded=len(loaded_rows), splits=named, rejects=rejects, by=by,
                            source=origin)

    def report_without_source(loaded_rows: pd.DataFrame, rejects: pd.DataFrame,
                              *split_frames: pd.DataFrame) -> dict[str, Any]:
        """Rows loaded, kept per split and value of `by`, rejects by stage and reason."""
        return report(loaded_rows, rejects, None, *split_frames)

    inputs = [loaded, f"{task}_rejects", *([source] if source else []),
              *(f"{task}_{s}" for s in splits)]
    return Node(report if source else report_without_source, inputs, f"{task}_report",
                name=f"report_{task}")


def task_pipeline(task: str, nodes: list[Node]) -> Pipeline:
    """The task's nodes, tagged ``data`` and ``<task>``."""
    return Pipeline(nodes, tags=["data", task])
