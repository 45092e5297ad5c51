import Foundation

/// A value that changes over time, and whoever wants to hear of it: how the session
/// hands a screen to the app. Foundation only, thread-safe: `value` may be read on
/// any thread; each observer is called, on the thread that set the value, with every
/// value set after it started observing (a value equal to the current one is not
/// set again when `Value` is `Equatable`).
public final class ObservableValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Value
    private var observers: [UInt64: (Value) -> Void] = [:]
    private var nextToken: UInt64 = 0
    private let isSame: ((Value, Value) -> Bool)?

    /// A value that tells its observers of every change.
    public convenience init(_ initial: Value) {
        self.init(initial, isSame: nil)
    }

    /// A value that tells its observers of a change unless `isSame(old, new)`.
    public init(_ initial: Value, isSame: ((Value, Value) -> Bool)?) {
        current = initial
        self.isSame = isSame
    }

    /// The value now.
    public var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Calls `observer` with each later value until the returned observation is
    /// cancelled. The observer must not block for long: it runs on the thread that
    /// set the value (the app hops to the main thread itself).
    @discardableResult
    public func observe(_ observer: @escaping @Sendable (Value) -> Void) -> ObservationToken {
        lock.lock()
        defer { lock.unlock() }
        return observeLocked(observer)
    }

    /// `observe`, with the lock already held.
    private func observeLocked(_ observer: @escaping @Sendable (Value) -> Void) -> ObservationToken {
        nextToken += 1
        let token = nextToken
        observers[token] = observer
        return ObservationToken { [weak self] in
            guard let self else { return }
            self.lock.lock()
            self.observers[token] = nil
            self.lock.unlock()
        }
    }

    /// How many observers are listening (for tests and diagnostics).
    public var observerCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return observers.count
    }

    /// Sets the value and tells the observers, outside the lock. Returns false when
    /// the value was the same as before and nobody was told.
    @discardableResult
    func set(_ value: Value) -> Bool {
        lock.lock()
        if let isSame, isSame(current, value) {
            lock.unlock()
            return false
        }
        current = value
        let toTell = observers.sorted { $0.key < $1.key }.map(\.value)
        lock.unlock()
        for observer in toTell { observer(value) }
        return true
    }
}

extension ObservableValue where Value: Equatable {
    /// A value whose observers are told only of a value that differs from the last.
    public convenience init(_ initial: Value) {
        self.init(initial, isSame: { $0 == $1 })
    }
}

extension ObservableValue where Value: Sendable {
    /// The values as an asynchronous sequence: the value now, then every later one
    /// (for SwiftUI's `.task { for await home in session.home(id).values { … } }`).
    /// Observation stops when the consuming task ends.
    public var values: AsyncStream<Value> {
        AsyncStream { continuation in
            // The value now and the observer's start under one lock: no change falls
            // between them, and none comes before the value now.
            lock.lock()
            continuation.yield(current)
            let observation = observeLocked { continuation.yield($0) }
            lock.unlock()
            continuation.onTermination = { _ in observation.cancel() }
        }
    }
}

/// Stops an observation when cancelled (cancelling twice is fine). Dropping it does
/// not cancel: keep it to cancel, or cancel it from the observer's owner's deinit.
public final class ObservationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var onCancel: (() -> Void)?

    init(_ onCancel: @escaping () -> Void) {
        self.onCancel = onCancel
    }

    public func cancel() {
        lock.lock()
        let action = onCancel
        onCancel = nil
        lock.unlock()
        action?()
    }
}
