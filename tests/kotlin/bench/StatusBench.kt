package org.coachline.bench

import org.coachline.CoachlineStore
import org.coachline.coreVersion

/**
 * The cost of one `status` call from Kotlin through JNA on a heavy history, beside
 * the cheapest call there is (`coreVersion()`, a short string) and a method call
 * without arguments (`identity()`), all measured in the same run: interleaved, one
 * call per sample, medians after warm-up.
 *
 * Arguments: the client store's path, the agreement id, the instant to decide at
 * (ms), and optionally the number of samples. Run by scripts/bench-kotlin.
 */
/** The key the benchmark fixture's stores are encrypted with (`coachline_core::fixtures::KEY`). */
val FIXTURE_KEY = ByteArray(32) { 0x5a }

fun main(args: Array<String>) {
    require(args.size >= 3) { "usage: StatusBench STORE AGREEMENT_ID NOW_MS [SAMPLES]" }
    val (path, id, nowArg) = args
    val now = nowArg.toLong()
    val samples = args.getOrNull(3)?.toInt() ?: 50_000

    CoachlineStore.open(path, FIXTURE_KEY).use { store ->
        val log = store.log(id, 100_000)
        println("history: ${log.size} log entries; decision at $now: ${store.status(id, now).permission}")

        val decisions = store.callDecisions(id)
        val calls: List<Pair<String, () -> Any?>> = listOf(
            "trivial call: coreVersion()" to { coreVersion() },
            "method, no argument: identity()" to { store.identity() },
            "status(id, nowMs)" to { store.status(id, now) },
            "callDecisions(id).decide(nowMs)" to { decisions.decide(now) },
        )
        val times = calls.map { LongArray(samples) }
        // Warm-up: JIT, JNA's method lookup, the core's cached rules.
        repeat(samples) { calls.forEach { (_, call) -> call() } }
        for (i in 0 until samples) {
            calls.forEachIndexed { c, (_, call) ->
                val t = System.nanoTime()
                call()
                times[c][i] = System.nanoTime() - t
            }
        }
        times.forEach { it.sort() }
        fun us(sorted: LongArray, q: Double) = sorted[((sorted.size - 1) * q).toInt()] / 1000.0
        println("samples: $samples of each, after $samples warm-up rounds")
        calls.forEachIndexed { c, (name, _) ->
            println("%-34s median %7.2f µs   p90 %7.2f µs   p99 %7.2f µs".format(name, us(times[c], 0.5), us(times[c], 0.9), us(times[c], 0.99)))
        }
        val trivial = us(times[0], 0.5)
        for ((c, name) in listOf(2 to "status(id, nowMs)", 3 to "callDecisions(id).decide(nowMs)")) {
            val status = us(times[c], 0.5)
            println("%s / trivial (medians): %.2fx; <= 60 µs: %s; <= 2x the trivial call: %s".format(
                name, status / trivial, if (status <= 60.0) "met" else "NOT met", if (status <= 2 * trivial) "met" else "NOT met"))
        }
    }
}
