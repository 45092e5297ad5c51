package org.coachline.ui.tests

import java.nio.file.Path
import org.coachline.Action
import org.coachline.AfterCallDraft
import org.coachline.Attention
import org.coachline.CallDraft
import org.coachline.CallReason
import org.coachline.Effect
import org.coachline.Permission
import org.coachline.ReportDraft
import org.coachline.ReportWhen
import org.coachline.Route
import org.coachline.TermEditDraft
import org.coachline.TermKey
import org.coachline.WelcomeDraft
import org.coachline.tests.HOUR
import org.coachline.tests.MINUTE
import org.coachline.tests.MONDAY_MORNING
import org.coachline.tests.Phones
import org.coachline.tests.at
import org.coachline.ui.AfterCallScreen
import org.coachline.ui.AgreementScreen
import org.coachline.ui.BeforeCallScreen
import org.coachline.ui.ClientScreen
import org.coachline.ui.ClientsScreen
import org.coachline.ui.DuringCallScreen
import org.coachline.ui.EditorScreen
import org.coachline.ui.HomeScreen
import org.coachline.ui.InviteScreen
import org.coachline.ui.PairingScreen
import org.coachline.ui.ReportScreen
import org.coachline.ui.SessionPrepScreen
import org.coachline.ui.SyncScreen
import org.coachline.ui.WelcomeScreen
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The screens drawn from REAL records: the native library, real store files (a
 * therapist's phone and a client's, with an agreement both signed, as
 * tests/kotlin/Fixtures.kt makes them), rendered headless and compared with the
 * committed reference PNGs.
 */
class ScreenshotTest {
    private val newYork = "America/New_York"
    private val mondayEvening = at("2026-03-03T02:00:00Z") // Monday 21:00 in New York
    private val noop: (Action) -> Unit = {}

