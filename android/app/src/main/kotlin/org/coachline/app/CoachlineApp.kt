package org.coachline.app

import android.app.Application
import java.io.File
import java.util.TimeZone
import java.util.Locale
import org.coachline.session.Clock
import org.coachline.session.CoachlineSession
import org.coachline.session.FileSyncTransport

/**
 * The process's one session on the phone's store, shared by the activity and the
 * sync worker (one store object, so every change reaches every screen). Opened on
 * first use, off the main thread (the activity and the worker both ask from
 * background threads).
 */
class CoachlineApp : Application() {
    val effects by lazy { AndroidEffects(this) }

    val session: CoachlineSession by lazy {
        val sync = File(filesDir, "sync")
        CoachlineSession.open(
            storePath = File(filesDir, "coachline.db").path,
            keys = KeystoreKeyProvider(this),
            clock = Clock.SYSTEM,
            timeZone = TimeZone.getDefault().id,
            language = Locale.getDefault().toLanguageTag(),
            effects = effects,
            // With a relay (set, or named by the invitation joined with), sync is a pass
            // through it with HttpURLConnection (the session's default RelayHttp).
            // Without, files: the worker leaves outgoing messages in sync/out for the
            // share sheet; files received by "open with" are applied at once (MainActivity).
            transport = FileSyncTransport(File(sync, "out").toPath(), File(sync, "in").toPath()),
            defaultRelay = BuildConfig.COACHLINE_RELAY.ifEmpty { null },
        )
    }

    override fun onCreate() {
        super.onCreate()
        SyncWorker.schedulePeriodic(this)
    }
}

val android.content.Context.coachline: CoachlineApp get() = applicationContext as CoachlineApp
