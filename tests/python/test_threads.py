"""One store object shared by many threads."""

from concurrent.futures import ThreadPoolExecutor
import threading

from coachline import CallReason, CallWorksheet, CoachlineError
from conftest import MINUTE, MONDAY_MORNING


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
