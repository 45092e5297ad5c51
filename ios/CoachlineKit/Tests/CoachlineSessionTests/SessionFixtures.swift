import Coachline
import CoachlineSession
import Foundation
import XCTest

/// An instant as the API takes it: milliseconds since the epoch.
func at(_ iso: String) -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: iso) else { fatalError("not an ISO 8601 instant") }
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

let MINUTE: Int64 = 60_000
let HOUR: Int64 = 60 * MINUTE
/// Monday 2 March 2026, 10:00 in New York: within the therapist's phone hours.
let MONDAY_MORNING = at("2026-03-02T15:00:00Z")
let NEW_YORK = "America/New_York"

/// The key the tests' stores are encrypted with (the app's comes from the Keychain).
struct TestKey: StoreKeyProvider {
    func storeKey() throws -> Data { Data(repeating: 7, count: 32) }
}

/// A clock the test sets: nothing in a session test waits for time to pass.
final class TestClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(_ now: Int64) { self.now = now }

    func nowMs() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        return now
    }

    func set(_ ms: Int64) {
        lock.lock()
        now = ms
        lock.unlock()
    }
}

/// What the app would have performed: the effects the session handed over, in order.
final class PerformedEffects: EffectHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var performed: [Effect] = []

    func perform(_ effect: Effect) {
        lock.lock()
        performed.append(effect)
        lock.unlock()
    }

    var all: [Effect] {
        lock.lock()
        defer { lock.unlock() }
        return performed
    }
}

/// What observers and other threads hand back to the test, under a lock.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    func add(_ item: T) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A fresh directory for one test's store and sync files, removed when it ends.
func temporaryDirectory(for test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("coachline-session-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// One phone: its session over its own store file, its clock, what it performed.
/// Sync files go through `dir/to-<name>` (its inbox) and `dir/to-<other>` (its outbox).
final class Phone {
    let session: CoachlineSession
    let clock: TestClock
    let effects = PerformedEffects()
    /// Where the other phone's sync files arrive.
    let inbox: URL

    init(_ name: String, other: String, role: Role, in dir: URL, route: Route? = nil) throws {
        clock = TestClock(MONDAY_MORNING - HOUR)
        inbox = dir.appendingPathComponent("to-\(name)")
        let transport = try DirectorySyncTransport(outbox: dir.appendingPathComponent("to-\(other)"), inbox: inbox)
        session = try CoachlineSession(
            path: dir.appendingPathComponent("\(name).db").path, keys: TestKey(), clock: clock,
            timeZone: NEW_YORK, effects: effects, transport: transport, route: route
        )
        _ = try session.store.createIdentity(role: role, name: role == .client ? "Sam" : "Dr. Rivera", nowMs: clock.nowMs())
    }

    var store: CoachlineStore { session.store }
}

/// A therapist's phone and a client's phone, each with its session.
final class Phones {
    let therapist: Phone
    let client: Phone

    init(_ dir: URL) throws {
        therapist = try Phone("therapist", other: "client", role: .therapist, in: dir, route: .clients)
        client = try Phone("client", other: "therapist", role: .client, in: dir)
    }

    /// Carries an agreement's bytes by hand (the tests' courier; sync has its own test).
    func carry(_ id: String, from: Phone, to: Phone) throws {
        _ = try to.store.importAgreement(bytes: from.store.exportAgreement(agreementId: id, seal: .plain))
    }

    /// An agreement both have signed, with one behaviour that triggers the 24-hour rule.
    func activeAgreement(clientName: String = "Sam") throws -> String {
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.store.createAgreement(clientName: clientName, timeZone: NEW_YORK, nowMs: t0)
        try therapist.store.setTerm(agreementId: id, key: .availability, value: "Mon-Fri 09:00-20:00", nowMs: t0)
        _ = try therapist.store.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: t0)
        _ = try therapist.store.sign(agreementId: id, nowMs: t0 + MINUTE)
        try carry(id, from: therapist, to: client)
        XCTAssertEqual(try client.store.sign(agreementId: id, nowMs: t0 + 2 * MINUTE), .active)
        try carry(id, from: client, to: therapist)
        return id
    }

    /// Moves sync files both ways until neither phone sends or applies anything.
    /// Returns the number of rounds; fails the test past `limit`.
    @discardableResult
    func syncUntilQuiet(_ id: String, limit: Int = 10, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        for round in 1...limit {
            let fromClient = try client.session.syncNow(id)
            let fromTherapist = try therapist.session.syncNow(id)
            XCTAssertEqual(fromClient.refused + fromTherapist.refused, [], "no message refused", file: file, line: line)
            if fromClient.sent + fromClient.applied + fromTherapist.sent + fromTherapist.applied == 0 { return round }
        }
        XCTFail("the phones did not stop syncing", file: file, line: line)
        return limit
    }

    func close() {
        therapist.session.close()
        client.session.close()
    }
}

extension XCTestCase {
    /// Two phones in a fresh directory, closed when the test ends.
    func makePhones() throws -> Phones {
        let phones = try Phones(try temporaryDirectory(for: self))
        addTeardownBlock { phones.close() }
        return phones
    }
}
