import Coachline
import Foundation

/// What one `syncNow` (or `syncAll`, `syncThroughRelay`) did.
public struct SyncRound: Sendable, Equatable {
    /// Messages handed to the transport, or deposited with the relay.
    public let sent: Int
    /// Messages received and applied.
    public let applied: Int
    /// Messages received and refused, with why (a replay, another phone's, …). Empty
    /// through a relay, which tells no reasons: `relay.rejected` counts them.
    public let refused: [SyncRejection]
    /// The pass's report when the round went through a relay; nil through the transport.
    public let relay: RelayPassReport?

    public init(sent: Int, applied: Int, refused: [SyncRejection], relay: RelayPassReport? = nil) {
        self.sent = sent
        self.applied = applied
        self.refused = refused
        self.relay = relay
    }
}

/// One store, open for one person on one phone, with the screens the core computes
/// as observable values. The app makes one when it starts and closes it when it ends.
///
/// - Each screen the app shows (`home(_:)`, `clients()`, …) is an `ObservableValue`,
///   computed again when the core says its agreement changed (a local write, an
///   import, an applied sync message: no polling), when an action's `Refresh` says
///   so, and at its `refreshAtMs` when the app calls `refreshDue()`.
/// - `send(_:)` applies what the person did and follows the effects: `Show` moves
///   `route`, the others go to the `EffectHandler`.
/// - `syncNow(_:)` moves sealed messages through the store's relay when it has one
///   (its requests made by the `RelayHTTP`), through the `SyncTransport` otherwise.
///
/// Thread-safe: the core may tell of a change on any thread; observers are called
/// on the thread that made the change.
public final class CoachlineSession: @unchecked Sendable {
    /// The store: for what no screen covers yet (identity, agreements, backups).
    public let store: CoachlineStore
    /// The screens for this viewer, for the forms computed from a draft the app holds.
    public let screens: CoachlineScreens
    /// The screen to show: moved by every `Show` effect.
    public let route: ObservableValue<Route?>
    /// The earliest `refreshAtMs` of the screens observed, or nil: when the app should
    /// call `refreshDue()` next (with a timer; tests set their clock and call it).
    public let nextRefreshAtMs: ObservableValue<Int64?>
    /// The last error met computing a screen again after a change (nil when the last
    /// one worked). The screen keeps its previous value.
    public let lastError: ObservableValue<CoachlineError?>

    private let clock: Clock
    private let effects: EffectHandler
    private let transport: SyncTransport
    private let relayHTTP: RelayHTTP
    /// The clinic's relay, from the app's configuration: this phone's relay until it
    /// has one of its own (the invitation it joins with names the therapist's, and
    /// replaces it). Nil: no relay until an invitation names one.
    private let defaultRelay: String?
    private let lock = NSLock()
    private var watches: [ScreenKey: AnyWatch] = [:]
    private var listenerHandle: UInt64?

    /// Opens the store at `path` with the key `keys` gives, for a viewer in
    /// `timeZone` (an IANA name: the phone's) and `language` (English when nil),
    /// showing `route` first. Sync goes through the store's relay, when it has one,
    /// with `relayHTTP`; through `transport` otherwise. `defaultRelay` is the clinic's
    /// relay, which the phone takes once it has an identity and no relay yet.
    public init(
        path: String,
        keys: StoreKeyProvider,
        clock: Clock = SystemClock(),
        timeZone: String,
        language: String? = nil,
        effects: EffectHandler,
        transport: SyncTransport,
        relayHTTP: RelayHTTP = URLSessionRelayHTTP(),
        defaultRelay: String? = nil,
        route: Route? = nil
    ) throws {
        let store = try CoachlineStore.open(path: path, key: try keys.storeKey())
        do {
            screens = try store.screens(timeZone: timeZone, language: language)
        } catch {
            store.close()
            throw error
        }
        self.store = store
        self.clock = clock
        self.effects = effects
        self.transport = transport
        self.relayHTTP = relayHTTP
        self.defaultRelay = defaultRelay
        self.route = ObservableValue(route)
        nextRefreshAtMs = ObservableValue(nil)
        lastError = ObservableValue(nil, isSame: { $0 == nil && $1 == nil })
        // The listener holds the session weakly: the store holds the listener.
        let listener = Listener()
        listener.session = self
        listenerHandle = store.addChangeListener(listener: listener)
        do {
            try adoptDefaultRelay()
        } catch {
            close()
            throw error
        }
    }

