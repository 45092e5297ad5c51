package org.coachline.tests

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import org.coachline.AgreementStatus
import org.coachline.ChangeListener
import org.coachline.CoachlineException
import org.coachline.CoachlineStore
import org.coachline.Permission
import org.coachline.RelayPassReport
import org.coachline.RelayProblem
import org.coachline.RelayRequest
import org.coachline.RelayResponse
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.coachline.testing.RelayProcess

private val http: HttpClient = HttpClient.newBuilder()
    .version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(10))
    .build()

/** Makes one request of a relay pass with java.net.http; any status is an answer. */
fun exchange(request: RelayRequest): RelayResponse {
    val builder = HttpRequest.newBuilder(URI.create(request.url)).timeout(Duration.ofSeconds(30))
    for (header in request.headers) builder.header(header.name, header.value)
    val body = if (request.method == "GET") {
        HttpRequest.BodyPublishers.noBody()
    } else {
        builder.header("content-type", "application/octet-stream")
        HttpRequest.BodyPublishers.ofByteArray(request.body)
    }
    val response = http.send(builder.method(request.method, body).build(), HttpResponse.BodyHandlers.ofByteArray())
    return RelayResponse(response.statusCode().toUShort(), response.body())
}

/** One whole pass of [store] through its relay (or [url]) at the real clock, as the apps make it. */
fun relayPass(store: CoachlineStore, url: String? = null): RelayPassReport =
    store.relayPass(url).use { pass ->
        while (true) {
            val now = System.currentTimeMillis()
            val request = pass.nextRequest(now) ?: break
            pass.receive(exchange(request), now)
        }
        pass.report()
    }

/** Passes on both phones, in turn, until a round where neither sends nor applies anything. */
fun convergeThroughRelay(a: CoachlineStore, b: CoachlineStore): Int {
    for (round in 1..10) {
        val (ra, rb) = relayPass(a) to relayPass(b)
        assertEquals(0, ra.rejected + rb.rejected, "no message refused")
        if (ra.sent + ra.applied + rb.sent + rb.applied == 0) return round
    }
    error("no quiescence")
}

/**
 * Two phones syncing through a real relay on loopback: the invitation names the relay,
 * each phone's passes move the requests with java.net.http, and the relay's refusals
 * come back as typed errors. The relay checks each request's time against its own
 * clock, so these tests run at the real time.
 */
class RelayTest {
    /** Pairs the phones through [relay]: the therapist sets it, the invitation carries it. */
    private fun pair(phones: Phones, relay: RelayProcess): String {
        val (therapist, client) = phones.therapist to phones.client
        val now = System.currentTimeMillis()
        therapist.setRelay(relay.url)
        assertEquals(relay.url, therapist.relay())
        val id = therapist.createAgreement("Sam", "America/New_York", now)
        therapist.addBehavior(id, "self-harm", true, now)
        assertNull(client.relay())
        assertEquals(id, client.joinAgreement(therapist.invite(id, now), now))
        assertEquals(relay.url, client.relay(), "the invitation names the relay")
        convergeThroughRelay(client, therapist)
        assertTrue(client.peers().single().confirmed)
        assertEquals(therapist.agreement(id).termsHashHex, client.agreement(id).termsHashHex)
        return id
    }

    @Test
    fun `paired by an invitation that names the relay, the phones converge and a lockout arrives after one pass each`(
        @TempDir dir: Path,
    ) {
        RelayProcess().use { relay ->
            Phones(dir).use { phones ->
                val (therapist, client) = phones.therapist to phones.client
                val id = pair(phones, relay)

                therapist.sign(id, System.currentTimeMillis())
                client.sign(id, System.currentTimeMillis())
                convergeThroughRelay(client, therapist)
                assertEquals(AgreementStatus.ACTIVE, therapist.agreement(id).status)
                // Compared without printing: the records hold names and behaviours.
                assertTrue(therapist.agreement(id) == client.agreement(id), "the phones' agreements differ")

                val heard = CopyOnWriteArrayList<String>()
                therapist.addChangeListener(object : ChangeListener {
                    override fun agreementChanged(agreementId: String) {
                        heard.add(agreementId)
                    }
                })
                assertTrue(therapist.status(id, System.currentTimeMillis()).permission != Permission.LOCKED_OUT)
                client.reportBehavior(id, "self-harm", null, System.currentTimeMillis())
                val sent = relayPass(client)
                assertEquals(1, sent.sent)
                val received = relayPass(therapist)
                assertEquals(1, received.applied)
                assertTrue(received.bytesDown > 0 && sent.bytesUp > 0)
                assertEquals(listOf(id), heard.toList(), "the change listener heard of the applied report")
                assertEquals(Permission.LOCKED_OUT, therapist.status(id, System.currentTimeMillis()).permission)
                assertTrue(therapist.log(id, 10) == client.log(id, 10), "the phones' logs differ")
            }
        }
    }

