"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# The embedded default that `kedro run` (and `make run`) executes, in order of dependency.
DEFAULT_PIPELINES: tuple[str, ...] = ("deepmath",)


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines: every `pipelines/<name>` package, plus `__default__`."""
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipelines[name] for name in DEFAULT_PIPELINES if name in pipelines), Pipeline([])
    )
    return pipelines
