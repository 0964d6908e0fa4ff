"""Typed parameters of the `mixture` pipeline (`conf/base/parameters_mixture.yml`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MixtureParams(BaseModel):
    """Weights per task (0 leaves a task out), total size, seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[str, float]
    size: int | None = Field(None, ge=1)
    replace: bool = False
    seed: int = 0
