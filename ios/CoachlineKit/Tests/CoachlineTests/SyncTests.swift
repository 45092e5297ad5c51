import Coachline
import Foundation
import XCTest

/// Moves every message due from `from` to `to`; returns how many.
@discardableResult
func send(from: CoachlineStore, to: CoachlineStore, _ id: String, now: Int64) throws -> Int {
    var n = 0
    while let message = try from.syncNext(agreementId: id, nowMs: now) {
        _ = try to.syncReceive(message: message, nowMs: now)
        n += 1
    }
    return n
}

/// Syncs both ways until neither phone has anything due.
func quiesce(_ a: CoachlineStore, _ b: CoachlineStore, _ id: String, now: Int64, file: StaticString = #filePath, line: UInt = #line) throws {
    for _ in 0..<10 {
        if try send(from: a, to: b, id, now: now) + send(from: b, to: a, id, now: now) == 0 { return }
    }
    XCTFail("no quiescence", file: file, line: line)
}

/// Two phones paired by invitation and kept in sync with opaque sealed messages.
final class SyncTests: XCTestCase {
    func test_pairing_by_invitation_then_signing_and_a_lockout_travel_by_sync() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: t0)
        _ = try therapist.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: t0)
        let invitation = try therapist.invite(agreementId: id, nowMs: t0)
        XCTAssertEqual(try client.joinAgreement(invitation: invitation, nowMs: t0), id)
        let waiting = try client.peers()
        XCTAssertEqual(waiting.count, 1)
        XCTAssertFalse(waiting[0].confirmed || waiting[0].hasAgreement)

        try quiesce(client, therapist, id, now: t0)
        XCTAssertEqual(try client.peers().map(\.fingerprint), [try therapist.identity()!.fingerprint])
        XCTAssertEqual(try therapist.peers().map(\.fingerprint), [try client.identity()!.fingerprint])
        XCTAssertEqual(try client.peers().map(\.confirmed), [true])
        XCTAssertEqual(try client.agreement(agreementId: id).termsHashHex, try therapist.agreement(agreementId: id).termsHashHex)

        _ = try therapist.sign(agreementId: id, nowMs: t0 + MINUTE)
        _ = try client.sign(agreementId: id, nowMs: t0 + MINUTE)
        try quiesce(client, therapist, id, now: t0 + 2 * MINUTE)
        XCTAssertEqual(try therapist.agreement(agreementId: id).status, .active)
        XCTAssertEqual(try client.agreement(agreementId: id).status, .active)
        // Converged: both phones hold the same agreement.
        XCTAssertTrue(try therapist.agreement(agreementId: id) == client.agreement(agreementId: id), "the phones converge")

        _ = try client.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        let message = try XCTUnwrap(try client.syncNext(agreementId: id, nowMs: MONDAY_MORNING))
        let outcome = try therapist.syncReceive(message: message, nowMs: MONDAY_MORNING)
        XCTAssertTrue(outcome.changed)
        XCTAssertEqual(try therapist.status(agreementId: id, nowMs: MONDAY_MORNING + HOUR).permission, .lockedOut)
    }

    func test_a_therapists_new_phone_gets_the_agreement_back_from_the_clients_phone_in_person() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let t0 = MONDAY_MORNING - HOUR
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: t0)
        _ = try client.joinAgreement(invitation: therapist.invite(agreementId: id, nowMs: t0), nowMs: t0)
        try quiesce(client, therapist, id, now: t0)
        _ = try therapist.sign(agreementId: id, nowMs: t0 + MINUTE)
        _ = try client.sign(agreementId: id, nowMs: t0 + MINUTE)
        try quiesce(client, therapist, id, now: t0 + MINUTE)

        let newPhone = try CoachlineStore.open(path: phones.dir.appendingPathComponent("new-therapist.db").path, key: testKey())
        defer { newPhone.close() }
        _ = try newPhone.createIdentity(role: .therapist, name: "Dr. Rivera", nowMs: MONDAY_MORNING)
        XCTAssertEqual(try newPhone.joinAgreement(invitation: client.invite(agreementId: id, nowMs: MONDAY_MORNING), nowMs: MONDAY_MORNING), id)
        XCTAssertEqual(try newPhone.peers().map(\.role), [.client])
        try quiesce(newPhone, client, id, now: MONDAY_MORNING)
        XCTAssertEqual(try newPhone.agreement(agreementId: id).termsHashHex, try client.agreement(agreementId: id).termsHashHex)
        _ = try newPhone.sign(agreementId: id, nowMs: MONDAY_MORNING + MINUTE)
        try quiesce(newPhone, client, id, now: MONDAY_MORNING + MINUTE)
        let view = try client.agreement(agreementId: id)
        XCTAssertEqual(view.status, .active)
        XCTAssertTrue(view.signatures.allSatisfy(\.valid))
        let handedOver = try XCTUnwrap(view.pairedPhones.last)
        XCTAssertEqual(handedOver.role, .therapist)
        XCTAssertEqual(handedOver.fingerprint, try newPhone.identity()?.fingerprint)
        XCTAssertTrue(handedOver.valid)
    }

    func test_tampered_foreign_and_replayed_messages_are_refused_with_their_reason() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: MONDAY_MORNING)
        _ = try client.joinAgreement(invitation: therapist.invite(agreementId: id, nowMs: MONDAY_MORNING), nowMs: MONDAY_MORNING)
        try quiesce(client, therapist, id, now: MONDAY_MORNING)
        _ = try client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        let message = try XCTUnwrap(try client.syncNext(agreementId: id, nowMs: MONDAY_MORNING))

        func reason(_ bytes: Data, to store: CoachlineStore? = nil) -> SyncRejection? {
            guard case let .SyncRejected(reason)? = coachlineError(try (store ?? therapist).syncReceive(message: bytes, nowMs: MONDAY_MORNING))
            else { return nil }
            return reason
        }
        var tampered = message
        tampered[tampered.count - 1] ^= 1
        XCTAssertEqual(reason(tampered), .tampered)
        XCTAssertEqual(reason(Data("hello".utf8)), .malformed)
        XCTAssertEqual(reason(message, to: client), .wrongRecipient)
        _ = try therapist.syncReceive(message: message, nowMs: MONDAY_MORNING)
        XCTAssertEqual(reason(message), .replayed)
        XCTAssertEqual(try therapist.log(agreementId: id).count, 1)
    }

    func test_invitations_that_cannot_be_used_say_why() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: nil, nowMs: MONDAY_MORNING)
        func problem(_ body: @autoclosure () throws -> String) -> InvitationProblem? {
            guard case let .InvitationRefused(problem)? = coachlineError(try body()) else { return nil }
            return problem
        }
        XCTAssertEqual(problem(try client.joinAgreement(invitation: "nonsense", nowMs: MONDAY_MORNING)), .malformed)
        let invitation = try therapist.invite(agreementId: id, nowMs: MONDAY_MORNING)
        XCTAssertEqual(problem(try client.joinAgreement(invitation: invitation, nowMs: MONDAY_MORNING + 48 * HOUR)), .expired)
        // A therapist's invitation is for a client's phone: it never reads as a handover.
        XCTAssertEqual(problem(try therapist.joinAgreement(invitation: invitation, nowMs: MONDAY_MORNING)), .forged)
    }
}
