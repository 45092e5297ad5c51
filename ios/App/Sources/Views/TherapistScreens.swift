import Charts
import Coachline
import CoachlineSession
import SwiftUI

/// The therapist's clients, most pressing first, with why.
struct ClientsView: View {
    @StateObject private var screen: Observed<Clients>

    init(_ clients: ObservableValue<Clients>) {
        _screen = StateObject(wrappedValue: Observed(clients))
    }

    var body: some View {
        let clients = screen.value
        List {
            ForEach(clients.rows, id: \.agreementId) { row in
                VStack(alignment: .leading) {
                    Text(row.clientName).font(.headline)
                    Text(row.reason).font(.subheadline).foregroundStyle(row.attention.isEmpty ? Color.secondary : Color.orange)
                    ActionButton(button: row.open)
                }
            }
            ActionButton(button: clients.invite)
        }
        .navigationTitle(clients.title)
    }
}

/// One client's log, newest first, with its flags.
struct ClientView: View {
    @StateObject private var screen: Observed<Client>

    init(_ client: ObservableValue<Client>) {
        _screen = StateObject(wrappedValue: Observed(client))
    }

    var body: some View {
        let client = screen.value
        List {
            Section {
                ForEach(Array(client.actions.enumerated()), id: \.offset) { ActionButton(button: $0.element) }
            }
            ForEach(client.log, id: \.id) { line in
                VStack(alignment: .leading, spacing: 4) {
                    Text(line.when).font(.caption).foregroundStyle(.secondary)
                    Text(line.title).font(.headline)
                    ForEach(line.details, id: \.self) { Text($0).font(.subheadline) }
                    HStack { ForEach(line.flags, id: \.code) { Text($0.label).font(.caption).padding(4).background(Color.orange.opacity(0.2)) } }
                    if let call = line.returnCall { ActionButton(button: call) }
                }
            }
        }
        .navigationTitle(client.title)
    }
}

/// The preparation for the next session: the summary and its charts.
struct SessionPrepView: View {
    @StateObject private var screen: Observed<SessionPrep>

    init(_ prep: ObservableValue<SessionPrep>) {
        _screen = StateObject(wrappedValue: Observed(prep))
    }

    var body: some View {
        let prep = screen.value
        List {
            Section { ForEach(prep.lines, id: \.self) { Text($0) } }
            if prep.chartTitles.count >= 2 {
                Section(prep.chartTitles[0]) {
                    Chart(prep.urges, id: \.callId) { point in
                        if let before = point.before {
                            PointMark(x: .value("", Date(timeIntervalSince1970: TimeInterval(point.atMs) / 1000)), y: .value("", Int(before)))
                        }
                    }
                    .frame(height: 160)
                }
                Section(prep.chartTitles[1]) {
                    Chart(prep.weeks, id: \.startsMs) { week in
                        BarMark(x: .value("", week.label), y: .value("", Int(week.coaching + week.clarification + week.repair + week.news)))
                    }
                    .frame(height: 160)
                }
            }
            if prep.chartTitles.count >= 3 {
                Section(prep.chartTitles[2]) { ForEach(prep.lockouts, id: \.fromMs) { Text($0.label) } }
            }
        }
        .navigationTitle(prep.title)
    }
}

/// The therapist's invitation, as a QR code for the client's phone.
struct InviteView: View {
    @StateObject private var screen: Observed<Invite>

    init(_ invite: ObservableValue<Invite>) {
        _screen = StateObject(wrappedValue: Observed(invite))
    }

    var body: some View {
        let invite = screen.value
        VStack(spacing: 16) {
            Text(invite.intro)
            if let payload = invite.payload { CodeView(payload: payload) }
            if let expiry = invite.expiry { Text(expiry).font(.footnote) }
            ActionButton(button: invite.make)
        }
        .padding()
        .navigationTitle(invite.title)
    }
}

/// The agreement in the form's order, its signatures and what changed.
struct AgreementView: View {
    @StateObject private var screen: Observed<AgreementScreen>

    init(_ agreement: ObservableValue<AgreementScreen>) {
        _screen = StateObject(wrappedValue: Observed(agreement))
    }

    var body: some View {
        let agreement = screen.value
        List {
            Section { Text(agreement.statusText) }
            if !agreement.changes.isEmpty { Section { ForEach(agreement.changes, id: \.self) { Text($0) } } }
            ForEach(agreement.sections, id: \.key) { section in
                Section(section.title) {
                    ForEach(section.items, id: \.self) { Text($0) }
                    if let proposed = section.proposed { ForEach(proposed, id: \.self) { Text($0).italic() } }
                }
            }
            Section { ForEach(agreement.signatures, id: \.signedAtMs) { Text($0.text) } }
            if let sign = agreement.sign { ActionButton(button: sign) }
        }
        .navigationTitle(agreement.title)
    }
}

/// The agreement editor: every term, the one being edited validated as it is typed.
struct EditorView: View {
    let session: CoachlineSession
    let agreementId: String
    @State private var editing: TermEditDraft?

    var body: some View {
        if let editor = try? session.editor(agreementId, editing: editing) {
            List {
                Section { Text(editor.intro) }
                ForEach(editor.terms, id: \.label) { term in
                    VStack(alignment: .leading) {
                        Text(term.label).font(.headline)
                        TextField(term.inForce, text: Binding(
                            get: { editing?.term == term.key ? editing?.value ?? "" : term.value },
                            set: { editing = TermEditDraft(term: term.key, value: $0) }))
                        if let problem = term.problem { Text(problem).foregroundStyle(.red).font(.footnote) }
                        ActionButton(button: term.save)
                    }
                }
            }
            .navigationTitle(editor.title)
        }
    }
}

/// A therapist drafts an agreement for a new client.
struct NewClientView: View {
    let session: CoachlineSession
    @State private var draft = NewClientDraft(clientName: "")

    var body: some View {
        let screen = session.newClient(draft)
        Form {
            Section { Text(screen.intro) }
            FieldView(field: screen.name) {
                TextField("", text: $draft.clientName)
            }
            Section {
                ActionButton(button: screen.submit).disabled(!screen.canSubmit)
            }
        }
        .navigationTitle(screen.title)
    }
}
