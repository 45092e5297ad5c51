package org.coachline.session

import java.nio.file.Path
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.io.path.listDirectoryEntries
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.coachline.Action
import org.coachline.AfterCallDraft
import org.coachline.Attention
import org.coachline.BackupSeal
import org.coachline.ButtonKind
import org.coachline.CallDraft
import org.coachline.CallReason
import org.coachline.Effect
import org.coachline.Permission
import org.coachline.ReportDraft
import org.coachline.ReportWhen
import org.coachline.Role
import org.coachline.Route
import org.coachline.TermKey
import org.coachline.WelcomeDraft
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The Android app's session on the JVM, against the real library and real store files.
 * Whole screens are compared with a message of our own: a failure names the screen,
 * never prints its sentences.
 */
class CoachlineSessionTest {
    @Test
    fun `a client's session shows Home`(@TempDir dir: Path) {
        Pair(dir).use { pair ->
            pair.client.close()
            // Opened again, as the app opens it: the route starts on the agreement's Home.
            Phone(dir, "client").use { phone ->
                val session = phone.session
                assertEquals(Route.Home(pair.id), session.route.value)
                val home = session.home(pair.id).value
                assertEquals(pair.id, home.agreementId)
                assertTrue(home.canCall)
                assertEquals(Permission.ALLOWED, home.permission)
                assertTrue(home.actions.any { it.kind == ButtonKind.CALL_THERAPIST })
                assertTrue(home == session.screens.home(pair.id, MONDAY_MORNING), "the kept value is not the core's Home")
            }
        }
    }

