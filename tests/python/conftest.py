"""Fixtures for the Python tests of the generated bindings.

`scripts/test-python` generates `bindings-out/python/coachline.py` and puts the
native library beside it; these tests import that module and call the real library.
"""

import os
import sys
from datetime import datetime, timezone

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bindings-out", "python"))

import coachline  # noqa: E402
from coachline import AgreementStatus, BackupSeal, CoachlineStore, Role, TermKey  # noqa: E402

# The store key the tests open their stores with. An app generates its key once and
# keeps it in the platform's keystore.
KEY = bytes([7] * 32)

MINUTE = 60_000
HOUR = 60 * MINUTE


def at(iso: str) -> int:
    """An instant as the API takes it: milliseconds since the epoch."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000)


# Monday 2 March 2026, 10:00 in New York: within the therapist's phone hours.
MONDAY_MORNING = at("2026-03-02T15:00:00Z")


class Phones:
    """A therapist's phone and a client's phone, each with its own store file."""

    def __init__(self, directory):
        self.therapist = CoachlineStore.open(str(directory / "therapist.db"), KEY)
        self.client = CoachlineStore.open(str(directory / "client.db"), KEY)
        self.therapist.create_identity(Role.THERAPIST, "Dr. Rivera", MONDAY_MORNING - HOUR)
        self.client.create_identity(Role.CLIENT, "Sam", MONDAY_MORNING - HOUR)

    @staticmethod
    def carry(agreement_id, source, target):
        """Carries the agreement's bytes from one phone to the other (plain: the tests' own courier)."""
        target.import_agreement(source.export_agreement(agreement_id, BackupSeal.PLAIN()))

    def active_agreement(self):
        """An agreement both parties have signed, with one target behaviour."""
        t0 = MONDAY_MORNING - HOUR
        agreement_id = self.therapist.create_agreement("Sam", "America/New_York", t0)
        self.therapist.set_term(agreement_id, TermKey.AVAILABILITY, "Mon-Fri 09:00-20:00", t0)
        self.therapist.add_behavior(agreement_id, "self-harm", True, t0)
        self.therapist.sign(agreement_id, t0 + MINUTE)
        self.carry(agreement_id, self.therapist, self.client)
        assert self.client.sign(agreement_id, t0 + 2 * MINUTE) == AgreementStatus.ACTIVE
        self.carry(agreement_id, self.client, self.therapist)
        return agreement_id

    def close(self):
        self.therapist.close()
        self.client.close()


@pytest.fixture
def phones(tmp_path):
    p = Phones(tmp_path)
    yield p
    p.close()


@pytest.fixture
def api():
    return coachline
