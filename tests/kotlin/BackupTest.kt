package org.coachline.tests

import java.nio.file.Path
import org.coachline.BackupProblem
import org.coachline.BackupSeal
import org.coachline.BackupUnseal
import org.coachline.CoachlineException
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Exports are sealed in the age format unless the app asks for a plain one. */
class BackupTest {
    private val passphrase = "correct horse battery staple"

    private fun ByteArray.isSealed() =
        size > 21 && copyOfRange(0, 21).toString(Charsets.US_ASCII) == "age-encryption.org/v1"

    @Test
    fun `a sealed export opens with its passphrase`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.therapist.createAgreement("Sam", "America/New_York", MONDAY_MORNING)
            val sealed = phones.therapist.exportAgreement(id, BackupSeal.Passphrase(passphrase))
            assertTrue(sealed.isSealed())
            val needs = assertFailsWith<CoachlineException.BackupNotOpened> {
                phones.client.importAgreement(sealed)
            }
            assertEquals(BackupProblem.NEEDS_PASSPHRASE, needs.problem)
            val imported = phones.client.importAgreement(sealed, BackupUnseal.Passphrase(passphrase))
            assertEquals(id, imported.agreementId)
            assertTrue(imported.created)
        }
    }

    @Test
    fun `a wrong passphrase is a typed error and changes nothing`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.therapist.createAgreement("Sam", "America/New_York", MONDAY_MORNING)
            val sealed = phones.therapist.exportAgreement(id, BackupSeal.Passphrase(passphrase))
            val wrong = assertFailsWith<CoachlineException.BackupNotOpened> {
                phones.client.importAgreement(sealed, BackupUnseal.Passphrase("correct horse battery stapler"))
            }
            assertEquals(BackupProblem.WRONG_KEY, wrong.problem)
            assertFalse(wrong.toString().contains("horse"))
            assertEquals(0, phones.client.listAgreements().size)
            sealed[sealed.size - 1] = (sealed[sealed.size - 1].toInt() xor 1).toByte()
            val tampered = assertFailsWith<CoachlineException.BackupNotOpened> {
                phones.client.importAgreement(sealed, BackupUnseal.Passphrase(passphrase))
            }
            assertEquals(BackupProblem.TAMPERED, tampered.problem)
            assertEquals(0, phones.client.listAgreements().size)
            val empty = assertFailsWith<CoachlineException.InvalidInput> {
                phones.therapist.exportAgreement(id, BackupSeal.Passphrase(""))
            }
            assertEquals("passphrase", empty.field)
        }
    }

    @Test
    fun `a plain export is an explicit choice and imports without a passphrase`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.therapist.createAgreement("Sam", "America/New_York", MONDAY_MORNING)
            val plain = phones.therapist.exportAgreement(id, BackupSeal.Plain)
            assertFalse(plain.isSealed())
            assertTrue(phones.client.importAgreement(plain).created)
            // A passphrase given for a plain export is not needed, and does no harm.
            assertFalse(phones.client.importAgreement(plain, BackupUnseal.Passphrase(passphrase)).changed)
        }
    }
}
