package org.coachline.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.io.IOException
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.coachline.CoachlineException

/**
 * The sync the core scheduled (Effect.ScheduleSync), and the periodic pass: with a
 * relay, one pass through it for every agreement; without, every agreement's due
 * messages through the file transport (they wait in the app's sync/out folder until
 * the person shares them) and whatever it received applied. No network or a relay
 * that asks to wait: WorkManager retries with its backoff; nothing is lost.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = withContext(Dispatchers.IO) {
        val session = applicationContext.coachline.session
        // The periodic pass is for a phone with a relay; files wait for the person.
        if (inputData.getBoolean(RELAY_ONLY, false) && session.store.relay() == null) return@withContext Result.success()
        try {
            session.syncAll()
            Result.success()
        } catch (e: IOException) {
            Result.retry()
        } catch (e: CoachlineException.Relay) {
            Result.retry()
        } catch (e: CoachlineException) {
            Result.success()
        }
    }

    companion object {
        const val NAME = "coachline-sync"
        const val PERIODIC_NAME = "coachline-relay-pass"
        private const val RELAY_ONLY = "relay-only"

        /**
         * A relay pass every 15 minutes (WorkManager's shortest period) while there is a
         * network, so a report made at home reaches the other phone without either
         * person opening the app. Kept across restarts; a phone without a relay skips it.
         */
        fun schedulePeriodic(context: Context) {
            val work = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setInputData(androidx.work.workDataOf(RELAY_ONLY to true))
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC_NAME, ExistingPeriodicWorkPolicy.KEEP, work)
        }
    }
}
