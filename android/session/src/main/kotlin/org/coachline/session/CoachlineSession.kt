package org.coachline.session

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.coachline.Action
import org.coachline.AgreementScreen
import org.coachline.ChangeListener
import org.coachline.Client
import org.coachline.Clients
import org.coachline.CoachlineException
import org.coachline.CoachlineScreens
import org.coachline.CoachlineStore
import org.coachline.DuringCall
import org.coachline.Effect
import org.coachline.Home
import org.coachline.HomeScreen
import org.coachline.Invite
import org.coachline.RelayPassReport
import org.coachline.Route
import org.coachline.SessionPrep
import org.coachline.SyncRejection
import org.coachline.SyncScreen

/**
 * One store, open, for one viewer: its screens as observable values, the route the
 * person is on, and the one way to act on them ([send]).
 *
 * Screens are computed by the core. A screen asked for once (e.g. [home]) is kept
 * and computed again when the core says its agreement changed (a local write, an
 * import, an applied sync message: the store's [ChangeListener]), and when the clock
 * reaches its `refreshAtMs` and the app calls [refreshDue] (the session starts no
 * timer of its own: the app schedules one at [nextRefreshAtMs]). Nothing polls.
 *
 * Thread-safe: the listener runs on whichever thread made the change, and each
 * screen's value is computed and set under that screen's own lock, so a value never
 * goes back to an older state.
 */
