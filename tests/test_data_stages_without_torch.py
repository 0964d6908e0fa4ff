"""Data stages must import and register without torch (the `data` install has no torch)."""

import subprocess
import sys
import textwrap


def test_pipelines_register_with_torch_unimportable(project_root) -> None:
    code = textwrap.dedent(
        """
        import sys
        for name in ("torch", "transformers", "trl", "accelerate", "peft", "vllm", "deepspeed"):
            sys.modules[name] = None  # any import of these now raises ImportError
        from kedro.framework.startup import bootstrap_project
        bootstrap_project(".")
        from mathrl_pipeline.pipeline_registry import register_pipelines
        pipelines = register_pipelines()
        assert "deepmath" in pipelines, sorted(pipelines)
        import mathrl_pipeline.rendering, mathrl_pipeline.rewards, mathrl_pipeline.tasks.mathgen
        print("ok", sorted(pipelines))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project_root, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout
