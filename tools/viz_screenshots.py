"""Screenshots of kedro-viz for the docs, from the real app in headless Chromium.

    .venv/bin/python tools/viz_screenshots.py [--data-dir DIR] [--out docs/images]

Runs `kedro viz run` on this project (``--params data_dir=DIR``: a folder holding at least the
`arith` data stage, e.g. after `make run` or `kedro run --pipelines arith`), waits for its API,
then takes three screenshots with headless Chromium (through its DevTools protocol, so that
kedro-viz's first-visit feature tour and update banner can be closed first):

* ``kedro_viz_default_pipeline.png``: `__default__`, every stage a collapsed namespace
  (data -> base_model -> train -> evaluate -> report);
* ``kedro_viz_train_expanded.png``: the `train` namespace focused and expanded
  (``?pid=__default__&fid=train&expandAllPipelines=true``);
* ``kedro_viz_split_preview.png``: the `arith_train` split selected, its preview (a grid of the
  rendered images with question and answer) in the side panel (``?sid=<node id>``).
"""

from __future__ import annotations

import argparse
import base64
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
DEVTOOLS_PORT = 9339
WINDOW = "1600,1000"
SCALE = 2  # device pixels per CSS pixel
SETTLE_S = 8.0  # seconds for the app to fetch and lay out the graph


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


# kedro-viz's first-visit overlays (feature tour, "new version" banner) cover the graph: hints
# off in its saved settings, the banner (kept open by an offline version check) removed.
SETTINGS_JS = "localStorage.setItem('KedroViz', JSON.stringify({showFeatureHints: false}))"
OVERLAYS_JS = ("document.querySelectorAll('.feature-hints, [class^=update-reminder]')"
               ".forEach(e => e.remove())")


async def _shots(ws_url: str, shots: list[tuple[str, Path]]) -> None:
    """Navigate the page to each URL, let the app lay out the graph, capture it (DevTools)."""
    import asyncio

    import websockets

    counter = iter(range(1, 1_000_000))

    async with websockets.connect(ws_url, max_size=2**28) as ws:

        async def call(method: str, **params: object) -> dict:
            ident = next(counter)
            await ws.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                reply = json.loads(await ws.recv())
                if reply.get("id") == ident:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})

        width, height = (int(v) for v in WINDOW.split(","))
        await call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                   deviceScaleFactor=SCALE, mobile=False)  # sharp text when zoomed in
        for i, (url, out) in enumerate(shots):
            await call("Page.navigate", url=url)
            await asyncio.sleep(SETTLE_S)
            if i == 0:  # settings saved by the app's origin, then the page loaded again
                await call("Runtime.evaluate", expression=SETTINGS_JS)
                await call("Page.navigate", url=url)
                await asyncio.sleep(SETTLE_S)
            await call("Runtime.evaluate", expression=OVERLAYS_JS)
            await asyncio.sleep(0.5)
            shot = await call("Page.captureScreenshot", format="png")
            out.write_bytes(base64.b64decode(shot["data"]))
            logger.info("wrote %s (%s)", out, url)


def screenshots(browser: str, shots: list[tuple[str, Path]]) -> None:
    """``shots`` (URL, file) taken by one headless Chromium through its DevTools protocol."""
    import asyncio

    proc = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={WINDOW}", f"--remote-debugging-port={DEVTOOLS_PORT}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        targets = json.loads(wait_for(f"http://127.0.0.1:{DEVTOOLS_PORT}/json/list", 60))
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        asyncio.run(_shots(ws_url, shots))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
        screenshots(browser, [
            (f"{base}/?pid=__default__", out / "kedro_viz_default_pipeline.png"),
            (f"{base}/?pid=__default__&fid=train&expandAllPipelines=true",
             out / "kedro_viz_train_expanded.png"),
            (f"{base}/?pid=__default__&sid={split}", out / "kedro_viz_split_preview.png"),
        ])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
