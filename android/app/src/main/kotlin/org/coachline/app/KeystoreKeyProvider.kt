package org.coachline.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.coachline.session.StoreKeyProvider

/**
 * The store key: 32 random bytes made once, kept only wrapped (AES-GCM) by a key that
 * lives in the Android Keystore and never leaves it. The wrapping key needs no user
 * authentication: a client in crisis must reach Home without a PIN, and the app must
 * open the store in the background to sync. (The pattern of Signal-Android's
 * KeyStoreHelper and DatabaseSecretProvider.) Wiping the app's data, or the Keystore
 * losing its key, makes the store unreadable: the core's passphrase-sealed export is
 * the backup.
 */
class KeystoreKeyProvider(context: Context) : StoreKeyProvider {
    private val prefs = context.getSharedPreferences("coachline-store-key", Context.MODE_PRIVATE)

    @Synchronized
    override fun storeKey(): ByteArray {
        val sealed = prefs.getString(PREF, null)
        if (sealed != null) return unwrap(sealed)
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        // commit(), not apply(): the key must be on disk before the store is made with it.
        check(prefs.edit().putString(PREF, wrap(key)).commit()) { "could not save the store key" }
        return key
    }

    private fun wrap(key: ByteArray): String {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        val iv = cipher.iv
        val data = cipher.doFinal(key)
        return Base64.encodeToString(iv, Base64.NO_WRAP) + ":" + Base64.encodeToString(data, Base64.NO_WRAP)
    }

    private fun unwrap(sealed: String): ByteArray {
        val (iv, data) = sealed.split(':').map { Base64.decode(it, Base64.NO_WRAP) }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, iv))
        return cipher.doFinal(data)
    }

    private fun wrappingKey(): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEY_STORE).apply { load(null) }
        (keyStore.getEntry(ALIAS, null) as? KeyStore.SecretKeyEntry)?.let { return it.secretKey }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEY_STORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setUserAuthenticationRequired(false)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val ANDROID_KEY_STORE = "AndroidKeyStore"
        const val ALIAS = "coachline-store-key-wrap"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val PREF = "sealed"
    }
}
