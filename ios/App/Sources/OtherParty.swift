import ContactsUI
import Security
import SwiftUI
import UIKit

/// The number to call for `CallOtherParty`: an agreement holds no phone numbers, so
/// the person picks the other party from their contacts once per agreement, and the
/// number is kept in this phone's Keychain (never synced, never in a backup).
enum OtherPartyNumbers {
    private static let service = "org.coachline.app.other-party"

    static func number(for agreementId: String) -> String? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: agreementId,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess,
              let data = item as? Data
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    static func remember(_ number: String, for agreementId: String) {
        let match: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: agreementId,
        ]
        SecItemDelete(match as CFDictionary)
        var add = match
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        add[kSecValueData as String] = Data(number.utf8)
        SecItemAdd(add as CFDictionary, nil)
    }

    /// `tel:` for a number as the contact has it ("+1 (555) 010-0000").
    static func telURL(_ number: String) -> URL? {
        let dialable = number.filter { $0.isNumber || $0 == "+" }
        return dialable.isEmpty ? nil : URL(string: "tel:\(dialable)")
    }
}

/// The system's contact picker, showing phone numbers only; the picked number is
/// remembered for the agreement and dialled.
struct OtherPartyPicker: UIViewControllerRepresentable {
    let agreementId: String
    let done: () -> Void

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    func makeUIViewController(context: Context) -> CNContactPickerViewController {
        let picker = CNContactPickerViewController()
        picker.displayedPropertyKeys = [CNContactPhoneNumbersKey]
        picker.predicateForEnablingContact = NSPredicate(format: "phoneNumbers.@count > 0")
        picker.predicateForSelectionOfProperty = NSPredicate(format: "key == 'phoneNumbers'")
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: CNContactPickerViewController, context: Context) {}

    final class Coordinator: NSObject, CNContactPickerDelegate {
        let parent: OtherPartyPicker

        init(_ parent: OtherPartyPicker) {
            self.parent = parent
        }

        func contactPicker(_ picker: CNContactPickerViewController, didSelect property: CNContactProperty) {
            if let phone = property.value as? CNPhoneNumber {
                OtherPartyNumbers.remember(phone.stringValue, for: parent.agreementId)
                if let url = OtherPartyNumbers.telURL(phone.stringValue) { UIApplication.shared.open(url) }
            }
            parent.done()
        }

        func contactPickerDidCancel(_ picker: CNContactPickerViewController) {
            parent.done()
        }
    }
}
