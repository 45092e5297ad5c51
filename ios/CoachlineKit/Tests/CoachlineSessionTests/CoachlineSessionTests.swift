import Coachline
import CoachlineSession
import Foundation
import XCTest

/// The session the iOS app is built on, driven as the app drives it, against real
/// stores: screens as observable values, actions, change notifications, sync files.
final class CoachlineSessionTests: XCTestCase {
    func test_a_clients_session_shows_home_for_its_agreement() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)

        let home = try client.session.home(id)
        XCTAssertTrue(home.value.canCall)
        XCTAssertEqual(home.value.permission, .allowed)
        XCTAssertEqual(home.value.agreementId, id)
        XCTAssertTrue(home.value.actions.contains { $0.kind == .callTherapist })
        XCTAssertTrue(try client.session.home(id) === home, "one observable value per screen")
        XCTAssertNil(client.session.route.value, "no route until the app opens one")
        try client.session.send(.open(route: .home(agreementId: id)))
        XCTAssertEqual(client.session.route.value, .home(agreementId: id))
        XCTAssertTrue(client.effects.all.isEmpty, "opening a screen performs nothing")
    }

    func test_starting_a_call_in_a_lockout_gets_the_crisis_resources() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)
        let report = try client.session.report(id, draft: ReportDraft(behaviorId: nil, when: .minutesAgo(minutes: 30)))
        try client.session.send(report.submit.action)
        XCTAssertEqual(client.session.route.value, .home(agreementId: id))

        client.clock.set(MONDAY_MORNING + MINUTE)
        let draft = CallDraft(reason: .coaching, situation: "", tried: ["TIPP"], urge: 4)
        XCTAssertTrue(try client.session.beforeCall(id, draft: draft).willBeDeclined)
        let effects = try client.session.send(.startCall(agreementId: id, draft: draft))
        XCTAssertEqual(effects.last, .show(route: .home(agreementId: id)))
        XCTAssertFalse(client.effects.all.contains(.callOtherParty(agreementId: id)), "the call is not placed")
        XCTAssertEqual(client.session.route.value, .home(agreementId: id))

        let home = try client.session.home(id).value
        XCTAssertFalse(home.canCall)
        XCTAssertEqual(home.permission, .lockedOut)
        let first = try XCTUnwrap(home.actions.first)
        XCTAssertEqual(first.kind, .callResource)
        XCTAssertEqual(first.uri, "tel:988")
        try client.session.send(first.action)
        XCTAssertEqual(client.effects.all.last, .dial(uri: "tel:988"), "the app dials the crisis line")
    }

    func test_reporting_a_behaviour_changes_home_through_the_change_notification() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)
        let home = try client.session.home(id)
        XCTAssertTrue(home.value.canCall)
        let seen = Collected<Bool>()
        let observation = home.observe { seen.add($0.canCall) }
        defer { observation.cancel() }

        // Straight to the store, on another thread: no action, no refresh, no polling.
        let written = expectation(description: "a report written on another thread")
        let store = client.store
        DispatchQueue.global().async {
            _ = try? store.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
            written.fulfill()
        }
        wait(for: [written], timeout: 30)

        XCTAssertEqual(seen.all, [false], "told once, of the lockout")
        XCTAssertFalse(home.value.canCall)
        XCTAssertEqual(home.value.permission, .lockedOut)
        XCTAssertNil(client.session.lastError.value)
    }

    func test_writes_from_eight_threads_leave_the_observed_log_as_the_store_has_it() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let therapist = phones.therapist
        therapist.clock.set(MONDAY_MORNING + HOUR)
        let log = try therapist.session.client(id)
        let seen = Collected<Int>()
        let observation = log.observe { seen.add($0.log.count) }
        defer { observation.cancel() }
        let before = log.value.log.count

        let session = therapist.session
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let draft = ReportDraft(behaviorId: nil, when: .minutesAgo(minutes: UInt32(i + 1)))
            _ = try? session.send(.reportBehavior(agreementId: id, draft: draft))
        }

        XCTAssertEqual(log.value.log.count, before + 8)
        XCTAssertEqual(log.value, try therapist.session.screens.client(agreementId: id, nowMs: therapist.clock.nowMs()))
        XCTAssertEqual(seen.all.last, before + 8, "the last value told is the last one stored")
        XCTAssertEqual(seen.all, seen.all.sorted(), "never told an older log after a newer one")
    }

    func test_an_observed_screen_as_an_async_sequence_starts_now_and_follows_changes() async throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)
        var values = try client.session.home(id).values.makeAsyncIterator()
        let now = await values.next()
        XCTAssertEqual(now?.canCall, true)
        _ = try client.store.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        let next = await values.next()
        XCTAssertEqual(next?.permission, .lockedOut)
    }

    func test_a_therapists_session_shows_clients_in_attention_order() throws {
        let phones = try makePhones()
        let therapist = phones.therapist
        let unsigned = try therapist.store.createAgreement(clientName: "Robin", timeZone: NEW_YORK, nowMs: MONDAY_MORNING - HOUR)
        let active = try phones.activeAgreement()
        therapist.clock.set(MONDAY_MORNING + HOUR)
        let clients = try therapist.session.clients()
        XCTAssertEqual(therapist.session.route.value, .clients)
        XCTAssertEqual(clients.value.rows.map(\.agreementId), [unsigned, active], "only the unsigned one needs attention")
        XCTAssertEqual(clients.value.rows[0].attention, [.unsigned])
        let heard = Collected<[String]>()
        let observation = clients.observe { heard.add($0.rows.map(\.agreementId)) }
        defer { observation.cancel() }

        // The client's lockout reaches the therapist's phone: the list is told.
        _ = try phones.client.store.reportBehavior(agreementId: active, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        try phones.carry(active, from: phones.client, to: therapist)

        XCTAssertEqual(heard.all, [[active, unsigned]], "told once, in the new order")
        XCTAssertEqual(clients.value.rows[0].attention.first, .lockedOut)
        XCTAssertEqual(clients.value.rows[1].attention, [.unsigned])
        try therapist.session.send(clients.value.rows[0].open.action)
        XCTAssertEqual(therapist.session.route.value, .client(agreementId: active))
    }

    func test_two_sessions_pair_by_invitation_exchange_sync_files_and_converge() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.store.createAgreement(clientName: "Sam", timeZone: NEW_YORK, nowMs: t0)
        _ = try therapist.store.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: t0)

        try therapist.session.send(.invite(agreementId: id))
        guard case let .showCode(payload, expiresAtMs)? = therapist.effects.all.last else {
            return XCTFail("the therapist's phone shows the invitation as a code")
        }
        XCTAssertGreaterThan(expiresAtMs, t0)
        try client.session.send(.join(invitation: payload))
        XCTAssertEqual(client.session.route.value, .sync(agreementId: id))
        XCTAssertEqual(client.effects.all, [.scheduleSync(atMs: t0)])

        let rounds = try phones.syncUntilQuiet(id)
        XCTAssertLessThan(rounds, 10)
        XCTAssertEqual(try client.store.agreement(agreementId: id).termsHashHex, try therapist.store.agreement(agreementId: id).termsHashHex)
        XCTAssertTrue(try client.session.sync(id).value.paired)

        therapist.clock.set(t0 + MINUTE)
        client.clock.set(t0 + MINUTE)
        try therapist.session.send(.sign(agreementId: id))
        try client.session.send(.sign(agreementId: id))
        try phones.syncUntilQuiet(id)
        XCTAssertEqual(try therapist.store.agreement(agreementId: id).status, .active)
        XCTAssertTrue(try therapist.store.agreement(agreementId: id) == client.store.agreement(agreementId: id), "the phones converge")

        // A lockout on the client's phone reaches the therapist's Home through the files alone.
        therapist.clock.set(MONDAY_MORNING)
        client.clock.set(MONDAY_MORNING)
        let onTherapist = try therapist.session.home(id)
        XCTAssertTrue(onTherapist.value.canCall)
        _ = try client.store.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        XCTAssertEqual(try client.session.syncNow(id).sent, 1)
        let applied = try therapist.session.syncNow(id)
        XCTAssertEqual(applied.applied, 1)
        XCTAssertFalse(onTherapist.value.canCall, "the therapist's Home changed on the applied message")
        XCTAssertEqual(onTherapist.value.lockedUntilMs, try client.session.home(id).value.lockedUntilMs)
        try phones.syncUntilQuiet(id)
        XCTAssertTrue(try therapist.store.agreement(agreementId: id) == client.store.agreement(agreementId: id), "the phones converge")
    }

    func test_a_message_delivered_twice_is_applied_once_and_refused_as_replayed() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.store.createAgreement(clientName: "Sam", timeZone: NEW_YORK, nowMs: t0)
        _ = try client.store.joinAgreement(invitation: therapist.store.invite(agreementId: id, nowMs: t0), nowMs: t0)
        try phones.syncUntilQuiet(id)
        _ = try client.store.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: t0, nowMs: t0)
        let message = try XCTUnwrap(try client.store.syncNext(agreementId: id, nowMs: t0))

        // A courier that drops the same file twice into the therapist's inbox.
        let courier = try DirectorySyncTransport(outbox: therapist.inbox, inbox: try temporaryDirectory(for: self))
        try courier.send(message, agreementId: id)
        try courier.send(message, agreementId: id)
        let round = try therapist.session.syncNow(id)
        XCTAssertEqual(round.applied, 1)
        XCTAssertEqual(round.refused, [.replayed])
        XCTAssertEqual(try therapist.store.log(agreementId: id, limit: 100).count, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: therapist.inbox.path), [], "the inbox is emptied")
    }

    func test_an_observed_screen_is_computed_again_when_its_refresh_time_comes() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)
        let home = try client.session.home(id)
        XCTAssertEqual(client.session.nextRefreshAtMs.value, home.value.refreshAtMs)
        _ = try client.store.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        let until = try XCTUnwrap(home.value.lockedUntilMs)
        XCTAssertEqual(client.session.nextRefreshAtMs.value, home.value.refreshAtMs)
        let due = try XCTUnwrap(client.session.nextRefreshAtMs.value)
        XCTAssertLessThanOrEqual(due, until)

        client.clock.set(due - 1)
        client.session.refreshDue()
        XCTAssertFalse(home.value.canCall, "not before its time")
        client.clock.set(until)
        client.session.refreshDue()
        XCTAssertEqual(home.value.permission, .allowed, "the lockout ended at 9:00 the next morning")
        XCTAssertTrue(home.value.canCall)
    }

    func test_closing_the_session_stops_listening_and_closes_the_store() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        let home = try client.session.home(id)
        let seen = Collected<Home>()
        let observation = home.observe { seen.add($0) }
        observation.cancel()
        XCTAssertEqual(home.observerCount, 0)
        client.session.close()
        client.session.close()
        guard case .Closed? = coachlineError(try client.store.listAgreements()) else {
            return XCTFail("a closed store says Closed")
        }
        guard case .Closed? = coachlineError(try client.session.send(.sign(agreementId: id))) else {
            return XCTFail("a closed session says Closed")
        }
        XCTAssertTrue(seen.all.isEmpty)
    }

    func test_bad_input_is_a_typed_error_and_moves_nothing() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let client = phones.client
        client.clock.set(MONDAY_MORNING)
        try client.session.send(.open(route: .home(agreementId: id)))
        let noReason = CallDraft(reason: nil, situation: "", tried: [], urge: nil)
        guard case let .InvalidInput(field, _)? = coachlineError(try client.session.send(.startCall(agreementId: id, draft: noReason))) else {
            return XCTFail("a call without a reason is InvalidInput")
        }
        XCTAssertEqual(field, "reason")
        XCTAssertEqual(client.session.route.value, .home(agreementId: id))
        XCTAssertTrue(client.effects.all.isEmpty)
    }

    func test_a_new_phone_opens_at_welcome_and_a_client_goes_on_to_pairing() throws {
        let dir = try temporaryDirectory(for: self)
        let clock = TestClock(MONDAY_MORNING)
        let transport = try DirectorySyncTransport(outbox: dir.appendingPathComponent("out"), inbox: dir.appendingPathComponent("in"))
        let session = try CoachlineSession(
            path: dir.appendingPathComponent("new.db").path, keys: TestKey(), clock: clock,
            timeZone: NEW_YORK, effects: PerformedEffects(), transport: transport
        )
        defer { session.close() }
        try session.openFirstScreen()
        XCTAssertEqual(session.route.value, Route.welcome)
        let blank = session.welcome(WelcomeDraft(role: nil, name: ""))
        XCTAssertFalse(blank.canSubmit)
        let filled = session.welcome(WelcomeDraft(role: .client, name: "Sam"))
        XCTAssertTrue(filled.canSubmit)
        try session.send(filled.submit.action)
        XCTAssertEqual(session.route.value, Route.pairing)
    }
}

/// The CoachlineError `body` throws, or nil (a failure) when it throws none or another.
func coachlineError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> CoachlineError? {
    do {
        _ = try body()
        XCTFail("expected a CoachlineError, nothing was thrown", file: file, line: line)
    } catch let error as CoachlineError {
        return error
    } catch {
        XCTFail("expected a CoachlineError, got another error type", file: file, line: line)
    }
    return nil
}
