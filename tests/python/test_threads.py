"""The GIL is released during heavy calls: another thread keeps running."""

import threading
import time

import numpy as np

import engagement


def test_other_threads_run_during_a_long_push():
    n = 3_000_000
    rng = np.random.default_rng(1)
    cols = dict(customer=rng.integers(1, 200_000, n, dtype=np.uint64), time=np.sort(rng.integers(0, 10**8, n)).astype(np.int64),
                channel=rng.integers(0, 11, n, dtype=np.uint8), kind=rng.integers(0, 14, n, dtype=np.uint8))
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    store = engagement.ProfileStore()
    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    start = time.perf_counter()
    store.push(**cols)
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    # With the GIL held for the whole push, the ticker could not have ticked inside it.
    assert end - start > 0.02, "the push was too short to tell"
    assert len(during) >= 3, f"only {len(during)} ticks during a {end - start:.3f} s push"
    assert len(store) > 0
