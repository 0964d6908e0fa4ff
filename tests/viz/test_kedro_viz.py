"""kedro-viz on the default run: the real API server answers 200 for every dataset, with a
preview for each one that is saved to a file, and layers from the catalog metadata."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

LAYERS = ["raw", "primary", "feature", "model_input", "models", "model_output", "reporting"]
NO_PREVIEW = {"report_mlflow_metrics"}  # metrics in the MLflow run only (preview: false)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def viz_api(project_root: Path, small_default_run: tuple[Path, str]) -> Any:
    """kedro-viz's FastAPI app on the project (data folder of the small default run), served by
    uvicorn on a free port, as `kedro viz run` serves it. Yields a GET function."""
    import uvicorn
    from kedro_viz.api import apps
    from kedro_viz.server import load_and_populate_data

    data_dir, _ = small_default_run
    load_and_populate_data(project_root, extra_params={"data_dir": str(data_dir)},
                           pipeline_name="__default__")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(apps.create_api_app_from_project(project_root),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "kedro-viz did not start"
        time.sleep(0.05)

    def get(path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            return exc.code, None

    yield get
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_every_dataset_answers_with_a_preview(viz_api: Any) -> None:
    status, graph = viz_api("/api/main")
    assert status == 200
    assert graph["layers"] == LAYERS
    data_nodes = [n for n in graph["nodes"] if n["type"] == "data"]
    failures, previews = [], {}
    for node in data_nodes:
        status, body = viz_api(f"/api/nodes/{node['id']}")
        if status != 200:
            failures.append(f"{node['name']}: HTTP {status}")
            continue
        if body["type"].endswith("MemoryDataset") or node["name"] in NO_PREVIEW:
            continue  # nothing on disk to preview
        if not body.get("preview") or not body.get("preview_type"):
            failures.append(f"{node['name']}: no preview ({body['type']})")
            continue
        if node.get("layer") is None:
            failures.append(f"{node['name']}: no layer")
        previews[node["name"]] = body
    assert not failures, failures
    # every split and rendered table: a grid of images (PNG) with question and answer
    for name in ("arith_train", "arith_test", "deepmath_train", "deepmath_test",
                 "arith_rendered", "deepmath_rendered", "arith_model_input"):
        assert previews[name]["preview_type"] == "ImagePreview", name
        image = Image.open(io.BytesIO(base64.b64decode(previews[name]["preview"])))
        assert image.format == "PNG" and image.width >= 300, name
    # nested columns as text in a table
    samples = previews["eval_trained_eval_samples"]
    assert samples["preview_type"] == "TablePreview"
    assert all(isinstance(v, str | int | float | bool) or v is None
               for row in samples["preview"]["data"] for v in row)
    assert json.loads(previews["trained_model"]["preview"])["files"]
    assert previews["eval_report"]["preview_type"] == "HTMLPreview"


@pytest.mark.slow
def test_stages_are_namespaces_and_nothing_is_drawn_twice(viz_api: Any) -> None:
    status, graph = viz_api("/api/main")
    assert status == 200
    root = graph["modular_pipelines"]["__root__"]["children"]
    stages = {c["id"] for c in root if c["type"] == "modularPipeline"}
    assert stages == {"data", "base_model", "train", "evaluate", "report"}
    assert not [c for c in root if c["type"] == "task"]  # every node inside its stage's box
    # a figure or page logged to MLflow is one dataset, not a twin (metadata, see hooks.py)
    names = [n["name"] for n in graph["nodes"] if n["type"] == "data"]
    assert not [n for n in names if "mlflow" in n and n not in NO_PREVIEW], names
