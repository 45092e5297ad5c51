package org.coachline.tests

import java.nio.file.Path
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.coachline.BackupSeal
import org.coachline.CallAttempt
import org.coachline.CallReason
import org.coachline.CallWorksheet
import org.coachline.CoachlineException
import org.coachline.CoachlineStore
import org.coachline.LogEntry
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The id of the call an attempt recorded, started or declined. */
fun CallAttempt.callId(): String = when (this) {
    is CallAttempt.Started -> callId
    is CallAttempt.Declined -> callId
}

/** One store object shared by many threads, as an app's UI and workers share it. */
class ConcurrencyTest {
    @Test
    fun `eight threads starting calls at once all land in the log`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val threads = 8
            val callsEach = 5
            val pool = Executors.newFixedThreadPool(threads)
            val go = CountDownLatch(1)
            val results = (0 until threads).map { t ->
                pool.submit<List<String>> {
                    go.await()
                    (0 until callsEach).map { n ->
                        val now = MONDAY_MORNING + (t * callsEach + n) * MINUTE
                        val call = phones.client.startCall(id, CallWorksheet(CallReason.COACHING, "thread $t", urgeBefore = n), now).callId()
                        // Reads interleave with the writes of other threads.
                        phones.client.agreement(id)
                        call
                    }
                }
            }
            go.countDown()
            val ids = results.flatMap { it.get(60, TimeUnit.SECONDS) }
            pool.shutdown()

            assertEquals(threads * callsEach, ids.toSet().size)
            val logged = phones.client.log(id, 1000).map { (it as LogEntry.CallEntry).call.id }
            assertEquals(ids.toSet(), logged.toSet())
            // Newest first, and each thread's calls kept their own instants.
            assertEquals(
                (0 until threads * callsEach).map { MONDAY_MORNING + it * MINUTE }.reversed(),
                phones.client.log(id, 1000).map { (it as LogEntry.CallEntry).call.startedAtMs },
            )
        }
    }

    @Test
    fun `two store objects on one file, as an app's UI and its sync worker, lose no write`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val worker = CoachlineStore.open(dir.resolve("client.db").toString(), testKey())
            try {
                val ids = (0 until 10).flatMap { n ->
                    val now = MONDAY_MORNING + n * 10 * MINUTE
                    listOf(
                        phones.client.startCall(id, CallWorksheet(CallReason.COACHING), now).callId(),
                        worker.startCall(id, CallWorksheet(CallReason.NEWS), now + MINUTE).callId(),
                    )
                }
                // The UI reports a behaviour; the worker's status sees the lockout at once.
                phones.client.reportBehavior(id, null, MONDAY_MORNING + 2 * HOUR, MONDAY_MORNING + 2 * HOUR)
                assertTrue(worker.status(id, MONDAY_MORNING + 3 * HOUR).lockedUntilMs != null)
                for (store in listOf(phones.client, worker)) {
                    val logged = store.log(id, 1000).filterIsInstance<LogEntry.CallEntry>().map { it.call.id }
                    assertEquals(ids.toSet(), logged.toSet())
                    store.exportAgreement(id, BackupSeal.Plain)
                }
            } finally {
                worker.close()
            }
        }
    }

    @Test
    fun `closing while other threads call gives them Closed, never a crash`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val pool = Executors.newFixedThreadPool(4)
            val outcomes = (0 until 4).map { t ->
                pool.submit<Pair<Int, Int>> {
                    var ok = 0
                    var closed = 0
                    for (n in 0 until 50) {
                        try {
                            phones.client.startCall(id, CallWorksheet(CallReason.NEWS), MONDAY_MORNING + (t * 50 + n) * MINUTE)
                            ok++
                        } catch (e: CoachlineException.Closed) {
                            closed++
                        }
                    }
                    ok to closed
                }
            }
            Thread.sleep(50)
            phones.client.closeStore()
            val totals = outcomes.map { it.get(60, TimeUnit.SECONDS) }
            pool.shutdown()
            assertEquals(200, totals.sumOf { it.first + it.second })
            assertTrue(totals.sumOf { it.second } > 0, "some calls came after the close")
        }
    }
}