    @Test
    fun `client Home when the client may call`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val home = phones.client.screens(newYork).home(id, MONDAY_MORNING)
            assertTrue(home.canCall)
            Screenshots.assertMatches("home-allowed", Screenshots.render { HomeScreen(home, noop) })
        }
    }

    @Test
    fun `client Home in a lockout shows the crisis resources first`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            val report = screens.report(id, ReportDraft(null, ReportWhen.MinutesAgo(60u)), MONDAY_MORNING)
            screens.act(report.submit.action, MONDAY_MORNING)
            val home = screens.home(id, MONDAY_MORNING)
            assertEquals(Permission.LOCKED_OUT, home.permission)
            Screenshots.assertMatches("home-locked-out", Screenshots.render { HomeScreen(home, noop) })
        }
    }

    @Test
    fun `client Home out of hours`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val home = phones.client.screens(newYork).home(id, mondayEvening)
            assertEquals(Permission.THERAPIST_UNAVAILABLE, home.permission)
            Screenshots.assertMatches("home-out-of-hours", Screenshots.render { HomeScreen(home, noop) })
        }
    }

    @Test
    fun `Before a call shows each problem under its field`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val draft = CallDraft(reason = null, situation = "", tried = listOf(), urge = 9L)
            val before = phones.client.screens(newYork).beforeCall(id, draft, MONDAY_MORNING)
            assertNotNull(before.reason.problem)
            assertNotNull(before.urge.problem)
            assertFalse(before.canSubmit)
            // The whole worksheet, so the urge's problem (last) is in the picture too.
            Screenshots.assertMatches("before-call-problems", Screenshots.render(heightDp = 1760) { BeforeCallScreen(before, draft, {}, noop) })
        }
    }

    @Test
    fun `the therapist's clients, the overdue call back first`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val t = phones.therapist
            // Distinct times, so the order of the rows that wait alike is fixed (ties
            // fall back to the agreements' random ids).
            val reported = t.createAgreement("Robin", newYork, MONDAY_MORNING - 3 * HOUR)
            t.reportBehavior(reported, null, MONDAY_MORNING, MONDAY_MORNING)
            val earlier = t.createAgreement("Alex", newYork, MONDAY_MORNING - 2 * HOUR)
            val later = t.createAgreement("Jordan", newYork, MONDAY_MORNING - 30 * MINUTE)

            val client = phones.client.screens(newYork)
            val draft = CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)
            val started = client.act(Action.StartCall(id, draft), mondayEvening)
            val during = (started.last() as Effect.Show).route as Route.DuringCall
            client.act(Action.EndCall(id, during.callId, AfterCallDraft(listOf(), null, false)), mondayEvening + MINUTE)
            phones.carry(id, phones.client, phones.therapist)

            val clients = t.screens(newYork).clients(at("2026-03-03T15:30:00Z"))
            assertEquals(listOf(id, earlier, later, reported), clients.rows.map { it.agreementId })
            assertEquals(listOf(Attention.OVERDUE_CALLBACK), clients.rows[0].attention)
            Screenshots.assertMatches("clients-one-overdue", Screenshots.render { ClientsScreen(clients, noop) })
        }
    }

    @Test
    fun `reporting a behaviour says what happens next`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val draft = ReportDraft(null, ReportWhen.Now)
            val report = phones.client.screens(newYork).report(id, draft, MONDAY_MORNING)
            assertTrue(report.canSubmit)
            Screenshots.assertMatches("report", Screenshots.render { ReportScreen(report, draft, {}, noop) })
        }
    }

    @Test
    fun `during a call past the agreed band, a gentle cue`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val client = phones.client.screens(newYork)
            val started = client.act(Action.StartCall(id, CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)), MONDAY_MORNING)
            val during = (started.last() as Effect.Show).route as Route.DuringCall
            val screen = client.duringCall(id, during.callId, MONDAY_MORNING + 25 * MINUTE)
            assertNotNull(screen.cue)
            Screenshots.assertMatches("during-call-past-band", Screenshots.render { DuringCallScreen(screen, noop) })
        }
    }

    @Test
    fun `the therapist's view of a client, the agreement, session prep and sync`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val client = phones.client.screens(newYork)
            val draft = CallDraft(CallReason.COACHING, "", listOf("TIPP"), 4L)
            val started = client.act(Action.StartCall(id, draft), mondayEvening)
            val during = (started.last() as Effect.Show).route as Route.DuringCall
            client.act(Action.EndCall(id, during.callId, AfterCallDraft(listOf("TIPP"), 2L, false)), mondayEvening + MINUTE)
            phones.client.reportBehavior(id, null, mondayEvening + 2 * MINUTE, mondayEvening + 2 * MINUTE)
            phones.carry(id, phones.client, phones.therapist)
            val later = at("2026-03-03T15:30:00Z")
            val therapist = phones.therapist.screens(newYork)

            val log = therapist.client(id, later)
            assertTrue(log.log.isNotEmpty())
            Screenshots.assertMatches("client-log", Screenshots.render { ClientScreen(log, noop) })
            val prep = therapist.sessionPrep(id, later)
            Screenshots.assertMatches("session-prep", Screenshots.render(heightDp = 1400) { SessionPrepScreen(prep) })
            val agreement = client.agreement(id)
            Screenshots.assertMatches("agreement", Screenshots.render { AgreementScreen(agreement, noop) })
            val sync = client.sync(id, later)
            Screenshots.assertMatches("sync", Screenshots.render { SyncScreen(sync, noop) })
        }
    }

    @Test
    fun `after a call, an urge out of range is shown under its field`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val client = phones.client.screens(newYork)
            val started = client.act(Action.StartCall(id, CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)), MONDAY_MORNING)
            val during = (started.last() as Effect.Show).route as Route.DuringCall
            val draft = AfterCallDraft(listOf(), 9L, true)
            val after = client.afterCall(id, during.callId, draft)
            assertNotNull(after.urgeAfter.problem)
            assertFalse(after.canSubmit)
            Screenshots.assertMatches("after-call-problem", Screenshots.render(heightDp = 1400) { AfterCallScreen(after, draft, {}, noop) })
        }
    }

    @Test
    fun `pairing with a mistyped code says so under the field`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val code = "not a code"
            val pairing = phones.client.screens(newYork).pairing(code, MONDAY_MORNING)
            assertNotNull(pairing.code.problem)
            assertFalse(pairing.canSubmit)
            Screenshots.assertMatches("pairing-problem", Screenshots.render { PairingScreen(pairing, code, {}, noop) })
        }
    }

    @Test
    fun `the invitation shows its payload and expiry (drawn, not compared, as the payload is random)`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val t = phones.therapist
            val id = t.createAgreement("Alex", newYork, MONDAY_MORNING)
            val screens = t.screens(newYork)
            val effects = screens.act(Action.Invite(id), MONDAY_MORNING)
            assertTrue(effects.any { it is Effect.ShowCode })
            val invite = screens.invite(id, MONDAY_MORNING)
            assertNotNull(invite.payload)
            assertNotNull(invite.expiry)
            val png = Screenshots.render { InviteScreen(invite, noop) }
            assertTrue(png.size > 10_000, "an invitation drawn, not a blank page")
        }
    }

    @Test
    fun `a new phone's Welcome, and the editor with a proposal that does not validate`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val welcome = phones.client.screens(newYork).welcome(WelcomeDraft(null, "Sam"))
            assertFalse(welcome.canSubmit, "no role chosen yet")
            Screenshots.assertMatches("welcome", Screenshots.render { WelcomeScreen(welcome, WelcomeDraft(null, "Sam"), {}, noop) })
            val id = phones.activeAgreement()
            val editing = TermEditDraft(TermKey.LOCKOUT_HOURS, "a day")
            val editor = phones.therapist.screens(newYork).editor(id, editing)
            assertNotNull(editor.terms.single { it.key == TermKey.LOCKOUT_HOURS }.problem)
            Screenshots.assertMatches("editor-problem", Screenshots.render(heightDp = 2600) { EditorScreen(editor, editing, {}, noop) })
        }
    }
}

