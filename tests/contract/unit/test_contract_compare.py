"""The comparison of contract recordings (tests/contract/compare.py) finds what differs, and only that."""

from __future__ import annotations

import copy
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "contract"))

from compare import compare, report


def exchange(method, path, status, shape, body="json", count=1):
    return {"method": method, "path": path, "status": status, "body": body, "count": count, "shape": shape}


APP = {"$": "object", "$.app": "object", "$.app.name": "str", "$.app.region": "str", "$.app.last_deployed_at": "null"}
REFERENCE = {
    "steps": [
        {
            "task": "Create the app",
            "exchanges": [
                exchange("GET", "/v1/apps/{app}", 404, {"$": "object"}),
                exchange("POST", "/v1/apps", 201, APP),
            ],
        },
        {
            "task": "Scale",
            "exchanges": [
                exchange("POST", "/v1/apps/{app}/scale", 202, {"$": "object"}),
                exchange("GET", "/v1/apps/{app}/operations/{id}", 200, {"$": "object"}, count=9),
            ],
        },
        {"task": "Restart", "exchanges": [exchange("POST", "/v1/apps/{app}/restart", 202, {}, body="empty")]},
    ]
}


def changed(edit):
    recording = copy.deepcopy(REFERENCE)
    edit(recording["steps"])
    return compare(REFERENCE, recording)


def test_the_same_recording_has_no_difference():
    assert compare(REFERENCE, copy.deepcopy(REFERENCE)) == ([], [])


def test_the_committed_reference_matches_itself_and_fails_on_a_changed_shape():
    with open(os.path.join(ROOT, "tests", "contract", "reference.json"), encoding="utf-8") as handle:
        reference = json.load(handle)
    assert reference["steps"] and compare(reference, copy.deepcopy(reference)) == ([], [])
    recording = copy.deepcopy(reference)
    created = next(s for s in recording["steps"] if s["task"] == "Create the app")
    post = next(e for e in created["exchanges"] if e["method"] == "POST")
    del post["shape"]["$.app.name"]
    differences = compare(reference, recording)[0]
    assert differences == ["Create the app: POST /v1/apps 201: $.app.name (str) is missing"]


def test_a_key_missing_in_the_recording_is_a_difference():
    differences, notes = changed(lambda steps: steps[0]["exchanges"][1]["shape"].pop("$.app.region"))
    assert differences == ["Create the app: POST /v1/apps 201: $.app.region (str) is missing"]
    assert notes == []


def test_another_type_is_a_difference_and_more_types_are_not():
    differences = changed(lambda steps: steps[0]["exchanges"][1]["shape"].update({"$.app.region": "null"}))[0]
    assert differences == ["Create the app: POST /v1/apps 201: $.app.region is null; the reference has str"]
    more = {"$.app.last_deployed_at": "null|str"}
    assert changed(lambda steps: steps[0]["exchanges"][1]["shape"].update(more)) == ([], [])


def test_another_status_is_a_difference():
    differences = changed(lambda steps: steps[1]["exchanges"][0].update(status=200))[0]
    assert differences == ["Scale: POST /v1/apps/{app}/scale: answered 200; the reference answered 202"]


def test_an_answer_the_reference_never_had_is_a_difference():
    def more(steps):
        steps[0]["exchanges"].append(exchange("POST", "/v1/apps", 422, {"$": "object", "$.errors": "object"}))

    differences = changed(more)[0]
    assert differences == ["Create the app: POST /v1/apps: also answered 422, which the reference never did"]


def test_another_body_a_missing_request_and_a_missing_step_are_differences():
    differences = changed(lambda steps: steps[2]["exchanges"][0].update(body="json", shape={"$": "object"}))[0]
    assert differences == ["Restart: POST /v1/apps/{app}/restart 202: a json body; the reference's is empty"]
    differences = changed(lambda steps: steps[1]["exchanges"].pop(1))[0]
    assert differences == ["Scale: GET /v1/apps/{app}/operations/{id}: not sent (the reference answered 200)"]
    differences = changed(lambda steps: steps.pop(2))[0]
    assert differences == ["Restart: sent nothing in this step; the reference sent POST /v1/apps/{app}/restart"]


def test_more_in_the_recording_is_a_note_not_a_difference():
    def more(steps):
        steps[0]["exchanges"][1]["shape"]["$.app.uuid"] = "str"
        steps[1]["exchanges"][1]["count"] = 3
        steps.insert(
            0, {"task": "Delete a leftover", "exchanges": [exchange("DELETE", "/v1/apps/{app}", 204, {}, "empty")]}
        )

    differences, notes = changed(more)
    assert differences == []
    assert notes == [
        "Create the app: POST /v1/apps 201: $.app.uuid (str) is not in the reference",
        "Delete a leftover: a step that is not in the reference",
    ]


def test_retried_answers_are_not_compared_and_refusals_are_differences():
    reference = copy.deepcopy(REFERENCE)
    reference["steps"][1]["exchanges"].insert(0, exchange("POST", "/v1/apps/{app}/scale", 429, {}, "text/plain"))
    assert compare(reference, copy.deepcopy(REFERENCE)) == ([], [])
    recording = copy.deepcopy(REFERENCE)
    recording["refused"] = [{"task": "Scale", "method": "POST", "path": "/v1/apps/{app}/scale", "reason": "budget"}]
    differences = compare(REFERENCE, recording)[0]
    assert differences == ["Scale: POST /v1/apps/{app}/scale refused: budget"]
    assert report(differences, [], "reference.json").splitlines() == [
        "1 difference(s) with reference.json:",
        "  - Scale: POST /v1/apps/{app}/scale refused: budget",
    ]
