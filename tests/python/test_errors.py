"""Every variant of the error enum reaches Python as its own exception class."""

import os
import subprocess
import sys

import pytest

import coachline

from coachline import (
    CallEnding,
    CallReason,
    CallWorksheet,
    CoachlineError,
    CoachlineStore,
    EndOutcome,
    Role,
    TermKey,
    Violation,
)
from conftest import KEY, MONDAY_MORNING, ROOT


def test_invalid_input_names_the_field(phones):
    agreement_id = phones.active_agreement()
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.start_call(agreement_id, CallWorksheet(reason=CallReason.COACHING, urge_before=9), MONDAY_MORNING)
    assert e.value.field == "urge" and "0 to 5" in e.value.reason
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.therapist.set_term(agreement_id, TermKey.CALL_MINUTES, "8-5", MONDAY_MORNING)
    assert e.value.field == "call-minutes"
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.agreement("xyz")
    assert e.value.field == "agreement id"
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.log(agreement_id, -1)
    assert e.value.field == "limit"
    with pytest.raises(CoachlineError.InvalidInput) as e:
        CoachlineStore.open("", KEY)
    assert e.value.field == "path"
    # Every variant is also a CoachlineError.
    assert issubclass(CoachlineError.InvalidInput, CoachlineError)


@pytest.mark.parametrize("now", [-(2**63), 2**63 - 1])
def test_instants_far_outside_the_calendar_are_refused_not_a_crash(phones, now):
    agreement_id = phones.active_agreement()
    for call in (
        lambda: phones.client.status(agreement_id, now),
        lambda: phones.client.start_call(agreement_id, CallWorksheet(reason=CallReason.COACHING), now),
        lambda: phones.therapist.summary(agreement_id, None, now),
    ):
        with pytest.raises(CoachlineError.InvalidInput) as e:
            call()
        assert e.value.field == "now_ms"
    assert phones.client.log(agreement_id) == []


def test_not_found_names_what_and_which_id(phones):
    agreement_id = phones.active_agreement()
    with pytest.raises(CoachlineError.NotFound) as e:
        phones.client.end_call(agreement_id, "0123456789abcdef", CallEnding(outcome=EndOutcome.COMPLETED), MONDAY_MORNING)
    assert (e.value.what, e.value.id) == ("call", "0123456789abcdef")
    with pytest.raises(CoachlineError.NotFound) as e:
        phones.therapist.return_call(agreement_id, "0123456789abcdef", MONDAY_MORNING)
    assert e.value.what == "call"


def test_not_permitted_for_this_role(phones):
    with pytest.raises(CoachlineError.NotPermitted) as e:
        phones.client.create_agreement("Sam")
    assert e.value.allowed_role == Role.THERAPIST
    agreement_id = phones.active_agreement()
    with pytest.raises(CoachlineError.NotPermitted) as e:
        phones.client.return_call(agreement_id, "0123456789abcdef", MONDAY_MORNING)
    assert e.value.action == "return a call"


def test_identity_errors(tmp_path):
    store = CoachlineStore.open(str(tmp_path / "new.db"), KEY)
    assert store.identity() is None
    with pytest.raises(CoachlineError.NoIdentity):
        store.create_agreement("Sam")
    store.create_identity(Role.THERAPIST, "Dr. Rivera")
    with pytest.raises(CoachlineError.AlreadyInitialized):
        store.create_identity(Role.CLIENT, "Sam")


def test_the_default_agreement_needs_exactly_one(tmp_path):
    store = CoachlineStore.open(str(tmp_path / "t.db"), KEY)
    store.create_identity(Role.THERAPIST, "Dr. Rivera")
    with pytest.raises(CoachlineError.AgreementNeeded) as e:
        store.default_agreement_id()
    assert e.value.agreement_count == 0
    store.create_agreement("Sam")
    store.create_agreement("Alex")
    with pytest.raises(CoachlineError.AgreementNeeded) as e:
        store.default_agreement_id()
    assert e.value.agreement_count == 2


