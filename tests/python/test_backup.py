"""Exports are sealed in the age format unless the app asks for a plain one."""

import pytest

from coachline import BackupProblem, BackupSeal, BackupUnseal, CoachlineError
from conftest import MONDAY_MORNING

PASSPHRASE = "correct horse battery staple"


def draft(phones):
    return phones.therapist.create_agreement("Sam", "America/New_York", MONDAY_MORNING)


def test_a_sealed_export_opens_with_its_passphrase(phones):
    agreement_id = draft(phones)
    sealed = phones.therapist.export_agreement(agreement_id, BackupSeal.PASSPHRASE(PASSPHRASE))
    assert sealed.startswith(b"age-encryption.org/v1\n")
    with pytest.raises(CoachlineError.BackupNotOpened) as e:
        phones.client.import_agreement(sealed)
    assert e.value.problem == BackupProblem.NEEDS_PASSPHRASE
    imported = phones.client.import_agreement(sealed, BackupUnseal.PASSPHRASE(PASSPHRASE))
    assert imported.agreement_id == agreement_id and imported.created


def test_a_wrong_passphrase_is_a_typed_error_and_changes_nothing(phones):
    agreement_id = draft(phones)
    sealed = phones.therapist.export_agreement(agreement_id, BackupSeal.PASSPHRASE(PASSPHRASE))
    with pytest.raises(CoachlineError.BackupNotOpened) as e:
        phones.client.import_agreement(sealed, BackupUnseal.PASSPHRASE("correct horse battery stapler"))
    assert e.value.problem == BackupProblem.WRONG_KEY
    assert "horse" not in str(e.value)
    assert phones.client.list_agreements() == []
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(CoachlineError.BackupNotOpened) as e:
        phones.client.import_agreement(tampered, BackupUnseal.PASSPHRASE(PASSPHRASE))
    assert e.value.problem == BackupProblem.TAMPERED
    assert phones.client.list_agreements() == []
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.therapist.export_agreement(agreement_id, BackupSeal.PASSPHRASE(""))
    assert e.value.field == "passphrase"


def test_a_plain_export_is_an_explicit_choice_and_imports_without_a_passphrase(phones):
    agreement_id = draft(phones)
    plain = phones.therapist.export_agreement(agreement_id, BackupSeal.PLAIN())
    assert not plain.startswith(b"age-encryption.org")
    assert phones.client.import_agreement(plain).created
    # A passphrase given for a plain export is not needed, and does no harm.
    assert not phones.client.import_agreement(plain, BackupUnseal.PASSPHRASE(PASSPHRASE)).changed
