package org.coachline.tests

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import org.coachline.CallEnding
import org.coachline.CallReason
import org.coachline.CallWorksheet
import org.coachline.CoachlineException
import org.coachline.CoachlineStore
import org.coachline.EndOutcome
import org.coachline.Role
import org.coachline.TermKey
import org.coachline.Violation
import org.coachline.newStoreKey
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Every variant of the error enum reaches Kotlin as its own typed exception. */
class ErrorsTest {
    @Test
    fun `a look-alike of an agreement is refused and changes nothing`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val fixtures = Path.of("tests", "fixtures")
            val id = phones.therapist.importAgreement(Files.readAllBytes(fixtures.resolve("agreement.automerge"))).agreementId
            val before = phones.therapist.agreement(id)
            val refused = assertFailsWith<CoachlineException.Refused> {
                phones.therapist.importAgreement(Files.readAllBytes(fixtures.resolve("look-alike.automerge")))
            }
            assertEquals(Violation.FOREIGN_DOCUMENT, refused.violation)
            assertEquals(before, phones.therapist.agreement(id))
        }
    }

    @Test
    fun `invalid input names the field`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val urge = assertFailsWith<CoachlineException.InvalidInput> {
                phones.client.startCall(id, CallWorksheet(CallReason.COACHING, urgeBefore = 9), MONDAY_MORNING)
            }
            assertEquals("urge", urge.field)
            assertTrue(urge.reason.contains("0 to 5"), urge.reason)

            val term = assertFailsWith<CoachlineException.InvalidInput> {
                phones.therapist.setTerm(id, TermKey.CALL_MINUTES, "8-5", MONDAY_MORNING)
            }
            assertEquals("call-minutes", term.field)

            val badId = assertFailsWith<CoachlineException.InvalidInput> { phones.client.agreement("xyz") }
            assertEquals("agreement id", badId.field)

            assertEquals("limit", assertFailsWith<CoachlineException.InvalidInput> { phones.client.log(id, -1) }.field)
            assertEquals("path", assertFailsWith<CoachlineException.InvalidInput> { CoachlineStore.open("", testKey()) }.field)
        }
    }

    @Test
    fun `instants far outside the calendar are refused, not a crash`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            for (now in listOf(Long.MIN_VALUE, Long.MAX_VALUE)) {
                val e = assertFailsWith<CoachlineException.InvalidInput> {
                    phones.client.startCall(id, CallWorksheet(CallReason.COACHING), now)
                }
                assertEquals("now_ms", e.field)
            }
            val e = assertFailsWith<CoachlineException.InvalidInput> {
                phones.client.reportBehavior(id, null, Long.MIN_VALUE, MONDAY_MORNING)
            }
            assertEquals("occurred_at_ms", e.field)
            // The store is unharmed.
            assertEquals(0, phones.client.log(id).size)
        }
    }

    @Test
    fun `not found names what and which id`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val e = assertFailsWith<CoachlineException.NotFound> {
                phones.client.endCall(id, "0123456789abcdef", CallEnding(EndOutcome.COMPLETED), MONDAY_MORNING)
            }
            assertEquals("call" to "0123456789abcdef", e.what to e.id)
            val agreement = assertFailsWith<CoachlineException.NotFound> {
                phones.client.agreement("0".repeat(32))
            }
            assertEquals("agreement", agreement.what)
        }
    }

    @Test
    fun `a client may not draft an agreement`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val e = assertFailsWith<CoachlineException.NotPermitted> {
                phones.client.createAgreement("Sam", null, MONDAY_MORNING)
            }
            assertEquals(Role.THERAPIST, e.allowedRole)
            assertEquals("draft an agreement", e.action)
            assertEquals("not permitted: only the therapist may draft an agreement", e.toString())
        }
    }

    @Test
    fun `identity errors`(@TempDir dir: Path) {
        CoachlineStore.open(dir.resolve("new.db").toString(), testKey()).use { store ->
            assertEquals(null, store.identity())
            assertFailsWith<CoachlineException.NoIdentity> { store.createAgreement("Sam") }
            assertFailsWith<CoachlineException.NoIdentity> { store.importAgreement(byteArrayOf()) }
            store.createIdentity(Role.THERAPIST, "Dr. Rivera")
            assertFailsWith<CoachlineException.AlreadyInitialized> { store.createIdentity(Role.CLIENT, "Sam") }
        }
    }

    @Test
    fun `the default agreement needs exactly one`(@TempDir dir: Path) {
        CoachlineStore.open(dir.resolve("t.db").toString(), testKey()).use { store ->
            store.createIdentity(Role.THERAPIST, "Dr. Rivera")
            assertEquals(0, assertFailsWith<CoachlineException.AgreementNeeded> { store.defaultAgreementId() }.agreementCount)
            val id = store.createAgreement("Sam")
            assertEquals(id, store.defaultAgreementId())
            store.createAgreement("Alex")
            assertEquals(2, assertFailsWith<CoachlineException.AgreementNeeded> { store.defaultAgreementId() }.agreementCount)
        }
    }

    @Test
    fun `bytes that are not an agreement change nothing`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            assertFailsWith<CoachlineException.NotAnAgreement> {
                phones.client.importAgreement("not an agreement".toByteArray())
            }
            assertEquals(0, phones.client.listAgreements().size)
        }
    }

    @Test
    fun `a file that is not a store is refused and left alone`(@TempDir dir: Path) {
        val file = dir.resolve("notes.txt")
        Files.writeString(file, "my private notes")
        // Without SQLite's header, it could be a store encrypted under another key.
        assertFailsWith<CoachlineException.WrongKey> { CoachlineStore.open(file.toString(), testKey()) }
        assertEquals("my private notes", Files.readString(file))
    }

    @Test
    fun `a store opens only with its key, which rekey replaces`(@TempDir dir: Path) {
        val path = dir.resolve("c.db").toString()
        val key = newStoreKey()
        assertEquals(32, key.size)
        CoachlineStore.open(path, key).use { it.createIdentity(Role.CLIENT, "Sam", MONDAY_MORNING) }
        val before = Files.readAllBytes(dir.resolve("c.db"))
        assertFailsWith<CoachlineException.WrongKey> { CoachlineStore.open(path, testKey()) }
        assertTrue(before.contentEquals(Files.readAllBytes(dir.resolve("c.db"))), "the file is untouched")
        assertFalse(String(before, Charsets.ISO_8859_1).contains("SQLite format 3"))

        val newKey = newStoreKey()
        CoachlineStore.open(path, key).use { it.rekey(newKey) }
        assertFailsWith<CoachlineException.WrongKey> { CoachlineStore.open(path, key) }
        CoachlineStore.open(path, newKey).use { assertEquals("Sam", it.identity()?.name) }
        assertEquals("key", assertFailsWith<CoachlineException.InvalidInput> { CoachlineStore.open(path, ByteArray(16)) }.field)
    }

    @Test
    fun `a store that cannot be opened is a storage error`(@TempDir dir: Path) {
        val e = assertFailsWith<CoachlineException.Storage> {
            CoachlineStore.open(dir.resolve("no/such/dir/store.db").toString(), testKey())
        }
        assertTrue(e.reason.isNotEmpty())
    }

    @Test
    fun `a store locked by another process is busy, then usable`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val db = dir.resolve("client.db").toString()
            // Another process takes the write lock and holds it for a while. The store is
            // encrypted, so it takes SQLite's own lock directly: in WAL mode, the writer's
            // lock is byte 120 of the -shm file.
            val holder = ProcessBuilder(
                "python3", "-c",
                "import fcntl, os, sys, time\n" +
                    "fd = os.open(sys.argv[1] + '-shm', os.O_RDWR)\n" +
                    "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 120)\n" +
                    "print('locked', flush=True); time.sleep(20)",
                db,
            ).redirectErrorStream(true).start()
            try {
                assertEquals("locked", holder.inputStream.bufferedReader().readLine())
                assertFailsWith<CoachlineException.Busy> {
                    phones.client.startCall(id, CallWorksheet(CallReason.COACHING), MONDAY_MORNING)
                }
            } finally {
                holder.destroy()
                holder.waitFor(10, TimeUnit.SECONDS)
            }
            phones.client.startCall(id, CallWorksheet(CallReason.COACHING), MONDAY_MORNING)
            assertEquals(1, phones.client.log(id).size)
        }
    }

    @Test
    fun `after closeStore every call is Closed, from any thread, and closing again is fine`(@TempDir dir: Path) {
        val store = CoachlineStore.open(dir.resolve("c.db").toString(), testKey())
        store.createIdentity(Role.CLIENT, "Sam")
        store.closeStore()
        assertFailsWith<CoachlineException.Closed> { store.identity() }
        var seen: Throwable? = null
        Thread { seen = runCatching { store.listAgreements() }.exceptionOrNull() }.apply { start(); join() }
        assertTrue(seen is CoachlineException.Closed, "$seen")
        store.closeStore()
        store.close()
        // The file is closed and whole: it opens again with its identity.
        CoachlineStore.open(dir.resolve("c.db").toString(), testKey()).use { assertEquals("Sam", it.identity()?.name) }
    }

    @Test
    fun `after the object is freed a call is an exception, not a crash`(@TempDir dir: Path) {
        val store = CoachlineStore.open(dir.resolve("c.db").toString(), testKey())
        store.close()
        assertFailsWith<IllegalStateException> { store.identity() }
    }

    @Test
    fun `errors never carry what a person wrote`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val secret = "my secret situation"
            val e = assertFailsWith<CoachlineException.InvalidInput> {
                phones.client.startCall(id, CallWorksheet(CallReason.COACHING, secret, listOf("a\nb")), MONDAY_MORNING)
            }
            assertFalse(e.toString().contains(secret) || e.message.contains(secret))
            val label = assertFailsWith<CoachlineException.InvalidInput> {
                phones.client.reportBehavior(id, "a private label", null, MONDAY_MORNING)
            }
            assertFalse(label.toString().contains("private"))
        }
    }
}