    /// Gives the phone `defaultRelay` if it has an identity and no relay yet.
    private func adoptDefaultRelay() throws {
        guard let defaultRelay else { return }
        do {
            if try store.relay() == nil { try store.setRelay(url: defaultRelay) }
        } catch CoachlineError.NoIdentity {
            // A new phone: adopted once its identity is made (Welcome).
        }
    }

    /// Stops listening to the store and closes it; later calls fail with `Closed`.
    /// Closing twice is fine.
    public func close() {
        lock.lock()
        let handle = listenerHandle
        listenerHandle = nil
        watches = [:]
        lock.unlock()
        if let handle { store.removeChangeListener(handle: handle) }
        store.close()
        nextRefreshAtMs.set(nil)
    }

    /// Now, by the session's clock.
    public var nowMs: Int64 { clock.nowMs() }

    // MARK: Screens observed

    /// The client's Home for `agreementId`: may they call now, and what to do instead.
    public func home(_ agreementId: String) throws -> ObservableValue<Home> {
        try watch(.home(agreementId)) { [screens] in
            let handle = try screens.homeScreen(agreementId: agreementId)
            return Watch(compute: { try handle.at(nowMs: $0) }, refreshAt: \.refreshAtMs)
        }
    }

    /// The therapist's clients, most pressing first; computed again on any change.
    public func clients() throws -> ObservableValue<Clients> {
        try watch(.clients) { [screens] in
            Watch(compute: { try screens.clients(nowMs: $0) }, refreshAt: \.refreshAtMs)
        }
    }

    /// One client's log, with its flags.
    public func client(_ agreementId: String) throws -> ObservableValue<Client> {
        try watch(.client(agreementId)) { [screens] in
            Watch(compute: { try screens.client(agreementId: agreementId, nowMs: $0) }, refreshAt: { _ in nil })
        }
    }

    /// The agreement, its signatures and changes.
    public func agreement(_ agreementId: String) throws -> ObservableValue<AgreementScreen> {
        try watch(.agreement(agreementId)) { [screens] in
            Watch(compute: { _ in try screens.agreement(agreementId: agreementId) }, refreshAt: { _ in nil })
        }
    }

    /// Where the sync with the other phone stands.
    public func sync(_ agreementId: String) throws -> ObservableValue<SyncScreen> {
        try watch(.sync(agreementId)) { [screens] in
            Watch(compute: { try screens.sync(agreementId: agreementId, nowMs: $0) }, refreshAt: { _ in nil })
        }
    }

    /// The therapist's invitation to show as a QR code.
    public func invite(_ agreementId: String) throws -> ObservableValue<Invite> {
        try watch(.invite(agreementId)) { [screens] in
            Watch(compute: { try screens.invite(agreementId: agreementId, nowMs: $0) }, refreshAt: \.refreshAtMs)
        }
    }

    /// A call in progress: its minutes against the agreed band.
    public func duringCall(_ agreementId: String, callId: String) throws -> ObservableValue<DuringCall> {
        try watch(.duringCall(agreementId, callId)) { [screens] in
            Watch(compute: { try screens.duringCall(agreementId: agreementId, callId: callId, nowMs: $0) }, refreshAt: \.refreshAtMs)
        }
    }

    /// The preparation for the next session.
    public func sessionPrep(_ agreementId: String) throws -> ObservableValue<SessionPrep> {
        try watch(.sessionPrep(agreementId)) { [screens] in
            Watch(compute: { try screens.sessionPrep(agreementId: agreementId, nowMs: $0) }, refreshAt: { _ in nil })
        }
    }

    /// Stops keeping the screen of `route` up to date (when the app leaves it).
    public func forget(_ route: Route) {
        guard let key = ScreenKey(route) else { return }
        lock.lock()
        watches[key] = nil
        lock.unlock()
        publishNextRefresh()
    }

    // MARK: Forms: computed from the draft the app holds, at the session's clock

    public func beforeCall(_ agreementId: String, draft: CallDraft) throws -> BeforeCall {
        try screens.beforeCall(agreementId: agreementId, draft: draft, nowMs: clock.nowMs())
    }

    public func afterCall(_ agreementId: String, callId: String, draft: AfterCallDraft) throws -> AfterCall {
        try screens.afterCall(agreementId: agreementId, callId: callId, draft: draft)
    }

    public func report(_ agreementId: String, draft: ReportDraft) throws -> ReportScreen {
        try screens.report(agreementId: agreementId, draft: draft, nowMs: clock.nowMs())
    }

    public func editor(_ agreementId: String, editing: TermEditDraft? = nil) throws -> Editor {
        try screens.editor(agreementId: agreementId, editing: editing)
    }

    public func pairing(code: String) throws -> Pairing {
        try screens.pairing(code: code, nowMs: clock.nowMs())
    }

