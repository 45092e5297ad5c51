package org.coachline.tests

import java.nio.file.Path
import org.coachline.AgreementStatus
import org.coachline.BackupSeal
import org.coachline.CallAttempt
import org.coachline.CallEnding
import org.coachline.CallOutcome
import org.coachline.CallReason
import org.coachline.CallWorksheet
import org.coachline.EndOutcome
import org.coachline.LogEntry
import org.coachline.Permission
import org.coachline.Role
import org.coachline.TermKey
import org.coachline.Weekday
import org.coachline.coreVersion
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The whole life of an agreement, on two phones, through the generated Kotlin API. */
class LifecycleTest {
    @Test
    fun `a therapist and a client draft, exchange, sign, call, report and review`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val t0 = MONDAY_MORNING - HOUR
            assertEquals(Role.THERAPIST, therapist.identity()?.role)
            assertEquals(19, client.identity()!!.fingerprint.length)

            // The therapist drafts the agreement and fills in the form.
            val id = therapist.createAgreement("Sam", "America/New_York", t0)
            therapist.setTerm(id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
            therapist.setTerm(id, TermKey.LOCKOUT_HOURS, "24", t0)
            val behavior = therapist.addBehavior(id, "self-harm", true, t0)
            therapist.addBehavior(id, "skipping meals", false, t0)
            therapist.addResource(id, "Local warmline", "555-0100", t0)
            therapist.addHoliday(id, "2026-12-24", "2026-12-26", "winter break", t0)

            val draft = therapist.agreement(id)
            assertEquals(AgreementStatus.DRAFT, draft.status)
            assertEquals(listOf(Role.CLIENT, Role.THERAPIST), draft.missingSignatures)
            assertTrue(draft.terms.availability.startsWith("Mon 09:00-20:00; Tue 09:00-20:00"))
            assertEquals(5, draft.terms.availabilitySlots.size)
            assertEquals(Weekday.MONDAY, draft.terms.availabilitySlots.first().day)
            assertEquals(9 * 60, draft.terms.availabilitySlots.first().startMinute)
            assertEquals(5 to 8, draft.terms.callMinutesMin to draft.terms.callMinutesMax)
            assertEquals(3, draft.resources.size)
            assertEquals(behavior, draft.behaviors.single { it.label == "self-harm" }.id)
            assertEquals("2026-12-24", draft.holidays.single().firstDay)
            assertEquals(64, draft.termsHashHex.length)
            assertEquals("24", therapist.termValue(id, TermKey.LOCKOUT_HOURS))

            // The draft travels to the client's phone as bytes.
            val imported = client.importAgreement(therapist.exportAgreement(id, BackupSeal.Plain))
            assertEquals(id, imported.agreementId)
            assertTrue(imported.created)
            assertEquals(id, client.defaultAgreementId())
            assertEquals(draft.termsHashHex, client.agreement(id).termsHashHex)

            // Both sign the same terms; each phone learns of the other's signature.
            assertEquals(AgreementStatus.AWAITING_SIGNATURES, therapist.sign(id, t0 + MINUTE))
            phones.carry(id, therapist, client)
            assertEquals(AgreementStatus.ACTIVE, client.sign(id, t0 + 2 * MINUTE))
            phones.carry(id, client, therapist)
            val active = therapist.agreement(id)
            assertEquals(AgreementStatus.ACTIVE, active.status)
            assertEquals(emptyList(), active.missingSignatures)
            assertEquals(2, active.signatures.size)
            assertTrue(active.signatures.all { it.valid && it.current && it.problem == null })
            assertEquals(
                client.identity()!!.fingerprint,
                active.signatures.single { it.role == Role.CLIENT }.fingerprint,
            )
            assertEquals(listOf(AgreementStatus.ACTIVE), therapist.listAgreements().map { it.status })

            // Monday 10:00 in New York: the client may call, and calls for coaching.
            val now = client.status(id, MONDAY_MORNING)
            assertEquals(Permission.ALLOWED, now.permission)
            assertTrue(now.available)
            assertEquals("You can call your therapist now.", now.message)
            assertFalse(now.showBackupPlan)
            val coaching = assertIs<CallAttempt.Started>(
                client.startCall(
                    id,
                    CallWorksheet(CallReason.COACHING, "argument at work", listOf("TIPP", "Paced breathing"), 4),
                    MONDAY_MORNING,
                ),
            )
            assertNull(coaching.callbackDueMs)
            // Twelve minutes: longer than the agreed 5-8, flagged and not blocked.
            client.endCall(id, coaching.callId, CallEnding(EndOutcome.COMPLETED, listOf("Opposite action"), 2), MONDAY_MORNING + 12 * MINUTE)

            // Monday 22:00 in New York, out of hours: the call asks for a call back.
            val night = at("2026-03-03T03:00:00Z")
            assertEquals(Permission.THERAPIST_UNAVAILABLE, client.status(id, night).permission)
            val request = assertIs<CallAttempt.Started>(client.startCall(id, CallWorksheet(CallReason.CLARIFICATION), night))
            assertEquals(at("2026-03-03T15:00:00Z"), request.callbackDueMs, "an hour into Tuesday's hours")
            client.endCall(id, request.callId, CallEnding(EndOutcome.MISSED), night + MINUTE)

            // The therapist's phone receives the log and returns the call on time.
            phones.carry(id, client, therapist)
            val returned = therapist.returnCall(id, request.callId, at("2026-03-03T14:30:00Z"))
            therapist.endCall(id, returned, CallEnding(EndOutcome.COMPLETED), at("2026-03-03T14:36:00Z"))
            phones.carry(id, therapist, client)
            assertEquals(emptyList(), client.status(id, at("2026-03-03T15:30:00Z")).pendingCallbacks)

            // Tuesday: the client reports a target behaviour an hour after it happened.
            val occurred = at("2026-03-03T16:00:00Z")
            val report = client.reportBehavior(id, "self-harm", occurred, occurred + HOUR)
            val locked = client.status(id, occurred + HOUR)
            assertEquals(Permission.LOCKED_OUT, locked.permission)
            assertEquals(occurred + 24 * HOUR, locked.lockedUntilMs)
            assertTrue(locked.message.contains("24-hour rule"), locked.message)
            assertTrue(locked.showBackupPlan)
            assertNotNull(locked.backupPlan)
            assertEquals(3, locked.resources.size)
            // The home screen's handle on the same decision, bound to the agreement once.
            val decisions = client.callDecisions(id)
            assertEquals(locked, decisions.decide(occurred + HOUR))
            assertEquals(Permission.ALLOWED, decisions.decide(occurred + 24 * HOUR).permission)

            // A call in the lockout is declined, logged, and answered with the resources.
            val declined = assertIs<CallAttempt.Declined>(
                client.startCall(id, CallWorksheet(CallReason.COACHING, urgeBefore = 5), occurred + 2 * HOUR),
            )
            assertEquals(Permission.LOCKED_OUT, declined.decision.permission)
            assertEquals(locked.resources, declined.decision.resources)

            // The therapist's phone receives the whole log.
            phones.carry(id, client, therapist)
            val log = therapist.log(id, 10)
            assertEquals(5, log.size)
            val declinedCall = assertIs<LogEntry.CallEntry>(log[0]).call
            assertEquals(declined.callId, declinedCall.id)
            assertEquals(CallOutcome.DECLINED, declinedCall.outcome)
            assertTrue(declinedCall.shownResources.any { it.contains("988") })
            val reported = assertIs<LogEntry.ReportEntry>(log[1]).report
            assertEquals(report, reported.id)
            assertEquals("self-harm", reported.behavior?.label)
            assertEquals(Role.CLIENT, reported.reportedBy)
            assertNull(reported.retractedAtMs)
            val returnEntry = assertIs<LogEntry.CallEntry>(log[2])
            assertEquals(request.callId, returnEntry.call.returnsCallId)
            assertEquals(Role.THERAPIST, returnEntry.call.startedBy)
            val requestEntry = assertIs<LogEntry.CallEntry>(log[3])
            assertEquals(CallOutcome.MISSED, requestEntry.call.outcome)
            assertEquals(emptyList(), requestEntry.call.tried)
            assertEquals(true, requestEntry.flags.callback?.metInTime)
            val coachingEntry = assertIs<LogEntry.CallEntry>(log[4])
            assertEquals(CallReason.COACHING, coachingEntry.call.reason)
            assertEquals(listOf("TIPP", "Paced breathing"), coachingEntry.call.tried)
            assertEquals(4 to 2, coachingEntry.call.urgeBefore to coachingEntry.call.urgeAfter)
            assertEquals(listOf("Opposite action"), coachingEntry.call.suggested)
            assertEquals(MONDAY_MORNING + 12 * MINUTE, coachingEntry.call.endedAtMs)
            assertTrue(coachingEntry.flags.long)
            assertFalse(coachingEntry.flags.duringLockout)

            // The therapist prepares the next session from the summary.
            val summary = therapist.summary(id, at("2026-03-02T00:00:00Z"), at("2026-03-04T20:00:00Z"))
            assertEquals(at("2026-03-04T20:00:00Z"), summary.untilMs)
            assertEquals(CallReason.entries.toSet(), summary.callsByReason.map { it.reason }.toSet())
            assertEquals(1, summary.callsByReason.single { it.reason == CallReason.COACHING }.count)
            assertEquals(listOf(declined.callId), summary.declinedAttempts.map { it.callId })
            assertEquals(listOf(report), summary.lockouts.map { it.reportId })
            assertEquals(listOf(coaching.callId), summary.durations.longCallIds)
            val callback = summary.callbackRequests.single()
            assertEquals(request.callId to true, callback.callId to callback.metInTime)
            assertTrue(summary.skillsTried.any { it.skill == "TIPP" && it.count == 1 })
            assertEquals(listOf("Opposite action"), summary.skillsSuggested.map { it.skill })
            assertTrue(summary.urges.any { it.callId == coaching.callId && it.before == 4 && it.after == 2 })

            // The report was a mistake: retracted, it no longer locks, and stays in history.
            therapist.retractReport(id, report, occurred + 3 * HOUR)
            assertEquals(Permission.ALLOWED, therapist.status(id, occurred + 3 * HOUR).permission)
            val retracted = therapist.log(id, 10).filterIsInstance<LogEntry.ReportEntry>().single()
            assertEquals(occurred + 3 * HOUR, retracted.report.retractedAtMs)

            // An in-person session, and an edit that makes both sign again.
            assertNotNull(therapist.recordSession(id, occurred + 4 * HOUR, occurred + 4 * HOUR))
            therapist.setTerm(id, TermKey.LOCKOUT_HOURS, "12", occurred + 5 * HOUR)
            val edited = therapist.agreement(id)
            assertEquals(AgreementStatus.NEEDS_RESIGNING, edited.status)
            // A proposal until both sign: the rules keep the version both signed.
            assertEquals(12, edited.terms.lockoutHours)
            assertEquals(24, edited.inForce!!.terms.lockoutHours)
            assertEquals(listOf(TermKey.LOCKOUT_HOURS), edited.proposal!!.terms)
            val again = therapist.reportBehavior(id, "self-harm", occurred + 6 * HOUR, occurred + 6 * HOUR)
            assertNotNull(again)
            assertEquals(occurred + 30 * HOUR, therapist.status(id, occurred + 7 * HOUR).lockedUntilMs)
        }
    }

    @Test
    fun `the system clock is used when no instant is given`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val before = System.currentTimeMillis()
            val attempt = phones.client.startCall(id, CallWorksheet(CallReason.NEWS))
            val started = assertIs<LogEntry.CallEntry>(phones.client.log(id).single()).call
            assertEquals(assertIs<CallAttempt.Started>(attempt).callId, started.id)
            assertTrue(started.startedAtMs in before..System.currentTimeMillis())
            // status and summary with the system clock too.
            phones.client.status(id)
            assertTrue(phones.client.summary(id).untilMs >= started.startedAtMs)
        }
    }

    @Test
    fun `the trivial call reports the core version`() {
        assertTrue(coreVersion().matches(Regex("""\d+\.\d+\.\d+.*""")))
    }
}
