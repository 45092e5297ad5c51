import Coachline
import SwiftUI

/// A button of a view record: its label, and the action it sends back.
struct ActionButton: View {
    @EnvironmentObject var model: AppModel
    let button: Coachline.Button

    var body: some View {
        if button.primary {
            SwiftUI.Button(button.label) { model.send(button.action) }
                .buttonStyle(.borderedProminent)
        } else {
            SwiftUI.Button(button.label) { model.send(button.action) }
                .buttonStyle(.bordered)
        }
    }
}

/// A field's label, hint and problem, around its input.
struct FieldView<Input: View>: View {
    let field: Field
    @ViewBuilder let input: () -> Input

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(field.label).font(.headline)
            input()
            if let hint = field.hint { Text(hint).font(.footnote).foregroundStyle(.secondary) }
            if let problem = field.problem { Text(problem).font(.footnote).foregroundStyle(.red) }
        }
    }
}

/// Choices as a picker whose selection is the choice's value.
struct ChoicePicker: View {
    let choices: [Choice]
    let selected: (String) -> Void

    var body: some View {
        let current = choices.first(where: \.selected)?.value ?? ""
        Picker("", selection: Binding(get: { current }, set: selected)) {
            ForEach(choices, id: \.value) { Text($0.label).tag($0.value) }
        }
        .pickerStyle(.segmented)
        .labelsHidden()
    }
}

/// The reason a worksheet's choice names.
func callReason(_ value: String) -> CallReason? {
    switch value {
    case "coaching": return .coaching
    case "clarification": return .clarification
    case "repair": return .repair
    case "news": return .news
    default: return nil
    }
}

/// A time in the viewer's zone, for the few times the records give as instants only.
func shortTime(_ ms: Int64) -> String {
    Date(timeIntervalSince1970: TimeInterval(ms) / 1000).formatted(date: .abbreviated, time: .shortened)
}