    public func welcome(_ draft: WelcomeDraft) -> Welcome {
        screens.welcome(draft: draft)
    }

    public func newClient(_ draft: NewClientDraft) -> NewClient {
        screens.newClient(draft: draft)
    }

    /// The screen the app opens on, as the core decides it (Welcome on a new phone,
    /// Clients for a therapist, Home, Sync or Pairing for a client): moves `route`.
    public func openFirstScreen() throws {
        route.set(try screens.start())
    }

    // MARK: Actions

    /// Applies what the person did (a button's `action`) at the session's clock:
    /// moves `route` on `Show`, computes the agreement's screens again on `Refresh`,
    /// hands every other effect to the `EffectHandler`, in order. Returns the effects.
    /// Bad input throws `InvalidInput` and changes nothing.
    @discardableResult
    public func send(_ action: Action) throws -> [Effect] {
        let effects = try screens.act(action: action, nowMs: clock.nowMs())
        if case .createIdentity = action { try adoptDefaultRelay() }
        for effect in effects {
            switch effect {
            case let .show(route):
                self.route.set(route)
            case let .refresh(agreementId):
                recompute(where: { $0.concerns(agreementId) })
            default:
                self.effects.perform(effect)
            }
        }
        return effects
    }

    /// Computes again every observed screen whose `refreshAtMs` has come, by the
    /// session's clock. Returns when to call again (also in `nextRefreshAtMs`).
    @discardableResult
    public func refreshDue() -> Int64? {
        let now = clock.nowMs()
        recompute(where: { _ in true }, onlyDueBy: now)
        return nextRefreshAtMs.value
    }

    // MARK: Sync

    /// Syncs `agreementId` with the other phone. When the store has a relay (set, or
    /// named by the invitation the phone joined with), this is one pass through it
    /// (`syncThroughRelay`), which syncs every agreement at once. Otherwise it applies
    /// every message the transport received, then hands it every message due for
    /// `agreementId` (answers to what was just applied included). With a relay it
    /// waits for the network: call it off the main thread.
    @discardableResult
    public func syncNow(_ agreementId: String) throws -> SyncRound {
        if try store.relay() != nil { return try syncThroughRelay() }
        return try syncThroughTransport(agreementId)
    }

    /// Syncs every agreement: one pass through the store's relay when it has one, or
    /// each agreement through the transport (one not paired yet is skipped). What the
    /// background refresh runs.
    @discardableResult
    public func syncAll() throws -> SyncRound {
        if try store.relay() != nil { return try syncThroughRelay() }
        var (sent, applied, refused) = (0, 0, [SyncRejection]())
        for agreement in try store.listAgreements() {
            // Not paired yet: nothing to sync; the others still are.
            guard let round = try? syncThroughTransport(agreement.id) else { continue }
            sent += round.sent
            applied += round.applied
            refused += round.refused
        }
        return SyncRound(sent: sent, applied: applied, refused: refused)
    }

    /// One pass through the store's relay (or `url`), its requests made with the
    /// `RelayHTTP`, each signed at the clock's now: sends what is due to every paired
    /// phone, fetches and applies this phone's mailbox, acknowledges. The store is
    /// locked only inside each step, never across a request, so the screens keep
    /// working; what is applied reaches them through the change notification. A
    /// refusal by the relay throws `CoachlineError.Relay`, no answer at all the
    /// `RelayHTTP`'s error; either way nothing is lost, and the next pass goes on.
    @discardableResult
    public func syncThroughRelay(url: String? = nil) throws -> SyncRound {
        let pass = try store.relayPass(url: url)
        while true {
            let now = clock.nowMs()
            guard let request = try pass.nextRequest(nowMs: now) else { break }
            let response: RelayResponse
            do {
                response = try relayHTTP.exchange(request)
            } catch {
                // What it carried goes with the next pass, not after the resend delay.
                try pass.abandon()
                throw error
            }
            try pass.receive(response: response, nowMs: now)
        }
        let report = pass.report()
        return SyncRound(sent: Int(report.sent), applied: Int(report.applied), refused: [], relay: report)
    }

    private func syncThroughTransport(_ agreementId: String) throws -> SyncRound {
        let now = clock.nowMs()
        var applied = 0
        var refused: [SyncRejection] = []
        for message in try transport.receive() {
            do {
                _ = try store.syncReceive(message: message, nowMs: now)
                applied += 1
            } catch let CoachlineError.SyncRejected(reason) {
                refused.append(reason)
            }
        }
        var sent = 0
        while let message = try store.syncNext(agreementId: agreementId, nowMs: now) {
            try transport.send(message, agreementId: agreementId)
            sent += 1
        }
        return SyncRound(sent: sent, applied: applied, refused: refused)
    }