class CoachlineSession private constructor(
    /** The open store, for what no screen does yet (creating an identity, an agreement). */
    val store: CoachlineStore,
    /** The viewer's screens, for forms computed from a draft the UI holds. */
    val screens: CoachlineScreens,
    private val clock: Clock,
    private val effects: EffectHandler,
    private val transport: SyncTransport,
    private val relayHttp: RelayHttp,
    /**
     * The clinic's relay, from the app's build configuration: this phone's relay until
     * it has one of its own (the invitation it joins with names the therapist's, and
     * replaces it). Null: the phone has no relay until an invitation names one.
     */
    private val defaultRelay: String?,
) : AutoCloseable {
    private val closed = AtomicBoolean(false)
    private val watched = ConcurrentHashMap<ScreenKey, Watched<*>>()
    private val homeHandles = ConcurrentHashMap<String, HomeScreen>()
    private val revisions = ConcurrentHashMap<String, MutableStateFlow<Long>>()
    private val routeStack = ArrayDeque<Route>()
    private val routeFlow = MutableStateFlow<Route?>(null)
    private val nextRefresh = MutableStateFlow<Long?>(null)

    /** Agreements recomputed by the listener during the current [send], on this thread. */
    private val refreshedDuringSend = ThreadLocal<MutableSet<String>?>()

    private val listener = object : ChangeListener {
        override fun agreementChanged(agreementId: String) {
            if (closed.get()) return
            refreshedDuringSend.get()?.add(agreementId)
            recompute(agreementId)
        }
    }
    private val listenerHandle = store.addChangeListener(listener)

    /** The screen the person is on, first where the core says the app starts ([CoachlineScreens.start]). Follows [Effect.Show]. */
    val route: StateFlow<Route?> = routeFlow.asStateFlow()

    /** When the earliest screen kept goes stale by the clock: call [refreshDue] then. */
    val nextRefreshAtMs: StateFlow<Long?> = nextRefresh.asStateFlow()

    init {
        routeFlow.value = screens.start()
        routeFlow.value?.let { routeStack.addLast(it) }
    }

    companion object {
        /**
         * Opens the store at [storePath] with the key from [keys] (zeroed once used),
         * for a viewer in [timeZone] (IANA, the phone's zone) and [language] (BCP 47;
         * English when null). Sync goes through the store's relay, when it has one,
         * with [relayHttp]; through [transport] otherwise.
         */
        fun open(
            storePath: String,
            keys: StoreKeyProvider,
            clock: Clock,
            timeZone: String,
            language: String? = null,
            effects: EffectHandler,
            transport: SyncTransport,
            relayHttp: RelayHttp = UrlConnectionRelayHttp(),
            defaultRelay: String? = null,
        ): CoachlineSession {
            val key = keys.storeKey()
            val store = try {
                CoachlineStore.open(storePath, key)
            } finally {
                key.fill(0)
            }
            try {
                return CoachlineSession(store, store.screens(timeZone, language), clock, effects, transport, relayHttp, defaultRelay)
                    .also { it.adoptDefaultRelay() }
            } catch (e: Exception) {
                store.closeStore() // a bad zone, an unreadable identity: nothing stays open
                store.destroy()
                throw e
            }
        }
    }

    /** Gives the phone [defaultRelay] if it has an identity and no relay yet. */
    private fun adoptDefaultRelay() {
        val relay = defaultRelay ?: return
        try {
            if (store.relay() == null) store.setRelay(relay)
        } catch (e: CoachlineException.NoIdentity) {
            // A new phone: adopted once its identity is made (Welcome).
        }
    }

    // --- Screens, kept and recomputed -------------------------------------------------

    /** Agreement [agreementId]'s Home. */
    fun home(agreementId: String): StateFlow<Home> = watch(ScreenKey.Home(agreementId), Home::refreshAtMs) { now ->
        homeHandles.computeIfAbsent(agreementId) { screens.homeScreen(it) }.at(now)
    }

    /** The therapist's clients, most pressing first; recomputed when any agreement changes. */
    fun clients(): StateFlow<Clients> = watch(ScreenKey.Clients, Clients::refreshAtMs) { now -> screens.clients(now) }

    fun client(agreementId: String): StateFlow<Client> =
        watch(ScreenKey.Client(agreementId), { null }) { now -> screens.client(agreementId, now) }

    fun agreement(agreementId: String): StateFlow<AgreementScreen> =
        watch(ScreenKey.Agreement(agreementId), { null }) { screens.agreement(agreementId) }

    fun sessionPrep(agreementId: String): StateFlow<SessionPrep> =
        watch(ScreenKey.SessionPrep(agreementId), { null }) { now -> screens.sessionPrep(agreementId, now) }

    fun invite(agreementId: String): StateFlow<Invite> =
        watch(ScreenKey.Invite(agreementId), Invite::refreshAtMs) { now -> screens.invite(agreementId, now) }

    fun sync(agreementId: String): StateFlow<SyncScreen> =
        watch(ScreenKey.Sync(agreementId), { null }) { now -> screens.sync(agreementId, now) }

    fun duringCall(agreementId: String, callId: String): StateFlow<DuringCall> =
        watch(ScreenKey.DuringCall(agreementId, callId), DuringCall::refreshAtMs) { now ->
            screens.duringCall(agreementId, callId, now)
        }

    /**
     * A counter that goes up each time agreement [agreementId] changes: forms computed
     * from a draft the UI holds (before and after a call, a report, the editor) are
     * computed again when it moves.
     */
    fun revision(agreementId: String): StateFlow<Long> =
        revisions.computeIfAbsent(agreementId) { MutableStateFlow(0L) }.asStateFlow()

    /** Stops keeping the screens of [agreementId] (the UI left them). */
    fun forget(agreementId: String) {
        watched.keys.removeIf { it.agreementId == agreementId }
        revisions.remove(agreementId)
        homeHandles.remove(agreementId)?.destroy()
        updateNextRefresh()
    }

    // --- Acting ----------------------------------------------------------------------------

    /**
     * Applies [action] (a button's) at the clock's now: the route follows
     * [Effect.Show], the screens of an agreement follow [Effect.Refresh] (unless the
     * change notification already recomputed them), every other effect goes to the
     * [EffectHandler], in order. Returns the effects. A refused action throws the
     * core's typed [CoachlineException] and changes nothing.
     */
    fun send(action: Action): List<Effect> {
        val refreshed = mutableSetOf<String>()
        refreshedDuringSend.set(refreshed)
        val result = try {
            screens.act(action, clock.nowMs())
        } finally {
            refreshedDuringSend.set(null)
        }
        // Once this phone has an identity, Welcome is behind it for good.
        if (action is Action.CreateIdentity) {
            synchronized(routeStack) { routeStack.clear() }
            adoptDefaultRelay()
        }
        for (effect in result) {
            when (effect) {
                is Effect.Show -> show(effect.route)
                is Effect.Refresh -> if (refreshed.add(effect.agreementId)) recompute(effect.agreementId)
                else -> effects.perform(effect)
            }
        }
        return result
    }

    /** Goes to [route] (as [Effect.Show] does), keeping where the person came from for [back]. */
    fun show(route: Route) {
        synchronized(routeStack) {
            if (routeStack.lastOrNull() == route) return
            val existing = routeStack.indexOf(route)
            if (existing >= 0) {
                while (routeStack.size > existing + 1) routeStack.removeLast()
            } else {
                routeStack.addLast(route)
            }
            routeFlow.value = route
        }
    }

    /** Back to the previous screen; false when already on the first one (the app then closes). */
    fun back(): Boolean = synchronized(routeStack) {
        if (routeStack.size <= 1) return false
        routeStack.removeLast()
        routeFlow.value = routeStack.last()
        true
    }

    // --- Sync ---------------------------------------------------------------------------

    /**
     * What [syncNow] or [syncAll] did: messages sent, applied, and refused (dropped, or
     * through a relay acknowledged so it deletes them); [relay] is the whole report of
     * a pass through a relay, null when the transport was used.
     */
    data class SyncResult(val sent: Int, val applied: Int, val refused: Int, val relay: RelayPassReport? = null)

    /**
     * Syncs [agreementId] with the other phone. When the store has a relay
     * ([CoachlineStore.relay]: set, or named by the invitation the phone joined
     * with), this is one pass through it ([syncThroughRelay]), which syncs every
     * agreement of the store at once. Otherwise it applies every message the transport
     * received for [agreementId], then sends every message due for it (received first:
     * a pairing's first answer is due only once the other phone's hello is in).
     * Messages the core refuses (replayed, tampered, not for this phone) are counted
     * and dropped: one bad file must not stop the rest. The screens follow through the
     * change notification. Through the transport, throws the core's error when the
     * agreement has no paired phone yet. Blocks for the network with a relay: call it
     * off the main thread.
     */
    fun syncNow(agreementId: String): SyncResult =
        if (store.relay() != null) syncThroughRelay() else syncThroughTransport(agreementId)

    /**
     * Syncs every agreement: one pass through the store's relay when it has one, or
     * [syncNow] for each agreement through the transport (one not paired yet is
     * skipped). What the background sync runs.
     */
    fun syncAll(): SyncResult {
        if (store.relay() != null) return syncThroughRelay()
        var total = SyncResult(0, 0, 0)
        for (agreement in store.listAgreements()) {
            val round = try {
                syncThroughTransport(agreement.id)
            } catch (e: CoachlineException) {
                continue // not paired yet: nothing to sync; the others still are
            }
            total = SyncResult(total.sent + round.sent, total.applied + round.applied, total.refused + round.refused)
        }
        return total
    }

    /**
     * One pass through the store's relay (or [url]), its requests made with the
     * session's [RelayHttp], each signed at the clock's now: sends what is due to
     * every paired phone, fetches and applies this phone's mailbox, acknowledges. The
     * store is locked only inside each step, never across a request, so the screens
     * keep working; what is applied reaches them through the change notification.
     * A refusal by the relay throws [CoachlineException.Relay], no answer at all the
     * [RelayHttp]'s [java.io.IOException]; either way nothing is lost, and the next
     * pass goes on from there.
     */
    fun syncThroughRelay(url: String? = null): SyncResult =
        store.relayPass(url).use { pass ->
            while (true) {
                val now = clock.nowMs()
                val request = pass.nextRequest(now) ?: break
                val response = try {
                    relayHttp.exchange(request)
                } catch (e: java.io.IOException) {
                    // What it carried goes with the next pass, not after the resend delay.
                    pass.abandon()
                    throw e
                }
                pass.receive(response, now)
            }
            val report = pass.report()
            SyncResult(report.sent, report.applied, report.rejected, report)
        }

    private fun syncThroughTransport(agreementId: String): SyncResult {
        val now = clock.nowMs()
        var applied = 0
        var refused = 0
        for (message in transport.receive(agreementId)) {
            try {
                store.syncReceive(message, now)
                applied++
            } catch (e: CoachlineException.SyncRejected) {
                refused++
            }
        }
        var sent = 0
        while (true) {
            val message = store.syncNext(agreementId, now) ?: break
            transport.send(agreementId, message)
            sent++
        }
        return SyncResult(sent, applied, refused)
    }

    // --- The clock ----------------------------------------------------------------------

    /** Recomputes every kept screen whose `refreshAtMs` has come; returns how many. */
    fun refreshDue(): Int {
        val now = clock.nowMs()
        var n = 0
        for (entry in watched.values) if (entry.isDue(now)) { entry.recompute(); n++ }
        updateNextRefresh()
        return n
    }

    /**
     * Recomputes every kept screen (the app coming back to the foreground): screens
     * without a `refreshAtMs` (Clients) may still change with the clock.
     */
    fun refreshAll() {
        for (entry in watched.values) entry.recompute()
        updateNextRefresh()
    }

    /** Removes the change listener and closes the store. */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        store.removeChangeListener(listenerHandle)
        watched.clear()
        homeHandles.values.forEach { it.destroy() }
        homeHandles.clear()
        screens.destroy()
        store.closeStore() // waits for a call in progress, then releases the database
        store.destroy()
    }

    // --- Internals ------------------------------------------------------------------------

    private fun recompute(agreementId: String) {
        revisions[agreementId]?.update { it + 1 }
        for ((key, entry) in watched) {
            if (key.agreementId == null || key.agreementId == agreementId) entry.recompute()
        }
        updateNextRefresh()
    }

    private fun updateNextRefresh() {
        nextRefresh.value = watched.values.mapNotNull { it.refreshAt() }.minOrNull()
    }

    private fun <T> watch(key: ScreenKey, refreshAt: (T) -> Long?, compute: (Long) -> T): StateFlow<T> {
        check(!closed.get()) { "session closed" }
        @Suppress("UNCHECKED_CAST")
        val entry = watched.computeIfAbsent(key) { Watched(key.agreementId, refreshAt, compute) } as Watched<T>
        updateNextRefresh()
        return entry.flow
    }

    private inner class Watched<T>(
        val agreementId: String?,
        private val refreshAtOf: (T) -> Long?,
        val compute: (Long) -> T,
    ) {
        private val state = MutableStateFlow(compute(clock.nowMs()))
        val flow: StateFlow<T> = state.asStateFlow()

        fun refreshAt(): Long? = refreshAtOf(state.value)

        fun isDue(now: Long): Boolean = refreshAt()?.let { it <= now } ?: false

        /** Computes the value again; a failure (the agreement gone) keeps the last value. */
        fun recompute() {
            synchronized(this) {
                try {
                    state.value = compute(clock.nowMs())
                } catch (e: CoachlineException) {
                    // Kept as it was: the next change or refresh tries again.
                }
            }
        }
    }
}

/** Which kept screen: the agreement it shows (null: every agreement, like Clients). */
private sealed class ScreenKey(val agreementId: String?) {
    data class Home(val id: String) : ScreenKey(id)
    data class Client(val id: String) : ScreenKey(id)
    data class Agreement(val id: String) : ScreenKey(id)
    data class SessionPrep(val id: String) : ScreenKey(id)
    data class Invite(val id: String) : ScreenKey(id)
    data class Sync(val id: String) : ScreenKey(id)
    data class DuringCall(val id: String, val callId: String) : ScreenKey(id)
    data object Clients : ScreenKey(null)
}
