"""The `train` stage from the Kedro node: in-process on one process, else ``accelerate launch``.

``train.distributed.num_processes`` 1 without an accelerate config (the default) trains inside the
Kedro process. Otherwise Kedro stays one process: this module checks the launch against the
machine, writes the resolved parameters, the run's inputs and the split to
``<train.output_dir>/launch/``, starts ``accelerate launch`` on the training entry point
(``cli.py``), streams the ranks' log lines into the node's log, and reads the trained model and
the tables back. A failed rank fails the node with that rank's error and exit code.

The resume is decided here, once, before any training process starts (``resume.py``); metrics
reach the caller's sink (MLflow) while the run writes them, from the main rank's metrics file.

On a machine without GPUs the same parameters work: the ranks run in CPU mode over gloo
(``runner.device_kwargs``), DeepSpeed skips the op it never uses, and each process gets one
thread unless ``train.distributed.num_cpu_threads_per_process`` or ``OMP_NUM_THREADS`` says
otherwise (threads of several processes competing for the same cores make training crawl).
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mathrl_pipeline.rewards.registry import start_sandbox_for
from mathrl_pipeline.rewards.sandbox import SandboxSettings
from mathrl_pipeline.training.callbacks import METRICS_FILE, MetricsTail
from mathrl_pipeline.training.cli import parent_death_signal
from mathrl_pipeline.training.config import DistributedParams, TrainParams
from mathrl_pipeline.training.resume import RunInputs, plan_run, run_inputs
from mathrl_pipeline.training.runner import (
    FINAL_DIR,
    TrainResult,
    load_tables,
    resolve_source,
    run_grpo,
    validate,
)

logger = logging.getLogger(__name__)
rank_logger = logging.getLogger(f"{__name__}.ranks")

LAUNCH_DIR = "launch"
ERRORS_DIR = "errors"
ACCELERATE_DIR = Path("conf") / "accelerate"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
ENTRY_POINT = "mathrl_pipeline.training.cli"
SUPPORTED_TYPES: tuple[str, ...] = ("MULTI_GPU", "DEEPSPEED")
# accelerate config keys that train.distributed owns: the config may only repeat their value
OWNED_KEYS: tuple[str, ...] = (
    "num_processes", "num_machines", "machine_rank", "main_process_ip", "main_process_port",
)
# accelerate config keys that other training parameters own: (key, allowed value, parameter)
TRAIN_OWNED: tuple[tuple[str, Any, str], ...] = (
    ("mixed_precision", "no", "train.bf16"),
    ("deepspeed_config.gradient_clipping", None, "train.max_grad_norm"),
    ("deepspeed_config.gradient_accumulation_steps", None, "train.gradient_accumulation_steps"),
    ("use_cpu", False, "the machine (CPU mode exactly when it has no GPU)"),
)
# plain DDP when train.distributed.accelerate_config is null (accelerate's multi-GPU launcher;
# on CPU the ranks switch to CPU mode and gloo themselves)
DDP_CONFIG: dict[str, Any] = {
    "compute_environment": "LOCAL_MACHINE",
    "distributed_type": "MULTI_GPU",
    "mixed_precision": "no",
    "dynamo_config": {"dynamo_backend": "NO"},
}
STOP_GRACE_S = 30.0


class LaunchError(RuntimeError):
    """A launched training failed: the rank, its exit code and its error."""

    def __init__(self, message: str, rank: int | None, exit_code: int) -> None:
        super().__init__(message)
        self.rank = rank
        self.exit_code = exit_code


@dataclass(frozen=True)
class Machine:
    """What this machine offers the training processes."""

    gpus: int
    cpus: int

    @classmethod
    def detect(cls) -> Machine:
        """GPUs torch sees, and the CPU cores this process may use."""
        import torch

        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return cls(gpus=torch.cuda.device_count(), cpus=cpus or 1)


def find_accelerate_config(name: str) -> Path:
    """The file ``name`` names: a path, or a file of ``conf/accelerate/`` (``.yaml`` optional)."""
    candidates = [Path(name)]
    for root in (Path.cwd(), PROJECT_ROOT):
        folder = root / ACCELERATE_DIR
        candidates += [folder / name, folder / f"{name}.yaml"]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    known = sorted(p.name for p in (PROJECT_ROOT / ACCELERATE_DIR).glob("*.yaml"))
    raise ValueError(
        f"train.distributed.accelerate_config {name!r}: no such file (give a path, or one of "
        f"conf/accelerate/: {', '.join(known)}; null for plain DDP)"
    )


def _get(tree: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def check_config(dist: DistributedParams, config: dict[str, Any], name: str) -> None:
    """Raise when an accelerate config sets what the parameters own, or a launch we do not run."""
    kind = str(config.get("distributed_type", "")).upper()
    if kind not in SUPPORTED_TYPES:
        raise ValueError(
            f"train.distributed.accelerate_config {name}: distributed_type {kind or 'unset'!r} is "
            f"not supported; use DEEPSPEED (conf/accelerate/zero2.yaml, zero3.yaml) or null for "
            "plain DDP"
        )
    for key in OWNED_KEYS:
        if key in config and config[key] != getattr(dist, key) and config[key] is not None:
            raise ValueError(
                f"train.distributed.accelerate_config {name} sets {key}: {config[key]!r} but "
                f"train.distributed.{key} is {getattr(dist, key)!r}: set it in the parameters "
                "only (remove it from the accelerate config)"
            )
    for key, allowed, owner in TRAIN_OWNED:
        value = _get(config, key)
        if value is not None and value != allowed:
            raise ValueError(
                f"train.distributed.accelerate_config {name} sets {key}: {value!r}; that is set "
                f"by {owner}: remove it from the accelerate config"
            )


def check_machine(dist: DistributedParams, config: dict[str, Any], machine: Machine,
                  threads: int) -> None:
    """Raise when the processes, or the config, do not fit this machine."""
    local = dist.num_processes // dist.num_machines
    if machine.gpus:
        if local > machine.gpus:
            raise ValueError(
                f"train.distributed.num_processes: {dist.num_processes} processes on "
                f"{dist.num_machines} machine(s) is {local} per machine, but this machine has "
                f"{machine.gpus} GPU(s); set train.distributed.num_processes to "
                f"{machine.gpus * dist.num_machines} (one process per GPU)"
            )
        return
    if local * threads > machine.cpus:
        raise ValueError(
            f"train.distributed.num_processes: {local} process(es) x {threads} thread(s) on this "
            f"machine without GPUs need {local * threads} CPU cores, it has {machine.cpus}; lower "
            "train.distributed.num_processes or train.distributed.num_cpu_threads_per_process"
        )
    offload = [
        key for key in ("offload_optimizer_device", "offload_param_device")
        if str(_get(config, f"deepspeed_config.{key}") or "none").lower() != "none"
    ]
    if offload:
        raise ValueError(
            f"train.distributed.accelerate_config offloads to CPU ({', '.join(offload)}) on a "
            "machine without GPUs, where everything already is on the CPU: use "
            "conf/accelerate/zero3.yaml"
        )


def threads_per_process(dist: DistributedParams) -> int:
    """``num_cpu_threads_per_process``, else ``OMP_NUM_THREADS``, else 1."""
    if dist.num_cpu_threads_per_process is not None:
        return dist.num_cpu_threads_per_process
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def launch_command(dist: DistributedParams, config_file: Path, threads: int,
                   worker_args: list[str]) -> list[str]:
    """``accelerate launch`` of the training entry point with the parameters' process layout."""
    port = dist.main_process_port
    if port is None:
        port = 0 if dist.num_machines == 1 else 29500  # 0: accelerate picks a free port
    cmd = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(config_file),
        "--num_processes", str(dist.num_processes),
        "--num_machines", str(dist.num_machines),
        "--machine_rank", str(dist.machine_rank),
        "--main_process_port", str(port),
        "--num_cpu_threads_per_process", str(threads),
    ]  # fmt: skip
    if dist.main_process_ip:
        cmd += ["--main_process_ip", dist.main_process_ip]
    return [*cmd, "-m", ENTRY_POINT, *worker_args]


