package org.coachline.tests

import java.nio.file.Path
import org.coachline.AgreementStatus
import org.coachline.CallEnding
import org.coachline.CallOutcome
import org.coachline.CallReason
import org.coachline.CallWorksheet
import org.coachline.EndOutcome
import org.coachline.LogEntry
import org.coachline.Role
import org.coachline.TermKey
import org.coachline.Weekday
import org.coachline.coreVersion
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The whole life of an agreement, on two phones, through the generated Kotlin API. */
class LifecycleTest {
    @Test
    fun `a therapist and a client draft, exchange, sign, call and report`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val t0 = MONDAY_MORNING - HOUR
            assertEquals(Role.THERAPIST, therapist.whoami()?.role)
            assertEquals(19, client.whoami()!!.fingerprint.length)

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
            val imported = client.importAgreement(therapist.exportAgreement(id))
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
                client.whoami()!!.fingerprint,
                active.signatures.single { it.role == Role.CLIENT }.fingerprint,
            )
            assertEquals(listOf(AgreementStatus.ACTIVE), therapist.listAgreements().map { it.status })

            // The client calls for coaching, with the worksheet, and the call ends.
            val call = client.startCall(
                id,
                CallWorksheet(CallReason.COACHING, "argument at work", listOf("TIPP", "Paced breathing"), 4),
                MONDAY_MORNING,
            )
            client.endCall(id, call, CallEnding(EndOutcome.COMPLETED, listOf("Opposite action"), 2), MONDAY_MORNING + 6 * MINUTE)

            // A skills question with only the reason given: the other fields default.
            val question = client.startCall(id, CallWorksheet(CallReason.CLARIFICATION), MONDAY_MORNING + HOUR)
            client.endCall(id, question, CallEnding(EndOutcome.MISSED), MONDAY_MORNING + HOUR + MINUTE)

            // An hour after it happened, the client reports a target behaviour.
            val report = client.reportBehavior(id, "self-harm", MONDAY_MORNING + 3 * HOUR, MONDAY_MORNING + 4 * HOUR)

            // The therapist's phone receives the whole log.
            phones.carry(id, client, therapist)
            val log = therapist.log(id, 10)
            assertEquals(3, log.size)
            val first = log.first() as LogEntry.ReportEntry
            assertEquals(report, first.report.id)
            assertEquals("self-harm", first.report.behavior?.label)
            assertEquals(Role.CLIENT, first.report.reportedBy)
            assertNull(first.report.retractedAtMs)
            val coaching = log.filterIsInstance<LogEntry.CallEntry>().map { it.call }.single { it.id == call }
            assertEquals(CallReason.COACHING, coaching.reason)
            assertEquals(listOf("TIPP", "Paced breathing"), coaching.tried)
            assertEquals(4 to 2, coaching.urgeBefore to coaching.urgeAfter)
            assertEquals(listOf("Opposite action"), coaching.suggested)
            assertEquals(CallOutcome.COMPLETED, coaching.outcome)
            assertEquals(MONDAY_MORNING + 6 * MINUTE, coaching.endedAtMs)
            val missed = log.filterIsInstance<LogEntry.CallEntry>().map { it.call }.single { it.id == question }
            assertEquals(CallOutcome.MISSED, missed.outcome)
            assertEquals(emptyList(), missed.tried)

            // The report was a mistake: retracted, it stays in the history.
            therapist.retractReport(id, report, MONDAY_MORNING + 5 * HOUR)
            val retracted = therapist.log(id, 1).single() as LogEntry.ReportEntry
            assertEquals(MONDAY_MORNING + 5 * HOUR, retracted.report.retractedAtMs)

            // An in-person session, and an edit that makes both sign again.
            assertNotNull(therapist.recordSession(id, MONDAY_MORNING + 6 * HOUR, MONDAY_MORNING + 6 * HOUR))
            therapist.setTerm(id, TermKey.LOCKOUT_HOURS, "12", MONDAY_MORNING + 7 * HOUR)
            assertEquals(AgreementStatus.NEEDS_RESIGNING, therapist.agreement(id).status)
        }
    }

    @Test
    fun `the system clock is used when no instant is given`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val before = System.currentTimeMillis()
            val call = phones.client.startCall(id, CallWorksheet(CallReason.NEWS))
            val started = (phones.client.log(id).single() as LogEntry.CallEntry).call
            assertEquals(call, started.id)
            assertTrue(started.startedAtMs in before..System.currentTimeMillis())
        }
    }

    @Test
    fun `the trivial call reports the core version`() {
        assertTrue(coreVersion().matches(Regex("""\d+\.\d+\.\d+.*""")))
    }
}
