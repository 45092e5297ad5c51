package org.coachline.bench

import java.io.File
import org.coachline.CoachlineStore
import org.coachline.Role
import org.coachline.coreVersion

/**
 * The screens from Kotlin through JNA, against the library as shipped: Home cold
 * (open the store, compute Home, close: an app started again), Home warm beside the
 * cheapest call there is, and the therapist's Clients over 300 agreements. Medians
 * after warm-up, measured in one run.
 *
 * Arguments: the client store's path, the agreement id, the instant (ms), a
 * directory for the therapist's store, and optionally the number of samples.
 * Run by scripts/bench-kotlin.
 */
fun main(args: Array<String>) {
    require(args.size >= 4) { "usage: ScreensBench STORE AGREEMENT_ID NOW_MS DIR [SAMPLES]" }
    val (path, id, nowArg, dir) = args
    val now = nowArg.toLong()
    val samples = args.getOrNull(4)?.toInt() ?: 20_000
    val zone = "America/New_York"
    fun median(times: LongArray): Double = times.sorted()[times.size / 2] / 1000.0

    val cold = LongArray(200) {
        val t = System.nanoTime()
        CoachlineStore.open(path, FIXTURE_KEY).use { store -> store.screens(zone).home(id, now) }
        System.nanoTime() - t
    }
    val coldAgain = LongArray(200) {
        val t = System.nanoTime()
        CoachlineStore.open(path, FIXTURE_KEY).use { store -> store.screens(zone).home(id, now) }
        System.nanoTime() - t
    }
    println("Home cold (open the 5-year store, compute Home, close): median %.0f µs; <= 2 ms: %s".format(
        median(coldAgain), if (median(coldAgain) <= 2000.0) "met" else "NOT met"))

    CoachlineStore.open(path, FIXTURE_KEY).use { store ->
        val screens = store.screens(zone)
        val homeScreen = screens.homeScreen(id)
        val trivial = LongArray(samples)
        val home = LongArray(samples)
        val byId = LongArray(samples)
        repeat(samples) { coreVersion(); homeScreen.at(now); screens.home(id, now) }
        for (i in 0 until samples) {
            var t = System.nanoTime(); coreVersion(); trivial[i] = System.nanoTime() - t
            t = System.nanoTime(); homeScreen.at(now); home[i] = System.nanoTime() - t
            t = System.nanoTime(); screens.home(id, now); byId[i] = System.nanoTime() - t
        }
        val ratio = median(home) / median(trivial)
        println("Home warm, homeScreen(id).at(nowMs): median %.2f µs; trivial call coreVersion(): %.2f µs; ratio %.2fx; <= 50 µs: %s; <= 3x: %s".format(
            median(home), median(trivial), ratio, if (median(home) <= 50.0) "met" else "NOT met", if (ratio <= 3.0) "met" else "NOT met"))
        println("Home warm, screens.home(id, nowMs): median %.2f µs (%.2fx): two more native round trips, for the id and the optional instant".format(
            median(byId), median(byId) / median(trivial)))
    }

    val therapistPath = File(dir, "therapist-300.db").path
    if (!File(therapistPath).exists()) {
        CoachlineStore.open(therapistPath, FIXTURE_KEY).use { t ->
            t.createIdentity(Role.THERAPIST, "Dr. Bench", now - 400L * 86_400_000)
            repeat(300) { n ->
                val start = now - 300L * 86_400_000 + n * 3_600_000L
                val agreement = t.createAgreement("Client $n", zone, start)
                t.setTerm(agreement, org.coachline.TermKey.AVAILABILITY, "Mon-Fri 09:00-17:00", start)
                if (n % 3 == 0) t.reportBehavior(agreement, null, now - (n % 48) * 3_600_000L, now)
                if (n % 5 == 0) t.recordSession(agreement, now - 7L * 86_400_000, now)
            }
        }
    }
    CoachlineStore.open(therapistPath, FIXTURE_KEY).use { store ->
        val screens = store.screens(zone)
        val rows = screens.clients(now).rows.size
        val times = LongArray(200) {
            val t = System.nanoTime(); screens.clients(now); System.nanoTime() - t
        }
        val first = LongArray(20) {
            CoachlineStore.open(therapistPath, FIXTURE_KEY).use { fresh ->
                val s = fresh.screens(zone)
                val t = System.nanoTime(); s.clients(now); System.nanoTime() - t
            }
        }
        println("Clients over $rows agreements: warm median %.2f ms, first after open median %.2f ms; <= 20 ms: %s".format(
            median(times) / 1000, median(first) / 1000, if (median(times) <= 20_000.0) "met" else "NOT met"))
    }
}
