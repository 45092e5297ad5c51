import BackgroundTasks
import Coachline
import CoachlineSession
import Foundation
import UIKit

/// The app's one session and what the effects need from the UI: the route to show,
/// a code to show, a file to share, a note to show.
@MainActor
final class AppModel: ObservableObject {
    static let syncTask = "org.coachline.app.sync"
    /// The one model: the UI's and the background sync's, so both share one session.
    static let shared = AppModel()

    @Published private(set) var route: Route?
    @Published var code: ShownCode?
    @Published var sharing: SharedFile?
    @Published var note: String?
    /// An agreement whose other party has no number on this phone yet: pick one.
    @Published var pickingOtherParty: PickedAgreement?
    @Published private(set) var failure: String?

    private(set) var session: CoachlineSession?
    private var observations: [ObservationToken] = []
    private var refreshTimer: Timer?

    struct ShownCode: Identifiable {
        let id = UUID()
        let payload: String
        let expiresAtMs: Int64
    }

    struct PickedAgreement: Identifiable {
        let id: String
    }

    struct SharedFile: Identifiable {
        let id = UUID()
        let url: URL
    }

    /// Opens the store in Application Support, its key from the Keychain.
    func start() {
        guard session == nil else { return }
        do {
            let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            let sync = support.appendingPathComponent("sync", isDirectory: true)
            let transport = try DirectorySyncTransport(
                outbox: sync.appendingPathComponent("outbox", isDirectory: true),
                inbox: sync.appendingPathComponent("inbox", isDirectory: true)
            )
            let session = try CoachlineSession(
                path: support.appendingPathComponent("coachline.db").path,
                keys: KeychainStoreKey(),
                timeZone: TimeZone.current.identifier,
                language: Locale.current.language.languageCode?.identifier,
                effects: AppEffects(model: self),
                transport: transport,
                // The clinic's relay, set per build (COACHLINE_RELAY in project.yml).
                defaultRelay: (Bundle.main.object(forInfoDictionaryKey: "CoachlineRelay") as? String)
                    .flatMap { $0.isEmpty ? nil : $0 }
            )
            self.session = session
            observations.append(session.route.observe { [weak self] route in
                DispatchQueue.main.async { self?.route = route }
            })
            observations.append(session.nextRefreshAtMs.observe { [weak self] at in
                DispatchQueue.main.async { self?.scheduleRefresh(at: at) }
            })
            try openFirstScreen(session)
        } catch {
            // Never the error's text: it may name a field a person filled in.
            failure = "\(type(of: error))"
        }
    }

    /// Where the app opens, as the core decides it: Welcome on a new phone, the
    /// therapist's clients, the client's Home (or Pairing, or Sync while the joined
    /// agreement is on its way).
    private func openFirstScreen(_ session: CoachlineSession) throws {
        try session.openFirstScreen()
    }

    /// Sends a button's action; a refused one shows nothing new (the form already
    /// shows each field's problem).
    func send(_ action: Action) {
        guard let session else { return }
        // Refused input changes nothing, and the form already shows each field's
        // problem; the error is never shown (it may quote what was typed).
        _ = try? session.send(action)
    }

    /// Syncs every agreement: one pass through the relay when the store has one (set,
    /// or named by the invitation joined with), else what arrived as files, then what
    /// is due. Off the main thread: a relay pass waits for the network (URLSession).
    func syncAll() async {
        guard let session else { return }
        await Task.detached { _ = try? session.syncAll() }.value
    }

    /// A sync file opened from AirDrop or Files: into the inbox, then applied.
    func receiveFile(_ url: URL) {
        let secured = url.startAccessingSecurityScopedResource()
        defer { if secured { url.stopAccessingSecurityScopedResource() } }
        guard let data = try? Data(contentsOf: url) else { return }
        _ = try? session?.store.syncReceive(message: data, nowMs: nil)
    }

    private func scheduleRefresh(at ms: Int64?) {
        refreshTimer?.invalidate()
        refreshTimer = nil
        guard let ms else { return }
        let date = Date(timeIntervalSince1970: TimeInterval(ms) / 1000)
        let timer = Timer(fire: max(date, Date()), interval: 0, repeats: false) { [weak self] _ in
            Task { @MainActor in self?.session?.refreshDue() }
        }
        RunLoop.main.add(timer, forMode: .common)
        refreshTimer = timer
    }

    /// ScheduleSync: asks iOS for a background refresh no earlier than `atMs`.
    nonisolated static func scheduleSync(atMs: Int64) {
        let request = BGAppRefreshTaskRequest(identifier: syncTask)
        request.earliestBeginDate = Date(timeIntervalSince1970: TimeInterval(atMs) / 1000)
        try? BGTaskScheduler.shared.submit(request)
    }

    func stop() {
        observations.forEach { $0.cancel() }
        observations = []
        refreshTimer?.invalidate()
        session?.close()
        session = nil
    }
}

/// The effects the session hands over, performed on the main thread.
final class AppEffects: EffectHandler, @unchecked Sendable {
    private weak var model: AppModel?

    init(model: AppModel) {
        self.model = model
    }

    func perform(_ effect: Effect) {
        if case let .scheduleSync(atMs) = effect {
            AppModel.scheduleSync(atMs: atMs)
            return
        }
        DispatchQueue.main.async { [weak model] in
            guard let model else { return }
            switch effect {
            case let .dial(uri), let .sendText(uri):
                // tel: and sms: links, taken from the resource's own words.
                if let url = URL(string: uri) { UIApplication.shared.open(url) }
            case let .callOtherParty(agreementId):
                // No number is in an agreement: the person's own choice on this phone.
                if let number = OtherPartyNumbers.number(for: agreementId), let url = OtherPartyNumbers.telURL(number) {
                    UIApplication.shared.open(url)
                } else {
                    model.pickingOtherParty = AppModel.PickedAgreement(id: agreementId)
                }
            case let .notify(text):
                model.note = text
            case let .showCode(payload, expiresAtMs):
                model.code = AppModel.ShownCode(payload: payload, expiresAtMs: expiresAtMs)
            case let .shareFile(name, bytes):
                let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
                if (try? bytes.write(to: url, options: [.atomic, .completeFileProtection])) != nil {
                    model.sharing = AppModel.SharedFile(url: url)
                }
            case .show, .refresh, .scheduleSync:
                break // the session follows these itself
            }
        }
    }
}
