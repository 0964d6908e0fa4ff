"""The registered pipelines: every stage a namespace, in the order a run goes through them."""

from __future__ import annotations

import pytest

from mathrl_pipeline.pipeline_registry import RUNS, register_pipelines

ORDER = ["data", "base_model", "train", "evaluate", "report"]


@pytest.mark.parametrize("name", ["__default__", *(f"grpo_{task}" for task in RUNS)])
def test_a_run_reads_data_base_model_train_evaluate_report(name: str) -> None:
    pipe = register_pipelines()[name]
    assert {n.namespace.split(".")[0] for n in pipe.nodes if n.namespace} == set(ORDER)
    assert all(n.namespace for n in pipe.nodes)  # no node outside a stage
    for before, after in zip(ORDER, ORDER[1:], strict=False):
        produced = pipe.only_nodes_with_namespaces([before]).all_outputs()
        used = pipe.only_nodes_with_namespaces([after]).inputs()
        assert produced & used, (name, before, after)


def test_stage_pipelines_are_their_namespace() -> None:
    pipelines = register_pipelines()
    for stage in ORDER[1:]:
        assert {n.namespace.split(".")[0] for n in pipelines[stage].nodes} == {stage}
    for task in ("arith", "deepmath", "sat"):
        assert {n.namespace for n in pipelines[task].nodes} == {"data"}
