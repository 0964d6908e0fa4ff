"""The base of every parameter type: strict, frozen pydantic models.

A parameter type is the library's own configuration type (``RenderConfig``, ``TrainParams``,
``SplitParams`` ...): nodes declare it as the type of their ``params:`` input and Kedro validates
the YAML against it before the first node runs (``docs/architecture.md``, "Parameters").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictParams(BaseModel):
    """A frozen parameter model that refuses unknown keys (a typo names itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
