"""The State is composed of parts: each part's data is set up by reset and told of a deleted app."""

from scalingo_sim.state import PARTS, Part, State


class Probe(Part):
    """A part as a new resource would add: its data made at every reset, an app's data dropped with it."""

    def start(self) -> None:
        self.probed: dict[str, list[str]] = {}

    def app_deleted(self, app) -> None:
        self.probed.pop(app.id, None)

    def probe(self, app, text: str) -> None:
        with self.lock:
            self.probed.setdefault(app.id, []).append(text)


class WithProbe(State, Probe):
    PARTS = (*PARTS, Probe)


def new_app(s: State, name: str):
    return s.store_app(s.build_app(name, s.users[s.default_user_id]))


def test_a_part_added_to_parts_is_reset_and_told_of_deleted_apps():
    s = WithProbe()
    kept, gone = new_app(s, "kept-app"), new_app(s, "gone-app")
    s.probe(kept, "a")
    s.probe(gone, "b")
    s.delete_app(gone)
    assert s.probed == {kept.id: ["a"]}
    s.reset()
    assert s.probed == {} and s.apps == {}


def test_every_part_is_in_the_state():
    assert set(PARTS) <= set(State.__mro__) and State.PARTS == PARTS


def test_reset_keeps_the_bearers_and_the_default_user():
    s = State(tokens=["tk-us-one"])
    s.register_bearer("rnd")
    user_id, secret = s.default_user_id, s.secret
    new_app(s, "an-app")
    s.add_fault({"method": "*", "path": "/v1/apps", "count": 1})
    s.log_request({"method": "GET"})
    s.reset()
    assert (s.default_user_id, s.secret, s.bearer_usable("rnd")) == (user_id, secret, True)
    assert s.user_by_token("tk-us-one").id == user_id
    assert (s.apps, s.faults, s.request_log, s.seq, len(s.users)) == ({}, [], [], 0, 1)


def test_a_deleted_app_takes_its_one_offs_with_it():
    s = State(operation_duration=0)
    app = new_app(s, "run-app")
    one_off, _ = s.add_one_off(app, "bash", {}, "M", detached=True)
    s.delete_app(app)
    assert one_off.id not in s.one_offs
