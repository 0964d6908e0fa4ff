"""The `mixture` pipeline: `<task>_train` / `<task>_test` splits -> one weighted training set."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.mixture import MIXTURE_TASKS

from .nodes import mix_test_sets, mix_training_sets


def create_pipeline(**kwargs) -> Pipeline:
    """Combine prepared task splits into `mixture_train` / `mixture_test` with a `task` column."""
    return Pipeline(
        [
            Node(mix_training_sets, ["params:mixture", *(f"{t}_train" for t in MIXTURE_TASKS)],
                 ["mixture_train", "mixture_report"], name="mix_training_sets"),
            Node(mix_test_sets, ["params:mixture", *(f"{t}_test" for t in MIXTURE_TASKS)],
                 "mixture_test", name="mix_test_sets"),
        ],
        tags=["data", "mixture"],
    )