def launch_env(machine: Machine, threads: int) -> dict[str, str]:
    """The launcher's environment: thread counts, unbuffered logs, no MLflow; on CPU DeepSpeed's
    CPU accelerator."""
    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        PYTHONUNBUFFERED="1",
        TOKENIZERS_PARALLELISM="false",
        # the Kedro process is the one MLflow writer; ranks skip importing it (seconds each)
        DISABLE_MLFLOW_INTEGRATION="TRUE",
    )
    if not machine.gpus:
        env["DS_ACCELERATOR"] = "cpu"
    return env


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (the launcher stops its ranks), then SIGKILL after a grace period."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stream(cmd: list[str], env: dict[str, str], keep: int = 40) -> tuple[int, list[str]]:
    """Run ``cmd``, logging each output line as it comes; its exit code and last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=keep)
    preexec = parent_death_signal(signal.SIGTERM)  # the launcher stops its ranks on SIGTERM
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        errors="replace", preexec_fn=preexec,  # noqa: PLW1509 - it only calls prctl
    )
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip()
            if line:
                tail.append(line)
                rank_logger.info("%s", line)
        return proc.wait(), list(tail)
    finally:
        _stop(proc)


def rank_failure(errors: Path, returncode: int, tail: list[str]) -> LaunchError:
    """The first rank's recorded failure, else the launcher's exit code and last lines."""
    records = []
    for path in errors.glob("rank*.json"):
        with contextlib.suppress(OSError, json.JSONDecodeError):
            records.append(json.loads(path.read_text(encoding="utf-8")))
    if records:
        first = min(records, key=lambda r: r.get("time", 0.0))
        others = sorted(r["rank"] for r in records if r is not first)
        also = f" (ranks {others} failed after it)" if others else ""
        return LaunchError(
            f"training rank {first['rank']} failed with exit code {first['exit_code']}{also}: "
            f"{first['error']}\n{first['traceback']}",
            first["rank"], int(first["exit_code"]),
        )
    last = "\n".join(tail[-15:])
    return LaunchError(
        f"accelerate launch exited with code {returncode} and no rank recorded a Python error "
        f"(a rank killed by a signal or out of memory?); its last lines:\n{last}",
        None, returncode,
    )


def accelerate_config(dist: DistributedParams, work: Path) -> tuple[Path, dict[str, Any], str]:
    """The accelerate config file to launch with, its content and its name for messages."""
    if dist.accelerate_config is None:
        path = work / "accelerate_ddp.yaml"
        return path, dict(DDP_CONFIG), "null (plain DDP)"
    path = find_accelerate_config(dist.accelerate_config)
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return path, config, repr(dist.accelerate_config)


def launch_folder(params: TrainParams) -> Path:
    """This machine's launch files (machines may share ``train.output_dir``)."""
    return Path(params.output_dir) / LAUNCH_DIR / f"machine{params.distributed.machine_rank}"


