"""Two phones paired by invitation and kept in sync with opaque sealed messages."""

import pytest

from coachline import (
    AgreementStatus,
    CoachlineError,
    CoachlineStore,
    InvitationProblem,
    Permission,
    Role,
    SyncRejection,
)
from conftest import KEY, HOUR, MINUTE, MONDAY_MORNING


def send(source, target, agreement_id, now):
    """Moves every message due from `source` to `target`; returns how many."""
    n = 0
    while (message := source.sync_next(agreement_id, now)) is not None:
        target.sync_receive(message, now)
        n += 1
    return n


def quiesce(a, b, agreement_id, now):
    for _ in range(10):
        if send(a, b, agreement_id, now) + send(b, a, agreement_id, now) == 0:
            return
    raise AssertionError("no quiescence")


def test_pairing_then_signing_and_a_lockout_travel_by_sync(phones):
    therapist, client = phones.therapist, phones.client
    t0 = MONDAY_MORNING - HOUR
    agreement_id = therapist.create_agreement("Sam", "America/New_York", t0)
    therapist.add_behavior(agreement_id, "self-harm", True, t0)
    assert client.join_agreement(therapist.invite(agreement_id, t0), t0) == agreement_id
    [waiting] = client.peers()
    assert not waiting.confirmed and not waiting.has_agreement

    quiesce(client, therapist, agreement_id, t0)
    assert client.peers()[0].fingerprint == therapist.identity().fingerprint
    assert client.agreement(agreement_id).terms_hash_hex == therapist.agreement(agreement_id).terms_hash_hex

    therapist.sign(agreement_id, t0 + MINUTE)
    client.sign(agreement_id, t0 + MINUTE)
    quiesce(client, therapist, agreement_id, t0 + 2 * MINUTE)
    assert therapist.agreement(agreement_id).status == AgreementStatus.ACTIVE
    assert client.agreement(agreement_id).status == AgreementStatus.ACTIVE

    client.report_behavior(agreement_id, "self-harm", MONDAY_MORNING, MONDAY_MORNING)
    outcome = therapist.sync_receive(client.sync_next(agreement_id, MONDAY_MORNING), MONDAY_MORNING)
    assert outcome.changed
    assert therapist.status(agreement_id, MONDAY_MORNING + HOUR).permission == Permission.LOCKED_OUT


def test_tampered_foreign_and_replayed_messages_are_refused_with_their_reason(phones):
    therapist, client = phones.therapist, phones.client
    agreement_id = therapist.create_agreement("Sam", "America/New_York", MONDAY_MORNING)
    client.join_agreement(therapist.invite(agreement_id, MONDAY_MORNING), MONDAY_MORNING)
    quiesce(client, therapist, agreement_id, MONDAY_MORNING)
    client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING)
    message = client.sync_next(agreement_id, MONDAY_MORNING)

    def reason(data, to=therapist):
        with pytest.raises(CoachlineError.SyncRejected) as e:
            to.sync_receive(data, MONDAY_MORNING)
        return e.value.reason

    assert reason(message[:-1] + bytes([message[-1] ^ 1])) == SyncRejection.TAMPERED
    assert reason(b"hello") == SyncRejection.MALFORMED
    assert reason(message, to=client) == SyncRejection.WRONG_RECIPIENT
    therapist.sync_receive(message, MONDAY_MORNING)
    assert reason(message) == SyncRejection.REPLAYED
    assert len(therapist.log(agreement_id)) == 1


def test_invitations_that_cannot_be_used_say_why(phones):
    agreement_id = phones.therapist.create_agreement("Sam", None, MONDAY_MORNING)
    with pytest.raises(CoachlineError.InvitationRefused) as e:
        phones.client.join_agreement("nonsense", MONDAY_MORNING)
    assert e.value.problem == InvitationProblem.MALFORMED
    invitation = phones.therapist.invite(agreement_id, MONDAY_MORNING)
    with pytest.raises(CoachlineError.InvitationRefused) as e:
        phones.client.join_agreement(invitation, MONDAY_MORNING + 48 * HOUR)
    assert e.value.problem == InvitationProblem.EXPIRED


def test_a_clients_new_phone_pairs_again_and_keeps_the_history(phones, tmp_path):
    therapist, client = phones.therapist, phones.client
    t0 = MONDAY_MORNING - HOUR
    agreement_id = therapist.create_agreement("Sam", "America/New_York", t0)
    client.join_agreement(therapist.invite(agreement_id, t0), t0)
    quiesce(client, therapist, agreement_id, t0)
    therapist.sign(agreement_id, t0 + MINUTE)
    client.sign(agreement_id, t0 + MINUTE)
    client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING)
    quiesce(client, therapist, agreement_id, MONDAY_MORNING)

    new_phone = CoachlineStore.open(str(tmp_path / "new-client.db"), KEY)
    try:
        new_phone.create_identity(Role.CLIENT, "Sam", MONDAY_MORNING)
        new_phone.join_agreement(therapist.invite(agreement_id, MONDAY_MORNING), MONDAY_MORNING)
        quiesce(new_phone, therapist, agreement_id, MONDAY_MORNING)
        view = new_phone.agreement(agreement_id)
        assert view.status == AgreementStatus.ACTIVE
        assert [(p.role, p.valid) for p in view.paired_phones] == [(Role.CLIENT, True), (Role.CLIENT, True)]
        assert len(new_phone.log(agreement_id, 10)) == 1
        assert new_phone.status(agreement_id, MONDAY_MORNING + HOUR).permission == Permission.LOCKED_OUT
    finally:
        new_phone.close()
