import Coachline
import Foundation
import CoachlineSession
import CoachlineTestSupport
import XCTest

/// URLSession, as the iOS session moves a pass's requests; any status is an answer.
private let http = URLSessionRelayHTTP()

/// Makes one request of a relay pass.
func exchange(_ request: RelayRequest) throws -> RelayResponse {
    try http.exchange(request)
}

/// Now, by the real clock: the relay checks each request's time against its own.
func realNow() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

/// One whole pass of `store` through its relay (or `url`), as the apps make it.
@discardableResult
func relayPass(_ store: CoachlineStore, url: String? = nil) throws -> RelayPassReport {
    let pass = try store.relayPass(url: url)
    while true {
        let now = realNow()
        guard let request = try pass.nextRequest(nowMs: now) else { return pass.report() }
        try pass.receive(response: exchange(request), nowMs: now)
    }
}

/// Passes on both phones in turn until a round where neither sends nor applies anything;
/// returns the number of rounds.
@discardableResult
func convergeThroughRelay(_ a: CoachlineStore, _ b: CoachlineStore, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
    for round in 1...10 {
        let (ra, rb) = (try relayPass(a), try relayPass(b))
        XCTAssertEqual(ra.rejected + rb.rejected, 0, "no message refused", file: file, line: line)
        if ra.sent + ra.applied + rb.sent + rb.applied == 0 { return round }
    }
    XCTFail("no quiescence", file: file, line: line)
    return 10
}

/// The agreements a listener heard of, under a lock.
private final class Heard: ChangeListener, @unchecked Sendable {
    let ids = Tally<String>()
    func agreementChanged(agreementId: String) { ids.add(agreementId) }
}

/// Two phones syncing through a real relay on loopback, the requests moved with
/// URLSession; the relay's refusals come back as typed errors. At the real time.
final class RelayTests: XCTestCase {
    private func startRelay() throws -> RelayProcess {
        let relay = try RelayProcess()
        addTeardownBlock { relay.stop() }
        return relay
    }

    /// The therapist sets the relay and invites; the client's phone joins and takes
    /// the relay from the line; passes pair them.
    private func pair(_ phones: Phones, through relay: RelayProcess) throws -> String {
        let (therapist, client) = (phones.therapist, phones.client)
        try therapist.setRelay(url: relay.url)
        XCTAssertEqual(try therapist.relay(), relay.url)
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: realNow())
        _ = try therapist.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: realNow())
        XCTAssertNil(try client.relay())
        XCTAssertEqual(try client.joinAgreement(invitation: therapist.invite(agreementId: id, nowMs: realNow()), nowMs: realNow()), id)
        XCTAssertEqual(try client.relay(), relay.url, "the invitation names the relay")
        try convergeThroughRelay(client, therapist)
        XCTAssertEqual(try client.peers().map(\.confirmed), [true])
        XCTAssertEqual(try client.agreement(agreementId: id).termsHashHex, try therapist.agreement(agreementId: id).termsHashHex)
        return id
    }

    func test_paired_by_an_invitation_naming_the_relay_the_phones_converge_and_a_lockout_arrives() throws {
        let relay = try startRelay()
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let id = try pair(phones, through: relay)

        _ = try therapist.sign(agreementId: id, nowMs: realNow())
        _ = try client.sign(agreementId: id, nowMs: realNow())
        try convergeThroughRelay(client, therapist)
        XCTAssertEqual(try therapist.agreement(agreementId: id).status, .active)
        XCTAssertTrue(try therapist.agreement(agreementId: id) == client.agreement(agreementId: id), "the phones converge")

        let heard = Heard()
        _ = therapist.addChangeListener(listener: heard)
        XCTAssertNotEqual(try therapist.status(agreementId: id, nowMs: realNow()).permission, .lockedOut)
        _ = try client.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: nil, nowMs: realNow())
        let sent = try relayPass(client)
        XCTAssertEqual(sent.sent, 1)
        let received = try relayPass(therapist)
        XCTAssertEqual([received.received, received.applied, received.rejected], [1, 1, 0])
        XCTAssertTrue(sent.bytesUp > 0 && received.bytesDown > 0)
        XCTAssertEqual(heard.ids.items, [id], "the change listener heard of the applied report")
        XCTAssertEqual(try therapist.status(agreementId: id, nowMs: realNow()).permission, .lockedOut)
    }

    func test_bad_addresses_refusals_and_misuse_are_typed_and_change_nothing() throws {
        let relay = try startRelay()
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        XCTAssertEqual(coachlineError(try therapist.relayPass(url: nil)), .Relay(problem: .noRelay))
        let id = try pair(phones, through: relay)
        let before = (try therapist.agreement(agreementId: id), try client.agreement(agreementId: id))

        for bad in ["relay.example.org", "ftp://relay.example.org", "http://relay.example.org/path"] {
            XCTAssertEqual(invalidField(try therapist.setRelay(url: bad)), "relay")
            XCTAssertEqual(invalidField(try therapist.relayPass(url: bad)), "relay")
        }
        XCTAssertEqual(try therapist.relay(), relay.url)

        // The same relay under another name: signed for that name, refused by the relay.
        XCTAssertEqual(
            coachlineError(try relayPass(therapist, url: "http://localhost:\(relay.port)")),
            .Relay(problem: .refused(code: "bad_signature"))
        )
        XCTAssertEqual(try therapist.relay(), relay.url, "a pass's address is not recorded")

        let pass = try client.relayPass(url: nil)
        let now = realNow()
        let first = try XCTUnwrap(try pass.nextRequest(nowMs: now))
        XCTAssertEqual(coachlineError(try pass.nextRequest(nowMs: now)), .Relay(problem: .outOfTurn))
        try pass.receive(response: exchange(first), nowMs: now)
        while let request = try pass.nextRequest(nowMs: now) {
            try pass.receive(response: exchange(request), nowMs: now)
        }
        XCTAssertEqual(
            coachlineError(try pass.receive(response: RelayResponse(status: 200, body: Data()), nowMs: now)),
            .Relay(problem: .outOfTurn)
        )

        XCTAssertTrue(try therapist.agreement(agreementId: id) == before.0 && client.agreement(agreementId: id) == before.1,
                      "a failure changed an agreement")
        XCTAssertEqual(try convergeThroughRelay(client, therapist), 1)
    }

    func test_a_report_whose_deposit_never_reached_the_relay_goes_with_the_next_pass() throws {
        let relay = try startRelay()
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let id = try pair(phones, through: relay)
        _ = try client.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: nil, nowMs: realNow())
        let pass = try client.relayPass(url: nil)
        var deposit = try XCTUnwrap(try pass.nextRequest(nowMs: realNow()))
        while deposit.method == "GET" {  // a pass fetches first, then sends
            try pass.receive(response: exchange(deposit), nowMs: realNow())
            deposit = try XCTUnwrap(try pass.nextRequest(nowMs: realNow()))
        }
        XCTAssertTrue(deposit.method == "POST" && deposit.url.hasSuffix("/messages"))
        // The network failed before the request was made: the shell abandons the pass.
        try pass.abandon()
        XCTAssertNil(try pass.nextRequest(nowMs: realNow()))
        // The next pass carries the report at once, not after the sync's resend delay.
        XCTAssertEqual(try relayPass(client).sent, 1)
        XCTAssertEqual(try relayPass(therapist).applied, 1)
        XCTAssertEqual(try therapist.status(agreementId: id, nowMs: realNow()).permission, .lockedOut)
    }
}