def test_bytes_that_are_not_an_agreement_change_nothing(phones):
    with pytest.raises(CoachlineError.NotAnAgreement):
        phones.client.import_agreement(b"not an agreement")
    assert phones.client.list_agreements() == []


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my private notes")
    # Without SQLite's header, it could be a store encrypted under another key.
    with pytest.raises(CoachlineError.WrongKey):
        CoachlineStore.open(str(notes), KEY)
    assert notes.read_text() == "my private notes"


def test_a_store_opens_only_with_its_key_which_rekey_replaces(tmp_path):
    path = str(tmp_path / "c.db")
    key = coachline.new_store_key()
    assert len(key) == 32
    store = CoachlineStore.open(path, key)
    store.create_identity(Role.CLIENT, "Sam", MONDAY_MORNING)
    store.close()
    before = (tmp_path / "c.db").read_bytes()
    with pytest.raises(CoachlineError.WrongKey):
        CoachlineStore.open(path, KEY)
    assert (tmp_path / "c.db").read_bytes() == before
    assert b"SQLite format 3" not in before and b"Sam" not in before

    new_key = coachline.new_store_key()
    store = CoachlineStore.open(path, key)
    store.rekey(new_key)
    store.close()
    with pytest.raises(CoachlineError.WrongKey):
        CoachlineStore.open(path, key)
    assert CoachlineStore.open(path, new_key).identity().name == "Sam"
    with pytest.raises(CoachlineError.InvalidInput) as e:
        CoachlineStore.open(path, bytes(16))
    assert e.value.field == "key"


def test_a_store_that_cannot_be_opened_is_a_storage_error(tmp_path):
    with pytest.raises(CoachlineError.Storage) as e:
        CoachlineStore.open(str(tmp_path / "no" / "such" / "dir" / "store.db"), KEY)
    assert e.value.reason


def test_a_store_locked_by_another_process_is_busy_then_usable(phones, tmp_path):
    agreement_id = phones.active_agreement()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # The store is encrypted, so the holder takes SQLite's own lock directly:
            # in WAL mode, the writer's lock is byte 120 of the -shm file.
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1] + '-shm', os.O_RDWR)\n"
            "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 120)\n"
            "print('locked', flush=True); time.sleep(20)",
            str(tmp_path / "client.db"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(CoachlineError.Busy):
            phones.client.start_call(agreement_id, CallWorksheet(reason=CallReason.COACHING), MONDAY_MORNING)
    finally:
        holder.kill()
        holder.wait()
    phones.client.start_call(agreement_id, CallWorksheet(reason=CallReason.COACHING), MONDAY_MORNING)
    assert len(phones.client.log(agreement_id)) == 1


def test_after_close_every_call_is_closed_and_closing_again_is_fine(tmp_path):
    store = CoachlineStore.open(str(tmp_path / "c.db"), KEY)
    store.create_identity(Role.CLIENT, "Sam")
    store.close()
    with pytest.raises(CoachlineError.Closed):
        store.identity()
    store.close()
    assert CoachlineStore.open(str(tmp_path / "c.db"), KEY).identity().name == "Sam"


def test_errors_never_carry_what_a_person_wrote(phones):
    agreement_id = phones.active_agreement()
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.start_call(
            agreement_id,
            CallWorksheet(reason=CallReason.COACHING, situation="my secret situation", tried=["a\nb"]),
            MONDAY_MORNING,
        )
    assert "secret" not in str(e.value) and "secret" not in repr(e.value)
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.report_behavior(agreement_id, "a private label", None, MONDAY_MORNING)
    assert "private" not in str(e.value)


def test_a_look_alike_of_an_agreement_is_refused_and_changes_nothing(phones):
    fixtures = os.path.join(ROOT, "tests", "fixtures")
    with open(os.path.join(fixtures, "agreement.automerge"), "rb") as f:
        agreement_id = phones.therapist.import_agreement(f.read()).agreement_id
    before = phones.therapist.agreement(agreement_id)
    with open(os.path.join(fixtures, "look-alike.automerge"), "rb") as f:
        look_alike = f.read()
    with pytest.raises(CoachlineError.Refused) as e:
        phones.therapist.import_agreement(look_alike)
    assert e.value.violation == Violation.FOREIGN_DOCUMENT
    assert phones.therapist.agreement(agreement_id) == before
