import Combine
import CoachlineSession
import Foundation

/// A session's observable value for SwiftUI: republished on the main thread.
@MainActor
final class Observed<Value>: ObservableObject {
    @Published private(set) var value: Value
    private var observation: ObservationToken?

    init(_ source: ObservableValue<Value>) {
        value = source.value
        observation = source.observe { [weak self] next in
            DispatchQueue.main.async { self?.value = next }
        }
    }

    deinit {
        observation?.cancel()
    }
}
