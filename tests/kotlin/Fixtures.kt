package org.coachline.tests

import java.nio.file.Path
import java.time.Instant
import org.coachline.AgreementStatus
import org.coachline.BackupSeal
import org.coachline.CoachlineStore
import org.coachline.Role
import org.coachline.TermKey
import kotlin.test.assertEquals

/** An instant as the API takes it: milliseconds since the epoch. */
fun at(iso: String): Long = Instant.parse(iso).toEpochMilli()

const val MINUTE = 60_000L
const val HOUR = 60 * MINUTE

/**
 * The store key the tests open their stores with. An app generates its key once
 * (`newStoreKey()` or the platform's secure random) and keeps it in the Android
 * Keystore or the iOS Keychain.
 */
fun testKey(): ByteArray = ByteArray(32) { 7 }

/** Monday 2 March 2026, 10:00 in New York: within the therapist's phone hours. */
val MONDAY_MORNING = at("2026-03-02T15:00:00Z")

/**
 * A therapist's phone and a client's phone, each with its own store file in [dir],
 * and the helpers to bring an agreement between them to ACTIVE the way the apps do:
 * draft on the therapist's phone, carry the bytes over, sign on both.
 */
class Phones(dir: Path) : AutoCloseable {
    val therapist: CoachlineStore = CoachlineStore.open(dir.resolve("therapist.db").toString(), testKey())
    val client: CoachlineStore = CoachlineStore.open(dir.resolve("client.db").toString(), testKey())

    init {
        therapist.createIdentity(Role.THERAPIST, "Dr. Rivera", MONDAY_MORNING - HOUR)
        client.createIdentity(Role.CLIENT, "Sam", MONDAY_MORNING - HOUR)
    }

    /** Carries the agreement's bytes from one phone to the other (plain: the tests' own courier). */
    fun carry(id: String, from: CoachlineStore, to: CoachlineStore) {
        to.importAgreement(from.exportAgreement(id, BackupSeal.Plain))
    }

    /** An agreement both parties have signed, with one target behaviour. */
    fun activeAgreement(): String {
        val t0 = MONDAY_MORNING - HOUR
        val id = therapist.createAgreement("Sam", "America/New_York", t0)
        therapist.setTerm(id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
        therapist.addBehavior(id, "self-harm", true, t0)
        therapist.sign(id, t0 + MINUTE)
        carry(id, therapist, client)
        assertEquals(AgreementStatus.ACTIVE, client.sign(id, t0 + 2 * MINUTE))
        carry(id, client, therapist)
        return id
    }

    override fun close() {
        therapist.close()
        client.close()
    }
}
