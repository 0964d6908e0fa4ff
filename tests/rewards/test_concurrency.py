"""Identical results from the main thread, a worker thread and a process pool."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from mathrl_pipeline.rewards import get_reward
from mathrl_pipeline.rewards.sandbox import BoundedTimeout, bounded_call, get_executor

COMPLETIONS = [
    "<think>r</think><answer>\\frac{1}{2}</answer>",
    "<think>r</think><answer>0.5</answer>",
    "<think>r</think><answer>x = 3</answer>",
    "<answer>\\{1,2\\}</answer>",
    "<answer>2</answer>",
    "no answer",
]
SOLUTION = ["1/2", "1/2", "3", "\\{2,1\\}", "3", "7"]
NAMES = ["accuracy", "math_accuracy", "format", "format_partial", "ocr_sympy"]


def _run_all() -> dict[str, list]:
    from mathrl_pipeline.rewards.math_accuracy import clear_cache

    clear_cache()  # make every context really verify
    return {name: get_reward(name)(COMPLETIONS, solution=SOLUTION) for name in NAMES}


def test_same_results_main_thread_worker_thread_process_pool() -> None:
    main = _run_all()
    assert main["math_accuracy"] == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = [f.result() for f in [pool.submit(_run_all) for _ in range(2)]]
    assert all(t == main for t in threaded)

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        in_process = pool.submit(_run_all).result(timeout=120)
    assert in_process == main


def _daemon_target(queue) -> None:  # noqa: ANN001
    queue.put(get_reward("math_accuracy")(COMPLETIONS, solution=SOLUTION))


def test_daemonic_multiprocessing_worker() -> None:
    # multiprocessing.Pool workers are daemonic and may not fork children via multiprocessing;
    # the bounded workers are plain subprocesses, so this works
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_daemon_target, args=(queue,), daemon=True)
    proc.start()
    result = queue.get(timeout=120)
    proc.join(timeout=30)
    assert result == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


def test_stuck_call_is_killed_from_a_thread() -> None:
    # signal.alarm cannot do this off the main thread; our bound can
    errors: list[BaseException] = []

    def call() -> None:
        try:
            bounded_call("sleep", 30, timeout_s=0.5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    get_executor().warm_up()
    start = time.monotonic()
    thread = threading.Thread(target=call)
    thread.start()
    thread.join(timeout=10)
    assert time.monotonic() - start < 2.0
    assert len(errors) == 1 and isinstance(errors[0], BoundedTimeout)
    # the pool recovered: the next call works
    assert bounded_call("ping") == "pong"


@pytest.mark.parametrize("workers", [1, 4])
def test_many_threads_share_the_pool(workers: int) -> None:
    # concurrent callers from several threads get consistent answers
    reward = get_reward("math_accuracy")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda _: reward(COMPLETIONS, solution=SOLUTION), range(4)))
    assert all(r == results[0] for r in results)
