import re

import pytest
from sim_client import Sim

PATH = "/v1/apps/deployed-app/autoscalers"
BODY = {"container_type": "web", "min_containers": 2, "max_containers": 6, "metric": "cpu", "target": 0.75}


def create(sim, **fields):
    return sim.post(PATH, json={"autoscaler": dict(BODY, **fields)})


def created(sim, **fields):
    response = create(sim, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["autoscaler"]


def test_create_answers_201_with_the_whole_object(sim, deployed):
    response = create(sim)
    assert response.status_code == 201
    assert response.content_type == "application/json; charset=utf-8"
    autoscaler = response.get_json()["autoscaler"]
    assert re.match(r"^sc-[0-9a-f-]{36}$", autoscaler["id"])
    assert autoscaler["alert_id_scale_up"].startswith("al-") and autoscaler["alert_id_scale_down"].startswith("al-")
    assert autoscaler["app_id"] == deployed["id"]
    assert autoscaler["last_scale"] == "0001-01-01T00:00:00Z"
    assert {k: autoscaler[k] for k in (*BODY, "disabled")} == dict(BODY, disabled=False)
    assert set(autoscaler) >= {"created_at", "updated_at"}


def test_list_and_show(sim, deployed):
    assert sim.get(PATH).get_json() == {"autoscalers": []}
    web = created(sim)
    worker = created(sim, container_type="worker", metric="rpm_per_container", target=150)
    assert sim.get(PATH).get_json() == {"autoscalers": [web, worker]}
    assert sim.get(f"/v1/apps/{deployed['id']}/autoscalers/{worker['id']}").get_json() == {"autoscaler": worker}
    response = sim.get(f"{PATH}/sc-unknown")
    assert (response.status_code, response.get_json()) == (404, {"resource": "autoscaler", "error": "not found"})


def test_one_autoscaler_per_container_type(sim, deployed):
    created(sim)
    response = create(sim, metric="memory")
    assert (response.status_code, response.get_json()) == (
        422,
        {"errors": {"container_type": ["already has an autoscaler"]}},
    )
    response = create(sim, container_type="clock")
    assert response.get_json() == {"errors": {"container_type": ["no such container type"]}}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"min_containers": 1}, {"min_containers": ["must be at least set to 2"]}),
        ({"max_containers": 11}, {"max_containers": ["can't be more than 10"]}),
        (
            {"min_containers": 5, "max_containers": 4},
            {"max_containers": ["must be greater than or equal to min_containers"]},
        ),
        (
            {"metric": "unknown"},
            {"metric": ["must be one of rpm_per_container, p95_response_time, 5XX, cpu, memory, swap"]},
        ),
        (
            {"container_type": "worker", "metric": "5XX", "target": 10},
            {"metric": ["5XX is only available for the web container type"]},
        ),
        ({"target": -1}, {"target": ["must be greater than 0"]}),
        ({"target": 75}, {"target": ["must be a fraction between 0 and 1 for the cpu metric"]}),
        ({"target": "0.5"}, {"target": ["must be a number"]}),
        (
            {"min_containers": 2.5, "max_containers": True},
            {"min_containers": ["must be an integer"], "max_containers": ["must be an integer"]},
        ),
        ({"target": None, "metric": None}, {"target": ["can't be blank"], "metric": ["can't be blank"]}),
    ],
)
def test_create_validation(sim, deployed, fields, errors):
    response = create(sim, **fields)
    assert (response.status_code, response.get_json()) == (422, {"errors": errors})
    assert sim.get(PATH).get_json() == {"autoscalers": []}


def test_5xx_on_web_and_absolute_targets_are_fine(sim, deployed):
    assert created(sim, metric="5XX", target=10)["target"] == 10
    assert (
        created(sim, container_type="worker", metric="p95_response_time", target=250)["metric"] == "p95_response_time"
    )