def prepare_launch(params: TrainParams) -> tuple[Path, dict[str, Any], Machine, int]:
    """Check the launch against the parameters and the machine before anything is written."""
    dist = params.distributed
    work = launch_folder(params)
    config_file, config, name = accelerate_config(dist, work)
    check_config(dist, config, name)
    machine = Machine.detect()
    threads = threads_per_process(dist)
    check_machine(dist, config, machine, threads)
    return config_file, config, machine, threads


def launch_grpo(params: TrainParams, train_df: pd.DataFrame, source: str, inputs: RunInputs,
                launch: tuple[Path, dict[str, Any], Machine, int], *,
                reward_sandbox: SandboxSettings) -> TrainResult:
    """Run GRPO on ``train.distributed.num_processes`` processes; the model and tables."""
    config_file, config, machine, threads = launch
    work = launch_folder(params)
    shutil.rmtree(work, ignore_errors=True)
    (work / ERRORS_DIR).mkdir(parents=True)
    if params.distributed.accelerate_config is None:
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    (work / "params.json").write_text(params.model_dump_json(), encoding="utf-8")
    (work / "inputs.json").write_text(inputs.to_json(), encoding="utf-8")
    (work / "reward_sandbox.json").write_text(reward_sandbox.model_dump_json(), encoding="utf-8")
    split = work / "train_split.parquet"
    train_df.to_parquet(split)
    worker_args = [
        "--params", str(work / "params.json"), "--inputs", str(work / "inputs.json"),
        "--reward-sandbox", str(work / "reward_sandbox.json"),
        "--train-split", str(split), "--model", source,
        "--errors", str(work / ERRORS_DIR), "--no-progress-bar",
    ]  # fmt: skip
    dist = params.distributed
    cmd = launch_command(dist, config_file, threads, worker_args)
    logger.info(
        "Launching %d training process(es) on %s (%s, %s, %d thread(s) each): %s",
        dist.num_processes, f"{dist.num_machines} machine(s)",
        config.get("distributed_type"), f"{machine.gpus} GPU(s)" if machine.gpus else "CPU",
        threads, " ".join(cmd),
    )
    try:
        returncode, tail = stream(cmd, launch_env(machine, threads))
    finally:
        split.unlink(missing_ok=True)
    if returncode != 0:
        raise rank_failure(work / ERRORS_DIR, returncode, tail)
    final_dir = Path(params.output_dir) / FINAL_DIR
    if not final_dir.is_dir():
        raise ValueError(
            f"train.output_dir {params.output_dir!r}: no {FINAL_DIR}/ after training on machine "
            f"rank {dist.machine_rank}; with several machines it must be a folder they all share"
        )
    metrics, samples = load_tables(params.output_dir)
    return TrainResult(model_dir=final_dir, metrics=metrics, samples=samples)


