"""The launch of N training processes, checked before anything starts: parameters, accelerate
configs and the machine; the command and environment it builds; how a failed rank is reported."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from mathrl_pipeline.training.config import DistributedParams
from mathrl_pipeline.training.launch import (
    DDP_CONFIG,
    Machine,
    check_config,
    check_machine,
    find_accelerate_config,
    launch_command,
    launch_env,
    rank_failure,
    threads_per_process,
)

CPU_LAPTOP = Machine(gpus=0, cpus=2)
GPU_NODE = Machine(gpus=8, cpus=96)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # processes count all machines: 3 cannot split over 2
        ({"num_processes": 3, "num_machines": 2, "main_process_ip": "10.0.0.1"},
         r"num_processes \(3\).*multiple of train\.distributed\.num_machines"),
        # machine ranks are 0 .. num_machines - 1
        ({"num_processes": 4, "num_machines": 2, "machine_rank": 2, "main_process_ip": "h"},
         r"machine_rank \(2\)"),
        # several machines need rank 0's address
        ({"num_processes": 4, "num_machines": 2}, r"main_process_ip"),
        # at least one process
        ({"num_processes": 0}, r"num_processes"),
    ],
)
def test_bad_process_layouts_are_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DistributedParams.model_validate(fields)


@pytest.mark.parametrize(
    ("fields", "launched"),
    [
        ({}, False),  # the default: one process, in-process
        ({"num_processes": 2}, True),  # DDP
        ({"accelerate_config": "zero2.yaml"}, True),  # DeepSpeed on one process
    ],
)
def test_launched_only_when_asked(fields: dict[str, Any], launched: bool) -> None:
    assert DistributedParams.model_validate(fields).launched is launched


@pytest.mark.parametrize("name", ["zero2.yaml", "zero2", "zero3.yaml", "zero3_offload"])
def test_config_names_resolve_to_conf_accelerate(name: str, project_root: Path) -> None:
    path = find_accelerate_config(name)
    assert path.parent == (project_root / "conf" / "accelerate").resolve()


def test_unknown_config_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"accelerate_config 'zero9'.*zero2\.yaml"):
        find_accelerate_config("zero9")


@pytest.mark.parametrize("name", ["zero2.yaml", "zero3.yaml", "zero3_offload.yaml"])
def test_project_configs_leave_layout_and_precision_to_the_parameters(name: str) -> None:
    config = yaml.safe_load(find_accelerate_config(name).read_text())
    check_config(DistributedParams(num_processes=2), config, name)


TWO = DistributedParams(num_processes=2)
CONFIG_CASES = {
    # FSDP, TPU ... are not launched by this project
    "fsdp": ({"distributed_type": "FSDP"}, r"distributed_type 'FSDP' is not supported"),
    # the process count is train.distributed.num_processes, once
    "num-processes": ({**DDP_CONFIG, "num_processes": 8}, r"num_processes: 8 but.*is 2"),
    # precision is train.bf16
    "bf16": ({**DDP_CONFIG, "mixed_precision": "bf16"}, r"mixed_precision.*train\.bf16"),
    # gradient clipping is train.max_grad_norm
    "clipping": (
        {"distributed_type": "DEEPSPEED", "deepspeed_config": {"gradient_clipping": 0.5}},
        r"gradient_clipping.*train\.max_grad_norm",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_configs_that_set_what_parameters_own_are_refused(case: str) -> None:
    config, message = CONFIG_CASES[case]
    with pytest.raises(ValueError, match=message):
        check_config(TWO, config, "x.yaml")


def test_a_config_may_repeat_the_parameters_values() -> None:
    check_config(TWO, {**DDP_CONFIG, "num_processes": 2, "machine_rank": 0}, "x.yaml")


ZERO3_OFFLOAD = {"distributed_type": "DEEPSPEED",
                 "deepspeed_config": {"zero_stage": 3, "offload_optimizer_device": "cpu"}}
MACHINE_CASES = {
    # 16 processes on one 8-GPU node: one process per GPU
    "gpus": (DistributedParams(num_processes=16), DDP_CONFIG, GPU_NODE, 1,
             r"16 per machine, but this machine has 8 GPU\(s\).*num_processes to 8"),
    # 3 processes on a 2-core machine
    "cores": (DistributedParams(num_processes=3), DDP_CONFIG, CPU_LAPTOP, 1,
              r"need 3 CPU cores, it has 2"),
    # 2 processes x 2 threads on 2 cores: oversubscribed
    "threads": (DistributedParams(num_processes=2), DDP_CONFIG, CPU_LAPTOP, 2,
                r"2 process\(es\) x 2 thread\(s\)"),
    # offloading to the CPU on a machine that has nothing else
    "offload": (DistributedParams(num_processes=2), ZERO3_OFFLOAD, CPU_LAPTOP, 1,
                r"offloads to CPU.*use conf/accelerate/zero3\.yaml"),
}


@pytest.mark.parametrize("case", sorted(MACHINE_CASES))
def test_launches_that_do_not_fit_the_machine_are_refused(case: str) -> None:
    dist, config, machine, threads, message = MACHINE_CASES[case]
    with pytest.raises(ValueError, match=message):
        check_machine(dist, config, machine, threads)


@pytest.mark.parametrize(
    ("dist", "machine"),
    [
        (DistributedParams(num_processes=2), CPU_LAPTOP),  # CI: 2 processes on 2 cores
        (DistributedParams(num_processes=8), GPU_NODE),  # one node, 8 GPUs
        # two nodes of 8 GPUs: 16 processes, 8 here
        (DistributedParams(num_processes=16, num_machines=2, machine_rank=1,
                           main_process_ip="10.0.0.1"), GPU_NODE),
    ],
)
def test_launches_that_fit(dist: DistributedParams, machine: Machine) -> None:
    check_machine(dist, DDP_CONFIG, machine, 1)


@pytest.mark.parametrize(
    ("set_threads", "omp", "expected"),
    [
        (None, None, 1),  # one thread per process unless set
        (None, "3", 3),  # OMP_NUM_THREADS of the caller
        (2, "3", 2),  # the parameter wins
    ],
)
def test_threads_per_process(monkeypatch: pytest.MonkeyPatch, set_threads: int | None,
                             omp: str | None, expected: int) -> None:
    if omp is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    dist = DistributedParams(num_processes=2, num_cpu_threads_per_process=set_threads)
    assert threads_per_process(dist) == expected


def test_command_names_accelerate_s_own_options() -> None:
    dist = DistributedParams(num_processes=16, num_machines=2, machine_rank=1,
                             main_process_ip="10.0.0.1")
    cmd = launch_command(dist, Path("conf/accelerate/zero2.yaml"), 1, ["--params", "p.json"])
    text = " ".join(cmd)
    assert "-m accelerate.commands.launch --config_file conf/accelerate/zero2.yaml" in text
    for option in ("--num_processes 16", "--num_machines 2", "--machine_rank 1",
                   "--main_process_ip 10.0.0.1", "--main_process_port 29500",
                   "--num_cpu_threads_per_process 1"):
        assert option in text
    assert text.endswith("-m mathrl_pipeline.training.cli --params p.json")


def test_environment_on_cpu_and_on_gpus() -> None:
    cpu, gpu = launch_env(CPU_LAPTOP, 1), launch_env(GPU_NODE, 4)
    threads = (cpu["OMP_NUM_THREADS"], cpu["MKL_NUM_THREADS"])
    assert threads == ("1", "1") and cpu["DS_ACCELERATOR"] == "cpu"
    assert gpu["OMP_NUM_THREADS"] == "4"
    assert gpu.get("DS_ACCELERATOR") == os.environ.get("DS_ACCELERATOR")  # DeepSpeed detects GPUs
    assert cpu["DISABLE_MLFLOW_INTEGRATION"] == "TRUE"  # ranks never write to MLflow


def test_the_first_failed_rank_is_reported(tmp_path: Path) -> None:
    records = [  # rank 1 raised first; rank 0 lost its peer afterwards
        {"rank": 0, "exit_code": 1, "error": "RuntimeError: peer gone", "traceback": "", "time": 2},
        {"rank": 1, "exit_code": 1, "error": "ValueError: bad row", "traceback": "tb", "time": 1},
    ]
    for record in records:
        (tmp_path / f"rank{record['rank']}.json").write_text(json.dumps(record))
    error = rank_failure(tmp_path, 1, ["last line"])
    assert (error.rank, error.exit_code) == (1, 1)
    expected = "rank 1 failed with exit code 1 (ranks [0] failed after it): ValueError: bad row"
    assert expected in str(error)


def test_a_rank_without_a_record_is_reported_by_exit_code(tmp_path: Path) -> None:
    error = rank_failure(tmp_path, -9, ["exitcode  : -9 (pid: 12)"])
    assert (error.rank, error.exit_code) == (None, -9)
    assert "exited with code -9" in str(error) and "exitcode  : -9" in str(error)