def test_create_without_a_wrapped_body_is_422(sim, deployed):
    response = sim.post(PATH, json=BODY)
    assert (response.status_code, response.get_json()) == (422, {"errors": {"autoscaler": ["missing field"]}})


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_takes_wrapped_and_bare_fields(sim, deployed, method):
    autoscaler = created(sim)
    send = getattr(sim, method)
    response = send(f"{PATH}/{autoscaler['id']}", json={"autoscaler": {"target": 0.5, "max_containers": 8}})
    assert response.status_code == 200
    updated = response.get_json()["autoscaler"]
    assert (updated["target"], updated["max_containers"], updated["min_containers"]) == (0.5, 8, 2)
    bare = send(f"{PATH}/{autoscaler['id']}", json={"disabled": True}).get_json()["autoscaler"]
    assert bare["disabled"] is True and bare["target"] == 0.5
    assert sim.get(PATH).get_json()["autoscalers"] == [bare]


def test_update_validates_the_result_and_changes_nothing_when_refused(sim, deployed):
    autoscaler = created(sim)
    url = f"{PATH}/{autoscaler['id']}"
    for fields, errors in [
        ({"min_containers": 1}, {"min_containers": ["must be at least set to 2"]}),
        ({"min_containers": 7}, {"max_containers": ["must be greater than or equal to min_containers"]}),
        ({"metric": "memory", "target": 2}, {"target": ["must be a fraction between 0 and 1 for the memory metric"]}),
        ({"disabled": "yes"}, {"disabled": ["must be a boolean"]}),
    ]:
        response = sim.patch(url, json={"autoscaler": fields})
        assert (response.status_code, response.get_json()) == (422, {"errors": errors})
    assert sim.get(url).get_json() == {"autoscaler": autoscaler}


def test_a_metric_change_is_checked_with_the_target_it_keeps(sim, deployed):
    autoscaler = created(sim, metric="rpm_per_container", target=150)
    response = sim.patch(f"{PATH}/{autoscaler['id']}", json={"metric": "cpu"})
    assert response.get_json() == {"errors": {"target": ["must be a fraction between 0 and 1 for the cpu metric"]}}
    response = sim.patch(f"{PATH}/{autoscaler['id']}", json={"metric": "cpu", "target": 0.8})
    assert response.status_code == 200


def test_5xx_is_refused_on_update_of_a_worker(sim, deployed):
    autoscaler = created(sim, container_type="worker")
    response = sim.patch(f"{PATH}/{autoscaler['id']}", json={"metric": "5XX", "target": 3})
    assert response.get_json() == {"errors": {"metric": ["5XX is only available for the web container type"]}}


def test_update_and_delete_of_an_unknown_autoscaler_are_404(sim, deployed):
    for response in (sim.patch(f"{PATH}/sc-nope", json={"target": 0.5}), sim.delete(f"{PATH}/sc-nope")):
        assert (response.status_code, response.get_json()) == (404, {"resource": "autoscaler", "error": "not found"})


def test_delete_is_204(sim, deployed):
    autoscaler = created(sim)
    response = sim.delete(f"{PATH}/{autoscaler['id']}")
    assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    assert sim.get(PATH).get_json() == {"autoscalers": []}


def test_a_scale_that_changes_the_amount_of_an_autoscaled_type_disables_its_autoscaler(sim, deployed):
    web = created(sim)
    worker = created(sim, container_type="worker")
    response = sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": 3}]})
    assert response.status_code == 202
    shown = {a["container_type"]: a for a in sim.get(PATH).get_json()["autoscalers"]}
    assert shown["web"]["disabled"] is True and shown["web"]["updated_at"] >= web["updated_at"]
    assert shown["worker"] == worker


def test_a_scale_that_only_resizes_an_autoscaled_type_leaves_its_autoscaler_enabled(sim, deployed):
    created(sim)
    sim.admin("/config", {"operation_duration": 0})
    response = sim.post("/v1/apps/deployed-app/scale", json={"containers": [{"name": "web", "amount": 2, "size": "L"}]})
    assert response.status_code == 202
    assert sim.get(PATH).get_json()["autoscalers"][0]["disabled"] is False


def test_autoscalers_of_an_app_the_user_cannot_see_are_404_app(sim, deployed, client):
    sim.admin("/users", {"email": "bob@example.com", "username": "bob", "token": "tk-us-bob"})
    bob = Sim(client, "tk-us-bob")
    response = bob.get(PATH)
    assert (response.status_code, response.get_json()) == (404, {"resource": "app", "error": "not found"})
