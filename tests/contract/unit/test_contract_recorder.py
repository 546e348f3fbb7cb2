"""The contract recorder (tests/contract/recorder.py): forwards, rewrites, records shapes only, and refuses."""

from __future__ import annotations

import json
import os
import sys

from ansible_collections.scalingo.cloud.tests.unit.fake_transport import ScriptedTransport, answer, expect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "contract"))

from recorder import RESERVE, Recorder, create_app, shape, template

API = "https://api.example.test"
AUTH = "https://auth.example.test"
OWN = "http://localhost"
BEARER = "eyJhbGciOiJIUzUxMiJ9.eyJleHAiOjF9.c2lnbmF0dXJl"


def client(upstream: ScriptedTransport, budget: int = 100) -> tuple:
    """The recorder, forwarding to `upstream`, and a test client of its app."""
    recorder = Recorder(API, AUTH, "ct", budget, session=upstream.session())
    return recorder, create_app(recorder).test_client()


def step(test_client, task):
    assert test_client.post("/_contract/step", json={"task": task}).status_code == 200


def test_paths_lose_their_names_and_ids():
    assert template("/v1/apps/ct-app/operations/5ed11f2c") == "/v1/apps/{app}/operations/{id}"
    assert template("/v1/apps/5ed0fe5d/deployments/cabf82f2-1cb1/output") == "/v1/apps/{app}/deployments/{id}/output"
    assert template("/v1/tokens/exchange") == "/v1/tokens/exchange"
    assert template("/v1/apps") == "/v1/apps"


def test_a_shape_holds_keys_and_types_never_values():
    found = shape({"app": {"name": "ct-app", "flags": {"admin": True}, "tags": [1, "a", None], "a.b": {}}, "n": 1.5})
    assert {path: sorted(kinds) for path, kinds in found.items()} == {
        "$": ["object"],
        "$.app": ["object"],
        "$.app.name": ["str"],
        "$.app.flags": ["object"],  # a map of the account's flags: its keys are not a schema
        "$.app.tags": ["list"],
        "$.app.tags[]": ["int", "null", "str"],
        '$.app["a.b"]': ["object"],
        "$.n": ["float"],
    }


def test_answers_are_forwarded_rewritten_and_recorded_as_shapes():
    scaled = {
        "containers": [{"name": "web", "amount": 2}],
        "links": {"output": f"{API}/v1/apps/x/output"},
        "upload_url": f"{API}/_sources/1?token=s3cr3t-up-1",
        "url": "https://ct-app.example.test",
    }
    upstream = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", answer(200, {"token": BEARER})),
        expect(
            "POST",
            f"{API}/v1/apps/ct-app/scale",
            answer(202, scaled, **{"Location": f"{API}/v1/apps/ct-app/operations/op1", "X-Request-ID": "r1"}),
        ),
    )
    recorder, test_client = client(upstream)
    step(test_client, "Exchange")
    response = test_client.post("/v1/tokens/exchange", headers={"Authorization": "Basic OnRrLXVzLXNlY3JldA=="})
    assert response.json == {"token": BEARER}
    step(test_client, "Scale")
    response = test_client.post(
        "/v1/apps/ct-app/scale?x=1",
        json={"containers": [{"name": "web", "amount": 2}]},
        headers={"Authorization": f"Bearer {BEARER}"},
    )
    assert response.status_code == 202
    assert response.headers["Location"] == f"{OWN}/v1/apps/ct-app/operations/op1"
    assert response.headers["X-Request-ID"] == "r1"
    # Only the API's own URLs come back through the recorder; a storage URL or the app's URL does not.
    assert response.json["links"]["output"] == f"{OWN}/v1/apps/x/output"
    assert response.json["upload_url"] == f"{API}/_sources/1?token=s3cr3t-up-1"
    assert response.json["url"] == "https://ct-app.example.test"
    sent = upstream.log[1]
    assert sent.headers["Authorization"] == f"Bearer {BEARER}" and sent.url == f"{API}/v1/apps/ct-app/scale?x=1"
    assert json.loads(sent.body) == {"containers": [{"name": "web", "amount": 2}]}

    recording = recorder.recording(source="test")
    assert recording["requests"] == 2
    assert [step["task"] for step in recording["steps"]] == ["Exchange", "Scale"]
    scale = recording["steps"][1]["exchanges"][0]
    assert (scale["method"], scale["path"], scale["status"], scale["body"]) == (
        "POST",
        "/v1/apps/{app}/scale?x",
        202,
        "json",
    )
    assert scale["shape"]["$.containers[].amount"] == "int"
    text = json.dumps(recording)
    for value in (BEARER, "Basic", "s3cr3t", "ct-app", "op1", "OnRr"):
        assert value not in text


