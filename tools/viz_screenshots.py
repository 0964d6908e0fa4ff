"""Screenshots of kedro-viz for the docs, from the real app in headless Chromium.

    .venv/bin/python tools/viz_screenshots.py [--data-dir DIR] [--out docs/images]

Runs `kedro viz run` on this project (``--params data_dir=DIR``: a folder holding at least the
`arith` data stage, e.g. after `make run` or `kedro run --pipelines arith`), waits for its API,
then takes three screenshots with Chromium (``chromium --headless --screenshot``):

* ``kedro_viz_default_pipeline.png``: `__default__`, every stage a collapsed namespace
  (data -> base_model -> train -> evaluate -> report);
* ``kedro_viz_train_expanded.png``: the `train` namespace focused and expanded
  (``?pid=__default__&fid=train``);
* ``kedro_viz_split_preview.png``: the `arith_train` split selected, its preview (a grid of the
  rendered images with question and answer) in the side panel (``?sid=<node id>``).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

logger = logging.getLogger("tools.viz_screenshots")
ROOT = Path(__file__).resolve().parents[1]
PORT = 4147
WINDOW = "1600,1000"
SETTLE_MS = 20_000  # Chromium's virtual time for the app to fetch and lay out the graph


def wait_for(url: str, timeout: float = 180.0) -> bytes:
    """The body of ``url`` once the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def screenshot(browser: str, url: str, out: Path) -> None:
    """``url`` rendered by headless Chromium into ``out``."""
    subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={WINDOW}", f"--virtual-time-budget={SETTLE_MS}",
         f"--screenshot={out}", url],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    logger.info("wrote %s (%s)", out, url)


def main() -> int:
    """Start kedro-viz, take the screenshots, stop it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        logger.error("no Chromium found: apt-get install chromium")
        return 2
    kedro = Path(sys.executable).with_name("kedro")
    server = subprocess.Popen(
        [str(kedro), "viz", "run", "--no-browser", "--host", "127.0.0.1", "--port", str(PORT),
         "--params", f"data_dir={args.data_dir}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{PORT}"
        graph = json.loads(wait_for(f"{base}/api/main"))
        split = next(n["id"] for n in graph["nodes"] if n["name"] == "arith_train")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        screenshot(browser, f"{base}/?pid=__default__", out / "kedro_viz_default_pipeline.png")
        screenshot(browser, f"{base}/?pid=__default__&fid=train",
                   out / "kedro_viz_train_expanded.png")
        screenshot(browser, f"{base}/?pid=__default__&sid={split}",
                   out / "kedro_viz_split_preview.png")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
