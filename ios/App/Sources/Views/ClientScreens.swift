import Coachline
import CoachlineSession
import SwiftUI

/// Home: may I call now, and if not, what to do instead (crisis resources first).
struct HomeView: View {
    @StateObject private var screen: Observed<Home>

    init(_ home: ObservableValue<Home>) {
        _screen = StateObject(wrappedValue: Observed(home))
    }

    var body: some View {
        let home = screen.value
        List {
            if let banner = home.banner { Section { ActionButton(button: banner) } }
            Section {
                Text(home.headline).font(.title2.bold())
                Text(home.message)
                if let callback = home.callback {
                    Text(callback.text).foregroundStyle(callback.overdue ? Color.red : Color.primary)
                }
            }
            if let plan = home.backupPlan { Section { Text(plan) } }
            Section {
                ForEach(Array(home.actions.enumerated()), id: \.offset) { ActionButton(button: $0.element) }
            }
        }
    }
}

/// Before a call: the worksheet, validated by the core as it is filled in.
struct BeforeCallView: View {
    let session: CoachlineSession
    let agreementId: String
    @State private var draft = CallDraft(reason: nil, situation: "", tried: [], urge: nil)

    var body: some View {
        if let screen = try? session.beforeCall(agreementId, draft: draft) {
            Form {
                Section { Text(screen.intro) }
                FieldView(field: screen.reason) {
                    ChoicePicker(choices: screen.reasons) { draft = CallDraft(reason: callReason($0), situation: draft.situation, tried: draft.tried, urge: draft.urge) }
                }
                FieldView(field: screen.situation) {
                    TextField("", text: Binding(get: { draft.situation }, set: { draft = CallDraft(reason: draft.reason, situation: $0, tried: draft.tried, urge: draft.urge) }), axis: .vertical)
                }
                FieldView(field: screen.tried) {
                    ForEach(screen.suggestions, id: \.self) { skill in
                        Toggle(skill, isOn: Binding(
                            get: { draft.tried.contains(skill) },
                            set: { on in
                                let tried = on ? draft.tried + [skill] : draft.tried.filter { $0 != skill }
                                draft = CallDraft(reason: draft.reason, situation: draft.situation, tried: tried, urge: draft.urge)
                            }))
                    }
                }
                FieldView(field: screen.urge) {
                    ChoicePicker(choices: screen.urgeScale) { draft = CallDraft(reason: draft.reason, situation: draft.situation, tried: draft.tried, urge: Int64($0)) }
                }
                Section { ActionButton(button: screen.submit).disabled(!screen.canSubmit) }
            }
            .navigationTitle(screen.title)
        }
    }
}

/// During a call: the minutes against the agreed band.
struct DuringCallView: View {
    @StateObject private var screen: Observed<DuringCall>

    init(_ call: ObservableValue<DuringCall>) {
        _screen = StateObject(wrappedValue: Observed(call))
    }

    var body: some View {
        let call = screen.value
        VStack(spacing: 16) {
            Text(call.progress).font(.largeTitle.monospacedDigit())
            if let cue = call.cue { Text(cue) }
            ActionButton(button: call.end)
        }
        .padding()
        .navigationTitle(call.title)
    }
}

/// After a call: what it brought.
struct AfterCallView: View {
    let session: CoachlineSession
    let agreementId: String
    let callId: String
    @State private var draft = AfterCallDraft(suggested: [], urgeAfter: nil, answered: true)

    var body: some View {
        if let screen = try? session.afterCall(agreementId, callId: callId, draft: draft) {
            Form {
                FieldView(field: screen.suggested) {
                    ForEach(screen.suggestions, id: \.self) { skill in
                        Toggle(skill, isOn: Binding(
                            get: { draft.suggested.contains(skill) },
                            set: { on in
                                let picked = on ? draft.suggested + [skill] : draft.suggested.filter { $0 != skill }
                                draft = AfterCallDraft(suggested: picked, urgeAfter: draft.urgeAfter, answered: draft.answered)
                            }))
                    }
                }
                FieldView(field: screen.urgeAfter) {
                    ChoicePicker(choices: screen.urgeScale) { draft = AfterCallDraft(suggested: draft.suggested, urgeAfter: Int64($0), answered: draft.answered) }
                }
                ChoicePicker(choices: screen.outcomes) { draft = AfterCallDraft(suggested: draft.suggested, urgeAfter: draft.urgeAfter, answered: $0 == "completed") }
                Section { ActionButton(button: screen.submit).disabled(!screen.canSubmit) }
            }
            .navigationTitle(screen.title)
        }
    }
}

/// Reporting a behaviour, with what happens next in the agreement's own words.
struct ReportView: View {
    let session: CoachlineSession
    let agreementId: String
    @State private var draft = ReportDraft(behaviorId: nil, when: .now)

    var body: some View {
        if let screen = try? session.report(agreementId, draft: draft) {
            Form {
                Section { Text(screen.intro) }
                Section {
                    ChoicePicker(choices: screen.behaviors) { draft = ReportDraft(behaviorId: $0.isEmpty ? nil : $0, when: draft.when) }
                }
                Section {
                    ChoicePicker(choices: screen.when) { value in
                        let minutes = UInt32(value) ?? 0
                        draft = ReportDraft(behaviorId: draft.behaviorId, when: minutes == 0 ? .now : .minutesAgo(minutes: minutes))
                    }
                    if let problem = screen.whenProblem { Text(problem).foregroundStyle(.red) }
                }
                Section {
                    Text(screen.next)
                    if let rule = screen.agreementRule { Text(rule).italic() }
                }
                Section { ActionButton(button: screen.submit).disabled(!screen.canSubmit) }
            }
            .navigationTitle(screen.title)
        }
    }
}

/// Pairing: the invitation code, checked as it is typed or pasted.
struct PairingView: View {
    let session: CoachlineSession
    @State private var code = ""

    var body: some View {
        if let screen = try? session.pairing(code: code) {
            Form {
                Section { Text(screen.intro) }
                FieldView(field: screen.code) {
                    TextField("", text: $code).textInputAutocapitalization(.never).autocorrectionDisabled()
                }
                Section { ActionButton(button: screen.join).disabled(!screen.canSubmit) }
            }
            .navigationTitle(screen.title)
        }
    }
}

/// Where the sync with the other phone stands.
struct SyncView: View {
    @StateObject private var screen: Observed<SyncScreen>
    @EnvironmentObject var model: AppModel
    let session: CoachlineSession

    init(_ sync: ObservableValue<SyncScreen>, session: CoachlineSession) {
        _screen = StateObject(wrappedValue: Observed(sync))
        self.session = session
    }

    var body: some View {
        let sync = screen.value
        List {
            Text(sync.status)
            Text(sync.waiting).foregroundStyle(.secondary)
            ActionButton(button: sync.sync)
        }
        .navigationTitle(sync.title)
    }
}

/// A new phone: whose it is (the first screen of either app).
struct WelcomeView: View {
    let session: CoachlineSession
    @State private var draft = WelcomeDraft(role: nil, name: "")

    var body: some View {
        let screen = session.welcome(draft)
        Form {
            Section { Text(screen.intro) }
            FieldView(field: screen.role) {
                ChoicePicker(choices: screen.roles) { value in
                    draft.role = value == "therapist" ? .therapist : .client
                }
            }
            FieldView(field: screen.name) {
                TextField("", text: $draft.name).textContentType(.name)
            }
            Section {
                ActionButton(button: screen.submit).disabled(!screen.canSubmit)
            }
        }
        .navigationTitle(screen.title)
    }
}
