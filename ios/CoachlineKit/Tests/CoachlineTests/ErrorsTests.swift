import Coachline
import Foundation
import XCTest

/// The repository's tests/fixtures (the repository is at the same path in the Swift root).
/// This file is ios/CoachlineKit/Tests/CoachlineTests/ErrorsTests.swift.
let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("tests").appendingPathComponent("fixtures")

/// The field of the InvalidInput error `body` throws.
func invalidField<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> String? {
    guard case let .InvalidInput(field, _)? = coachlineError(try body(), file: file, line: line) else { return nil }
    return field
}

/// Every variant of the error enum reaches Swift as its own case of CoachlineError.
final class ErrorsTests: XCTestCase {
    func test_a_look_alike_of_an_agreement_is_refused_and_changes_nothing() throws {
        let phones = try makePhones()
        let agreement = try Data(contentsOf: fixtures.appendingPathComponent("agreement.automerge"))
        let lookAlike = try Data(contentsOf: fixtures.appendingPathComponent("look-alike.automerge"))
        let id = try phones.therapist.importAgreement(bytes: agreement).agreementId
        let before = try phones.therapist.agreement(agreementId: id)
        XCTAssertEqual(coachlineError(try phones.therapist.importAgreement(bytes: lookAlike)), .Refused(violation: .foreignDocument))
        XCTAssertTrue(try phones.therapist.agreement(agreementId: id) == before, "the agreement is unchanged")
    }

    func test_invalid_input_names_the_field() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let urge = coachlineError(try phones.client.startCall(
            agreementId: id, worksheet: CallWorksheet(reason: .coaching, urgeBefore: 9), nowMs: MONDAY_MORNING
        ))
        guard case let .InvalidInput(field, reason)? = urge else { return XCTFail("an urge of 9 is invalid input") }
        XCTAssertEqual(field, "urge")
        XCTAssertTrue(reason.contains("0 to 5"), reason)

