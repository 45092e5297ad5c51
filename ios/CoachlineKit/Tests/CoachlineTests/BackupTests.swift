import Coachline
import Foundation
import XCTest

/// Exports are sealed in the age format unless the app asks for a plain one.
final class BackupTests: XCTestCase {
    private let passphrase = "correct horse battery staple"

    private func isSealed(_ bytes: Data) -> Bool {
        bytes.count > 21 && bytes.prefix(21) == Data("age-encryption.org/v1".utf8)
    }

    private func backupProblem<T>(_ body: @autoclosure () throws -> T, line: UInt = #line) -> BackupProblem? {
        guard case let .BackupNotOpened(problem)? = coachlineError(try body(), line: line) else { return nil }
        return problem
    }

    func test_a_sealed_export_opens_with_its_passphrase() throws {
        let phones = try makePhones()
        let id = try phones.therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: MONDAY_MORNING)
        let sealed = try phones.therapist.exportAgreement(agreementId: id, seal: .passphrase(passphrase: passphrase))
        XCTAssertTrue(isSealed(sealed))
        XCTAssertEqual(backupProblem(try phones.client.importAgreement(bytes: sealed)), .needsPassphrase)
        let imported = try phones.client.importAgreement(bytes: sealed, unseal: .passphrase(passphrase: passphrase))
        XCTAssertEqual(imported.agreementId, id)
        XCTAssertTrue(imported.created)
        // The round trip brings the same agreement.
        XCTAssertTrue(try phones.client.agreement(agreementId: id) == phones.therapist.agreement(agreementId: id), "the same agreement")
    }

    func test_a_wrong_passphrase_is_a_typed_error_and_changes_nothing() throws {
        let phones = try makePhones()
        let id = try phones.therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: MONDAY_MORNING)
        var sealed = try phones.therapist.exportAgreement(agreementId: id, seal: .passphrase(passphrase: passphrase))
        let wrong = coachlineError(try phones.client.importAgreement(bytes: sealed, unseal: .passphrase(passphrase: "correct horse battery stapler")))
        XCTAssertEqual(wrong, .BackupNotOpened(problem: .wrongKey))
        XCTAssertFalse(String(describing: wrong).contains("horse"))
        XCTAssertEqual(try phones.client.listAgreements().count, 0)
        sealed[sealed.count - 1] ^= 1
        XCTAssertEqual(backupProblem(try phones.client.importAgreement(bytes: sealed, unseal: .passphrase(passphrase: passphrase))), .tampered)
        XCTAssertEqual(try phones.client.listAgreements().count, 0)
        guard case let .InvalidInput(field, _)? = coachlineError(try phones.therapist.exportAgreement(agreementId: id, seal: .passphrase(passphrase: "")))
        else { return XCTFail("an empty passphrase is invalid input") }
        XCTAssertEqual(field, "passphrase")
    }

    func test_a_plain_export_is_an_explicit_choice_and_imports_without_a_passphrase() throws {
        let phones = try makePhones()
        let id = try phones.therapist.createAgreement(clientName: "Sam", timeZone: "America/New_York", nowMs: MONDAY_MORNING)
        let plain = try phones.therapist.exportAgreement(agreementId: id, seal: .plain)
        XCTAssertFalse(isSealed(plain))
        XCTAssertTrue(try phones.client.importAgreement(bytes: plain).created)
        // A passphrase given for a plain export is not needed, and does no harm.
        XCTAssertFalse(try phones.client.importAgreement(bytes: plain, unseal: .passphrase(passphrase: passphrase)).changed)
    }
}
