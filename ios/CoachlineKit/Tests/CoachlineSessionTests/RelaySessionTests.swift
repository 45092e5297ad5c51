import Coachline
import CoachlineSession
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import CoachlineTestSupport
import XCTest

/// A transport for sessions that sync through a relay only.
struct NoTransport: SyncTransport {
    func send(_ message: Data, agreementId: String) throws { XCTFail("the transport is not used with a relay") }
    func receive() throws -> [Data] { [] }
}

/// A `RelayHTTP` that, while each request is on its way, has `during` run on another
/// thread and waits for it (at most 5 s): what the app's screens do during a pass.
final class WatchingHTTP: RelayHTTP, @unchecked Sendable {
    private let http = URLSessionRelayHTTP()
    private let lock = NSLock()
    private var during: (@Sendable () -> Void)?
    private var watched = 0

    func watch(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        during = body
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return watched
    }

    func exchange(_ request: RelayRequest) throws -> RelayResponse {
        lock.lock()
        let body = during
        lock.unlock()
        if let body {
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                body()
                done.signal()
            }
            if done.wait(timeout: .now() + 5) == .timedOut {
                XCTFail("the store was held across a relay request")
            } else {
                lock.lock()
                watched += 1
                lock.unlock()
            }
        }
        return try http.exchange(request)
    }
}

/// Two sessions syncing through a real relay on loopback with `URLSessionRelayHTTP`,
/// on the system clock (the relay checks each request's time against its own).
final class RelaySessionTests: XCTestCase {
    private func startRelay() throws -> RelayProcess {
        let relay = try RelayProcess()
        addTeardownBlock { relay.stop() }
        return relay
    }

    private func session(_ name: String, role: Role, in dir: URL, http: RelayHTTP = URLSessionRelayHTTP()) throws -> CoachlineSession {
        let session = try CoachlineSession(
            path: dir.appendingPathComponent("\(name).db").path, keys: TestKey(), timeZone: NEW_YORK,
            effects: PerformedEffects(), transport: NoTransport(), relayHTTP: http
        )
        addTeardownBlock { session.close() }
        _ = try session.store.createIdentity(role: role, name: role == .client ? "Sam" : "Dr. Rivera", nowMs: nil)
        return session
    }

    private func converge(_ a: CoachlineSession, _ b: CoachlineSession, _ id: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 1...10 {
            let (ra, rb) = (try a.syncNow(id), try b.syncNow(id))
            XCTAssertNotNil(ra.relay, "synced through the relay", file: file, line: line)
            XCTAssertEqual((ra.relay?.rejected ?? 0) + (rb.relay?.rejected ?? 0), 0, file: file, line: line)
            if ra.sent + ra.applied + rb.sent + rb.applied == 0 { return }
        }
        XCTFail("no quiescence", file: file, line: line)
    }

    func test_two_sessions_pair_through_the_relay_the_invitation_names_and_the_lockout_reaches_the_therapists_home() throws {
        let relay = try startRelay()
        let dir = try temporaryDirectory(for: self)
        let watching = WatchingHTTP()
        let therapist = try session("therapist", role: .therapist, in: dir, http: watching)
        let client = try session("client", role: .client, in: dir)
        try therapist.store.setRelay(url: relay.url)
        let id = try therapist.store.createAgreement(clientName: "Sam", timeZone: NEW_YORK, nowMs: nil)
        _ = try therapist.store.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: nil)

        // The invitation names the relay: the client's phone takes it from there.
        let invitation = try therapist.store.invite(agreementId: id, nowMs: nil)
        try client.send(.join(invitation: invitation))
        XCTAssertEqual(client.route.value, .sync(agreementId: id))
        XCTAssertEqual(try client.store.relay(), relay.url)
        let clientSync = try client.sync(id)
        try converge(client, therapist, id)
        XCTAssertTrue(clientSync.value.paired, "the client's Sync screen followed the applied messages")

        try therapist.send(.sign(agreementId: id))
        try client.send(.sign(agreementId: id))
        try converge(client, therapist, id)
        XCTAssertEqual(try therapist.store.agreement(agreementId: id).status, .active)

        // While the therapist's pass waits for the relay, its screens are computed on
        // another thread: the store is not held across the network.
        watching.watch { [screens = therapist.screens] in _ = try? screens.clients(nowMs: nil) }
        let onTherapist = try therapist.home(id)
        XCTAssertNotEqual(onTherapist.value.permission, .lockedOut)
        _ = try client.store.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: nil, nowMs: nil)
        XCTAssertEqual(try client.syncNow(id).sent, 1)
        XCTAssertEqual(try therapist.syncAll().applied, 1)
        XCTAssertEqual(onTherapist.value.permission, .lockedOut, "the Home followed the pass")
        XCTAssertGreaterThan(watching.count, 0)
    }

    func test_a_relays_refusal_and_a_relay_that_is_not_there_are_errors_that_change_nothing() throws {
        let relay = try startRelay()
        let dir = try temporaryDirectory(for: self)
        let therapist = try session("therapist", role: .therapist, in: dir)
        let id = try therapist.store.createAgreement(clientName: "Sam", timeZone: NEW_YORK, nowMs: nil)
        try therapist.store.setRelay(url: relay.url)
        let before = try therapist.store.agreement(agreementId: id)

        // The same relay under another name: signed for that name, refused.
        XCTAssertEqual(
            coachlineError(try therapist.syncThroughRelay(url: "http://localhost:\(relay.port)")),
            .Relay(problem: .refused(code: "bad_signature"))
        )
        // Nobody listening (the relay stopped): the platform's error, no answer for the core.
        relay.stop()
        XCTAssertThrowsError(try therapist.syncNow(id)) { error in
            XCTAssertFalse(error is CoachlineError, "no answer at all is URLSession's error")
        }
        XCTAssertEqual(try therapist.store.relay(), relay.url)
        XCTAssertTrue(try therapist.store.agreement(agreementId: id) == before, "a failed pass changed the agreement")
    }

    func test_the_clinics_relay_from_the_apps_configuration_becomes_the_phones_once_it_has_an_identity() throws {
        let dir = try temporaryDirectory(for: self)
        func open() throws -> CoachlineSession {
            try CoachlineSession(
                path: dir.appendingPathComponent("therapist.db").path, keys: TestKey(), timeZone: NEW_YORK,
                effects: PerformedEffects(), transport: NoTransport(), defaultRelay: "https://relay.clinic.example"
            )
        }
        let first = try open()
        _ = try first.send(.createIdentity(draft: WelcomeDraft(role: .therapist, name: "Dr. Rivera")))
        XCTAssertEqual(try first.store.relay(), "https://relay.clinic.example")
        try first.store.setRelay(url: "https://elsewhere.example")
        first.close()
        let again = try open()
        defer { again.close() }
        XCTAssertEqual(try again.store.relay(), "https://elsewhere.example", "the phone's own relay stays")
    }
}

