"""``mathrl-train``: one GRPO run from a parameter block, a train split and a model.

The training entry point of every rank: the Kedro node starts it under ``accelerate launch`` when
``train.distributed`` asks for more than one process (``launch.py``, with ``--params`` and
``--inputs`` files). It also runs by hand, e.g.::

    accelerate launch --config_file conf/accelerate/zero2.yaml -m mathrl_pipeline.training.cli \\
        --env gpu --block train_deepmath \\
        --train-split data/05_model_input/deepmath_train.parquet/<version>/deepmath_train.parquet

``--env`` / ``--block`` read the project's configuration exactly as ``kedro run --env`` does
(``conf/base``, the environment's differences, ``_extends``); ``--config FILE`` reads a single
YAML file instead.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import logging
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mathrl_pipeline.config_loader import ProjectConfigLoader, resolve_extends
from mathrl_pipeline.training.config import TrainParams

logger = logging.getLogger(__name__)

# Kedro's ${runtime_params:key, default} (resolved here without Kedro's global resolver).
RUNTIME_PARAM = re.compile(r"\$\{runtime_params:\s*([\w.]+)\s*(?:,\s*([^}]*))?\}")


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _file_parameters(config: str | Path, runtime: dict[str, str]) -> dict[str, Any]:
    text = RUNTIME_PARAM.sub(
        lambda m: str(runtime.get(m.group(1), m.group(2) or "")).strip(),
        Path(config).read_text(encoding="utf-8"),
    )
    return resolve_extends(yaml.safe_load(text) or {})


def _project_parameters(conf_source: str | Path, env: str | None,
                        runtime: dict[str, str]) -> dict[str, Any]:
    loader = ProjectConfigLoader(conf_source=str(conf_source), env=env, base_env="base",
                                 default_run_env="local", runtime_params=runtime,
                                 merge_strategy={"parameters": "soft"})
    return loader["parameters"]


def load_params(
    config: str | Path | None = None,
    block: str = "train",
    overrides: list[str] | None = None,
    runtime: dict[str, str] | None = None,
    *,
    env: str | None = None,
    conf_source: str | Path = "conf",
) -> TrainParams:
    """``TrainParams`` of parameter block ``block`` with ``key=value`` overrides.

    From the YAML file ``config``, or else from the project's configuration (``conf_source``,
    environment ``env``) as ``kedro run`` reads it. ``${runtime_params:key, default}`` resolve
    from ``runtime`` (or their default); ``_extends`` between blocks applies.
    """
    runtime = runtime or {}
    params = (_file_parameters(config, runtime) if config is not None
              else _project_parameters(conf_source, env, runtime))
    if block not in params:
        blocks = sorted(k for k, v in params.items() if isinstance(v, dict) and "run_name" in v)
        raise ValueError(f"--block {block!r}: no such parameter block (training blocks: {blocks})")
    resolved = dict(params[block])
    for item in overrides or []:
        key, _, value = item.partition("=")
        _set(resolved, key.removeprefix(f"{block}."), yaml.safe_load(value))
    return TrainParams.model_validate(resolved)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def parent_death_signal(sig: int) -> Callable[[], None] | None:
    """Linux: a function that makes this process receive ``sig`` when its parent dies.

    Used as the launcher's pre-exec function (libc is bound here, in the parent: between fork
    and exec the child only makes the call) and by every rank for itself: torchrun starts the
    ranks in sessions of their own, so a SIGKILL of Kedro's process group would leave them
    training on, orphaned.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_signal() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig))

    return set_signal


def die_with_launcher() -> None:
    """In a rank: SIGKILL when the launcher dies (and exit now if it already has)."""
    set_signal = parent_death_signal(signal.SIGKILL)
    if set_signal is None:
        return
    parent = os.getppid()
    set_signal()
    if parent == 1:  # the launcher died before the call: nothing will collect this rank's work
        raise SystemExit("the launcher of this rank is gone")


def rank() -> int:
    """This process's global rank (0 outside a launcher)."""
    return int(os.environ.get("RANK", "0"))


def write_rank_error(folder: str | Path, error: BaseException, exit_code: int) -> Path:
    """Record this rank's failure as ``rank<R>.json`` in ``folder`` (read by the launcher)."""
    path = Path(folder) / f"rank{rank()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "rank": rank(),
        "exit_code": exit_code,
        "error": f"{type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(error)),
        "time": time.time(),
    }
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mathrl-train", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="a YAML file of parameter blocks (else the project's)")
    parser.add_argument("--env", help="the project's configuration environment (e.g. gpu)")
    parser.add_argument("--block", default="train", help="the parameter block (train_<task>)")
    parser.add_argument("--params", help="a JSON file of one resolved block (the Kedro launch)")
    parser.add_argument("--inputs", help="a JSON file of the run's inputs (the Kedro launch)")
    parser.add_argument("--reward-sandbox", help="a JSON file of the reward_sandbox block")
    parser.add_argument("--errors", help="folder for a failed rank's error record")
    parser.add_argument("--no-progress-bar", action="store_true", help="one log line per step")
    parser.add_argument(
        "--train-split", required=True, help="train split parquet (dataset contract)"
    )
    parser.add_argument("--model", help="Hub id or local model folder (else train.model.source)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--data-dir", default="data", help="value of ${runtime_params:data_dir}")
    return parser


def _train(args: argparse.Namespace) -> None:
    if args.params:  # parameters first: a bad one fails before the heavy imports
        params = TrainParams.model_validate_json(Path(args.params).read_text(encoding="utf-8"))
    else:
        params = load_params(args.config, args.block, args.set, {"data_dir": args.data_dir},
                             env=args.env)
    import pandas as pd

    from mathrl_pipeline.rewards.registry import start_sandbox_for
    from mathrl_pipeline.rewards.sandbox import SandboxSettings
    from mathrl_pipeline.training.resume import RunInputs
    from mathrl_pipeline.training.runner import run_grpo

    sandbox = SandboxSettings()
    if args.reward_sandbox:
        sandbox = SandboxSettings.model_validate_json(
            Path(args.reward_sandbox).read_text(encoding="utf-8"))
    start_sandbox_for([r.model_dump() for r in params.rewards], sandbox)

    inputs = None
    if args.inputs:
        inputs = RunInputs.from_json(Path(args.inputs).read_text(encoding="utf-8"))
    frame = pd.read_parquet(args.train_split)
    result = run_grpo(params, frame, args.model, inputs=inputs,
                      progress_bar=not args.no_progress_bar)
    logger.info("Done: %s (%d logged steps)", result.model_dir, len(result.metrics))


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, read the split (parquet) and run GRPO; a failure is recorded per rank."""
    args = _parser().parse_args(argv)
    if "LOCAL_RANK" in os.environ:
        die_with_launcher()
    logging.basicConfig(
        level=logging.INFO,
        format=f"[rank{rank()}] %(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        _train(args)
        # Everything is written. Interpreter shutdown would now walk the whole heap (torch,
        # transformers, TRL, DeepSpeed) in a final garbage collection: about 4 s per rank on a
        # CPU, while the launcher waits. Frozen objects are left to the exiting process.
        gc.freeze()
    except BaseException as error:
        code = error.code if isinstance(error, SystemExit) and isinstance(error.code, int) else 1
        if args.errors and not (isinstance(error, SystemExit) and code == 0):
            write_rank_error(args.errors, error, code)
        raise


if __name__ == "__main__":
    main()
