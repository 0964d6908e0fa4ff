"""Evaluation library: batched generation, scoring with the rewards, metrics, benchmark scorers,
plots, the HTML report.

Plain Python (no Kedro); torch and transformers are imported inside the functions that need them.
"""

from mathrl_pipeline.evaluation.generation import (
    DecodeSettings,
    Generation,
    generate_hf,
    generate_vllm,
    render_prompt,
    to_image,
    vllm_available,
)
from mathrl_pipeline.evaluation.metrics import breakdown, mean_pass_at_k, pass_at_k, summarise
from mathrl_pipeline.evaluation.prompting import instruction_of, restyle_prompt
from mathrl_pipeline.evaluation.runner import (
    evaluate_source,
    generate_responses,
    load_model_and_processor,
    model_source,
)
from mathrl_pipeline.evaluation.scorers import (
    SCORERS,
    accuracy_scores,
    benchmark_scores,
    cvbench_scores,
    cvbench_task_column,
    get_scorer,
    latex_ocr_scores,
    scorer_names,
)
from mathrl_pipeline.evaluation.scoring import score_responses

__all__ = [
    "SCORERS",
    "DecodeSettings",
    "Generation",
    "accuracy_scores",
    "benchmark_scores",
    "breakdown",
    "cvbench_scores",
    "cvbench_task_column",
    "evaluate_source",
    "generate_hf",
    "generate_responses",
    "generate_vllm",
    "get_scorer",
    "instruction_of",
    "latex_ocr_scores",
    "load_model_and_processor",
    "mean_pass_at_k",
    "model_source",
    "pass_at_k",
    "render_prompt",
    "restyle_prompt",
    "scorer_names",
    "score_responses",
    "summarise",
    "to_image",
    "vllm_available",
]
