package org.coachline.session

import java.nio.file.Path
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.coachline.Action
import org.coachline.CoachlineException
import org.coachline.Effect
import org.coachline.Permission
import org.coachline.RelayProblem
import org.coachline.ReportDraft
import org.coachline.ReportWhen
import org.coachline.Role
import org.coachline.Route
import org.coachline.WelcomeDraft
import org.coachline.testing.RelayProcess
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The session syncing through a real relay on loopback with [UrlConnectionRelayHttp]
 * (java.net.HttpURLConnection, as on Android). The relay checks each request's time
 * against its own clock, so these sessions run on the system clock.
 */
class RelaySessionTest {
    /** A session on the system clock; [http] makes its relay requests. */
    private class RelayPhone(dir: Path, name: String, http: RelayHttp = UrlConnectionRelayHttp()) : AutoCloseable {
        val effects = Recorder()
        val session = CoachlineSession.open(
            storePath = dir.resolve("$name.db").toString(),
            keys = { ByteArray(32) { 7 } },
            clock = Clock.SYSTEM,
            timeZone = NEW_YORK,
            effects = effects,
            transport = NoTransport, // never used: the store has a relay
            relayHttp = http,
        )

        override fun close() = session.close()
    }

    /** Syncs both sessions in turn until a round where neither sends nor applies anything. */
    private fun converge(a: CoachlineSession, b: CoachlineSession, id: String) {
        repeat(10) {
            val (ra, rb) = a.syncNow(id) to b.syncNow(id)
            assertNotNull(ra.relay, "synced through the relay")
            assertEquals(0, ra.refused + rb.refused)
            if (ra.sent + ra.applied + rb.sent + rb.applied == 0) return
        }
        error("no quiescence")
    }

    @Test
    fun `two sessions pair through the relay the invitation names and the lockout reaches the therapist's Home`(
        @TempDir dir: Path,
    ) {
        RelayProcess().use { relay ->
            // Between the request and the answer, the therapist's screens are asked
            // for from another thread: the store is not held across the network.
            val ui = Executors.newSingleThreadExecutor()
            var therapistSession: CoachlineSession? = null
            var asked = 0
            val watchingHttp = RelayHttp { request ->
                therapistSession?.let { s ->
                    ui.submit { s.screens.clients(Clock.SYSTEM.nowMs()) }.get(5, TimeUnit.SECONDS)
                    asked++
                }
                UrlConnectionRelayHttp().exchange(request)
            }
            RelayPhone(dir, "therapist", watchingHttp).use { t ->
                RelayPhone(dir, "client").use { c ->
                    t.session.send(Action.CreateIdentity(WelcomeDraft(Role.THERAPIST, "Dr. Rivera")))
                    c.session.send(Action.CreateIdentity(WelcomeDraft(Role.CLIENT, "Sam")))
                    therapistSession = t.session
                    t.session.store.setRelay(relay.url)
                    val now = Clock.SYSTEM.nowMs()
                    val id = t.session.store.createAgreement("Sam", NEW_YORK, now)
                    t.session.store.addBehavior(id, "self-harm", true, now)

                    // The code names the relay: the client's phone takes it from there.
                    t.session.send(Action.Invite(id))
                    val code = assertIs<Effect.ShowCode>(t.effects.performed.single())
                    c.session.send(Action.Join(code.payload))
                    assertEquals(Route.Sync(id), c.session.route.value)
                    assertEquals(relay.url, c.session.store.relay())
                    val clientSync = c.session.sync(id)
                    converge(c.session, t.session, id)
                    assertTrue(clientSync.value.paired, "the client's Sync screen followed the applied messages")

                    t.session.send(t.session.agreement(id).value.sign!!.action)
                    c.session.send(c.session.agreement(id).value.sign!!.action)
                    converge(c.session, t.session, id)

                    val onTherapist = t.session.home(id)
                    assertTrue(onTherapist.value.permission != Permission.LOCKED_OUT)
                    val report = c.session.screens.report(id, ReportDraft(null, ReportWhen.Now), Clock.SYSTEM.nowMs())
                    c.session.send(report.submit.action)
                    assertEquals(1, c.session.syncNow(id).sent)
                    val pass = t.session.syncAll()
                    assertEquals(1, pass.applied)
                    assertEquals(Permission.LOCKED_OUT, onTherapist.value.permission, "the Home followed the pass")
                    assertTrue(asked > 0)
                }
            }
            ui.shutdownNow()
        }
    }

    @Test
    fun `a relay's refusal and a relay that is not there are errors that change nothing`(@TempDir dir: Path) {
        RelayProcess().use { relay ->
            RelayPhone(dir, "therapist").use { t ->
                t.session.send(Action.CreateIdentity(WelcomeDraft(Role.THERAPIST, "Dr. Rivera")))
                val id = t.session.store.createAgreement("Sam", NEW_YORK, Clock.SYSTEM.nowMs())
                t.session.store.setRelay(relay.url)
                val before = t.session.agreement(id).value
                // The same relay under another name: signed for that name, refused.
                val port = java.net.URI(relay.url).port
                val refused = kotlin.test.assertFailsWith<CoachlineException.Relay> {
                    t.session.syncThroughRelay("http://localhost:$port")
                }
                assertEquals(RelayProblem.Refused("bad_signature"), refused.problem)
                // Nobody listening: the platform's error, no answer to give the core.
                val closedPort = java.net.ServerSocket(0).use { it.localPort }
                kotlin.test.assertFailsWith<java.io.IOException> {
                    t.session.syncThroughRelay("http://127.0.0.1:$closedPort")
                }
                assertEquals(relay.url, t.session.store.relay())
                assertTrue(before == t.session.agreement(id).value, "a failed pass changed the agreement")
                assertEquals(0, t.session.syncNow(id).sent)
            }
        }
    }

    @Test
    fun `the clinic's relay from the app's configuration becomes the phone's once it has an identity, and never replaces its own`(
        @TempDir dir: Path,
    ) {
        fun open(name: String) = CoachlineSession.open(
            storePath = dir.resolve("$name.db").toString(),
            keys = { ByteArray(32) { 7 } },
            clock = Clock.SYSTEM,
            timeZone = NEW_YORK,
            effects = Recorder(),
            transport = NoTransport,
            defaultRelay = "https://relay.clinic.example",
        )
        open("therapist").use { s ->
            s.send(Action.CreateIdentity(WelcomeDraft(Role.THERAPIST, "Dr. Rivera")))
            assertEquals("https://relay.clinic.example", s.store.relay())
            s.store.setRelay("https://elsewhere.example")
        }
        open("therapist").use { s -> assertEquals("https://elsewhere.example", s.store.relay()) }
    }
}
