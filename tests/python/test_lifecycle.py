"""The whole life of an agreement, on two phones, through the generated Python API."""

import re
import time

from coachline import (
    AgreementStatus,
    BackupSeal,
    CallAttempt,
    CallEnding,
    CallOutcome,
    CallReason,
    CallWorksheet,
    EndOutcome,
    LogEntry,
    Permission,
    Role,
    TermKey,
    Weekday,
    core_version,
)
from conftest import HOUR, MINUTE, MONDAY_MORNING, at


def test_draft_exchange_sign_call_report_and_review(phones):
    therapist, client = phones.therapist, phones.client
    t0 = MONDAY_MORNING - HOUR
    assert therapist.identity().role == Role.THERAPIST
    assert len(client.identity().fingerprint) == 19

    # The therapist drafts the agreement and fills in the form.
    agreement_id = therapist.create_agreement("Sam", "America/New_York", t0)
    therapist.set_term(agreement_id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
    behavior = therapist.add_behavior(agreement_id, "self-harm", True, t0)
    therapist.add_behavior(agreement_id, "skipping meals", False, t0)
    therapist.add_resource(agreement_id, "Local warmline", "555-0100", t0)
    therapist.add_holiday(agreement_id, "2026-12-24", "2026-12-26", "winter break", t0)

    draft = therapist.agreement(agreement_id)
    assert draft.status == AgreementStatus.DRAFT
    assert draft.missing_signatures == [Role.CLIENT, Role.THERAPIST]
    assert len(draft.terms.availability_slots) == 5
    assert draft.terms.availability_slots[0].day == Weekday.MONDAY
    assert (draft.terms.call_minutes_min, draft.terms.call_minutes_max) == (5, 8)
    assert len(draft.resources) == 3
    assert [b.id for b in draft.behaviors if b.label == "self-harm"] == [behavior]
    assert draft.holidays[0].first_day == "2026-12-24"
    assert therapist.term_value(agreement_id, TermKey.LOCKOUT_HOURS) == "24"

    # The draft travels to the client's phone as bytes; both sign.
    imported = client.import_agreement(therapist.export_agreement(agreement_id, BackupSeal.PLAIN()))
    assert (imported.agreement_id, imported.created) == (agreement_id, True)
    assert client.default_agreement_id() == agreement_id
    assert therapist.sign(agreement_id, t0 + MINUTE) == AgreementStatus.AWAITING_SIGNATURES
    phones.carry(agreement_id, therapist, client)
    assert client.sign(agreement_id, t0 + 2 * MINUTE) == AgreementStatus.ACTIVE
    phones.carry(agreement_id, client, therapist)
    active = therapist.agreement(agreement_id)
    assert active.status == AgreementStatus.ACTIVE
    assert active.missing_signatures == []
    assert all(s.valid and s.current and s.problem is None for s in active.signatures)

    # Monday 10:00 in New York: the client may call, and calls for coaching.
    now = client.status(agreement_id, MONDAY_MORNING)
    assert now.permission == Permission.ALLOWED
    assert now.message == "You can call your therapist now."
    coaching = client.start_call(
        agreement_id,
        CallWorksheet(reason=CallReason.COACHING, situation="argument at work", tried=["TIPP"], urge_before=4),
        MONDAY_MORNING,
    )
    assert coaching.is_started() and coaching.callback_due_ms is None
    client.end_call(
        agreement_id,
        coaching.call_id,
        CallEnding(outcome=EndOutcome.COMPLETED, suggested=["Opposite action"], urge_after=2),
        MONDAY_MORNING + 12 * MINUTE,
    )

    # Monday 22:00 in New York, out of hours: the call asks for a call back.
    night = at("2026-03-03T03:00:00Z")
    assert client.status(agreement_id, night).permission == Permission.THERAPIST_UNAVAILABLE
    request = client.start_call(agreement_id, CallWorksheet(reason=CallReason.CLARIFICATION), night)
    assert isinstance(request, CallAttempt.STARTED)
    assert request.callback_due_ms == at("2026-03-03T15:00:00Z")
    client.end_call(agreement_id, request.call_id, CallEnding(outcome=EndOutcome.MISSED), night + MINUTE)

    # The therapist returns the call on time.
    phones.carry(agreement_id, client, therapist)
    returned = therapist.return_call(agreement_id, request.call_id, at("2026-03-03T14:30:00Z"))
    therapist.end_call(agreement_id, returned, CallEnding(outcome=EndOutcome.COMPLETED), at("2026-03-03T14:36:00Z"))
    phones.carry(agreement_id, therapist, client)

    # A target behaviour, reported an hour later, locks calls for 24 hours.
    occurred = at("2026-03-03T16:00:00Z")
    report = client.report_behavior(agreement_id, "self-harm", occurred, occurred + HOUR)
    locked = client.status(agreement_id, occurred + HOUR)
    assert locked.permission == Permission.LOCKED_OUT
    assert locked.locked_until_ms == occurred + 24 * HOUR
    assert "24-hour rule" in locked.message
    assert locked.show_backup_plan and locked.backup_plan
    # The home screen's handle on the same decision, bound to the agreement once.
    decisions = client.call_decisions(agreement_id)
    assert decisions.decide(occurred + HOUR) == locked
    assert decisions.decide(occurred + 24 * HOUR).permission == Permission.ALLOWED

    # A call in the lockout is declined, logged, and answered with the resources.
    declined = client.start_call(
        agreement_id, CallWorksheet(reason=CallReason.COACHING, urge_before=5), occurred + 2 * HOUR
    )
    assert declined.is_declined()
    assert declined.decision.permission == Permission.LOCKED_OUT
    assert declined.decision.resources == locked.resources

    # The therapist's phone receives the whole log.
    phones.carry(agreement_id, client, therapist)
    log = therapist.log(agreement_id, 10)
    assert [e.is_call_entry() for e in log] == [True, False, True, True, True]
    assert log[0].call.outcome == CallOutcome.DECLINED
    assert any("988" in r for r in log[0].call.shown_resources)
    assert isinstance(log[1], LogEntry.REPORT_ENTRY)
    assert (log[1].report.id, log[1].report.behavior.label) == (report, "self-harm")
    assert log[2].call.returns_call_id == request.call_id
    assert log[3].flags.callback.met_in_time
    assert log[4].call.tried == ["TIPP"]
    assert (log[4].call.urge_before, log[4].call.urge_after) == (4, 2)
    assert log[4].flags.long and not log[4].flags.during_lockout

    # The therapist prepares the next session from the summary.
    summary = therapist.summary(agreement_id, at("2026-03-02T00:00:00Z"), at("2026-03-04T20:00:00Z"))
    by_reason = {c.reason: c.count for c in summary.calls_by_reason}
    assert set(by_reason) == set(CallReason) and by_reason[CallReason.COACHING] == 1
    assert [d.call_id for d in summary.declined_attempts] == [declined.call_id]
    assert [w.report_id for w in summary.lockouts] == [report]
    assert summary.durations.long_call_ids == [coaching.call_id]
    assert [(c.call_id, c.met_in_time) for c in summary.callback_requests] == [(request.call_id, True)]
    assert any(s.skill == "TIPP" for s in summary.skills_tried)

    # The report was a mistake: retracted, it no longer locks, and stays in history.
    therapist.retract_report(agreement_id, report, occurred + 3 * HOUR)
    assert therapist.status(agreement_id, occurred + 3 * HOUR).permission == Permission.ALLOWED
    [retracted] = [e for e in therapist.log(agreement_id, 10) if e.is_report_entry()]
    assert retracted.report.retracted_at_ms == occurred + 3 * HOUR

    # An in-person session, and an edit that makes both sign again.
    assert therapist.record_session(agreement_id, occurred + 4 * HOUR, occurred + 4 * HOUR)
    therapist.set_term(agreement_id, TermKey.LOCKOUT_HOURS, "12", occurred + 5 * HOUR)
    edited = therapist.agreement(agreement_id)
    assert edited.status == AgreementStatus.NEEDS_RESIGNING
    # A proposal until both sign: the rules keep the version both signed.
    assert edited.terms.lockout_hours == 12
    assert edited.in_force.terms.lockout_hours == 24
    assert edited.proposal.terms == [TermKey.LOCKOUT_HOURS]
    therapist.report_behavior(agreement_id, "self-harm", occurred + 6 * HOUR, occurred + 6 * HOUR)
    assert therapist.status(agreement_id, occurred + 7 * HOUR).locked_until_ms == occurred + 30 * HOUR


def test_the_system_clock_is_used_when_no_instant_is_given(phones):
    agreement_id = phones.active_agreement()
    before = int(time.time() * 1000)
    attempt = phones.client.start_call(agreement_id, CallWorksheet(reason=CallReason.NEWS))
    [entry] = phones.client.log(agreement_id)
    assert entry.call.id == attempt.call_id
    assert before <= entry.call.started_at_ms <= int(time.time() * 1000)
    phones.client.status(agreement_id)
    assert phones.client.summary(agreement_id).until_ms >= entry.call.started_at_ms


def test_the_trivial_call_reports_the_core_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", core_version())
