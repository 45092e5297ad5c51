package org.coachline.session

import org.coachline.Effect

/**
 * The 32-byte key the store file is encrypted with. The app keeps it wrapped by a
 * platform key (Android Keystore, iOS Keychain); the session zeroes the array it is
 * given once the store is open.
 */
fun interface StoreKeyProvider {
    fun storeKey(): ByteArray
}

/** Now, in milliseconds since the epoch. Tests pass a fixed clock they move by hand. */
fun interface Clock {
    fun nowMs(): Long

    companion object {
        val SYSTEM: Clock = Clock { System.currentTimeMillis() }
    }
}

/**
 * Performs what only the platform can: [Effect.Dial], [Effect.SendText],
 * [Effect.CallOtherParty], [Effect.Notify], [Effect.ShowCode], [Effect.ShareFile]
 * and [Effect.ScheduleSync]. The session handles [Effect.Show] (the route) and
 * [Effect.Refresh] (the screens) itself and never passes them here.
 */
fun interface EffectHandler {
    fun perform(effect: Effect)
}

/**
 * Moves sealed sync messages (opaque bytes) between this phone and the other one:
 * files, nearby, later a relay. The bytes are already encrypted and signed by the
 * core; a transport only carries them.
 */
interface SyncTransport {
    /** Hands one message for agreement [agreementId] to the other phone. */
    fun send(agreementId: String, message: ByteArray)

    /** Takes every message received for [agreementId] so far, oldest first; each is returned once. */
    fun receive(agreementId: String): List<ByteArray>
}
