"""Typed parameters of the `report` pipeline (`conf/base/parameters_report.yml`)."""

from __future__ import annotations

from pydantic import Field

from mathrl_pipeline.params import StrictParams


class ReportParams(StrictParams):
    """What the run report shows."""

    title: str = "mathrl_pipeline run report"
    n_examples: int = Field(3, ge=0)  # best and worst greedy samples shown
