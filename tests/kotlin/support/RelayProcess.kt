package org.coachline.testing

import java.net.URI
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A real relay process (`coachline-relay`, built by the test scripts; its path in
 * `COACHLINE_RELAY_BIN`) on a free loopback port, over a fresh data directory;
 * stopped (SIGTERM) and its data removed on [close]. Shared by the bindings' tests
 * (scripts/test-kotlin) and the Android session's (scripts/test-android-session).
 */
class RelayProcess : AutoCloseable {
    private val data: Path = Files.createTempDirectory("coachline-relay-")
    private val process: Process
    /** The relay's name, which requests are signed for: `http://127.0.0.1:PORT`. */
    val url: String

    init {
        val bin = System.getenv("COACHLINE_RELAY_BIN")
            ?: "${System.getenv("CARGO_TARGET_DIR") ?: "target"}/debug/coachline-relay"
        process = ProcessBuilder(bin, "--listen", "127.0.0.1:0", "--data", data.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        val first = process.inputStream.bufferedReader().readLine()
        check(first != null && first.startsWith("listening on http://")) { "the relay did not start" }
        url = first.removePrefix("listening on ").trim()
    }

    val port: Int get() = URI(url).port

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        data.toFile().deleteRecursively()
    }
}
