"""Which checkpoint a run resumes from, and when a run folder must not be resumed at all.

A run folder (``train.output_dir``) holds ``checkpoint-N`` folders and ``run_params.json``, the
run key: the training parameters (less how long to train and how often to save or log), the base
model's identity and the training data's fingerprint. A re-run resumes the last complete
checkpoint when its key is the folder's. Other parameters are an error naming them; another base
model or other training data start a new run (the old folder is moved aside and named in the log).

Checkpoints come in two layouts: the Trainer's (weights, ``optimizer.pt``, ``scheduler.pt``) and
DeepSpeed ZeRO's (weights, ``latest`` naming ``global_stepN/`` with the model and each rank's
optimizer states). Both end with ``trainer_state.json``, written last. No torch here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.training.callbacks import METRICS_FILE, SAMPLES_FILE, truncate_jsonl
from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.data import frame_fingerprint

logger = logging.getLogger(__name__)

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
STATE_FILE = "trainer_state.json"
TORCH_STATE_FILES: tuple[str, ...] = ("optimizer.pt", "scheduler.pt")
DEEPSPEED_LATEST = "latest"
RUN_PARAMS_FILE = "run_params.json"
# Knobs a resumed run may change (how long, how often to save/log, where rank 0 listens), not
# what it optimises; dotted keys are inside a sub-block.
RESUMABLE_CHANGES: frozenset[str] = frozenset(
    {
        "run_name",
        "output_dir",
        "max_steps",
        "num_train_epochs",
        "save_steps",
        "save_total_limit",
        "logging_steps",
        "samples_every",
        "samples_per_step",
        "resume",
        "distributed.machine_rank",
        "distributed.main_process_ip",
        "distributed.main_process_port",
        "distributed.num_cpu_threads_per_process",
    }
)
INPUT_KEYS: tuple[str, ...] = ("base_model", "train_data")
# Files above this size are identified by their size and their first and last block.
FULL_HASH_BYTES = 64 * 2**20
SAMPLE_BYTES = 8 * 2**20


@dataclass(frozen=True)
class RunInputs:
    """What a run trains from: the base model's identity and the training data's fingerprint."""

    base_model: str
    train_data: str
    base_model_source: str = ""  # for the log only; not part of the key

    def to_json(self) -> str:
        """The inputs as JSON (handed to every rank of a launched run)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunInputs:
        """Inputs written by :meth:`to_json`."""
        return cls(**json.loads(text))


def _file_digest(path: Path) -> str:
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        if size <= FULL_HASH_BYTES:
            digest.update(fh.read())
        else:
            digest.update(fh.read(SAMPLE_BYTES))
            fh.seek(size - SAMPLE_BYTES)
            digest.update(fh.read())
    return digest.hexdigest()


def model_identity(source: str) -> str:
    """``sha256:<digest>`` of a local model folder's files, or ``hub:<id>`` for a Hub id."""
    folder = Path(source)
    if not folder.is_dir():
        return f"hub:{source}"
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(_file_digest(path).encode())
    return f"sha256:{digest.hexdigest()}"


def run_inputs(source: str, train_df: pd.DataFrame) -> RunInputs:
    """The identity of ``source`` and the fingerprint of ``train_df``."""
    return RunInputs(model_identity(source), frame_fingerprint(train_df), source)


def _has_weights(path: Path) -> bool:
    return any(path.glob("*.safetensors")) or any(path.glob("*.bin"))


def _deepspeed_states_complete(path: Path) -> bool:
    """``latest`` names a ``global_stepN`` folder holding model and optimizer states."""
    try:
        tag = (path / DEEPSPEED_LATEST).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    folder = path / tag
    return bool(tag) and any(folder.glob("*model_states.pt")) and any(
        folder.glob("*optim_states.pt")
    )


def is_complete_checkpoint(path: Path) -> bool:
    """A checkpoint with a readable trainer state, weights and optimizer state (either layout)."""
    try:
        json.loads((path / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    if (path / DEEPSPEED_LATEST).exists():
        return _deepspeed_states_complete(path)
    return _has_weights(path) and all((path / n).is_file() for n in TORCH_STATE_FILES)


def checkpoint_step(path: Path) -> int:
    """N of a ``checkpoint-N`` folder."""
    match = CHECKPOINT_RE.match(path.name)
    if match is None:
        raise ValueError(f"{path} is not a checkpoint-N folder")
    return int(match.group(1))


def last_complete_checkpoint(output_dir: str | Path) -> Path | None:
    """The complete ``checkpoint-N`` folder of ``output_dir`` with the largest N, if any."""
    root = Path(output_dir)
    if not root.is_dir():
        return None
    found = [p for p in root.iterdir() if p.is_dir() and CHECKPOINT_RE.match(p.name)]
    for path in sorted(found, key=checkpoint_step, reverse=True):
        if is_complete_checkpoint(path):
            return path
        logger.warning("Skipping incomplete checkpoint %s", path)
    return None


def _drop(tree: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.get(part, {})
    tree.pop(leaf, None)


def run_key(params: TrainParams, inputs: RunInputs) -> dict[str, Any]:
    """What a resumed run must share with its checkpoints (see the module docstring)."""
    key = params.model_dump(mode="json")
    for dotted in RESUMABLE_CHANGES:
        _drop(key, dotted)
    key.update(base_model=inputs.base_model, train_data=inputs.train_data)
    return key


def _changed(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))


def _move_aside(root: Path) -> Path:
    kept = root.with_name(f"{root.name}.superseded-{time.strftime('%Y%m%dT%H%M%S')}")
    root.rename(kept)
    root.mkdir(parents=True)
    return kept


def plan_run(params: TrainParams, inputs: RunInputs) -> Path | None:
    """The checkpoint to resume (None: a fresh run); records the run key. Main process only.

    Idempotent: planning again with the same parameters and inputs changes nothing.
    """
    root = Path(params.output_dir)
    resume = last_complete_checkpoint(root) if params.resume else None
    key = run_key(params, inputs)
    path = root / RUN_PARAMS_FILE
    saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if resume is not None:
        changed = _changed(saved, key)
        inputs_changed = [k for k in changed if k in INPUT_KEYS] or (
            ["base_model", "train_data"] if not saved else []
        )
        if inputs_changed:
            kept = _move_aside(root)
            logger.warning(
                "train.output_dir %s holds a run of another %s: starting a new run (base model "
                "%s); the old run is kept in %s",
                root, " and ".join(k.replace("_", " ") for k in inputs_changed),
                inputs.base_model_source or inputs.base_model, kept,
            )
            resume = None
        elif changed:
            raise ValueError(
                f"train.output_dir {str(root)!r} holds checkpoints of a run with other "
                f"parameters (train.{', train.'.join(changed)}); set a new train.run_name / "
                "train.output_dir, or train.resume: false to start over in it"
            )
    step = checkpoint_step(resume) if resume is not None else 0
    root.mkdir(parents=True, exist_ok=True)
    for name in (METRICS_FILE, SAMPLES_FILE):
        truncate_jsonl(root / name, step)
    path.write_text(json.dumps(key, indent=1, sort_keys=True), encoding="utf-8")
    if resume is not None:
        logger.info("Resuming from %s", resume)
    return resume