    @Test
    fun `bad addresses, refusals and misuse are typed errors and change nothing stored`(@TempDir dir: Path) {
        RelayProcess().use { relay ->
            Phones(dir).use { phones ->
                val (therapist, client) = phones.therapist to phones.client
                assertEquals(
                    RelayProblem.NoRelay,
                    assertFailsWith<CoachlineException.Relay> { therapist.relayPass(null) }.problem,
                )
                val id = pair(phones, relay)
                val before = therapist.agreement(id) to client.agreement(id)

                // Not a relay's base URL: refused before anything is asked of anyone.
                for (bad in listOf("relay.example.org", "ftp://relay.example.org", "http://relay.example.org/path")) {
                    assertEquals("relay", assertFailsWith<CoachlineException.InvalidInput> { therapist.setRelay(bad) }.field)
                    assertEquals("relay", assertFailsWith<CoachlineException.InvalidInput> { therapist.relayPass(bad) }.field)
                }
                assertEquals(relay.url, therapist.relay())

                // The same relay under another name: the request is signed for that
                // name (its audience), so the relay refuses the signature.
                val elsewhere = "http://localhost:${relay.port}"
                val refused = assertFailsWith<CoachlineException.Relay> { relayPass(therapist, elsewhere) }
                assertEquals(RelayProblem.Refused("bad_signature"), refused.problem)
                assertEquals(relay.url, therapist.relay(), "a pass's address is not recorded")

                // Out of turn: a second request before the answer to the first, an answer
                // nobody asked for.
                client.relayPass(null).use { pass ->
                    val now = System.currentTimeMillis()
                    val first = pass.nextRequest(now)!!
                    assertEquals(
                        RelayProblem.OutOfTurn,
                        assertFailsWith<CoachlineException.Relay> { pass.nextRequest(now) }.problem,
                    )
                    pass.receive(exchange(first), now)
                    while (true) pass.receive(exchange(pass.nextRequest(now) ?: break), now)
                    assertEquals(
                        RelayProblem.OutOfTurn,
                        assertFailsWith<CoachlineException.Relay> {
                            pass.receive(RelayResponse(200u, ByteArray(0)), now)
                        }.problem,
                    )
                }

                // Nothing stored changed, and the next passes find nothing to do.
                assertTrue(before == (therapist.agreement(id) to client.agreement(id)), "a failure changed an agreement")
                assertEquals(1, convergeThroughRelay(client, therapist))
            }
        }
    }

    @Test
    fun `a report whose deposit never reached the relay goes with the next pass`(@TempDir dir: Path) {
        RelayProcess().use { relay ->
            Phones(dir).use { phones ->
                val (therapist, client) = phones.therapist to phones.client
                val id = pair(phones, relay)
                client.reportBehavior(id, "self-harm", null, System.currentTimeMillis())
                client.relayPass(null).use { pass ->
                    var deposit = pass.nextRequest(System.currentTimeMillis())!!
                    while (deposit.method == "GET") { // a pass fetches first, then sends
                        pass.receive(exchange(deposit), System.currentTimeMillis())
                        deposit = pass.nextRequest(System.currentTimeMillis())!!
                    }
                    assertTrue(deposit.method == "POST" && deposit.url.endsWith("/messages"))
                    // The network failed before the request was made: the shell abandons the pass.
                    pass.abandon()
                    assertNull(pass.nextRequest(System.currentTimeMillis()))
                }
                // The next pass carries the report at once, not after the sync's resend delay.
                assertEquals(1, relayPass(client).sent)
                assertEquals(1, relayPass(therapist).applied)
                assertEquals(Permission.LOCKED_OUT, therapist.status(id, System.currentTimeMillis()).permission)
            }
        }
    }
}
