import CoachlineSession
import Foundation
import Security

/// The store's 32-byte key, made once at random and kept in the Keychain, readable
/// after the first unlock (so a background sync can open the store) and never
/// leaving this device (not in backups, not in iCloud Keychain): as Signal-iOS keeps
/// its database key (GRDBDatabaseStorageAdapter).
struct KeychainStoreKey: StoreKeyProvider {
    let service = "org.coachline.app"
    let account = "store-key"

    enum Failure: Error {
        case keychain(OSStatus)
        case random(OSStatus)
        case wrongLength
    }

    func storeKey() throws -> Data {
        if let existing = try read() { return existing }
        var bytes = [UInt8](repeating: 0, count: 32)
        let status = SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes)
        guard status == errSecSuccess else { throw Failure.random(status) }
        let key = Data(bytes)
        bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: key,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        if added == errSecDuplicateItem, let raced = try read() { return raced }
        guard added == errSecSuccess else { throw Failure.keychain(added) }
        return key
    }

    private func read() throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess else { throw Failure.keychain(status) }
        guard let data = item as? Data, data.count == 32 else { throw Failure.wrongLength }
        return data
    }
}
