package org.coachline.session

import org.coachline.coreVersion

/**
 * From a session's creation to its first Home state on the JVM, after the library is
 * loaded: open the store through [CoachlineSession.open] (key provider, clock,
 * viewer, listener registered), ask `home(id).value`, close. Median and 90th
 * percentile after warm-up, and the same for the store's open alone and the first
 * Home alone, so the session's own cost shows.
 *
 * Arguments: the store's path, the agreement id, the instant (ms), the store key as
 * 64 hex digits, and optionally the number of samples. Run by
 * scripts/bench-android-session. Prints figures only, never the store's content.
 */
fun main(args: Array<String>) {
    require(args.size >= 4) { "usage: SessionBench STORE AGREEMENT_ID NOW_MS KEY_HEX [SAMPLES]" }
    val (path, id, nowArg, keyHex) = args
    val now = nowArg.toLong()
    val samples = args.getOrNull(4)?.toInt() ?: 500
    val key = ByteArray(32) { keyHex.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
    val clock = Clock { now }
    val nothing = EffectHandler { }
    val noTransport = object : SyncTransport {
        override fun send(agreementId: String, message: ByteArray) = Unit
        override fun receive(agreementId: String): List<ByteArray> = emptyList()
    }
    coreVersion() // loads the library: not part of the figure

    fun once(): Triple<Long, Long, Long> {
        val t0 = System.nanoTime()
        val session = CoachlineSession.open(path, { key.copyOf() }, clock, "America/New_York", null, nothing, noTransport)
        val t1 = System.nanoTime()
        val home = session.home(id).value
        val t2 = System.nanoTime()
        check(home.agreementId == id)
        session.close()
        return Triple(t2 - t0, t1 - t0, t2 - t1)
    }

    repeat(maxOf(50, samples / 5)) { once() }
    val runs = List(samples) { once() }
    fun ms(values: List<Long>, q: Double) = values.sorted()[((values.size - 1) * q).toInt()] / 1e6
    val total = runs.map { it.first }
    println("session created -> first Home state (open + home(id).value), %d samples: median %.3f ms, p90 %.3f ms; <= 5 ms: %s"
        .format(samples, ms(total, 0.5), ms(total, 0.9), if (ms(total, 0.5) <= 5.0) "met" else "NOT met"))
    println("  of which CoachlineSession.open (store open, screens, listener): median %.3f ms; first home(id).value: median %.3f ms"
        .format(ms(runs.map { it.second }, 0.5), ms(runs.map { it.third }, 0.5)))
}
