import Coachline
import Foundation
import XCTest

/// The whole life of an agreement, on two phones, through the generated Swift API.
final class LifecycleTests: XCTestCase {
    func test_a_therapist_and_a_client_draft_exchange_sign_call_report_and_review() throws {
        let phones = try makePhones()
        let (therapist, client) = (phones.therapist, phones.client)
        let t0 = MONDAY_MORNING - HOUR
        XCTAssertEqual(try therapist.identity()?.role, .therapist)
        XCTAssertEqual(try client.identity()?.fingerprint.count, 19)

        // The therapist drafts the agreement and fills in the form.
        let id = try therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: t0)
        try therapist.setTerm(agreementId: id, key: .availability, value: "Mon-Fri 09:00-20:00", nowMs: t0)
        try therapist.setTerm(agreementId: id, key: .lockoutHours, value: "24", nowMs: t0)
        let behavior = try therapist.addBehavior(agreementId: id, label: "self-harm", triggersLockout: true, nowMs: t0)
        _ = try therapist.addBehavior(agreementId: id, label: "skipping meals", triggersLockout: false, nowMs: t0)
        _ = try therapist.addResource(agreementId: id, name: "Local warmline", contact: "555-0100", nowMs: t0)
        _ = try therapist.addHoliday(agreementId: id, firstDay: "2026-12-24", lastDay: "2026-12-26", note: "winter break", nowMs: t0)

        let draft = try therapist.agreement(agreementId: id)
        XCTAssertEqual(draft.status, .draft)
        XCTAssertEqual(draft.missingSignatures, [.client, .therapist])
        XCTAssertTrue(draft.terms.availability.hasPrefix("Mon 09:00-20:00; Tue 09:00-20:00"))
        XCTAssertEqual(draft.terms.availabilitySlots.count, 5)
        XCTAssertEqual(draft.terms.availabilitySlots.first?.day, .monday)
        XCTAssertEqual(draft.terms.availabilitySlots.first?.startMinute, 9 * 60)
        XCTAssertEqual([draft.terms.callMinutesMin, draft.terms.callMinutesMax], [5, 8])
        XCTAssertEqual(draft.resources.count, 3)
        XCTAssertEqual(draft.behaviors.filter { $0.label == "self-harm" }.map(\.id), [behavior])
        XCTAssertEqual(draft.holidays.map(\.firstDay), ["2026-12-24"])
        XCTAssertEqual(draft.termsHashHex.count, 64)
        XCTAssertEqual(try therapist.termValue(agreementId: id, key: .lockoutHours), "24")

        // The draft travels to the client's phone as bytes.
        let imported = try client.importAgreement(bytes: therapist.exportAgreement(agreementId: id, seal: .plain))
        XCTAssertEqual(imported.agreementId, id)
        XCTAssertTrue(imported.created)
        XCTAssertEqual(try client.defaultAgreementId(), id)
        XCTAssertEqual(try client.agreement(agreementId: id).termsHashHex, draft.termsHashHex)

        // Both sign the same terms; each phone learns of the other's signature.
        XCTAssertEqual(try therapist.sign(agreementId: id, nowMs: t0 + MINUTE), .awaitingSignatures)
        try phones.carry(id, from: therapist, to: client)
        XCTAssertEqual(try client.sign(agreementId: id, nowMs: t0 + 2 * MINUTE), .active)
        try phones.carry(id, from: client, to: therapist)
        let active = try therapist.agreement(agreementId: id)
        XCTAssertEqual(active.status, .active)
        XCTAssertEqual(active.missingSignatures, [])
        XCTAssertEqual(active.signatures.count, 2)
        XCTAssertTrue(active.signatures.allSatisfy { $0.valid && $0.current && $0.problem == nil })
        XCTAssertEqual(active.signatures.filter { $0.role == .client }.map(\.fingerprint), [try client.identity()!.fingerprint])
        XCTAssertEqual(try therapist.listAgreements().map(\.status), [.active])

        // Monday 10:00 in New York: the client may call, and calls for coaching.
        let now = try client.status(agreementId: id, nowMs: MONDAY_MORNING)
        XCTAssertEqual(now.permission, .allowed)
        XCTAssertTrue(now.available)
        XCTAssertEqual(now.message, "You can call your therapist now.")
        XCTAssertFalse(now.showBackupPlan)
        let coaching = try client.startCall(
            agreementId: id,
            worksheet: CallWorksheet(reason: .coaching, situation: "argument at work", tried: ["TIPP", "Paced breathing"], urgeBefore: 4),
            nowMs: MONDAY_MORNING
        )
        guard case let .started(coachingId, coachingCallbackDue) = coaching else { return XCTFail("the coaching call was declined") }
        XCTAssertNil(coachingCallbackDue)
        // Twelve minutes: longer than the agreed 5-8, flagged and not blocked.
        try client.endCall(
            agreementId: id, callId: coachingId,
            ending: CallEnding(outcome: .completed, suggested: ["Opposite action"], urgeAfter: 2),
            nowMs: MONDAY_MORNING + 12 * MINUTE
        )

