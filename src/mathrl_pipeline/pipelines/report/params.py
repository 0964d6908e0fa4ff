"""Typed parameters of the `report` pipeline (`conf/base/parameters_report.yml`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportParams(BaseModel):
    """What the run report shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "mathrl_pipeline run report"
    n_examples: int = Field(3, ge=0)  # best and worst samples shown
    # name -> versioned dataset path; the report records the latest saved version of each
    versioned_paths: dict[str, str] = Field(default_factory=dict)
    # top-level parameter keys copied into the report (and nothing else)
    parameter_keys: list[str] = Field(default_factory=lambda: ["evaluate", "train", "report"])
