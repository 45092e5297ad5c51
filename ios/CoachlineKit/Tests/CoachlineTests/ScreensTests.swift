import Coachline
import Foundation
import XCTest

/// Told of every changed agreement, with whether the client could call just then.
final class HomeListener: ChangeListener, @unchecked Sendable {
    let heard = Tally<String>()
    let screens: CoachlineScreens

    init(_ screens: CoachlineScreens) {
        self.screens = screens
    }

    func agreementChanged(agreementId: String) {
        // A listener may compute a screen at once: the store is not locked any more.
        let canCall = (try? screens.home(agreementId: agreementId, nowMs: MONDAY_MORNING).canCall) ?? true
        heard.add("\(agreementId) \(canCall)")
    }
}

/// The screens the core computes, driven from Swift as the iOS app drives them.
final class ScreensTests: XCTestCase {
    let newYork = "America/New_York"

    func test_a_client_in_a_lockout_sees_988_first_with_the_time_the_lockout_ends() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let screens = try phones.client.screens(timeZone: newYork)
        let report = try screens.report(agreementId: id, draft: ReportDraft(behaviorId: nil, when: .minutesAgo(minutes: 60)), nowMs: MONDAY_MORNING)
        _ = try screens.act(action: report.submit.action, nowMs: MONDAY_MORNING)

        let home = try screens.home(agreementId: id, nowMs: MONDAY_MORNING)
        XCTAssertEqual(try screens.homeScreen(agreementId: id).at(nowMs: MONDAY_MORNING), home)
        XCTAssertFalse(home.canCall)
        XCTAssertEqual(home.permission, .lockedOut)
        XCTAssertEqual(home.headline, "Calls are paused until 9:00 AM tomorrow")
        XCTAssertEqual(home.lockedUntilMs, at("2026-03-03T14:00:00Z"))
        XCTAssertEqual(home.actions[0].kind, .callResource)
        XCTAssertEqual(home.actions[0].uri, "tel:988")
        XCTAssertFalse(home.actions.contains { $0.kind == .callTherapist })
        XCTAssertEqual(try screens.act(action: home.actions[0].action, nowMs: MONDAY_MORNING), [.dial(uri: "tel:988")])
    }

    func test_an_out_of_hours_call_asks_for_a_call_back_and_the_overdue_client_comes_first() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let other = try phones.therapist.createAgreement(clientName: "Robin", timeZone: newYork, nowMs: MONDAY_MORNING)
        _ = try phones.therapist.reportBehavior(agreementId: other, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        let client = try phones.client.screens(timeZone: newYork)
        let evening = at("2026-03-03T02:00:00Z") // Monday 21:00 in New York
        XCTAssertEqual(try client.home(agreementId: id, nowMs: evening).permission, .therapistUnavailable)
        let draft = CallDraft(reason: .coaching, situation: "", tried: ["TIPP"], urge: 3)
        let effects = try client.act(action: .startCall(agreementId: id, draft: draft), nowMs: evening)
        guard case let .show(route: .duringCall(_, callId)) = effects.last else {
            return XCTFail("the call goes ahead")
        }
        let missed = AfterCallDraft(suggested: [], urgeAfter: nil, answered: false)
        _ = try client.act(action: .endCall(agreementId: id, callId: callId, draft: missed), nowMs: evening + MINUTE)
        XCTAssertNotNil(try client.home(agreementId: id, nowMs: evening + 2 * MINUTE).callback)
        try phones.carry(id, from: phones.client, to: phones.therapist)

        let therapist = try phones.therapist.screens(timeZone: newYork)
        XCTAssertEqual(try therapist.clients(nowMs: at("2026-03-03T14:30:00Z")).rows[0].agreementId, other)
        let overdue = try therapist.clients(nowMs: at("2026-03-03T15:30:00Z")).rows[0]
        XCTAssertEqual(overdue.agreementId, id)
        XCTAssertEqual(overdue.attention, [.overdueCallback])
    }

    func test_a_client_who_proposes_shorter_lockouts_still_sees_the_lockout_and_a_banner() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let screens = try phones.client.screens(timeZone: newYork)
        _ = try phones.client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        _ = try screens.act(action: .proposeTerm(agreementId: id, term: .lockoutHours, value: "0"), nowMs: MONDAY_MORNING + MINUTE)
        let home = try screens.home(agreementId: id, nowMs: MONDAY_MORNING + 2 * MINUTE)
        XCTAssertFalse(home.canCall)
        XCTAssertNotNil(home.banner)
        XCTAssertEqual(try screens.agreement(agreementId: id).changes, ["The 24-hour rule (hours)"])
    }

    func test_after_a_sync_both_phones_show_the_same_home() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        _ = try phones.client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        try phones.carry(id, from: phones.client, to: phones.therapist)
        let onClient = try phones.client.screens(timeZone: newYork).home(agreementId: id, nowMs: MONDAY_MORNING)
        let onTherapist = try phones.therapist.screens(timeZone: newYork).home(agreementId: id, nowMs: MONDAY_MORNING)
        XCTAssertEqual(onClient.headline, onTherapist.headline)
        XCTAssertEqual(onClient.lockedUntilMs, onTherapist.lockedUntilMs)
    }

    func test_a_change_listener_hears_of_a_write_made_on_another_thread() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let listener = HomeListener(try phones.client.screens(timeZone: newYork))
        let handle = phones.client.addChangeListener(listener: listener)
        let done = expectation(description: "the write on another thread")
        DispatchQueue.global().async(execute: {
            _ = try? phones.client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
            done.fulfill()
        })
        wait(for: [done], timeout: 30)
        XCTAssertEqual(listener.heard.items, ["\(id) false"])

        phones.client.removeChangeListener(handle: handle)
        _ = try phones.client.reportBehavior(agreementId: id, behaviorLabel: nil, occurredAtMs: MONDAY_MORNING, nowMs: MONDAY_MORNING)
        XCTAssertEqual(listener.heard.items.count, 1, "not told after removal")
    }

    func test_bad_input_to_screens_is_a_typed_error_and_changes_nothing() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        XCTAssertEqual(invalidField(try phones.client.screens(timeZone: "Mars/Olympus_Mons")), "time-zone")
        let screens = try phones.client.screens(timeZone: newYork)
        let before = try phones.client.log(agreementId: id, limit: 100)
        guard case .NotFound? = coachlineError(try screens.act(action: .contactResource(agreementId: id, resourceId: "00000000000000aa", text: false), nowMs: MONDAY_MORNING)) else {
            return XCTFail("an unknown resource is NotFound")
        }
        let noReason = CallDraft(reason: nil, situation: "", tried: [], urge: nil)
        XCTAssertEqual(invalidField(try screens.act(action: .startCall(agreementId: id, draft: noReason), nowMs: MONDAY_MORNING)), "reason")
        XCTAssertEqual(try phones.client.log(agreementId: id, limit: 100), before)
    }
}
