import BackgroundTasks
import Coachline
import CoachlineSession
import SwiftUI
import UIKit

@main
struct CoachlineApp: App {
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    init() {
        // ScheduleSync: the background refresh syncs every agreement, through the relay
        // when there is one, else through the transport.
        BGTaskScheduler.shared.register(forTaskWithIdentifier: AppModel.syncTask, using: nil) { task in
            Task { @MainActor in
                let model = AppModel.shared
                model.start()
                await model.syncAll()
                task.setTaskCompleted(success: true)
            }
        }
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .onAppear { model.start() }
                .onOpenURL { model.receiveFile($0) }
        }
        .onChange(of: scenePhase) { phase in
            if phase == .active { model.session?.refreshDue() }
        }
    }
}

/// The screen the session's route names; navigation follows `Effect.show`.
struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        NavigationStack {
            Group {
                if let session = model.session, let route = model.route {
                    ScreenView(session: session, route: route)
                        .id(route)
                } else if model.failure != nil {
                    Image(systemName: "exclamationmark.triangle")
                } else {
                    ProgressView()
                }
            }
        }
        .sheet(item: $model.code) { code in
            CodeView(payload: code.payload)
        }
        .sheet(item: $model.sharing) { file in
            ShareSheet(items: [file.url])
        }
        .sheet(item: $model.pickingOtherParty) { picked in
            OtherPartyPicker(agreementId: picked.id) { model.pickingOtherParty = nil }
        }
        .overlay(alignment: .bottom) {
            if let note = model.note {
                Text(note)
                    .padding()
                    .background(.thinMaterial, in: RoundedRectangle(cornerRadius: 12))
                    .padding()
                    .onTapGesture { model.note = nil }
            }
        }
    }
}

/// One screen of the route, drawn from its view record.
struct ScreenView: View {
    let session: CoachlineSession
    let route: Route

    var body: some View {
        switch route {
        case .welcome:
            WelcomeView(session: session)
        case .newClient:
            NewClientView(session: session)
        case let .home(id):
            if let home = try? session.home(id) { HomeView(home) }
        case let .beforeCall(id):
            BeforeCallView(session: session, agreementId: id)
        case let .duringCall(id, callId):
            if let call = try? session.duringCall(id, callId: callId) { DuringCallView(call) }
        case let .afterCall(id, callId):
            AfterCallView(session: session, agreementId: id, callId: callId)
        case let .report(id):
            ReportView(session: session, agreementId: id)
        case let .agreement(id):
            if let agreement = try? session.agreement(id) { AgreementView(agreement) }
        case .pairing:
            PairingView(session: session)
        case let .sync(id):
            if let sync = try? session.sync(id) { SyncView(sync, session: session) }
        case .clients:
            if let clients = try? session.clients() { ClientsView(clients) }
        case let .client(id):
            if let client = try? session.client(id) { ClientView(client) }
        case let .sessionPrep(id):
            if let prep = try? session.sessionPrep(id) { SessionPrepView(prep) }
        case let .editor(id):
            EditorView(session: session, agreementId: id)
        case let .invite(id):
            if let invite = try? session.invite(id) { InviteView(invite) }
        }
    }
}

/// The share sheet, for ShareFile.
struct ShareSheet: UIViewControllerRepresentable {
    let items: [Any]

    func makeUIViewController(context: Context) -> UIActivityViewController {
        UIActivityViewController(activityItems: items, applicationActivities: nil)
    }

    func updateUIViewController(_ controller: UIActivityViewController, context: Context) {}
}

/// ShowCode: the invitation as a QR code.
struct CodeView: View {
    let payload: String

    var body: some View {
        if let image = QRCode.image(of: payload) {
            Image(uiImage: image)
                .interpolation(.none)
                .resizable()
                .scaledToFit()
                .padding()
        }
    }
}