@contextlib.contextmanager
def following(path: Path, sink: Callable[[list[dict[str, Any]]], None] | None,
              interval: float = 1.0) -> Iterator[None]:
    """Hand the new rows of a metrics file to ``sink`` every ``interval`` s, and at the end."""
    if sink is None:
        yield
        return
    tail, stop = MetricsTail(path), threading.Event()

    def flush() -> None:
        rows = tail.poll()
        if rows:
            try:
                sink(rows)
            except Exception:  # tracking must never stop training
                logger.warning("Could not hand %d metric rows to the tracker", len(rows),
                               exc_info=True)

    def loop() -> None:
        while not stop.wait(interval):
            flush()

    thread = threading.Thread(target=loop, name="metrics-tail", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        flush()


def train(params: TrainParams, train_df: pd.DataFrame, model_source: str | Path | None = None,
          metrics_sink: Callable[[list[dict[str, Any]]], None] | None = None,
          reward_sandbox: SandboxSettings | None = None) -> TrainResult:
    """GRPO on the processes ``train.distributed`` asks for; metric rows go to ``metrics_sink``;
    each process bounds its reward work with ``reward_sandbox`` (None: the defaults)."""
    reward_sandbox = reward_sandbox or SandboxSettings()
    source = resolve_source(params, model_source)
    dist = params.distributed
    validate(params, train_df, dist.num_processes)
    launch = prepare_launch(params) if dist.launched else None
    inputs = run_inputs(source, train_df)
    if dist.machine_rank == 0:  # resume or new run: decided once, before any process starts
        plan_run(params, inputs)
    else:  # machine 0 decides and tracks; global rank 0 re-plans, the others wait for it
        metrics_sink = None
    with following(Path(params.output_dir) / METRICS_FILE, metrics_sink):
        if launch is not None:
            return launch_grpo(params, train_df, source, inputs, launch,
                               reward_sandbox=reward_sandbox)
        if dist.num_cpu_threads_per_process is not None:
            import torch

            torch.set_num_threads(dist.num_cpu_threads_per_process)
        start_sandbox_for([r.model_dump() for r in params.rewards], reward_sandbox)
        return run_grpo(params, train_df, source, inputs=inputs)
