"""Run project pipelines through a real KedroSession with outputs redirected to a temp folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


def nest(dotted: dict[str, Any]) -> dict[str, Any]:
    """Turn {"a.b": 1} into {"a": {"b": 1}}, as `kedro run --params a.b=1` does."""
    nested: dict[str, Any] = {}
    for key, value in dotted.items():
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def run_pipelines(
    project_root: Path,
    data_dir: Path,
    pipeline_names: list[str],
    params: dict[str, Any] | None = None,
    conf_source: Path | None = None,
    **run_kwargs: Any,
) -> dict[str, Any]:
    """Run ``pipeline_names`` with ``data_dir`` as the catalog's data folder (and the
    configuration of ``conf_source``, e.g. a temporary copy of ``conf/``, when given)."""
    bootstrap_project(project_root)
    runtime = nest({"data_dir": str(data_dir), **(params or {})})
    _end_mlflow_runs()
    try:
        with KedroSession.create(project_path=project_root, runtime_params=runtime,
                                 conf_source=str(conf_source) if conf_source else None) as session:
            return session.run(pipeline_names=pipeline_names, **run_kwargs)
    finally:
        _end_mlflow_runs()


def _end_mlflow_runs() -> None:
    """kedro-mlflow's hook is a process-wide singleton: close runs a session left open."""
    try:
        import mlflow
    except ImportError:
        return
    while mlflow.active_run():
        mlflow.end_run()


def latest_version(dataset_folder: Path) -> Path:
    """The file of the newest version of a versioned dataset folder."""
    versions = sorted(p for p in dataset_folder.iterdir() if p.is_dir())
    if not versions:
        raise FileNotFoundError(f"no version under {dataset_folder}")
    return versions[-1] / dataset_folder.name


def default_sigint() -> None:
    """``preexec_fn`` of a child that a test interrupts with Ctrl-C (SIGINT): SIGINT at its
    default, as for a `kedro run` typed in a terminal. A test run started as a background job
    (`make test &`, nohup) has SIGINT ignored, and children inherit an ignored signal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
