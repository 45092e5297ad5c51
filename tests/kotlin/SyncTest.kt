package org.coachline.tests

import java.nio.file.Path
import org.coachline.AgreementStatus
import org.coachline.CoachlineException
import org.coachline.CoachlineStore
import org.coachline.InvitationProblem
import org.coachline.Permission
import org.coachline.Role
import org.coachline.SyncRejection
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Moves every message due from [from] to [to]; returns how many. */
fun send(from: CoachlineStore, to: CoachlineStore, id: String, now: Long): Int {
    var n = 0
    while (true) {
        val message = from.syncNext(id, now) ?: return n
        to.syncReceive(message, now)
        n++
    }
}

/** Syncs both ways until neither phone has anything due. */
fun quiesce(a: CoachlineStore, b: CoachlineStore, id: String, now: Long) {
    repeat(10) { if (send(a, b, id, now) + send(b, a, id, now) == 0) return }
    error("no quiescence")
}

/** Two phones paired by invitation and kept in sync with opaque sealed messages. */
class SyncTest {
    @Test
    fun `pairing by invitation, then signing and a lockout travel by sync`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val t0 = MONDAY_MORNING - HOUR
            val id = therapist.createAgreement("Sam", "America/New_York", t0)
            therapist.addBehavior(id, "self-harm", true, t0)
            val invitation = therapist.invite(id, t0)
            assertEquals(id, client.joinAgreement(invitation, t0))
            val waiting = client.peers().single()
            assertFalse(waiting.confirmed || waiting.hasAgreement)

            quiesce(client, therapist, id, t0)
            assertEquals(therapist.identity()!!.fingerprint, client.peers().single().fingerprint)
            assertEquals(client.identity()!!.fingerprint, therapist.peers().single().fingerprint)
            assertTrue(client.peers().single().confirmed)
            assertEquals(therapist.agreement(id).termsHashHex, client.agreement(id).termsHashHex)

            therapist.sign(id, t0 + MINUTE)
            client.sign(id, t0 + MINUTE)
            quiesce(client, therapist, id, t0 + 2 * MINUTE)
            assertEquals(AgreementStatus.ACTIVE, therapist.agreement(id).status)
            assertEquals(AgreementStatus.ACTIVE, client.agreement(id).status)

            client.reportBehavior(id, "self-harm", MONDAY_MORNING, MONDAY_MORNING)
            val message = client.syncNext(id, MONDAY_MORNING)!!
            val outcome = therapist.syncReceive(message, MONDAY_MORNING)
            assertTrue(outcome.changed)
            assertEquals(Permission.LOCKED_OUT, therapist.status(id, MONDAY_MORNING + HOUR).permission)
        }
    }

    @Test
    fun `a therapist's new phone gets the agreement back from the client's phone in person`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val t0 = MONDAY_MORNING - HOUR
            val id = therapist.createAgreement("Sam", "America/New_York", t0)
            client.joinAgreement(therapist.invite(id, t0), t0)
            quiesce(client, therapist, id, t0)
            therapist.sign(id, t0 + MINUTE)
            client.sign(id, t0 + MINUTE)
            quiesce(client, therapist, id, t0 + MINUTE)

            val newPhone = CoachlineStore.open(dir.resolve("new-therapist.db").toString(), testKey())
            try {
                newPhone.createIdentity(Role.THERAPIST, "Dr. Rivera", MONDAY_MORNING)
                assertEquals(id, newPhone.joinAgreement(client.invite(id, MONDAY_MORNING), MONDAY_MORNING))
                assertEquals(Role.CLIENT, newPhone.peers().single().role)
                quiesce(newPhone, client, id, MONDAY_MORNING)
                assertEquals(client.agreement(id).termsHashHex, newPhone.agreement(id).termsHashHex)
                newPhone.sign(id, MONDAY_MORNING + MINUTE)
                quiesce(newPhone, client, id, MONDAY_MORNING + MINUTE)
                val view = client.agreement(id)
                assertEquals(AgreementStatus.ACTIVE, view.status)
                assertTrue(view.signatures.all { it.valid })
                val handedOver = view.pairedPhones.last()
                assertEquals(Role.THERAPIST, handedOver.role)
                assertEquals(newPhone.identity()!!.fingerprint, handedOver.fingerprint)
                assertTrue(handedOver.valid)
            } finally {
                newPhone.close()
            }
        }
    }

    @Test
    fun `tampered, foreign and replayed messages are refused with their reason`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val id = therapist.createAgreement("Sam", "America/New_York", MONDAY_MORNING)
            client.joinAgreement(therapist.invite(id, MONDAY_MORNING), MONDAY_MORNING)
            quiesce(client, therapist, id, MONDAY_MORNING)
            client.reportBehavior(id, null, MONDAY_MORNING, MONDAY_MORNING)
            val message = client.syncNext(id, MONDAY_MORNING)!!

            fun reason(bytes: ByteArray, to: CoachlineStore = therapist) =
                assertFailsWith<CoachlineException.SyncRejected> { to.syncReceive(bytes, MONDAY_MORNING) }.reason
            val tampered = message.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
            assertEquals(SyncRejection.TAMPERED, reason(tampered))
            assertEquals(SyncRejection.MALFORMED, reason("hello".toByteArray()))
            assertEquals(SyncRejection.WRONG_RECIPIENT, reason(message, to = client))
            therapist.syncReceive(message, MONDAY_MORNING)
            assertEquals(SyncRejection.REPLAYED, reason(message))
            assertEquals(1, therapist.log(id).size)
        }
    }

    @Test
    fun `invitations that cannot be used say why`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val (therapist, client) = phones.therapist to phones.client
            val id = therapist.createAgreement("Sam", null, MONDAY_MORNING)
            assertEquals(
                InvitationProblem.MALFORMED,
                assertFailsWith<CoachlineException.InvitationRefused> { client.joinAgreement("nonsense", MONDAY_MORNING) }.problem,
            )
            val invitation = therapist.invite(id, MONDAY_MORNING)
            assertEquals(
                InvitationProblem.EXPIRED,
                assertFailsWith<CoachlineException.InvitationRefused> {
                    client.joinAgreement(invitation, MONDAY_MORNING + 48 * HOUR)
                }.problem,
            )
            // A therapist's invitation is for a client's phone: it never reads as a handover.
            assertEquals(
                InvitationProblem.FORGED,
                assertFailsWith<CoachlineException.InvitationRefused> {
                    therapist.joinAgreement(invitation, MONDAY_MORNING)
                }.problem,
            )
        }
    }
}
