"""What a notebook needs: the GIL released while an engine runs, Ctrl-C stopping a run with
KeyboardInterrupt, progress reports, and no memory growth over repeated runs."""

import os
import signal
import threading
import time

import pytest

import firesale


def test_the_gil_is_released_while_the_engine_runs():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    thread = threading.Thread(target=tick)
    started = time.monotonic()
    thread.start()
    firesale.run("crypto-unwind", paths=40_000, backend="cpu", threads=1)
    elapsed = time.monotonic() - started
    stop.set()
    thread.join()
    assert elapsed > 0.5, "the run was too short to tell"
    # Held GIL: the ticker would stall for the whole run. Released: it ticks throughout.
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > elapsed / 0.05 and max(gaps) < 0.5, (len(ticks), max(gaps))


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        firesale.run("crypto-unwind", paths=5_000_000, backend="cpu")
    stopped = time.monotonic() - started
    timer.join()
    # 5 million paths take minutes here; the stop comes at the next batch.
    assert stopped < 20, stopped
    # The module is still usable afterwards.
    assert firesale.run("calm-market", paths=100, backend="cpu").summary["paths"] == 100


def test_progress_callback_and_bar():
    seen = []
    firesale.run("calm-market", paths=60_000, backend="cpu", progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (60_000, 60_000)
    assert all(total == 60_000 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    pytest.importorskip("tqdm")
    firesale.run("calm-market", paths=2_000, backend="cpu", progress=True)


def test_a_failing_callback_stops_the_run_and_raises():
    def fail(done, total):
        raise ValueError("stop here")

    with pytest.raises(ValueError, match="stop here"):
        firesale.run("calm-market", paths=200_000, backend="cpu", progress=fail)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_does_not_grow_over_repeated_runs():
    def one():
        result = firesale.run("calm-market", paths=2_000, backend="cpu", dump_paths=100)
        result.cohorts, result.paths  # build the DataFrames too

    for _ in range(10):
        one()
    before = _rss_bytes()
    for _ in range(100):
        one()
    grown = _rss_bytes() - before
    # A leak of the summary (~100 KB) or the rows (~100 KB) per run would add 10 MB or more.
    assert grown < 8 * 2**20, f"resident memory grew by {grown / 2**20:.1f} MiB over 100 runs"
