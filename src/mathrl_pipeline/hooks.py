"""Project hooks: every parameter of a run checked before its first node, MLflow runs right.

Kedro validates each typed ``params:`` input of a node against its type (the library's config
type) when the catalog is built. :class:`ParameterCheck` adds what that cannot see: a key that no
node of the project reads (a typo such as ``sat.sourse``) under a block the run uses.
:class:`ProjectMlflowHook` is kedro-mlflow's hook, plus:

* typed parameters logged as flat keys (``train_arith.learning_rate``), as for dictionaries;
* one Kedro process per pipeline run: a session started by a distributed launcher (every rank
  would run the whole session, migrate the MLflow store and write every output) is refused, since
  the `train` stage starts its own training processes (``train.distributed``);
* an interrupted run is not marked FINISHED: Ctrl-C, SIGTERM or an exit before the pipeline ends
  mark it KILLED (kedro-mlflow marks a node's error FAILED), and a run whose process was killed
  outright (SIGKILL, power loss) is marked KILLED by the next run on the same machine;
* the run named after its pipeline, task and start time (``grpo_sat (sat) 2026-05-01 14:03:12``;
  tags ``mathrl.pipeline``, ``mathrl.task``) unless ``mlflow.yml`` names it;
* every model folder the run saves (``base_model``, ``trained_model``) referenced by its catalog
  version: tag ``mathrl.model.<dataset>`` (the versioned folder) and an artifact
  ``models/<dataset>.json`` (path, version, files, config); a folder up to
  :data:`MODEL_ARTIFACT_MAX_MB` is also logged whole under ``models/<dataset>/``.

:class:`InterruptMessage`: Ctrl-C during a run logs which node it stopped and how to resume.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
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


LAUNCHER_VARIABLES: tuple[str, ...] = ("LOCAL_RANK", "RANK", "WORLD_SIZE")
PROCESS_TAG = "mathrl.process"  # host:pid:start time of the Kedro process owning a run
KILLED = "KILLED"  # an MLflow RunStatus


class LaunchedSessionError(RuntimeError):
    """``kedro run`` started by a distributed launcher (one session per rank)."""


def refuse_launched_session(environ: dict[str, str]) -> None:
    """Raise when the variables of a distributed launcher say this is one rank of many."""
    found = {k: environ[k] for k in LAUNCHER_VARIABLES if k in environ}
    if "LOCAL_RANK" in found or int(found.get("WORLD_SIZE", "1") or 1) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in found.items())
        raise LaunchedSessionError(
            f"kedro run was started by a distributed launcher ({shown}): every rank would run the "
            "whole session. Start `kedro run` once and set train.distributed.num_processes (and "
            "train.distributed.accelerate_config): the train stage launches its own processes "
            "(docs/training.md)"
        )


def process_tag(pid: int | None = None) -> str:
    """``host:pid:start`` of a process (this one by default): unique even when pids recycle."""
    import psutil

    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{psutil.Process(pid).create_time():.3f}"


def process_alive(tag: str) -> bool:
    """Whether the process a :func:`process_tag` names still runs (other hosts: assumed so)."""
    import psutil

    host, _, rest = tag.partition(":")
    pid, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        return process_tag(int(pid)) == tag
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def mark_dead_runs_killed(client: Any, experiment_id: str, keep: str | None) -> list[str]:
    """Mark KILLED the RUNNING runs of ``experiment_id`` whose Kedro process is gone."""
    runs = client.search_runs(
        [experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=1000
    )
    killed = []
    for run in runs:
        tag = run.data.tags.get(PROCESS_TAG)
        if run.info.run_id != keep and tag and not process_alive(tag):
            client.set_terminated(run.info.run_id, KILLED)
            killed.append(run.info.run_id)
            logger.warning("MLflow run %s: its process %s is gone, marked %s",
                           run.info.run_id, tag, KILLED)
    return killed


MODEL_TAG = "mathrl.model."  # + dataset name: the versioned folder a run saved
# Catalog metadata key: the saved file is also an artifact of the MLflow run, in this folder. One
# catalog entry per figure or page (no MLflow twin: kedro-mlflow's MlflowArtifactDataset cannot
# wrap a versioned dataset in Kedro 1.7, which allows one save version per catalog).
MLFLOW_ARTIFACT = "mlflow_artifact_path"
MODEL_ARTIFACT_MAX_MB = 200  # model folders up to this size are logged whole as artifacts


def run_name(pipeline_names: Iterable[str], start: datetime) -> tuple[str, dict[str, str]]:
    """The MLflow run name of a session (pipeline, task, start time) and its tags."""
    from mathrl_pipeline.pipeline_registry import task_of

    names = list(pipeline_names) or ["__default__"]
    pipeline = "+".join(names)
    task = "+".join(dict.fromkeys(task_of(name) for name in names))
    tags = {"mathrl.pipeline": pipeline, "mathrl.task": task}
    return f"{pipeline} ({task}) {start:%Y-%m-%d %H:%M:%S}", tags


def log_model_reference(run_id: str, name: str, folder: Path, version: str | None) -> None:
    """Tag MLflow run ``run_id`` with a saved model folder and log its summary (and the folder
    itself when it is small, see :data:`MODEL_ARTIFACT_MAX_MB`)."""
    import mlflow

    from mathrl_pipeline.datasets.previews import model_directory_summary

    client = mlflow.MlflowClient()
    client.set_tag(run_id, MODEL_TAG + name, str(folder))
    summary = {"dataset": name, "version": version, **model_directory_summary(folder)}
    client.log_dict(run_id, summary, f"models/{name}.json")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if size <= MODEL_ARTIFACT_MAX_MB * 1e6:
        client.log_artifacts(run_id, str(folder), f"models/{name}")
    else:
        logger.info("MLflow: %s (%.0f MB) referenced by its path, not copied", name, size / 1e6)


class InterruptMessage:
    """Ctrl-C during a run: one clear line (which node, what is kept, how to resume) before
    Kedro's ``Aborted!``, instead of that word alone. Python's own SIGINT handler is restored
    when the pipeline ends."""

    def __init__(self) -> None:
        self._node: str | None = None
        self._installed = False

    def _on_sigint(self, signum: int, frame: Any) -> None:
        where = f"during node {self._node}" if self._node else "before the first node"
        logger.error(
            "Interrupted (Ctrl-C) %s. Outputs saved before it are kept (versioned); "
            "`kedro run --only-missing-outputs` resumes, and the train stage restarts from its "
            "last checkpoint.", where)
        signal.default_int_handler(signum, frame)  # KeyboardInterrupt, as without this hook

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any,
                            catalog: Any) -> None:
        """Install the message (main thread, Python's default handler only)."""
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
                signal.signal(signal.SIGINT, self._on_sigint)
                self._installed = True

    @hook_impl
    def before_node_run(self, node: Any) -> None:
        """Remember the node that runs (for the message)."""
        self._node = node.name

    def _restore(self) -> None:
        if self._installed:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False
        self._node = None

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Python's own handler again."""
        self._restore()

    @hook_impl
    def on_pipeline_error(self) -> None:
        """Python's own handler again."""
        self._restore()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class ProjectMlflowHook(MlflowHook):
    """kedro-mlflow's hook: typed parameters flat, one session, interrupted runs not FINISHED."""

    _open_run: str | None = None
    _exit_registered: bool = False
    _catalog: Any = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        """Refuse a session per rank, then set MLflow up (kedro-mlflow)."""
        refuse_launched_session(dict(os.environ))
        super().after_context_created(context)

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any,
                            catalog: Any) -> None:
        """Start the run (kedro-mlflow), named after pipeline, task and start time; tag it with
        this process; close runs of dead ones."""
        names = run_params.get("pipeline_names") or run_params.get("pipeline_name") or []
        name, tags = run_name([names] if isinstance(names, str) else names, datetime.now())
        run_config = self.mlflow_config.tracking.run
        own_name = run_config.name
        if own_name is None:
            run_config.name = name
        # kedro-mlflow's hook is one object per process and sets ``run_id`` only when this
        # pipeline is tracked: without the reset, an untracked pipeline (data stages) reopens
        # the previous session's run at every node and logs its parameters there.
        self.run_id = None
        try:
            super().before_pipeline_run(run_params=run_params, pipeline=pipeline,
                                        catalog=catalog)
        finally:
            run_config.name = own_name
        if not self._is_mlflow_enabled or self.run_id is None:
            return
        import mlflow

        self._catalog = catalog
        client = mlflow.MlflowClient()
        client.set_tag(self.run_id, PROCESS_TAG, process_tag())
        for key, value in tags.items():
            client.set_tag(self.run_id, key, value)
        experiment_id = client.get_run(self.run_id).info.experiment_id
        mark_dead_runs_killed(client, experiment_id, keep=self.run_id)
        self._open_run = self.run_id
        if not self._exit_registered:  # after mlflow's own atexit handler, so it runs first
            atexit.register(self._end_interrupted)
            self._exit_registered = True
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
                signal.signal(signal.SIGTERM, _raise_interrupt)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        """A saved model folder: referenced in the run (see the module docstring); a file whose
        catalog entry has ``metadata.mlflow_artifact_path``: logged to the run there."""
        from mathrl_pipeline.datasets import ModelDirectoryDataset

        if self._open_run is None or self._catalog is None:
            return
        dataset = self._catalog.get(dataset_name)
        artifact_path = (getattr(dataset, "metadata", None) or {}).get(MLFLOW_ARTIFACT)
        if not isinstance(dataset, ModelDirectoryDataset) and artifact_path is None:
            return
        version = dataset.resolve_save_version()
        saved = Path(dataset._get_versioned_path(version) if version else dataset._filepath)
        if isinstance(dataset, ModelDirectoryDataset):
            if saved.is_dir():
                log_model_reference(self._open_run, dataset_name, saved, version)
        elif saved.is_file():
            import mlflow

            mlflow.MlflowClient().log_artifact(self._open_run, str(saved), artifact_path)
        else:
            logger.warning("MLflow: %s was saved but %s is not a file; not logged",
                           dataset_name, saved)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline: Any,
                           catalog: Any) -> None:
        """End the run FINISHED (kedro-mlflow)."""
        self._open_run, self._catalog = None, None
        super().after_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], pipeline: Any,
                          catalog: Any) -> None:
        """End the run FAILED (kedro-mlflow)."""
        self._open_run, self._catalog = None, None
        super().on_pipeline_error(error=error, run_params=run_params, pipeline=pipeline,
                                  catalog=catalog)

    def _end_interrupted(self) -> None:
        """At exit, a run whose pipeline neither ended nor failed was interrupted: KILLED."""
        run_id, self._open_run = self._open_run, None
        if run_id is None:
            return
        import mlflow

        while mlflow.active_run():  # the run may be on the stack more than once (per node)
            mlflow.end_run(KILLED)
        mlflow.MlflowClient().set_terminated(run_id, KILLED)
        logger.warning("MLflow run %s was interrupted: marked %s", run_id, KILLED)

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: dict[str, Any],
                        is_async: bool) -> None:
        """Log the node's parameters (typed ones as their fields), as kedro-mlflow does."""
        plain = {k: _plain(v) if k.startswith(PARAMS) else v for k, v in inputs.items()}
        super().before_node_run(node=node, catalog=catalog, inputs=plain, is_async=is_async)
