package org.coachline.session

import java.io.IOException
import java.net.HttpURLConnection
import java.net.URI
import org.coachline.RelayRequest
import org.coachline.RelayResponse

/**
 * Makes the HTTP requests of a relay pass ([org.coachline.CoachlineStore.relayPass]):
 * each exactly as given (method, URL, headers, body), returning the relay's answer
 * whatever its status (a refusal's body says why; the core reads it). Throws an
 * [IOException] when no answer came (no network, a timeout): the pass stops there,
 * and nothing is lost.
 *
 * The URL and the headers name this device: never log them.
 */
fun interface RelayHttp {
    fun exchange(request: RelayRequest): RelayResponse
}

/**
 * [RelayHttp] with `java.net.HttpURLConnection`: on Android (which needs the INTERNET
 * permission, and `https` unless cleartext is allowed for the relay's host) and on the
 * JVM alike, with nothing to add to the app. No caching, no redirects followed (a
 * relay never redirects: a redirect is an answer the core refuses).
 */
class UrlConnectionRelayHttp(
    private val connectTimeoutMs: Int = 15_000,
    private val readTimeoutMs: Int = 30_000,
) : RelayHttp {
    override fun exchange(request: RelayRequest): RelayResponse {
        val connection = URI(request.url).toURL().openConnection() as HttpURLConnection
        try {
            connection.requestMethod = request.method
            connection.connectTimeout = connectTimeoutMs
            connection.readTimeout = readTimeoutMs
            connection.useCaches = false
            connection.instanceFollowRedirects = false
            for (header in request.headers) connection.setRequestProperty(header.name, header.value)
            if (request.method != "GET") {
                connection.doOutput = true
                connection.setRequestProperty("content-type", "application/octet-stream")
                connection.setFixedLengthStreamingMode(request.body.size)
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            if (status < 0) throw IOException("not an HTTP answer")
            val body = (if (status >= 400) connection.errorStream else connection.inputStream)
                ?.use { it.readBytes() }
                ?: ByteArray(0)
            return RelayResponse(status.toUShort(), body)
        } finally {
            connection.disconnect()
        }
    }
}
