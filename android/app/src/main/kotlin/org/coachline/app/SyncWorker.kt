package org.coachline.app

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.coachline.CoachlineException

/**
 * The sync the core scheduled (Effect.ScheduleSync): every agreement's due messages
 * through the session's transport, and whatever it received applied. With the file
 * transport, messages wait in the app's sync/out folder until the person shares them.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = withContext(Dispatchers.IO) {
        val session = applicationContext.coachline.session
        for (agreement in session.store.listAgreements()) {
            // An agreement not paired yet has nothing to sync; the others still do.
            try { session.syncNow(agreement.id) } catch (e: CoachlineException) { }
        }
        Result.success()
    }

    companion object {
        const val NAME = "coachline-sync"
    }
}
