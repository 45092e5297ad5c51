import Coachline
import Foundation
import XCTest

/// One store object shared by many threads, as an app's UI and workers share it.
final class ConcurrencyTests: XCTestCase {
    func test_eight_threads_starting_calls_at_once_all_land_in_the_log() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let threads = 8
        let callsEach = 5
        let ids = Tally<String>()
        let failures = Tally<String>()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for n in 0..<callsEach {
                let now = MONDAY_MORNING + Int64(t * callsEach + n) * MINUTE
                do {
                    let call = try phones.client.startCall(
                        agreementId: id, worksheet: CallWorksheet(reason: .coaching, situation: "thread \(t)", urgeBefore: Int32(n)), nowMs: now
                    ).callId
                    // Reads interleave with the writes of other threads.
                    _ = try phones.client.agreement(agreementId: id)
                    ids.add(call)
                } catch {
                    failures.add("thread \(t)")
                }
            }
        }
        XCTAssertEqual(failures.items, [])
        XCTAssertEqual(Set(ids.items).count, threads * callsEach)
        let log = try phones.client.log(agreementId: id, limit: 1000)
        let calls = log.compactMap { entry -> Call? in
            if case let .callEntry(call, _) = entry { return call }
            return nil
        }
        XCTAssertEqual(Set(calls.map(\.id)), Set(ids.items))
        // Newest first, and each thread's calls kept their own instants.
        XCTAssertEqual(calls.map(\.startedAtMs), (0..<Int64(threads * callsEach)).map { MONDAY_MORNING + $0 * MINUTE }.reversed())
    }

    func test_two_store_objects_on_one_file_as_an_apps_ui_and_its_sync_worker_lose_no_write() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let worker = try CoachlineStore.open(path: phones.dir.appendingPathComponent("client.db").path, key: testKey())
        defer { worker.close() }
        var ids: [String] = []
        for n in Int64(0)..<10 {
            let now = MONDAY_MORNING + n * 10 * MINUTE
            ids.append(try phones.client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .coaching), nowMs: now).callId)
            ids.append(try worker.startCall(agreementId: id, worksheet: CallWorksheet(reason: .news), nowMs: now + MINUTE).callId)
        }
        // The UI reports a behaviour; the worker's status sees the lockout at once.
        _ = try phones.client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING + 2 * HOUR, nowMs: MONDAY_MORNING + 2 * HOUR)
        XCTAssertNotNil(try worker.status(agreementId: id, nowMs: MONDAY_MORNING + 3 * HOUR).lockedUntilMs)
        for store in [phones.client, worker] {
            let logged = try store.log(agreementId: id, limit: 1000).compactMap { entry -> String? in
                if case let .callEntry(call, _) = entry { return call.id }
                return nil
            }
            XCTAssertEqual(Set(logged), Set(ids))
            _ = try store.exportAgreement(agreementId: id, seal: .plain)
        }
    }

    func test_closing_while_other_threads_call_gives_them_closed_never_a_crash() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let outcomes = Tally<String>()
        let group = DispatchGroup()
        for t in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for n in 0..<50 {
                    let now = MONDAY_MORNING + Int64(t * 50 + n) * MINUTE
                    do {
                        _ = try phones.client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .news), nowMs: now)
                        outcomes.add("ok")
                    } catch CoachlineError.Closed {
                        outcomes.add("closed")
                    } catch {
                        outcomes.add("other")
                    }
                }
            }
        }
        usleep(50_000)
        phones.client.close()
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        let counts = Dictionary(outcomes.items.map { ($0, 1) }, uniquingKeysWith: +)
        XCTAssertNil(counts["other"], "every call either ran or was Closed")
        XCTAssertEqual(counts["ok", default: 0] + counts["closed", default: 0], 200)
        XCTAssertGreaterThan(counts["closed", default: 0], 0, "some calls came after the close")
    }
}