    // MARK: Inside

    /// Told by the store's listener; the store is unlocked.
    fileprivate func agreementChanged(_ agreementId: String) {
        recompute(where: { $0.concerns(agreementId) })
    }

    private func watch<T: Equatable>(_ key: ScreenKey, make: () throws -> Watch<T>) throws -> ObservableValue<T> {
        lock.lock()
        if let existing = watches[key] {
            lock.unlock()
            guard let watch = existing as? Watch<T> else { preconditionFailure("one screen, one type") }
            return watch.value
        }
        lock.unlock()
        // Computed outside the session's lock: it calls the store.
        let watch = try make()
        try watch.start(at: clock.nowMs())
        lock.lock()
        if let raced = watches[key] as? Watch<T> {
            lock.unlock()
            return raced.value
        }
        watches[key] = watch
        lock.unlock()
        publishNextRefresh()
        return watch.value
    }

    private func recompute(where concerned: (ScreenKey) -> Bool, onlyDueBy due: Int64? = nil) {
        lock.lock()
        let chosen = watches.filter { concerned($0.key) }.map(\.value)
        lock.unlock()
        let now = clock.nowMs()
        for watch in chosen {
            if let due, !(watch.refreshAtMs.map { $0 <= due } ?? false) { continue }
            do {
                try watch.recompute(at: now)
                lastError.set(nil)
            } catch let error as CoachlineError {
                lastError.set(error)
            } catch {
                lastError.set(.Internal(reason: "computing a screen failed"))
            }
        }
        publishNextRefresh()
    }

    private func publishNextRefresh() {
        lock.lock()
        let chosen = Array(watches.values)
        lock.unlock()
        nextRefreshAtMs.set(chosen.compactMap(\.refreshAtMs).min())
    }
}

/// The store's listener, holding the session weakly (the store holds the listener).
private final class Listener: ChangeListener, @unchecked Sendable {
    weak var session: CoachlineSession?

    func agreementChanged(agreementId: String) {
        session?.agreementChanged(agreementId)
    }
}

/// A screen observed: what it shows, and which agreement's changes concern it.
enum ScreenKey: Hashable {
    case home(String)
    case clients
    case client(String)
    case agreement(String)
    case sync(String)
    case invite(String)
    case duringCall(String, String)
    case sessionPrep(String)

    init?(_ route: Route) {
        switch route {
        case let .home(id): self = .home(id)
        case .clients: self = .clients
        case let .client(id): self = .client(id)
        case let .agreement(id): self = .agreement(id)
        case let .sync(id): self = .sync(id)
        case let .invite(id): self = .invite(id)
        case let .duringCall(id, call): self = .duringCall(id, call)
        case let .sessionPrep(id): self = .sessionPrep(id)
        default: return nil
        }
    }

    /// Whether a change of `agreementId` changes this screen (the list: any change).
    func concerns(_ agreementId: String) -> Bool {
        switch self {
        case .clients: return true
        case let .home(id), let .client(id), let .agreement(id), let .sync(id),
             let .invite(id), let .duringCall(id, _), let .sessionPrep(id):
            return id == agreementId
        }
    }
}

/// A screen observed, whatever its type.
protocol AnyWatch: AnyObject, Sendable {
    var refreshAtMs: Int64? { get }
    func recompute(at now: Int64) throws
}

/// One screen observed: computes it, one computation at a time, and sets its value.
final class Watch<T: Equatable>: AnyWatch, @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private let compute: (Int64) throws -> T
    private let refreshAt: (T) -> Int64?
    private var due: Int64?
    private var observable: ObservableValue<T>?

    init(compute: @escaping (Int64) throws -> T, refreshAt: @escaping (T) -> Int64?) {
        self.compute = compute
        self.refreshAt = refreshAt
    }

    var value: ObservableValue<T> {
        lock.lock()
        defer { lock.unlock() }
        return observable!
    }

    var refreshAtMs: Int64? {
        lock.lock()
        defer { lock.unlock() }
        return due
    }

    /// The first computation, which makes the observable value.
    func start(at now: Int64) throws {
        let first = try compute(now)
        lock.lock()
        defer { lock.unlock() }
        due = refreshAt(first)
        observable = ObservableValue(first)
    }

    /// Computes again and tells the observers. Serialized, so that values are set in
    /// the order computed; recursive, as an observer may send an action that changes
    /// this very screen.
    func recompute(at now: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        let next = try compute(now)
        due = refreshAt(next)
        observable?.set(next)
    }
}
