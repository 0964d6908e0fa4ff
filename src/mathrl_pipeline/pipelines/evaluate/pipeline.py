"""The `evaluate` pipeline: each model on a test split (two prompt styles), then a comparison.

``create_model_pipeline()`` is the single-model template with generic names (``eval_model``,
``eval_split``); ``create_pipeline()`` instantiates it once per model under a namespace
(``eval_base``, ``eval_trained``), both reading the same (un-namespaced) parameters, and joins
both metric tables in ``compare_evaluations``, which also renders the comparison plots once.

The outputs that leave a namespace are named ``<namespace>_eval_samples``, ``..._eval_metrics``
and ``..._eval_benchmarks`` (:func:`published`): no dots, since a dotted name read by a node
outside its namespace (the comparison, the report) makes Kedro warn at every start.
"""

from __future__ import annotations

from collections.abc import Mapping

from kedro.pipeline import Node, Pipeline, pipeline

from .nodes import (
    COMPARISON_PLOTS,
    compare_evaluations,
    generate_eval_responses,
    score_eval_responses,
    summarise_eval,
)

# namespace -> catalog model; the comparison reads the first as "before", the second as "after".
DEFAULT_MODELS: dict[str, str] = {"eval_base": "base_model", "eval_trained": "trained_model"}
DEFAULT_SPLIT = "deepmath_test"
PUBLISHED: tuple[str, ...] = ("eval_samples", "eval_metrics", "eval_benchmarks")


def published(namespace: str, name: str) -> str:
    """The catalog name of template output ``name`` of a namespace (``eval_base_eval_samples``)."""
    return f"{namespace}_{name}"


def create_model_pipeline() -> Pipeline:
    """Evaluate ``eval_model`` on ``eval_split``: generate, score, summarise."""
    return Pipeline(
        [
            Node(
                generate_eval_responses,
                ["eval_model", "eval_split", "params:evaluate"],
                "eval_responses",
                name="generate_eval_responses",
            ),
            Node(
                score_eval_responses,
                [
                    "eval_responses",
                    "eval_split",
                    "params:evaluate.extract_mode",
                    "params:reward_sandbox",
                ],
                "eval_samples",
                name="score_eval_responses",
            ),
            Node(
                summarise_eval,
                ["eval_samples", "params:evaluate", "params:reward_sandbox"],
                ["eval_metrics", "eval_benchmarks"],
                name="summarise_eval",
            ),
        ]
    )


def create_pipeline(
    models: Mapping[str, str] | None = None, split: str = DEFAULT_SPLIT, **kwargs
) -> Pipeline:
    """Base and trained model on ``split`` (namespaced), then the before/after comparison."""
    models = dict(models or DEFAULT_MODELS)
    if len(models) != 2:
        raise ValueError(f"evaluate compares two models (before, after); got {list(models)}")
    template = create_model_pipeline()
    shared = {name: name for name in template.inputs() if name.startswith("params:")}
    parts = [
        pipeline(
            template,
            inputs={"eval_model": model, "eval_split": split},
            # every dataset named without a dot, the in-memory responses too
            outputs={name: published(namespace, name)
                     for name in (*PUBLISHED, "eval_responses")},
            parameters=shared,  # one set of parameters for both models
            namespace=namespace,
        )
        for namespace, model in models.items()
    ]
    before, after = models
    compare = Pipeline(
        [
            Node(
                compare_evaluations,
                [
                    "before_metrics",
                    "after_metrics",
                    "before_samples",
                    "after_samples",
                    "params:evaluate.labels",
                ],
                ["eval_comparison", *(f"eval_comparison_plot_{n}" for n in COMPARISON_PLOTS)],
                name="compare_evaluations",
            )
        ]
    )
    compare = pipeline(
        compare,
        inputs={
            "before_metrics": published(before, "eval_metrics"),
            "after_metrics": published(after, "eval_metrics"),
            "before_samples": published(before, "eval_samples"),
            "after_samples": published(after, "eval_samples"),
        },
    )
    return pipeline([*parts, compare], tags=["evaluate"])
