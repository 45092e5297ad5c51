"""One store object shared by many threads."""

from concurrent.futures import ThreadPoolExecutor
import threading

from coachline import CallReason, CallWorksheet, CoachlineError, CoachlineStore
from conftest import KEY, HOUR, MINUTE, MONDAY_MORNING


def test_eight_threads_starting_calls_at_once_all_land_in_the_log(phones):
    agreement_id = phones.active_agreement()
    threads, calls_each = 8, 5
    go = threading.Barrier(threads)

    def work(t):
        go.wait()
        ids = []
        for n in range(calls_each):
            now = MONDAY_MORNING + (t * calls_each + n) * MINUTE
            attempt = phones.client.start_call(
                agreement_id, CallWorksheet(reason=CallReason.COACHING, urge_before=n), now
            )
            phones.client.agreement(agreement_id)
            ids.append(attempt.call_id)
        return ids

    with ThreadPoolExecutor(threads) as pool:
        ids = [i for batch in pool.map(work, range(threads)) for i in batch]
    assert len(set(ids)) == threads * calls_each
    log = phones.client.log(agreement_id, 1000)
    assert {e.call.id for e in log} == set(ids)
    assert [e.call.started_at_ms for e in log] == [
        MONDAY_MORNING + i * MINUTE for i in reversed(range(threads * calls_each))
    ]


def test_closing_while_other_threads_call_gives_them_closed(phones):
    agreement_id = phones.active_agreement()

    def work(t):
        ok = closed = 0
        for n in range(50):
            try:
                phones.client.start_call(
                    agreement_id, CallWorksheet(reason=CallReason.NEWS), MONDAY_MORNING + (t * 50 + n) * MINUTE
                )
                ok += 1
            except CoachlineError.Closed:
                closed += 1
        return ok, closed

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(work, t) for t in range(4)]
        threading.Event().wait(0.05)
        phones.client.close()
        results = [f.result() for f in futures]
    assert sum(ok + closed for ok, closed in results) == 200
    assert sum(closed for _, closed in results) > 0


def test_two_store_objects_on_one_file_lose_no_write(phones, tmp_path):
    agreement_id = phones.active_agreement()
    worker = CoachlineStore.open(str(tmp_path / "client.db"), KEY)
    try:
        ids = []
        for n in range(10):
            now = MONDAY_MORNING + n * 10 * MINUTE
            for store in (phones.client, worker):
                attempt = store.start_call(agreement_id, CallWorksheet(reason=CallReason.NEWS), now)
                ids.append(attempt.call_id)
        phones.client.report_behavior(agreement_id, None, MONDAY_MORNING + 2 * HOUR, MONDAY_MORNING + 2 * HOUR)
        assert worker.status(agreement_id, MONDAY_MORNING + 3 * HOUR).locked_until_ms is not None
        for store in (phones.client, worker):
            logged = {e.call.id for e in store.log(agreement_id, 1000) if e.is_call_entry()}
            assert logged == set(ids)
    finally:
        worker.close()
