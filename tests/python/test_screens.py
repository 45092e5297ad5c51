"""The screens the core computes, driven from Python through the generated bindings."""

import threading

from coachline import (
    Action,
    AfterCallDraft,
    Attention,
    ButtonKind,
    CallDraft,
    CallReason,
    ChangeListener,
    Effect,
    Permission,
    ReportDraft,
    ReportWhen,
    Route,
    TermKey,
)
from conftest import MINUTE, MONDAY_MORNING, Phones, at

NEW_YORK = "America/New_York"


def test_a_client_in_a_lockout_sees_988_first_with_the_time_the_lockout_ends(tmp_path):
    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    screens = phones.client.screens(NEW_YORK)
    report = screens.report(agreement_id, ReportDraft(behavior_id=None, when=ReportWhen.MINUTES_AGO(60)), MONDAY_MORNING)
    screens.act(report.submit.action, MONDAY_MORNING)
    home = screens.home(agreement_id, MONDAY_MORNING)
    assert screens.home_screen(agreement_id).at(MONDAY_MORNING) == home
    assert not home.can_call
    assert home.permission == Permission.LOCKED_OUT
    assert home.headline == "Calls are paused until 9:00 AM tomorrow"
    assert home.locked_until_ms == at("2026-03-03T14:00:00Z")
    assert home.actions[0].kind == ButtonKind.CALL_RESOURCE
    assert home.actions[0].uri == "tel:988"
    assert screens.act(home.actions[0].action, MONDAY_MORNING) == [Effect.DIAL("tel:988")]


def test_an_out_of_hours_call_asks_for_a_call_back_and_the_overdue_client_comes_first(tmp_path):
    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    other = phones.therapist.create_agreement("Robin", NEW_YORK, MONDAY_MORNING)
    phones.therapist.report_behavior(other, None, MONDAY_MORNING, MONDAY_MORNING)
    client = phones.client.screens(NEW_YORK)
    evening = at("2026-03-03T02:00:00Z")
    assert client.home(agreement_id, evening).permission == Permission.THERAPIST_UNAVAILABLE
    draft = CallDraft(reason=CallReason.COACHING, situation="", tried=["TIPP"], urge=3)
    effects = client.act(Action.START_CALL(agreement_id, draft), evening)
    during = effects[-1].route
    assert isinstance(during, Route.DURING_CALL)
    client.act(Action.END_CALL(agreement_id, during.call_id, AfterCallDraft(suggested=[], urge_after=None, answered=False)), evening + MINUTE)
    assert client.home(agreement_id, evening + 2 * MINUTE).callback is not None
    phones.carry(agreement_id, phones.client, phones.therapist)
    therapist = phones.therapist.screens(NEW_YORK)
    assert therapist.clients(at("2026-03-03T14:30:00Z")).rows[0].agreement_id == other
    overdue = therapist.clients(at("2026-03-03T15:30:00Z")).rows[0]
    assert (overdue.agreement_id, overdue.attention) == (agreement_id, [Attention.OVERDUE_CALLBACK])


def test_a_client_who_proposes_shorter_lockouts_still_sees_the_lockout(tmp_path):
    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    screens = phones.client.screens(NEW_YORK)
    phones.client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING)
    screens.act(Action.PROPOSE_TERM(agreement_id, TermKey.LOCKOUT_HOURS, "0"), MONDAY_MORNING + MINUTE)
    home = screens.home(agreement_id, MONDAY_MORNING + 2 * MINUTE)
    assert not home.can_call
    assert home.banner is not None
    assert screens.agreement(agreement_id).changes == ["The 24-hour rule (hours)"]


def test_after_a_sync_both_phones_show_the_same_home(tmp_path):
    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    phones.client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING)
    phones.carry(agreement_id, phones.client, phones.therapist)
    on_client = phones.client.screens(NEW_YORK).home(agreement_id, MONDAY_MORNING)
    on_therapist = phones.therapist.screens(NEW_YORK).home(agreement_id, MONDAY_MORNING)
    assert (on_client.headline, on_client.locked_until_ms) == (on_therapist.headline, on_therapist.locked_until_ms)


def test_a_change_listener_hears_of_a_write_made_on_another_thread(tmp_path):
    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    screens = phones.client.screens(NEW_YORK)
    heard = []

    class Listener(ChangeListener):
        def agreement_changed(self, changed_id):
            heard.append((changed_id, screens.home(changed_id, MONDAY_MORNING).can_call))

    handle = phones.client.add_change_listener(Listener())
    writer = threading.Thread(target=lambda: phones.client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING))
    writer.start()
    writer.join()
    assert heard == [(agreement_id, False)]
    phones.client.remove_change_listener(handle)
    phones.client.report_behavior(agreement_id, None, MONDAY_MORNING, MONDAY_MORNING)
    assert len(heard) == 1


def test_bad_input_to_screens_is_a_typed_error_and_changes_nothing(tmp_path):
    import pytest
    from coachline import CoachlineError

    phones = Phones(tmp_path)
    agreement_id = phones.active_agreement()
    with pytest.raises(CoachlineError.InvalidInput) as e:
        phones.client.screens("Mars/Olympus_Mons")
    assert e.value.field == "time-zone"
    screens = phones.client.screens(NEW_YORK)
    before = phones.client.log(agreement_id, 100)
    with pytest.raises(CoachlineError.NotFound):
        screens.act(Action.CONTACT_RESOURCE(agreement_id, "00000000000000aa", False), MONDAY_MORNING)
    with pytest.raises(CoachlineError.InvalidInput) as e:
        screens.act(Action.START_CALL(agreement_id, CallDraft(reason=None, situation="", tried=[], urge=None)), MONDAY_MORNING)
    assert e.value.field == "reason"
    assert phones.client.log(agreement_id, 100) == before


def test_a_new_phone_starts_at_welcome_and_a_client_goes_on_to_pairing(tmp_path):
    from coachline import CoachlineStore, Role, WelcomeDraft
    from conftest import KEY

    store = CoachlineStore.open(str(tmp_path / "new.db"), KEY)
    screens = store.screens(NEW_YORK)
    assert screens.start() == Route.WELCOME()
    assert not screens.welcome(WelcomeDraft(role=None, name="")).can_submit
    welcome = screens.welcome(WelcomeDraft(role=Role.CLIENT, name="Sam"))
    assert screens.act(welcome.submit.action, MONDAY_MORNING) == [Effect.SHOW(Route.PAIRING())]
    assert screens.start() == Route.PAIRING()
