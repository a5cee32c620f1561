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


def _work(sample, shared):
    """One thread's work: its own store and journey state pushed day by day, the shared model and
    segment set read, journey analyses over the shared frame. The same in every thread."""
    model, segments, frozen = shared
    as_of = int(sample["time"].max()) + 86_400
    store = engagement.ProfileStore()
    state = engagement.JourneyState({"stages": {}, "loyalty": {}, "paths": {}})
    for _, day in sample.groupby(sample["time"] // 86_400, sort=True):
        store.push_frame(day)
        state.push_frame(day)
    member = store.segments(segments, as_of)
    funnel = engagement.funnel(sample["customer"], sample["time"], sample["channel"], sample["kind"],
                               steps=[{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}],
                               window_days=7)
    return (
        store.profiles(),
        np.asarray(member["primary"]).tolist(),
        state.to_bytes(),
        np.asarray(state.loyalty(as_of)["accounts"]["balance"]).tolist(),
        np.asarray(model.p_alive([0, 2, 7], [0, 10, 30], [38, 38, 38])).tolist(),
        np.asarray(funnel.customers).tolist(),
        np.asarray(frozen.stages(as_of)["stage"]).tolist(),
        frozen.to_bytes(),
    )


def test_threads_with_stores_of_their_own_and_shared_readers_equal_the_serial_run():
    # As the header allows in C: changing calls alone on their object, readers sharing immutable or
    # unchanging ones (a model, a segment set, a store nobody pushes to any more).
    import concurrent.futures
    import pathlib

    import pandas as pd

    sample = pd.read_csv(pathlib.Path(__file__).resolve().parents[2] / "data/sample/touchpoints.csv").head(6000)
    model = engagement.ClvModel.from_json(
        '{"model": "bg_nbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}')
    segments = engagement.SegmentSet({"version": 1, "segments": [
        {"name": "buyers", "rule": {"field": "revenue", "op": ">", "value": 0}}]})
    frozen = engagement.ProfileStore()
    frozen.push_frame(sample)
    shared = (model, segments, frozen)
    serial = _work(sample, shared)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _work(sample, shared), range(8)))
    assert len(results) == 8
    for r in results:
        assert r == serial
