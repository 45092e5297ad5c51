package org.coachline.app

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Handler
import android.os.Looper
import android.widget.Toast
import androidx.core.content.FileProvider
import androidx.work.ExistingWorkPolicy
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkManager
import java.io.File
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import org.coachline.Effect
import org.coachline.session.EffectHandler

/** A code to show as a QR (an invitation), until it expires. */
data class ShownCode(val payload: String, val expiresAtMs: Long)

/**
 * What the core asks of the phone. Never logs: effects carry crisis-line numbers,
 * sentences about the client and sealed messages.
 */
class AndroidEffects(private val context: Context) : EffectHandler {
    private val main = Handler(Looper.getMainLooper())
    private val code = MutableStateFlow<ShownCode?>(null)

    /** The code the activity shows as a QR, null when none. */
    val shownCode: StateFlow<ShownCode?> = code.asStateFlow()

    fun dismissCode() {
        code.value = null
    }

    override fun perform(effect: Effect) {
        when (effect) {
            is Effect.Dial -> start(Intent(Intent.ACTION_DIAL, Uri.parse(effect.uri)))
            is Effect.SendText -> start(Intent(Intent.ACTION_SENDTO, Uri.parse(effect.uri)))
            // The agreement holds no phone numbers (ADR 0031): the dialler opens for the
            // person to call the number they keep for the other party.
            is Effect.CallOtherParty -> start(Intent(Intent.ACTION_DIAL))
            is Effect.Notify -> main.post { Toast.makeText(context, effect.text, Toast.LENGTH_LONG).show() }
            is Effect.ShowCode -> code.value = ShownCode(effect.payload, effect.expiresAtMs)
            is Effect.ShareFile -> share(effect.name, effect.bytes)
            is Effect.ScheduleSync -> scheduleSync(effect.atMs)
            is Effect.Show, is Effect.Refresh -> Unit // the session's own
        }
    }

    private fun share(name: String, bytes: ByteArray) {
        val dir = File(context.cacheDir, "sync-share").apply { mkdirs() }
        val file = File(dir, name.replace('/', '_')).apply { writeBytes(bytes) }
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.files", file)
        val send = Intent(Intent.ACTION_SEND)
            .setType("application/octet-stream")
            .putExtra(Intent.EXTRA_STREAM, uri)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        start(Intent.createChooser(send, context.getString(R.string.share_sync_file)))
    }

    private fun scheduleSync(atMs: Long) {
        val delay = (atMs - System.currentTimeMillis()).coerceAtLeast(0)
        val work = OneTimeWorkRequestBuilder<SyncWorker>().setInitialDelay(delay, TimeUnit.MILLISECONDS).build()
        WorkManager.getInstance(context).enqueueUniqueWork(SyncWorker.NAME, ExistingWorkPolicy.REPLACE, work)
    }

    private fun start(intent: Intent) {
        main.post {
            try {
                context.startActivity(intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
            } catch (e: ActivityNotFoundException) {
                Toast.makeText(context, R.string.not_done, Toast.LENGTH_LONG).show()
            }
        }
    }
}