        // Monday 22:00 in New York, out of hours: the call asks for a call back.
        let night = at("2026-03-03T03:00:00Z")
        XCTAssertEqual(try client.status(agreementId: id, nowMs: night).permission, .therapistUnavailable)
        let request = try client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .clarification), nowMs: night)
        guard case let .started(requestId, callbackDue) = request else { return XCTFail("the call back request was declined") }
        XCTAssertEqual(callbackDue, at("2026-03-03T15:00:00Z"), "an hour into Tuesday's hours")
        try client.endCall(agreementId: id, callId: requestId, ending: CallEnding(outcome: .missed), nowMs: night + MINUTE)

        // The therapist's phone receives the log and returns the call on time.
        try phones.carry(id, from: client, to: therapist)
        let returned = try therapist.returnCall(agreementId: id, requestCallId: requestId, nowMs: at("2026-03-03T14:30:00Z"))
        try therapist.endCall(agreementId: id, callId: returned, ending: CallEnding(outcome: .completed), nowMs: at("2026-03-03T14:36:00Z"))
        try phones.carry(id, from: therapist, to: client)
        XCTAssertEqual(try client.status(agreementId: id, nowMs: at("2026-03-03T15:30:00Z")).pendingCallbacks, [])

        // Tuesday: the client reports a target behaviour an hour after it happened.
        let occurred = at("2026-03-03T16:00:00Z")
        let report = try client.reportBehavior(agreementId: id, behaviorLabel: "self-harm", occurredAtMs: occurred, nowMs: occurred + HOUR)
        let locked = try client.status(agreementId: id, nowMs: occurred + HOUR)
        XCTAssertEqual(locked.permission, .lockedOut)
        XCTAssertEqual(locked.lockedUntilMs, occurred + 24 * HOUR)
        XCTAssertTrue(locked.message.contains("24-hour rule"), locked.message)
        XCTAssertTrue(locked.showBackupPlan)
        XCTAssertNotNil(locked.backupPlan)
        XCTAssertEqual(locked.resources.count, 3)
        // The home screen's handle on the same decision, bound to the agreement once.
        let decisions = try client.callDecisions(agreementId: id)
        XCTAssertTrue(try decisions.decide(nowMs: occurred + HOUR) == locked, "the handle decides as status does")
        XCTAssertEqual(try decisions.decide(nowMs: occurred + 24 * HOUR).permission, .allowed)

        // A call in the lockout is declined, logged, and answered with the resources.
        let attempt = try client.startCall(
            agreementId: id, worksheet: CallWorksheet(reason: .coaching, urgeBefore: 5), nowMs: occurred + 2 * HOUR
        )
        guard case let .declined(declinedId, declinedDecision) = attempt else { return XCTFail("the call in the lockout was started") }
        XCTAssertEqual(declinedDecision.permission, .lockedOut)
        XCTAssertTrue(declinedDecision.resources == locked.resources, "the same resources")

        // The therapist's phone receives the whole log.
        try phones.carry(id, from: client, to: therapist)
        let log = try therapist.log(agreementId: id, limit: 10)
        XCTAssertEqual(log.count, 5)
        guard log.count == 5,
              case let .callEntry(declinedCall, _) = log[0],
              case let .reportEntry(reported) = log[1],
              case let .callEntry(returnCall, _) = log[2],
              case let .callEntry(requestCall, requestFlags) = log[3],
              case let .callEntry(coachingCall, coachingFlags) = log[4]
        else { return XCTFail("the log holds calls and the report, newest first") }
        XCTAssertEqual(declinedCall.id, declinedId)
        XCTAssertEqual(declinedCall.outcome, .declined)
        XCTAssertTrue(declinedCall.shownResources.contains { $0.contains("988") })
        XCTAssertEqual(reported.id, report)
        XCTAssertEqual(reported.behavior?.label, "self-harm")
        XCTAssertEqual(reported.reportedBy, .client)
        XCTAssertNil(reported.retractedAtMs)
        XCTAssertEqual(returnCall.returnsCallId, requestId)
        XCTAssertEqual(returnCall.startedBy, .therapist)
        XCTAssertEqual(requestCall.outcome, .missed)
        XCTAssertEqual(requestCall.tried, [])
        XCTAssertEqual(requestFlags.callback?.metInTime, true)
        XCTAssertEqual(coachingCall.reason, .coaching)
        XCTAssertEqual(coachingCall.tried, ["TIPP", "Paced breathing"])
        XCTAssertEqual(coachingCall.urgeBefore, 4)
        XCTAssertEqual(coachingCall.urgeAfter, 2)
        XCTAssertEqual(coachingCall.suggested, ["Opposite action"])
        XCTAssertEqual(coachingCall.endedAtMs, MONDAY_MORNING + 12 * MINUTE)
        XCTAssertTrue(coachingFlags.long)
        XCTAssertFalse(coachingFlags.duringLockout)

        // The therapist prepares the next session from the summary.
        let summary = try therapist.summary(agreementId: id, sinceMs: at("2026-03-02T00:00:00Z"), nowMs: at("2026-03-04T20:00:00Z"))
        XCTAssertEqual(summary.untilMs, at("2026-03-04T20:00:00Z"))
        XCTAssertEqual(Set(summary.callsByReason.map(\.reason)), [.coaching, .clarification, .repair, .news])
        XCTAssertEqual(summary.callsByReason.filter { $0.reason == .coaching }.map(\.count), [1])
        XCTAssertEqual(summary.declinedAttempts.map(\.callId), [declinedId])
        XCTAssertEqual(summary.lockouts.map(\.reportId), [report])
        XCTAssertEqual(summary.durations.longCallIds, [coachingId])
        XCTAssertEqual(summary.callbackRequests.map(\.callId), [requestId])
        XCTAssertEqual(summary.callbackRequests.map(\.metInTime), [true])
        XCTAssertTrue(summary.skillsTried.contains { $0.skill == "TIPP" && $0.count == 1 })
        XCTAssertEqual(summary.skillsSuggested.map(\.skill), ["Opposite action"])
        XCTAssertTrue(summary.urges.contains { $0.callId == coachingId && $0.before == 4 && $0.after == 2 })

        // The report was a mistake: retracted, it no longer locks, and stays in history.
        try therapist.retractReport(agreementId: id, reportId: report, nowMs: occurred + 3 * HOUR)
        XCTAssertEqual(try therapist.status(agreementId: id, nowMs: occurred + 3 * HOUR).permission, .allowed)
        let reports = try therapist.log(agreementId: id, limit: 10).compactMap { entry -> Report? in
            if case let .reportEntry(report) = entry { return report }
            return nil
        }
        XCTAssertEqual(reports.map(\.retractedAtMs), [occurred + 3 * HOUR])

        // An in-person session, and an edit that makes both sign again.
        XCTAssertFalse(try therapist.recordSession(agreementId: id, atMs: occurred + 4 * HOUR, nowMs: occurred + 4 * HOUR).isEmpty)
        try therapist.setTerm(agreementId: id, key: .lockoutHours, value: "12", nowMs: occurred + 5 * HOUR)
        let edited = try therapist.agreement(agreementId: id)
        XCTAssertEqual(edited.status, .needsResigning)
        // A proposal until both sign: the rules keep the version both signed.
        XCTAssertEqual(edited.terms.lockoutHours, 12)
        XCTAssertEqual(edited.inForce?.terms.lockoutHours, 24)
        XCTAssertEqual(edited.proposal?.terms, [.lockoutHours])
        XCTAssertFalse(try therapist.reportBehavior(
            agreementId: id, behaviorLabel: "self-harm", occurredAtMs: occurred + 6 * HOUR, nowMs: occurred + 6 * HOUR
        ).isEmpty)
        XCTAssertEqual(try therapist.status(agreementId: id, nowMs: occurred + 7 * HOUR).lockedUntilMs, occurred + 30 * HOUR)
    }

    func test_the_system_clock_is_used_when_no_instant_is_given() throws {
        let phones = try makePhones()
        let id = try phones.activeAgreement()
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let attempt = try phones.client.startCall(agreementId: id, worksheet: CallWorksheet(reason: .news))
        let log = try phones.client.log(agreementId: id, limit: 10)
        guard log.count == 1, case let .callEntry(started, _) = log[0] else { return XCTFail("one call in the log") }
        XCTAssertEqual(started.id, attempt.callId)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        XCTAssertTrue((before...after).contains(started.startedAtMs))
        // status and summary with the system clock too.
        _ = try phones.client.status(agreementId: id)
        XCTAssertGreaterThanOrEqual(try phones.client.summary(agreementId: id).untilMs, started.startedAtMs)
    }

    func test_the_trivial_call_reports_the_core_version() {
        XCTAssertNotNil(coreVersion().range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression))
    }
}