        XCTAssertEqual(invalidField(try phones.therapist.setTerm(agreementId: id, key: .callMinutes, value: "8-5", nowMs: MONDAY_MORNING)), "call-minutes")
        XCTAssertEqual(invalidField(try phones.client.agreement(agreementId: "xyz")), "agreement id")
        XCTAssertEqual(invalidField(try phones.client.log(agreementId: id, limit: -1)), "limit")
        XCTAssertEqual(invalidField(try CoachlineStore.open(path: "", key: testKey())), "path")
    }

    func test_instants_far_outside_the_calendar_are_refused_not_a_crash() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        for now in [Int64.min, Int64.max] {
            XCTAssertEqual(invalidField(try phones.client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .coaching), nowMs: now)), "now_ms")
        }
        XCTAssertEqual(invalidField(try phones.client.reportBehavior(
            agreementId: id, behaviorLabel: nil, occurredAtMs: Int64.min, nowMs: MONDAY_MORNING
        )), "occurred_at_ms")
        // The store is unharmed.
        XCTAssertEqual(try phones.client.log(agreementId: id).count, 0)
    }

    func test_not_found_names_what_and_which_id() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        XCTAssertEqual(
            coachlineError(try phones.client.endCall(
                agreementId: id, callId: "0123456789abcdef", ending: CallEnding(outcome: .completed), nowMs: MONDAY_MORNING
            )),
            .NotFound(what: "call", id: "0123456789abcdef")
        )
        guard case let .NotFound(what, _)? = coachlineError(try phones.client.agreement(agreementId: String(repeating: "0", count: 32)))
        else { return XCTFail("an unknown agreement is not found") }
        XCTAssertEqual(what, "agreement")
    }

    func test_a_client_may_not_draft_an_agreement() throws {
        let phones = try makePhones()
        let error = coachlineError(try phones.client.createAgreement(clientName: "Sam", timeZone: nil, nowMs: MONDAY_MORNING))
        XCTAssertEqual(error, .NotPermitted(action: "draft an agreement", allowedRole: .therapist))
        XCTAssertEqual(error?.description, "not permitted: only the therapist may draft an agreement")
    }

    func test_identity_errors() throws {
        let dir = try temporaryDirectory(for: self)
        let store = try CoachlineStore.open(path: dir.appendingPathComponent("new.db").path, key: testKey())
        defer { store.close() }
        XCTAssertNil(try store.identity())
        XCTAssertEqual(coachlineError(try store.createAgreement(clientName: "Sam")), .NoIdentity)
        XCTAssertEqual(coachlineError(try store.importAgreement(bytes: Data())), .NoIdentity)
        _ = try store.createIdentity(role: .therapist, name: "Dr. Rivera")
        XCTAssertEqual(coachlineError(try store.createIdentity(role: .client, name: "Sam")), .AlreadyInitialized)
    }

    func test_the_default_agreement_needs_exactly_one() throws {
        let dir = try temporaryDirectory(for: self)
        let store = try CoachlineStore.open(path: dir.appendingPathComponent("t.db").path, key: testKey())
        defer { store.close() }
        _ = try store.createIdentity(role: .therapist, name: "Dr. Rivera")
        XCTAssertEqual(coachlineError(try store.defaultAgreementId()), .AgreementNeeded(agreementCount: 0))
        let id = try store.createAgreement(clientName: "Sam")
        XCTAssertEqual(try store.defaultAgreementId(), id)
        _ = try store.createAgreement(clientName: "Alex")
        XCTAssertEqual(coachlineError(try store.defaultAgreementId()), .AgreementNeeded(agreementCount: 2))
    }

    func test_bytes_that_are_not_an_agreement_change_nothing() throws {
        let phones = try makePhones()
        guard case .NotAnAgreement? = coachlineError(try phones.client.importAgreement(bytes: Data("not an agreement".utf8)))
        else { return XCTFail("arbitrary bytes are not an agreement") }
        XCTAssertEqual(try phones.client.listAgreements().count, 0)
    }

    func test_a_file_that_is_not_a_store_is_refused_and_left_alone() throws {
        let file = try temporaryDirectory(for: self).appendingPathComponent("notes.txt")
        let content = Data("my private notes".utf8)
        try content.write(to: file)
        // Without SQLite's header, it could be a store encrypted under another key.
        XCTAssertEqual(coachlineError(try CoachlineStore.open(path: file.path, key: testKey())), .WrongKey)
        XCTAssertTrue(try Data(contentsOf: file) == content, "the file is untouched")
    }

    func test_a_store_opens_only_with_its_key_which_rekey_replaces() throws {
        let file = try temporaryDirectory(for: self).appendingPathComponent("c.db")
        let key = newStoreKey()
        XCTAssertEqual(key.count, 32)
        do {
            let store = try CoachlineStore.open(path: file.path, key: key)
            _ = try store.createIdentity(role: .client, name: "Sam", nowMs: MONDAY_MORNING)
            store.close()
        }
        let before = try Data(contentsOf: file)
        XCTAssertEqual(coachlineError(try CoachlineStore.open(path: file.path, key: testKey())), .WrongKey)
        XCTAssertTrue(try Data(contentsOf: file) == before, "the file is untouched")
        XCTAssertNil(before.range(of: Data("SQLite format 3".utf8)), "the file is encrypted")

        let newKey = newStoreKey()
        do {
            let store = try CoachlineStore.open(path: file.path, key: key)
            try store.rekey(newKey: newKey)
            store.close()
        }
        XCTAssertEqual(coachlineError(try CoachlineStore.open(path: file.path, key: key)), .WrongKey)
        let reopened = try CoachlineStore.open(path: file.path, key: newKey)
        XCTAssertTrue(try reopened.identity()?.name == "Sam", "the identity survives the rekey")
        reopened.close()
        XCTAssertEqual(invalidField(try CoachlineStore.open(path: file.path, key: Data(count: 16))), "key")
    }

    func test_a_store_that_cannot_be_opened_is_a_storage_error() throws {
        let path = try temporaryDirectory(for: self).appendingPathComponent("no/such/dir/store.db").path
        guard case let .Storage(reason)? = coachlineError(try CoachlineStore.open(path: path, key: testKey()))
        else { return XCTFail("a store in a missing directory is a storage error") }
        XCTAssertFalse(reason.isEmpty)
    }

    func test_a_store_locked_by_another_process_is_busy_then_usable() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let db = phones.dir.appendingPathComponent("client.db").path
        // Another process takes the write lock and holds it for a while. The store is
        // encrypted, so it takes SQLite's own lock directly: in WAL mode, the writer's
        // lock is byte 120 of the -shm file. (Perl, as the root has no Python: an
        // fcntl lock of this process would not conflict with SQLite's own.)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        holder.arguments = ["-e", """
            use Fcntl; open(my $fh, "+<", "$ARGV[0]-shm") or die "open";
            my $lock = pack("s s x4 q q i x4", F_WRLCK, 0, 120, 1, 0);
            fcntl($fh, F_SETLK, $lock) or die "lock";
            $| = 1; print "locked\\n"; sleep 20;
            """, db]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        let line = String(decoding: output.fileHandleForReading.readData(ofLength: 7), as: UTF8.self)
        XCTAssertEqual(line, "locked\n")
        guard case .Busy? = coachlineError(try phones.client.startCall(
            agreementId: id, worksheet: CallWorksheet(reason: .coaching), nowMs: MONDAY_MORNING
        )) else { return XCTFail("the store is busy while another process holds its lock") }
        holder.terminate()
        holder.waitUntilExit()
        _ = try phones.client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .coaching), nowMs: MONDAY_MORNING)
        XCTAssertEqual(try phones.client.log(agreementId: id).count, 1)
    }

    func test_after_close_every_call_is_closed_from_any_thread_and_closing_again_is_fine() throws {
        let file = try temporaryDirectory(for: self).appendingPathComponent("c.db")
        var store: CoachlineStore? = try CoachlineStore.open(path: file.path, key: testKey())
        _ = try store!.createIdentity(role: .client, name: "Sam")
        store!.close()
        XCTAssertEqual(coachlineError(try store!.identity()), .Closed)
        let shared = store!
        let seen = Tally<CoachlineError>()
        let other = DispatchGroup()
        DispatchQueue.global().async(group: other) {
            do {
                _ = try shared.listAgreements()
            } catch let error as CoachlineError {
                seen.add(error)
            } catch {}
        }
        other.wait()
        XCTAssertEqual(seen.items, [.Closed])
        store!.close()
        store = nil // frees the native object
        // The file is closed and whole: it opens again with its identity.
        let reopened = try CoachlineStore.open(path: file.path, key: testKey())
        XCTAssertTrue(try reopened.identity()?.name == "Sam", "the identity is there")
        reopened.close()
    }

    func test_errors_never_carry_what_a_person_wrote() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let secret = "my secret situation"
        let error = coachlineError(try phones.client.startCall(
            agreementId: id, worksheet: CallWorksheet(reason: .coaching, situation: secret, tried: ["a\nb"]), nowMs: MONDAY_MORNING
        ))
        guard case .InvalidInput? = error else { return XCTFail("a skill of two lines is invalid input") }
        for text in [error!.description, String(describing: error!), error!.localizedDescription] {
            XCTAssertFalse(text.contains(secret), "the error does not carry the situation")
        }
        let label = coachlineError(try phones.client.reportBehavior(
            agreementId: id, behaviorLabel: "a private label", occurredAtMs: nil, nowMs: MONDAY_MORNING
        ))
        guard case .InvalidInput? = label else { return XCTFail("an unknown behaviour is invalid input") }
        XCTAssertFalse(String(describing: label!).contains("private"), "the error does not carry the label")
    }
}