    @Test
    fun `starting a call in a lockout gets the resources`(@TempDir dir: Path) {
        Pair(dir).use { pair ->
            val session = pair.client.session
            val home = session.home(pair.id)
            val report = session.screens.report(pair.id, ReportDraft(null, ReportWhen.MinutesAgo(60u)), MONDAY_MORNING)
            session.send(report.submit.action)
            assertFalse(home.value.canCall)
            assertEquals(Permission.LOCKED_OUT, home.value.permission)
            pair.client.effects.performed.clear()

            session.send(Action.Open(Route.BeforeCall(pair.id)))
            assertEquals(Route.BeforeCall(pair.id), session.route.value)
            val effects = session.send(Action.StartCall(pair.id, CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)))

            // Declined: told so, back on Home, nothing dialled; Show stays in the session.
            assertIs<Effect.Notify>(effects.first())
            assertEquals(Effect.Show(Route.Home(pair.id)), effects.last())
            assertEquals(Route.Home(pair.id), session.route.value)
            assertEquals(listOf(effects.first()), pair.client.effects.performed)
            assertTrue(pair.client.effects.performed.none { it is Effect.CallOtherParty })

            // Home leads with the crisis line, and its button dials it through the handler.
            val first = home.value.actions.first()
            assertEquals(ButtonKind.CALL_RESOURCE, first.kind)
            assertEquals("tel:988", first.uri)
            assertTrue(home.value.actions.none { it.kind == ButtonKind.CALL_THERAPIST })
            session.send(first.action)
            assertEquals(Effect.Dial("tel:988"), pair.client.effects.performed.last())
            assertTrue(session.back(), "back from Home to the screen before")
        }
    }

    @Test
    fun `reporting a behaviour makes Home change through the change notification`(@TempDir dir: Path) {
        Pair(dir).use { pair ->
            val session = pair.client.session
            val home = session.home(pair.id)
            val revision = session.revision(pair.id)
            val before = home.value
            assertTrue(before.canCall)
            assertEquals(before.refreshAtMs, session.nextRefreshAtMs.value, "the phone hours' end is the next refresh")

            // A collector on another thread sees the new value arrive.
            val seen = CountDownLatch(1)
            val collector = Thread {
                runBlocking { withTimeout(10_000) { home.first { !it.canCall } } }
                seen.countDown()
            }
            collector.start()
            // A write straight into the store, not through send(): no Refresh effect,
            // no call to the session; only the store's change notification.
            session.store.reportBehavior(pair.id, null, MONDAY_MORNING, MONDAY_MORNING)

            val after = home.value
            assertTrue(before != after, "Home did not change")
            assertFalse(after.canCall)
            assertEquals(Permission.LOCKED_OUT, after.permission)
            assertEquals(1L, revision.value)
            assertEquals(after.refreshAtMs, session.nextRefreshAtMs.value, "the lockout's end is the next refresh")
            assertTrue(seen.await(10, TimeUnit.SECONDS), "the collector saw the change")
            collector.join()

            // The clock reaching the refresh instant brings the call back, on refreshDue().
            pair.client.clock.now = after.refreshAtMs!!
            assertEquals(0, run { pair.client.clock.now -= 1; session.refreshDue() })
            pair.client.clock.now += 1
            assertTrue(session.refreshDue() >= 1)
            assertTrue(after != home.value, "Home did not change at its refresh instant")
        }
    }

    @Test
    fun `a therapist's session shows Clients in attention order`(@TempDir dir: Path) {
        Pair(dir).use { pair ->
            val therapist = pair.therapist.session
            val other = therapist.store.createAgreement("Robin", NEW_YORK, MONDAY_MORNING)
            therapist.store.reportBehavior(other, null, MONDAY_MORNING, MONDAY_MORNING)
            assertEquals(Route.Clients, therapist.route.value)

            // The client calls out of hours and asks for a call back.
            val client = pair.client.session
            val evening = at("2026-03-03T02:00:00Z") // Monday 21:00 in New York
            pair.client.clock.now = evening
            val started = client.send(Action.StartCall(pair.id, CallDraft(CallReason.COACHING, "", listOf("TIPP"), 3L)))
            val during = assertIs<Route.DuringCall>(client.route.value)
            assertEquals(Effect.Show(during), started.last())
            pair.client.clock.now = evening + MINUTE
            client.send(client.duringCall(pair.id, during.callId).value.end.action)
            assertEquals(Route.AfterCall(pair.id, during.callId), client.route.value)
            client.send(Action.EndCall(pair.id, during.callId, AfterCallDraft(listOf(), null, false)))
            assertEquals(Route.Home(pair.id), client.route.value)
            assertNotNull(client.home(pair.id).value.callback, "the client waits for a call back")

            // The therapist's list, kept, before the client's news arrives: the locked-out client first.
            pair.therapist.clock.now = at("2026-03-03T15:30:00Z")
            val clients = therapist.clients()
            assertEquals(listOf(other, pair.id), clients.value.rows.map { it.agreementId })
            // The news arrives (an import): the list reorders by itself, overdue call back first.
            therapist.store.importAgreement(client.store.exportAgreement(pair.id, BackupSeal.Plain))
            assertEquals(listOf(pair.id, other), clients.value.rows.map { it.agreementId })
            assertEquals(listOf(Attention.OVERDUE_CALLBACK), clients.value.rows[0].attention)
            therapist.send(clients.value.rows[0].open.action)
            assertEquals(Route.Client(pair.id), therapist.route.value)
        }
    }

    @Test
    fun `two sessions pair by invitation and converge through sync files`(@TempDir dir: Path) {
        val toClient = dir.resolve("to-client")
        val toTherapist = dir.resolve("to-therapist")
        val t0 = MONDAY_MORNING - HOUR
        val clock = TestClock(t0)
        Phone(dir, "therapist", clock, FileSyncTransport(outbox = toClient, inbox = toTherapist, clock)).use { t ->
            Phone(dir, "client", clock, FileSyncTransport(outbox = toTherapist, inbox = toClient, clock)).use { c ->
                t.session.send(Action.CreateIdentity(WelcomeDraft(Role.THERAPIST, "Dr. Rivera")))
                c.session.send(Action.CreateIdentity(WelcomeDraft(Role.CLIENT, "Sam")))
                assertEquals(Route.Pairing, c.session.route.value)
                val id = t.session.store.createAgreement("Sam", NEW_YORK, t0)
                t.session.store.setTerm(id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
                t.session.store.addBehavior(id, "self-harm", true, t0)

                // The therapist shows a code; the client's phone joins with it.
                t.session.send(Action.Invite(id))
                val code = assertIs<Effect.ShowCode>(t.effects.performed.single())
                c.session.send(Action.Join(code.payload))
                assertEquals(Route.Sync(id), c.session.route.value)
                assertIs<Effect.ScheduleSync>(c.effects.performed.single())
                val clientSync = c.session.sync(id)
                val beforeSync = clientSync.value

                fun converge() {
                    repeat(10) {
                        val (fromClient, fromTherapist) = c.session.syncNow(id) to t.session.syncNow(id)
                        assertEquals(0, fromClient.refused + fromTherapist.refused)
                        if (fromClient.sent + fromClient.applied + fromTherapist.sent + fromTherapist.applied == 0) return
                    }
                    error("no quiescence")
                }
                converge()
                assertTrue(beforeSync != clientSync.value, "the client's Sync screen did not follow the applied messages")
                assertTrue(clientSync.value.paired)
                assertEquals(emptyList(), toClient.listDirectoryEntries() + toTherapist.listDirectoryEntries())

                clock.now = t0 + MINUTE
                t.session.send(t.session.agreement(id).value.sign!!.action)
                c.session.send(c.session.agreement(id).value.sign!!.action)
                converge()

                clock.now = MONDAY_MORNING
                val onClient = c.session.home(id)
                val onTherapist = t.session.home(id)
                assertTrue(onClient.value.canCall)
                val report = c.session.screens.report(id, ReportDraft(null, ReportWhen.Now), MONDAY_MORNING)
                c.session.send(report.submit.action)
                assertFalse(onClient.value.canCall)
                assertTrue(onClient.value.headline != onTherapist.value.headline, "the report reached the therapist before any sync")
                converge()
                assertTrue(onClient.value == onTherapist.value, "the two phones' Homes differ after sync")
                assertEquals(Permission.LOCKED_OUT, onTherapist.value.permission)
            }
        }
    }

    @Test
    fun `a new phone opens at Welcome and a client goes on to Pairing`(@TempDir dir: Path) {
        Phone(dir, "new").use { phone ->
            assertEquals(Route.Welcome, phone.session.route.value)
            val blank = phone.session.screens.welcome(WelcomeDraft())
            assertEquals(false, blank.canSubmit)
            val filled = phone.session.screens.welcome(WelcomeDraft(Role.CLIENT, "Sam"))
            phone.session.send(filled.submit.action)
            assertEquals(Route.Pairing, phone.session.route.value)
            assertEquals(false, phone.session.back(), "Welcome is not behind Pairing")
        }
    }
}
