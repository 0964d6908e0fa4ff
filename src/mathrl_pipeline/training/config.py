"""Typed training parameters (``parameters_train.yml``, key ``train``) and their GRPOConfig mapping.

Pure pydantic: importable without torch, so the Kedro node can validate parameters cheaply.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from mathrl_pipeline.params import StrictParams as _Strict

Dtype = Literal["auto", "bfloat16", "float16", "float32"]


class LoraParams(_Strict):
    """Optional LoRA adapters (peft) on the language model."""

    enabled: bool = False
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )


class ModelParams(_Strict):
    """Where the policy comes from and how it is loaded."""

    # A Hub id or a local path; ``None`` means the catalog's model directory (the node's input).
    source: str | None = None
    dtype: Dtype = "auto"  # auto: bf16 where the GPU has it, else fp32
    attn_implementation: str | None = "sdpa"  # "flash_attention_2" on GPU nodes
    min_pixels: int | None = None  # image processor budget; None keeps the processor's own
    max_pixels: int | None = None
    # Images above the pixel budget would be silently downscaled (small LaTeX blurs): an error
    # unless this is true.
    allow_downscale: bool = False
    freeze_vision: bool = False
    lora: LoraParams = Field(default_factory=LoraParams)


class RewardParams(_Strict):
    """One reward of the mix: a name from ``mathrl_pipeline.rewards``, a weight, its kwargs."""

    name: str
    weight: float = 1.0
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        """A name of ``rewards.registry.REWARDS``: a typo fails with the parameters, not in
        the train node."""
        from mathrl_pipeline.rewards.registry import REWARDS, reward_names

        if name not in REWARDS:
            raise ValueError(f"unknown reward {name!r}; valid rewards: {', '.join(reward_names())}")
        return name


class DistributedParams(_Strict):
    """How many training processes on how many machines (accelerate launch's own names).

    One process (the default) trains inside the Kedro process; more, or an accelerate config,
    make the node start ``accelerate launch`` on the training entry point (``training/launch.py``).
    """

    num_processes: int = Field(1, ge=1)  # all machines together
    # A file of conf/accelerate/ (``zero2.yaml``, ``zero3.yaml``) or a path; None: plain DDP
    accelerate_config: str | None = None
    num_machines: int = Field(1, ge=1)
    machine_rank: int = Field(0, ge=0)
    main_process_ip: str | None = None  # rank 0's machine, when num_machines > 1
    main_process_port: int | None = None  # None: a free port (one machine) or 29500
    # Threads of each process; None: OMP_NUM_THREADS when set, else 1 on a machine without GPUs
    num_cpu_threads_per_process: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _check(self) -> DistributedParams:
        if self.num_processes % self.num_machines:
            raise ValueError(
                f"train.distributed.num_processes ({self.num_processes}) counts the processes of "
                f"all machines: it must be a multiple of train.distributed.num_machines "
                f"({self.num_machines})"
            )
        if self.machine_rank >= self.num_machines:
            raise ValueError(
                f"train.distributed.machine_rank ({self.machine_rank}) must be below "
                f"train.distributed.num_machines ({self.num_machines})"
            )
        if self.num_machines > 1 and not self.main_process_ip:
            raise ValueError(
                "train.distributed.main_process_ip: set the address of machine rank 0 when "
                f"train.distributed.num_machines is {self.num_machines}"
            )
        return self

    @property
    def launched(self) -> bool:
        """Whether training runs under ``accelerate launch`` rather than in-process."""
        return self.num_processes > 1 or self.num_machines > 1 or bool(self.accelerate_config)


class TrainParams(_Strict):
    """Every GRPO knob the anchors set, plus run bookkeeping."""

    run_name: str
    output_dir: str  # checkpoints and the run's tables; a re-run with the same folder resumes
    model: ModelParams = Field(default_factory=ModelParams)
    rewards: list[RewardParams] = Field(
        default_factory=lambda: [RewardParams(name="accuracy"), RewardParams(name="format")]
    )
    # batch and schedule
    num_generations: int = 8
    per_device_train_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    steps_per_generation: int | None = None
    num_iterations: int = 1
    learning_rate: float = 1e-6
    lr_scheduler_type: str = "constant"
    warmup_steps: float = 0  # an int: steps; a float in [0, 1): ratio of all steps
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_steps: int = -1
    num_train_epochs: float = 1.0
    seed: int = 42
    # objective
    beta: float = 0.0
    kl_bias_correction: bool = True  # TRL's use_bias_correction_kl on the k3 KL estimator
    loss_type: str = "dapo"
    epsilon: float = 0.2
    epsilon_high: float | None = None
    scale_rewards: str = "group"
    mask_truncated_completions: bool = False
    # generation
    temperature: float = 1.0
    top_p: float = 1.0
    max_prompt_length: int | None = None  # checked before step 1 (image tokens included)
    max_completion_length: int = 256
    use_vllm: bool = False
    vllm_mode: Literal["colocate", "server"] = "colocate"
    vllm_gpu_memory_utilization: float = 0.3
    # precision and memory
    bf16: bool | None = None  # None: where the GPU has it
    gradient_checkpointing: bool = False
    # bookkeeping
    logging_steps: int = 1
    save_steps: int = 10
    save_total_limit: int | None = 3
    samples_every: int = 5  # train_samples: every N steps ...
    samples_per_step: int = 4  # ... this many completions
    resume: bool = True
    distributed: DistributedParams = Field(default_factory=DistributedParams)
    # Any other GRPOConfig field, verbatim (e.g. deepspeed, vllm_server_host, top_k).
    extra_grpo_args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> TrainParams:
        if self.num_generations < 2:
            raise ValueError(
                f"train.num_generations must be >= 2 (a GRPO group), got {self.num_generations}"
            )
        if not self.rewards:
            raise ValueError("train.rewards is empty: give at least one reward")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ValueError("set train.max_steps > 0 or train.num_train_epochs > 0")
        return self

    def generation_batch_size(self, world_size: int = 1) -> int:
        """Completions generated per generation round over all processes."""
        steps = self.steps_per_generation or self.gradient_accumulation_steps
        return self.per_device_train_batch_size * world_size * steps

    def check_batch(self, world_size: int = 1) -> None:
        """Raise, naming the parameters, when num_generations does not divide the batch."""
        size = self.generation_batch_size(world_size)
        if size % self.num_generations:
            raise ValueError(
                f"train.num_generations ({self.num_generations}) must divide the generation batch "
                f"train.per_device_train_batch_size x world size x "
                f"(train.steps_per_generation or train.gradient_accumulation_steps) = "
                f"{self.per_device_train_batch_size} x {world_size} x "
                f"{self.steps_per_generation or self.gradient_accumulation_steps} = {size}"
            )

    def grpo_kwargs(self, reward_weights: list[float], bf16: bool) -> dict[str, Any]:
        """Keyword arguments of ``trl.GRPOConfig`` for this run."""
        kwargs: dict[str, Any] = {
            "output_dir": self.output_dir,
            "run_name": self.run_name,
            "num_generations": self.num_generations,
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "steps_per_generation": self.steps_per_generation,
            "num_iterations": self.num_iterations,
            "learning_rate": self.learning_rate,
            "lr_scheduler_type": self.lr_scheduler_type,
            "warmup_steps": self.warmup_steps,
            "weight_decay": self.weight_decay,
            "max_grad_norm": self.max_grad_norm,
            "max_steps": self.max_steps,
            "num_train_epochs": self.num_train_epochs,
            "seed": self.seed,
            "data_seed": self.seed,
            "beta": self.beta,
            "use_bias_correction_kl": self.kl_bias_correction,
            "loss_type": self.loss_type,
            "epsilon": self.epsilon,
            "epsilon_high": self.epsilon_high,
            "scale_rewards": self.scale_rewards,
            "mask_truncated_completions": self.mask_truncated_completions,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_completion_length": self.max_completion_length,
            "use_vllm": self.use_vllm,
            "vllm_mode": self.vllm_mode,
            "vllm_gpu_memory_utilization": self.vllm_gpu_memory_utilization,
            "bf16": bf16,
            "gradient_checkpointing": self.gradient_checkpointing,
            "logging_steps": self.logging_steps,
            "save_strategy": "steps",
            "save_steps": self.save_steps,
            "save_total_limit": self.save_total_limit,
            "save_only_model": False,  # optimizer, scheduler and RNG state: runs can resume
            "reward_weights": reward_weights,
            "report_to": [],  # MLflow is the pipeline's job (kedro-mlflow); no surprise trackers
            "remove_unused_columns": False,
            "log_completions": False,
        }
        kwargs.update(self.extra_grpo_args)
        return kwargs