def test_other_apps_are_refused_and_never_reach_the_upstream():
    apps = {"apps": [{"id": "a1", "name": "ct-app"}, {"id": "b2", "name": "shop-api", "extra": 1}]}
    upstream = ScriptedTransport(
        expect("GET", f"{API}/v1/apps/ct-app", answer(200, {"app": {"id": "a1", "name": "ct-app"}})),
        expect(
            "GET", f"{API}/v1/apps/a1/deployments/d1/output", answer(200, "built", **{"Content-Type": "text/plain"})
        ),
        expect("GET", f"{API}/v1/apps/ct-app/domains/%2A.ct.example", answer(200, {"domain": {}})),
        expect("GET", f"{API}/v1/apps", answer(200, apps)),
    )
    recorder, test_client = client(upstream)
    for method, path, body in [
        ("GET", "/v1/apps/shop-api", None),
        ("DELETE", "/v1/apps/ctx-app", None),
        ("GET", "/v1/apps/b2/variables", None),
        ("POST", "/v1/apps", {"app": {"name": "shop-api"}}),
        ("POST", "/v1/apps", {"app": {"name": "ctapp"}}),
        ("POST", "/v1/apps", {"app": "ct-app"}),
        ("POST", "/v1/apps/ct-app/rename", {"current_name": "ct-app", "new_name": "shop-api"}),
    ]:
        response = test_client.open(path, method=method, json=body)
        assert response.status_code == 403 and "not forwarded" in response.json["error"]
    assert len(upstream.log) == 0 and recorder.sent == 0 and len(recorder.refused) == 7
    # The id of a prefixed app, once seen in its answer, is one of ours.
    assert test_client.get("/v1/apps/ct-app").status_code == 200
    assert test_client.get("/v1/apps/a1/deployments/d1/output").data == b"built"
    # Forwarded as the client encoded it.
    assert test_client.get("/v1/apps/ct-app/domains/%2A.ct.example").status_code == 200
    # A listing is forwarded whole, and recorded for the contract's apps only.
    assert len(test_client.get("/v1/apps").json["apps"]) == 2
    assert upstream.log[-2].url == f"{API}/v1/apps/ct-app/domains/%2A.ct.example"
    listing = recorder.recording()["steps"][0]["exchanges"][-1]
    assert "$.apps[].name" in listing["shape"] and "$.apps[].extra" not in listing["shape"]


def test_past_the_budget_only_the_cleanup_goes_through():
    upstream = ScriptedTransport(
        expect("POST", f"{AUTH}/v1/tokens/exchange", answer(200, {"token": BEARER})),
        expect("GET", f"{API}/v1/apps/ct-app", answer(200, {"app": {"name": "ct-app"}}), repeat=True),
        expect("DELETE", f"{API}/v1/apps/ct-app", answer(204)),
        expect("PUT", f"{API}/v1/apps/ct-app/variables", answer(200, {"variables": []})),
        ordered=False,
    )
    recorder, test_client = client(upstream, budget=2)
    assert test_client.get("/v1/apps/ct-app").status_code == 200
    assert test_client.put("/v1/apps/ct-app/variables", json={}).status_code == 200
    response = test_client.put("/v1/apps/ct-app/variables", json={})
    assert response.status_code == 403 and "the budget of 2 requests is spent" in response.json["error"]
    assert test_client.post("/v1/tokens/exchange").status_code == 200
    for _read in range(RESERVE - 2):
        assert test_client.get("/v1/apps/ct-app").status_code == 200
    assert test_client.delete("/v1/apps/ct-app?current_name=ct-app").status_code == 204
    assert test_client.delete("/v1/apps/ct-app?current_name=ct-app").status_code == 403
    assert recorder.sent == 2 + RESERVE == len(upstream.log)
    assert [(r["method"], r["path"]) for r in recorder.refused] == [
        ("PUT", "/v1/apps/{app}/variables"),
        ("DELETE", "/v1/apps/{app}"),
    ]
