package org.coachline.session

import java.nio.file.Path
import java.time.Instant
import kotlin.test.assertEquals
import org.coachline.Action
import org.coachline.AgreementStatus
import org.coachline.BackupSeal
import org.coachline.Effect
import org.coachline.Role
import org.coachline.TermKey
import org.coachline.WelcomeDraft

fun at(iso: String): Long = Instant.parse(iso).toEpochMilli()

const val MINUTE = 60_000L
const val HOUR = 60 * MINUTE
const val NEW_YORK = "America/New_York"

/** Monday 2 March 2026, 10:00 in New York: within the therapist's phone hours. */
val MONDAY_MORNING = at("2026-03-02T15:00:00Z")

/** A clock the test moves by hand. */
class TestClock(var now: Long) : Clock {
    override fun nowMs(): Long = now
}

/** Keeps the effects the session hands to the platform, in order. */
class Recorder : EffectHandler {
    val performed = mutableListOf<Effect>()
    override fun perform(effect: Effect) {
        performed += effect
    }
}

/** A transport for sessions that never sync. */
object NoTransport : SyncTransport {
    override fun send(agreementId: String, message: ByteArray) = error("no transport in this test")
    override fun receive(agreementId: String): List<ByteArray> = emptyList()
}

/** One phone: its store file in [dir], opened as a session, with its clock and effects. */
class Phone(
    dir: Path,
    name: String,
    val clock: TestClock = TestClock(MONDAY_MORNING),
    transport: SyncTransport = NoTransport,
) : AutoCloseable {
    val effects = Recorder()
    val session = CoachlineSession.open(
        storePath = dir.resolve("$name.db").toString(),
        keys = { ByteArray(32) { 7 } },
        clock = clock,
        timeZone = NEW_YORK,
        effects = effects,
        transport = transport,
    )

    override fun close() = session.close()
}

/**
 * A therapist's phone and a client's phone with an agreement both signed, brought
 * over the way ScreensTest does it (exported bytes carried by hand), then opened as
 * sessions.
 */
class Pair(dir: Path) : AutoCloseable {
    val therapist = Phone(dir, "therapist")
    val client = Phone(dir, "client")
    val id: String

    init {
        val t0 = MONDAY_MORNING - HOUR
        therapist.session.send(Action.CreateIdentity(WelcomeDraft(Role.THERAPIST, "Dr. Rivera")))
        client.session.send(Action.CreateIdentity(WelcomeDraft(Role.CLIENT, "Sam")))
        val t = therapist.session.store
        val c = client.session.store
        id = t.createAgreement("Sam", NEW_YORK, t0)
        t.setTerm(id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
        t.addBehavior(id, "self-harm", true, t0)
        t.sign(id, t0 + MINUTE)
        c.importAgreement(t.exportAgreement(id, BackupSeal.Plain))
        assertEquals(AgreementStatus.ACTIVE, c.sign(id, t0 + 2 * MINUTE))
        t.importAgreement(c.exportAgreement(id, BackupSeal.Plain))
    }

    override fun close() {
        therapist.close()
        client.close()
    }
}

