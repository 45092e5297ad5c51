package org.coachline.tests

import java.nio.file.Path
import java.util.concurrent.ConcurrentLinkedQueue
import org.coachline.Action
import org.coachline.AfterCallDraft
import org.coachline.Attention
import org.coachline.ButtonKind
import org.coachline.CallDraft
import org.coachline.CallReason
import org.coachline.ChangeListener
import org.coachline.CoachlineException
import org.coachline.CoachlineStore
import org.coachline.Effect
import org.coachline.NewClientDraft
import org.coachline.Permission
import org.coachline.ReportDraft
import org.coachline.ReportWhen
import org.coachline.Role
import org.coachline.Route
import org.coachline.TermKey
import org.coachline.WelcomeDraft
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** The screens the core computes, driven from Kotlin as the Android app drives them. */
class ScreensTest {
    private val newYork = "America/New_York"

    @Test
    fun `a client in a lockout sees 988 first with the time the lockout ends`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            val report = screens.report(id, ReportDraft(null, ReportWhen.MinutesAgo(60u)), MONDAY_MORNING)
            screens.act(report.submit.action, MONDAY_MORNING)

            val home = screens.home(id, MONDAY_MORNING)
            assertEquals(home, screens.homeScreen(id).at(MONDAY_MORNING))
            assertFalse(home.canCall)
            assertEquals(Permission.LOCKED_OUT, home.permission)
            assertEquals("Calls are paused until 9:00 AM tomorrow", home.headline)
            assertEquals(at("2026-03-03T14:00:00Z"), home.lockedUntilMs)
            assertEquals(ButtonKind.CALL_RESOURCE, home.actions[0].kind)
            assertEquals("tel:988", home.actions[0].uri)
            assertTrue(home.actions[0].primary)
            assertTrue(home.actions.none { it.kind == ButtonKind.CALL_THERAPIST })

            val effects = screens.act(home.actions[0].action, MONDAY_MORNING)
            assertEquals(listOf<Effect>(Effect.Dial("tel:988")), effects)
        }
    }

    @Test
    fun `an out of hours call asks for a call back and the overdue client comes first`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val other = phones.therapist.createAgreement("Robin", newYork, MONDAY_MORNING)
            phones.therapist.reportBehavior(other, null, MONDAY_MORNING, MONDAY_MORNING)
            val client = phones.client.screens(newYork)
            val evening = at("2026-03-03T02:00:00Z") // Monday 21:00 in New York
            val home = client.home(id, evening)
            assertEquals(Permission.THERAPIST_UNAVAILABLE, home.permission)
            val draft = CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)
            val started = client.act(Action.StartCall(id, draft), evening)
            val during = (started.last() as Effect.Show).route as Route.DuringCall
            client.act(Action.EndCall(id, during.callId, AfterCallDraft(listOf(), null, false)), evening + MINUTE)
            assertNotNull(client.home(id, evening + 2 * MINUTE).callback)
            phones.carry(id, phones.client, phones.therapist)

            val therapist = phones.therapist.screens(newYork)
            val before = therapist.clients(at("2026-03-03T14:30:00Z"))
            assertEquals(other, before.rows[0].agreementId)
            val overdue = therapist.clients(at("2026-03-03T15:30:00Z"))
            assertEquals(id, overdue.rows[0].agreementId)
            assertEquals(listOf(Attention.OVERDUE_CALLBACK), overdue.rows[0].attention)
        }
    }

    @Test
    fun `a client who proposes shorter lockouts still sees the lockout and a banner to sign`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            phones.client.reportBehavior(id, null, MONDAY_MORNING, MONDAY_MORNING)
            screens.act(Action.ProposeTerm(id, TermKey.LOCKOUT_HOURS, "0"), MONDAY_MORNING + MINUTE)
            val home = screens.home(id, MONDAY_MORNING + 2 * MINUTE)
            assertFalse(home.canCall)
            assertNotNull(home.banner)
            assertEquals(listOf("The 24-hour rule (hours)"), screens.agreement(id).changes)
        }
    }

    @Test
    fun `after a sync both phones show the same Home`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            phones.client.reportBehavior(id, null, MONDAY_MORNING, MONDAY_MORNING)
            phones.carry(id, phones.client, phones.therapist)
            val onClient = phones.client.screens(newYork).home(id, MONDAY_MORNING)
            val onTherapist = phones.therapist.screens(newYork).home(id, MONDAY_MORNING)
            assertEquals(onClient.headline, onTherapist.headline)
            assertEquals(onClient.lockedUntilMs, onTherapist.lockedUntilMs)
        }
    }

    @Test
    fun `a change listener hears of a write made on another thread and may read the screen at once`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            val heard = ConcurrentLinkedQueue<Pair<String, Boolean>>()
            val handle = phones.client.addChangeListener(object : ChangeListener {
                override fun agreementChanged(agreementId: String) {
                    heard.add(agreementId to screens.home(agreementId, MONDAY_MORNING).canCall)
                }
            })
            val writer = Thread { phones.client.reportBehavior(id, null, MONDAY_MORNING, MONDAY_MORNING) }
            writer.start()
            writer.join()
            assertEquals(listOf(id to false), heard.toList())

            phones.client.removeChangeListener(handle)
            phones.client.reportBehavior(id, null, MONDAY_MORNING, MONDAY_MORNING)
            assertEquals(1, heard.size, "not told after removal")
        }
    }

    @Test
    fun `bad input to screens is a typed error and changes nothing`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val zone = assertFailsWith<CoachlineException.InvalidInput> { phones.client.screens("Mars/Olympus_Mons") }
            assertEquals("time-zone", zone.field)
            val screens = phones.client.screens(newYork)
            val before = phones.client.log(id, 100)
            assertFailsWith<CoachlineException.NotFound> {
                screens.act(Action.ContactResource(id, "00000000000000aa", false), MONDAY_MORNING)
            }
            val reason = assertFailsWith<CoachlineException.InvalidInput> {
                screens.act(Action.StartCall(id, CallDraft()), MONDAY_MORNING)
            }
            assertEquals("reason", reason.field)
            assertEquals(before, phones.client.log(id, 100))
        }
    }

    @Test
    fun `a new phone starts at Welcome and a therapist lands on Clients, then drafts an agreement`(@TempDir dir: Path) {
        CoachlineStore.open(dir.resolve("new.db").toString(), testKey()).use { store ->
            val screens = store.screens(newYork)
            assertEquals(Route.Welcome, screens.start())
            val welcome = screens.welcome(WelcomeDraft(Role.THERAPIST, "Dr. Rivera"))
            assertTrue(welcome.canSubmit)
            assertEquals(listOf<Effect>(Effect.Show(Route.Clients)), screens.act(welcome.submit.action, MONDAY_MORNING))
            val form = screens.newClient(NewClientDraft("Sam"))
            val effects = screens.act(form.submit.action, MONDAY_MORNING)
            val editor = (effects.last() as Effect.Show).route as Route.Editor
            assertEquals("America/New_York", store.agreement(editor.agreementId).terms.timeZone)
        }
    }
}

