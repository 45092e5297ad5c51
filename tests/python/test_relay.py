"""Two phones syncing through a real relay process on loopback, with urllib.

The relay (`coachline-relay`, built by scripts/test-python; its path in
`COACHLINE_RELAY_BIN`) checks each request's signing time against its own clock, so
these tests run at the real time.
"""

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from coachline import (
    AgreementStatus,
    ChangeListener,
    CoachlineError,
    Permission,
    RelayProblem,
    RelayResponse,
)
from conftest import ROOT, Phones


class Relay:
    """A relay process on a free port, over a fresh data directory."""

    def __init__(self):
        binary = os.environ.get("COACHLINE_RELAY_BIN") or os.path.join(
            os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "debug", "coachline-relay"
        )
        self.data = tempfile.mkdtemp(prefix="coachline-relay-")
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--data", self.data],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.process.stdout.readline()
        if not first.startswith("listening on http://"):
            self.stop()
            raise RuntimeError("the relay did not start")
        # Its name, which requests are signed for: http://127.0.0.1:PORT.
        self.url = first.removeprefix("listening on ").strip()
        self.port = urllib.parse.urlsplit(self.url).port

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def relay():
    r = Relay()
    yield r
    r.stop()


@pytest.fixture
def pair(tmp_path):
    p = Phones(tmp_path)
    yield p
    p.close()


# No proxy from the environment: the relay is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def exchange(request):
    """Makes one request of a relay pass with urllib; any status is an answer."""
    data = None if request.method == "GET" else request.body
    http = urllib.request.Request(request.url, data=data, method=request.method)
    for header in request.headers:
        http.add_header(header.name, header.value)
    if data is not None:
        http.add_header("Content-Type", "application/octet-stream")
    try:
        with OPENER.open(http, timeout=30) as response:
            return RelayResponse(status=response.status, body=response.read())
    except urllib.error.HTTPError as refusal:
        with refusal:
            return RelayResponse(status=refusal.code, body=refusal.read())


def now():
    return int(time.time() * 1000)


def relay_pass(store, url=None):
    """One whole pass of `store` through its relay (or `url`), as the apps make it."""
    p = store.relay_pass(url)
    while True:
        at = now()
        request = p.next_request(at)
        if request is None:
            return p.report()
        p.receive(exchange(request), at)


def converge(a, b):
    """Passes on both phones in turn until a round where neither sends nor applies anything."""
    for round_ in range(1, 11):
        ra, rb = relay_pass(a), relay_pass(b)
        assert ra.rejected + rb.rejected == 0
        if ra.sent + ra.applied + rb.sent + rb.applied == 0:
            return round_
    raise AssertionError("no quiescence")


def pair_through(phones, relay):
    """The therapist sets the relay and invites; the client's phone joins and gets the relay from the line."""
    therapist, client = phones.therapist, phones.client
    therapist.set_relay(relay.url)
    assert therapist.relay() == relay.url
    agreement_id = therapist.create_agreement("Sam", "America/New_York", now())
    therapist.add_behavior(agreement_id, "self-harm", True, now())
    assert client.relay() is None
    assert client.join_agreement(therapist.invite(agreement_id, now()), now()) == agreement_id
    assert client.relay() == relay.url
    converge(client, therapist)
    assert client.peers()[0].confirmed
    assert client.agreement(agreement_id).terms_hash_hex == therapist.agreement(agreement_id).terms_hash_hex
    return agreement_id


def test_paired_by_an_invitation_naming_the_relay_the_phones_converge_and_a_lockout_arrives(pair, relay):
    therapist, client = pair.therapist, pair.client
    agreement_id = pair_through(pair, relay)
    therapist.sign(agreement_id, now())
    client.sign(agreement_id, now())
    converge(client, therapist)
    assert therapist.agreement(agreement_id).status == AgreementStatus.ACTIVE
    # Compared without printing: the records hold names and behaviours.
    same = therapist.agreement(agreement_id) == client.agreement(agreement_id)
    assert same, "the phones' agreements differ"

    heard = []

    class Listener(ChangeListener):
        def agreement_changed(self, agreement_id):
            heard.append(agreement_id)

    therapist.add_change_listener(Listener())
    assert therapist.status(agreement_id, now()).permission != Permission.LOCKED_OUT
    client.report_behavior(agreement_id, "self-harm", None, now())
    sent = relay_pass(client)
    assert sent.sent == 1 and sent.bytes_up > 0
    received = relay_pass(therapist)
    assert (received.received, received.applied, received.rejected) == (1, 1, 0)
    assert heard == [agreement_id]
    assert therapist.status(agreement_id, now()).permission == Permission.LOCKED_OUT


def test_bad_addresses_refusals_and_misuse_are_typed_and_change_nothing(pair, relay):
    therapist, client = pair.therapist, pair.client
    with pytest.raises(CoachlineError.Relay) as e:
        therapist.relay_pass(None)
    assert e.value.problem == RelayProblem.NO_RELAY()
    agreement_id = pair_through(pair, relay)
    before = (therapist.agreement(agreement_id), client.agreement(agreement_id))

    for bad in ("relay.example.org", "ftp://relay.example.org", "http://relay.example.org/path"):
        with pytest.raises(CoachlineError.InvalidInput) as e:
            therapist.set_relay(bad)
        assert e.value.field == "relay"
        with pytest.raises(CoachlineError.InvalidInput) as e:
            therapist.relay_pass(bad)
        assert e.value.field == "relay"
    assert therapist.relay() == relay.url

    # The same relay under another name: signed for that name, refused by the relay.
    with pytest.raises(CoachlineError.Relay) as e:
        relay_pass(therapist, f"http://localhost:{relay.port}")
    assert e.value.problem == RelayProblem.REFUSED("bad_signature")
    assert therapist.relay() == relay.url

    p = client.relay_pass()
    at = now()
    first = p.next_request(at)
    with pytest.raises(CoachlineError.Relay) as e:
        p.next_request(at)
    assert e.value.problem == RelayProblem.OUT_OF_TURN()
    p.receive(exchange(first), at)
    while (request := p.next_request(at)) is not None:
        p.receive(exchange(request), at)
    with pytest.raises(CoachlineError.Relay) as e:
        p.receive(RelayResponse(status=200, body=b""), at)
    assert e.value.problem == RelayProblem.OUT_OF_TURN()

    unchanged = (therapist.agreement(agreement_id), client.agreement(agreement_id)) == before
    assert unchanged, "a failure changed an agreement"
    assert converge(client, therapist) == 1


def test_a_report_whose_deposit_never_reached_the_relay_goes_with_the_next_pass(pair, relay):
    therapist, client = pair.therapist, pair.client
    agreement_id = pair_through(pair, relay)
    client.report_behavior(agreement_id, "self-harm", None, now())
    p = client.relay_pass()
    deposit = p.next_request(now())
    while deposit.method == "GET":  # a pass fetches first, then sends
        p.receive(exchange(deposit), now())
        deposit = p.next_request(now())
    assert deposit.method == "POST" and deposit.url.endswith("/messages")
    # The network failed before the request was made: the shell abandons the pass.
    p.abandon()
    assert p.next_request(now()) is None
    # The next pass carries the report at once, not after the sync's resend delay.
    assert relay_pass(client).sent == 1
    received = relay_pass(therapist)
    assert (received.applied, received.rejected) == (1, 0)
    assert therapist.status(agreement_id, now()).permission == Permission.LOCKED_OUT
