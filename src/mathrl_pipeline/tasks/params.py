"""Parameter models shared by the task pipelines: strict models and the data-source block."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StrictParams(BaseModel):
    """A frozen parameter model that refuses unknown keys (a typo names itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceParams(StrictParams):
    """Where a task's raw rows come from: ``embedded`` (generated), a Hub id, or a local path."""

    source: str = "embedded"
    hf_split: str = "train"
    revision: str | None = None
    config_name: str | None = None
    limit: int | None = Field(None, ge=0)
