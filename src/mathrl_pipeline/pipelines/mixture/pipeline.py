"""The `mixture` pipeline: `<task>_train` splits -> one weighted training set."""

from kedro.pipeline import Node, Pipeline

from .nodes import mix_training_sets

# Tasks whose `<task>_train` split the mixture reads (weight 0 in parameters leaves one out;
# its split must still exist, so run the task's pipeline first or in the same command).
MIXTURE_TASKS: tuple[str, ...] = ("deepmath", "hf_vqa", "latex_ocr", "sat")


def create_pipeline(**kwargs) -> Pipeline:
    """Combine prepared task splits into `mixture_train` with a `task` column."""
    inputs = {"params": "params:mixture", **{t: f"{t}_train" for t in MIXTURE_TASKS}}
    return Pipeline(
        [Node(mix_training_sets, inputs, ["mixture_train", "mixture_report"],
              name="mix_training_sets")],
        tags=["data", "mixture"],
    )
