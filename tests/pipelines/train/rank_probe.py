"""A probe inside every training rank of a launched run (loaded by a ``sitecustomize`` module).

The tests start ``kedro run``; the node starts ``accelerate launch``; the ranks are processes the
test cannot reach. :func:`sitecustomize_source` is the text of a ``sitecustomize.py`` that the
test puts first on ``PYTHONPATH``: in a process with ``LOCAL_RANK`` set (a rank) it wraps
``GRPOTrainer._calculate_rewards`` to record, per scored batch, whether each row's prompt,
solution, id and image belong together, and this rank's own weighted rewards; and
``GRPOTrainer.__init__`` to record whether the policy arrived partitioned (ZeRO-3 init). With
``PROBE_FAIL_RANK=R`` rank R instead exits with code 3 before training (a failing rank).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

PROBE_DIR = "PROBE_DIR"
FAIL_RANK = "PROBE_FAIL_RANK"
FAIL_CODE = 3
# distinct image sizes per row: a swapped image shows up
SIZES = [(56, 56), (84, 56), (112, 56), (56, 84), (84, 84), (112, 84), (56, 112), (84, 112)]


def sitecustomize_source(project_root: Path) -> str:
    """``sitecustomize.py`` installing the probe (the project root made importable)."""
    return (
        "import sys\n"
        f"sys.path.insert(0, {str(project_root)!r})\n"
        "from tests.pipelines.train.rank_probe import install\n"
        "install()\n"
    )


def _row_of(text: str) -> int:
    return int(text.split("Row ", 1)[1].split(":", 1)[0])


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    return "".join(
        str(block.get("text") or "") for message in prompt for block in message["content"]
    )


def check_rows(inputs: list[dict[str, Any]], prompts: list[Any]) -> list[str]:
    """Each row's prompt, id, solution and image size agree (messages for those that do not)."""
    problems = []
    for example, prompt in zip(inputs, prompts, strict=True):
        row = int(str(example["id"]).rsplit("-", 1)[1])
        if _row_of(_prompt_text(prompt)) != row:
            problems.append(f"row {row}: prompt of row {_row_of(_prompt_text(prompt))}")
        if str(example["solution"]) != str(row % 10):
            problems.append(f"row {row}: solution {example['solution']!r}")
        size = tuple(example["image"].size)
        if size != SIZES[row]:
            problems.append(f"row {row}: image {size}, expected {SIZES[row]}")
    return problems


def install() -> None:
    """In a rank: fail on purpose, or record alignment and local rewards per scored batch."""
    if "LOCAL_RANK" not in os.environ or PROBE_DIR not in os.environ:
        return
    rank = int(os.environ.get("RANK", "0"))
    if os.environ.get(FAIL_RANK) == str(rank):
        from mathrl_pipeline.training.config import TrainParams

        def fail(*args: Any, **kwargs: Any) -> None:
            raise SystemExit(FAIL_CODE)

        # the entry point's first step (it runs as __main__: patch the class it shares)
        TrainParams.model_validate_json = fail
        return
    from trl import GRPOTrainer

    original, original_init = GRPOTrainer._calculate_rewards, GRPOTrainer.__init__
    out = Path(os.environ[PROBE_DIR]) / f"rank{rank}.jsonl"

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        # ZeRO-3 with zero3_init_flag: the policy arrives already partitioned (DeepSpeed's ds_id)
        loaded = {"rank": rank, "partitioned_at_load": hasattr(
            next(kwargs["model"].parameters()), "ds_id")}
        (out.parent / f"load{rank}.json").write_text(json.dumps(loaded), encoding="utf-8")
        original_init(self, *args, **kwargs)

    def probed(self: Any, inputs: Any, prompts: Any, completions: Any, ids: Any) -> Any:
        everyone = original(self, inputs, prompts, completions, ids)  # gathered over ranks
        index = self.accelerator.process_index
        local = everyone[index * len(prompts) : (index + 1) * len(prompts)]
        weights = self.reward_weights.to(local.device)
        record = {
            "rank": rank,
            "step": self.state.global_step + 1,
            "rows": [str(e["id"]) for e in inputs],
            "problems": check_rows(inputs, prompts),
            "rewards": (local * weights).nansum(dim=1).tolist(),
            "time": time.time(),
        }
        with out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        return everyone

    GRPOTrainer._calculate_rewards = probed
    GRPOTrainer.__init__ = init


def partitioned_at_load(folder: Path) -> set[bool]:
    """Whether each rank's policy was partitioned when the trainer got it."""
    return {json.loads(p.read_text())["partitioned_at_load"] for p in folder.glob("load*.json")}


def read_probe(folder: Path) -> list[dict[str, Any]]:
    """Every record of every rank."""
    rows = []
    for path in sorted(folder.glob("rank*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows
