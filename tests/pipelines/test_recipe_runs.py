"""Each seed recipe's command, as the README ("The seeds' recipes on real data") and docs/tasks.md
write it, run whole on this CPU: `kedro run --env gpu --pipelines grpo_<task>` with

* the Hub replaced by local copies through the documented overrides: each dataset by a mirror in
  its true Hub layout (`<task>.source.path`, tests/fixtures/hub_layouts.py) and the base model by
  a folder in its Hub repo's layout with the real config values, layers cut
  (`base_model_<task>.source`, tests/models/real_shapes.py), loaded by the same code as a Hub id
  (models/loading.py: family from config.json, Auto classes, image-only processor);
* the GPU-only settings replaced, and only those (:func:`cpu_overrides`): flash-attention 2 by
  sdpa (it needs CUDA), bf16 mixed precision off (TrainingArguments refuses it without CUDA), and
  fp32 weights for training and evaluation (bf16 matmuls run about 4x slower on this CPU: one
  step of the Qwen2-VL-2B shape took 404 s in bf16, 91 s in fp32);
* a short run (:func:`short_run`): one step of 2 generations of 8 tokens, one test row.

The recipe's own values are kept everywhere else (prompts, rewards, KL, pixel budgets, prompt
length checks, LoRA, scorers), so what the real shapes and files break shows up here.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from omegaconf import OmegaConf

from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import latest_version
from tests.models.real_shapes import hub_model

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README_SECTION = "### The seeds' recipes on real data"


def documented_commands(path: Path = PROJECT_ROOT / "README.md") -> list[str]:
    """The `kedro run ... grpo_<task>` commands of the README's recipe section, in order."""
    text = path.read_text(encoding="utf-8")
    section = text.split(README_SECTION, 1)[1].split("\n### ", 1)[0]
    return [line.strip() for line in section.splitlines()
            if line.strip().startswith("kedro run") and "--pipelines grpo_" in line]


@dataclass(frozen=True)
class Command:
    """A parsed `kedro run` command line."""

    env: str
    pipeline: str
    params: dict[str, Any]

    @property
    def task(self) -> str:
        """The run's task (`grpo_<task>`)."""
        return self.pipeline.removeprefix("grpo_")


def parse_command(line: str) -> Command:
    """`kedro run --env E --pipelines P --params "k=v,..."` as Kedro's CLI reads it."""
    words = shlex.split(line.split("#", 1)[0])
    options = dict(zip(words[2::2], words[3::2], strict=True))
    items = [i for i in options.get("--params", "").split(",") if i]
    return Command(options["--env"], options["--pipelines"], flat(from_dotlist(items)))


def from_dotlist(items: list[str]) -> dict[str, Any]:
    """``k=v`` items parsed as `kedro run --params` parses them (OmegaConf's dot list)."""
    return OmegaConf.to_container(OmegaConf.from_dotlist(items))


def flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def cpu_overrides(task: str) -> dict[str, Any]:
    """The GPU-only settings of a recipe, replaced for this CPU (see the module docstring)."""
    return {
        f"train_{task}.model.attn_implementation": "sdpa",  # flash_attention_2 needs CUDA
        f"train_{task}.bf16": False,  # bf16 mixed precision needs CUDA (TrainingArguments)
        f"train_{task}.model.dtype": "float32",  # bf16 kernels: ~4x slower on this CPU
        f"evaluate_{task}.dtype": "float32",
    }


def short_run(task: str) -> dict[str, Any]:
    """One GRPO step of 2 generations x 8 tokens, one greedy 8-token answer per evaluation."""
    return {
        f"train_{task}.max_steps": 1,
        f"train_{task}.num_generations": 2,
        f"train_{task}.per_device_train_batch_size": 2,
        f"train_{task}.gradient_accumulation_steps": 1,
        f"train_{task}.max_completion_length": 8,
        f"train_{task}.samples_every": 1,
        f"evaluate_{task}.limit": 1,
        f"evaluate_{task}.greedy.max_new_tokens": 8,
    }


def sat_mirrors(root: Path) -> dict[str, str]:
    """array/SAT (train split) and CV-Bench (2D and 3D) mirrors."""
    hub.write_sat_mirror(root / "SAT", {"train": 6})
    hub.write_cvbench_mirror(root / "CV-Bench", 2, 2)
    return {"sat.source.path": str(root / "SAT"), "cvbench.source.path": str(root / "CV-Bench")}


def deepmath_mirror(root: Path) -> dict[str, str]:
    """A DeepMath-103K mirror (10 shards)."""
    hub.write_deepmath_mirror(root / "DeepMath-103K", hub.deepmath_rows(12), shards=10)
    return {"deepmath.source.path": str(root / "DeepMath-103K")}


def r1v_mirror(kind: str) -> Callable[[Path], dict[str, str]]:
    """A mirror of an R1-V / open-r1-multimodal set."""
    def write(root: Path) -> dict[str, str]:
        hub.write_r1v_mirror(root / kind, kind, count=6)
        return {"hf_vqa.source.path": str(root / kind)}
    return write


def linxy_mirror(root: Path) -> dict[str, str]:
    """linxy/LaTeX_OCR (configs small and human_handwrite)."""
    hub.write_linxy_latex_ocr_mirror(root / "LaTeX_OCR", {"train": 6, "validation": 2})
    return {"latex_ocr.source.path": str(root / "LaTeX_OCR")}


def im2latex_mirror(root: Path) -> dict[str, str]:
    """yuntian-deng/im2latex-100k (legacy dataset_infos.json layout)."""
    hub.write_im2latex_mirror(root / "im2latex-100k", {"train": 8, "val": 2})
    return {"latex_ocr.source.path": str(root / "im2latex-100k")}


@dataclass(frozen=True)
class RecipeRun:
    """A documented command, the Hub model its base model is, the mirrors it reads."""

    model: str
    mirrors: Callable[[Path], dict[str, str]]
    rewards: tuple[str, ...]  # the recipe's reward components, as train_metrics names them


# README command (without --params) -> what the run needs; see documented_commands()
RECIPES: dict[str, RecipeRun] = {
    # Math-OCR-Zero
    "grpo_deepmath": RecipeRun("Qwen/Qwen2.5-VL-3B-Instruct", deepmath_mirror,
                               ("accuracy", "format")),
    # VisualThinker-R1-Zero: SAT -> CV-Bench
    "grpo_sat": RecipeRun("Qwen/Qwen2-VL-2B", sat_mirrors, ("accuracy", "format")),
    # R1-V CLEVR counting
    "grpo_hf_vqa": RecipeRun("Qwen/Qwen2-VL-2B-Instruct", r1v_mirror("clevr_cogen"),
                             ("accuracy", "format")),
    # the LaTeX-OCR recipe on handwritten formulas (its four rewards, LoRA)
    "grpo_latex_ocr": RecipeRun("Qwen/Qwen2.5-VL-3B-Instruct", linxy_mirror,
                                ("latex_format", "ocr_exact", "ocr_sympy", "latex_length")),
}
# The documented variants of a run (another preset's recipe, another dataset), run whole like
# the plain commands; the model is the run's, unless the command names another
# (`base_model_<task>.source`).
VARIANTS: dict[str, RecipeRun] = {
    # open-r1-multimodal: multimodal-open-r1-8k with its own recipe
    "multimodal_open_r1": RecipeRun("Qwen/Qwen2-VL-2B-Instruct",
                                    r1v_mirror("multimodal_open_r1"), ("accuracy", "format")),
    # R1-V GeoQA on Qwen2.5-VL-3B-Instruct
    "geoqa_r1v": RecipeRun("Qwen/Qwen2.5-VL-3B-Instruct", r1v_mirror("geoqa_r1v"),
                           ("accuracy", "format")),
    # the LaTeX-OCR recipe on im2latex-100k's typeset formulas, re-rendered
    "im2latex": RecipeRun("Qwen/Qwen2.5-VL-3B-Instruct", im2latex_mirror,
                          ("latex_format", "ocr_exact", "ocr_sympy", "latex_length")),
}


def key_of(command: Command) -> str:
    """A documented command's name in RECIPES (plain run) or VARIANTS (with --params)."""
    if not command.params:
        return command.pipeline
    values = {str(v) for v in command.params.values()}
    names = [name for name in VARIANTS if any(name in v for v in values)]
    assert len(names) == 1, (command, names)
    return names[0]


def test_every_documented_command_is_tested() -> None:
    commands = [parse_command(line) for line in documented_commands()]
    assert {c.env for c in commands} == {"gpu"}
    assert sorted(key_of(c) for c in commands) == sorted([*RECIPES, *VARIANTS])
    tasks_md = (PROJECT_ROOT / "docs" / "tasks.md").read_text(encoding="utf-8")
    for line in documented_commands():  # docs/tasks.md's recipe table names the same commands
        assert f"`{line}`" in tasks_md, line


def session_run(project_root: Path, env: str, runtime: dict[str, Any], pipeline: str) -> None:
    """`kedro run --env <env> --pipelines <pipeline> --params <runtime>` in this process."""
    from tests.kedro_helpers import _end_mlflow_runs, nest

    bootstrap_project(project_root)
    _end_mlflow_runs()
    try:
        with KedroSession.create(project_path=project_root, env=env,
                                 runtime_params=nest(runtime)) as session:
            session.run(pipeline_names=[pipeline])
    finally:
        _end_mlflow_runs()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway folder as the working directory (MLflow artifacts land in ./mlruns)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _table(data: Path, relative: str) -> pd.DataFrame:
    return pd.read_parquet(latest_version(data / relative))


def _json(data: Path, relative: str) -> Any:
    return json.loads(latest_version(data / relative).read_text(encoding="utf-8"))


def check_run(data: Path, command: Command, recipe: RecipeRun) -> None:
    """What a finished run must hold: the stand-in model, one step, both evaluations, report."""
    base = latest_version(data / "06_models" / "base_model")
    config = json.loads((base / "config.json").read_text())
    assert config["vocab_size"] == 151936 and config["num_hidden_layers"] == 2  # the stand-in
    metrics = pd.read_csv(latest_version(data / "08_reporting" / "train_metrics.csv"))
    assert metrics["step"].tolist() == [1]
    assert {f"rewards/{r}/mean" for r in recipe.rewards} <= set(metrics.columns)
    assert metrics["completions/max_length"].iloc[0] <= 8
    trained = latest_version(data / "06_models" / "grpo_model")
    assert json.loads((trained / "config.json").read_text())["model_type"] == config["model_type"]
    assert not (trained / "adapter_config.json").exists()  # LoRA merged into the weights
    for namespace in ("eval_base", "eval_trained"):
        samples = _table(data, f"07_model_output/{namespace}/eval_samples.parquet")
        assert len(samples) == 1 and set(samples["mode"]) == {"greedy"}
        assert set(samples["style"]) == {"keep"}
    assert latest_version(data / "08_reporting" / "eval_report.html").stat().st_size > 0
    report = _json(data, f"08_reporting/{command.task}_report.json")
    assert report["source"]["kind"] == "mirror"


def run_documented(project_root: Path, workdir: Path, models: Path, line: str,
                   recipe: RecipeRun) -> Command:
    """A README command run whole: its own parameters, the Hub replaced by local copies through
    the documented overrides, GPU-only settings replaced, a short run; the finished run checked."""
    command = parse_command(line)
    named = command.params.get(f"base_model_{command.task}.source")
    assert named in (None, recipe.model), (line, recipe.model)  # the table names its model
    model = hub_model(models, recipe.model)
    data = workdir / "data"
    runtime = {
        **command.params,
        **recipe.mirrors(workdir / "mirrors"),
        f"base_model_{command.task}.source": str(model),
        **cpu_overrides(command.task),
        **short_run(command.task),
        "data_dir": str(data),
    }
    session_run(project_root, command.env, runtime, command.pipeline)
    check_run(data, command, recipe)
    return command


@pytest.mark.recipes
@pytest.mark.parametrize("pipeline", list(RECIPES))
def test_recipe_command_runs_whole_on_cpu(project_root: Path, workdir: Path,
                                          tmp_path_factory: pytest.TempPathFactory,
                                          pipeline: str) -> None:
    (line,) = [c for c in documented_commands() if parse_command(c).pipeline == pipeline
               and not parse_command(c).params]
    run_documented(project_root, workdir, tmp_path_factory.getbasetemp() / "hub_models", line,
                   RECIPES[pipeline])
    data = workdir / "data"
    if pipeline == "grpo_sat":  # CV-Bench's own aggregation and VisualThinker's per-task view
        scores = _json(data, "07_model_output/eval_trained/eval_benchmarks.json")["scores"]
        cvbench = scores["keep"]["cvbench"]
        assert {"2d", "3d", "cvbench", "task_mean", "micro"} <= set(cvbench)


@pytest.mark.recipes
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variant_command_runs_whole_on_cpu(project_root: Path, workdir: Path,
                                           tmp_path_factory: pytest.TempPathFactory,
                                           variant: str) -> None:
    (line,) = [c for c in documented_commands()
               if parse_command(c).params and key_of(parse_command(c)) == variant]
    command = run_documented(project_root, workdir,
                             tmp_path_factory.getbasetemp() / "hub_models", line,
                             VARIANTS[variant])
    report = _json(workdir / "data", f"08_reporting/{command.task}_report.json")
    # the run read the variant's own mirror (written by VARIANTS[variant].mirrors), no other data
    assert Path(report["source"]["path"]).parent == workdir / "mirrors", report["source"]
    expected = {"im2latex": "im2latex-100k"}.get(variant, variant)
    assert Path(report["source"]["path"]).name == expected, report["source"]
