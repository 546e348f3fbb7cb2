import re

import pytest
from sim_client import Sim

LINK = re.compile(r"^https://my\.scalingo\.com/apps/collaboration\?token=s3cr3t-invite-[0-9a-f]{40}$")
EMPTY_LINK = "https://my.scalingo.com/apps/collaboration?token="


@pytest.fixture
def app(sim):
    return sim.create_app("team-app")


def invite(sim, email="dev@example.com", **fields):
    return sim.post("/v1/apps/team-app/collaborators", json={"collaborator": {"email": email, **fields}})


def listed(sim):
    response = sim.get("/v1/apps/team-app/collaborators")
    assert response.status_code == 200
    return response.get_json()["collaborators"]


def test_an_app_without_collaborators_lists_none_the_owner_is_not_one(sim, app):
    assert sim.get("/v1/apps/team-app/collaborators").get_json() == {"collaborators": []}


def test_an_invitation_is_one_pending_object_with_a_secret_link(sim, app):
    response = invite(sim, "Dev@Example.com", is_limited=False)
    assert response.status_code == 201
    collaborator = response.get_json()["collaborator"]
    assert set(collaborator) == {
        "id",
        "email",
        "user_id",
        "username",
        "tfa_status",
        "status",
        "is_limited",
        "invitation_link",
        "app_id",
        "app_name",
    }
    assert re.fullmatch(r"[0-9a-f]{24}", collaborator["id"])
    assert collaborator["email"] == "dev@example.com"
    assert (collaborator["status"], collaborator["username"], collaborator["user_id"]) == ("pending", "n/a", None)
    assert collaborator["is_limited"] is False and collaborator["tfa_status"] is None
    assert LINK.match(collaborator["invitation_link"])
    assert (collaborator["app_id"], collaborator["app_name"]) == (app["id"], "team-app")
    assert listed(sim) == [collaborator]


def test_an_invitation_without_is_limited_makes_a_limited_collaborator(sim, app):
    assert invite(sim).get_json()["collaborator"]["is_limited"] is True


def test_each_invitation_has_its_own_token(sim, app):
    first = invite(sim, "a@example.com").get_json()["collaborator"]["invitation_link"]
    second = invite(sim, "b@example.com").get_json()["collaborator"]["invitation_link"]
    assert first != second


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"collaborator": {"email": ""}}, {"email": ["can't be blank", "is invalid"]}),
        ({"collaborator": {}}, {"email": ["can't be blank", "is invalid"]}),
        ({"collaborator": {"email": "not-an-email"}}, {"email": ["is invalid"]}),
        ({"collaborator": {"email": "bob@example.com\n"}}, {"email": ["is invalid"]}),
        ({"collaborator": {"email": "x@example.com", "is_limited": "yes"}}, {"is_limited": ["must be a boolean"]}),
        ({"collaborator": {"email": "Owner@Example.com"}}, {"email": ["is the owner of the app"]}),
    ],
)
def test_invalid_invitations_are_refused_with_the_field(sim, app, body, errors):
    response = sim.post("/v1/apps/team-app/collaborators", json=body)
    assert (response.status_code, response.get_json()) == (422, {"errors": errors})
    assert listed(sim) == []


def test_a_body_without_the_collaborator_key_is_a_400(sim, app):
    response = sim.post("/v1/apps/team-app/collaborators", json=["dev@example.com"])
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "param is missing or the value is empty: collaborator"},
    )


def test_inviting_an_invited_or_accepted_email_again_is_refused(sim, app):
    invite(sim)
    response = invite(sim, "DEV@example.com")
    assert (response.status_code, response.get_json()) == (422, {"errors": {"email": ["has already been taken"]}})
    sim.admin("/apps/team-app/collaborators/dev@example.com/accept")
    assert invite(sim).status_code == 422
    assert len(listed(sim)) == 1


def test_accepting_makes_an_accepted_collaborator_with_an_empty_link_who_sees_the_app(client, sim, app):
    invited = invite(sim, "dev@example.com").get_json()["collaborator"]
    accepted = sim.admin("/apps/team-app/collaborators/DEV@example.com/accept")["collaborator"]
    assert accepted["id"] == invited["id"] and accepted["status"] == "accepted"
    assert accepted["invitation_link"] == EMPTY_LINK
    assert accepted["username"] == "dev" and accepted["user_id"].startswith("us-") and accepted["tfa_status"] is False
    assert listed(sim) == [accepted]
    user = next(u for u in sim.admin("/users", method="GET")["users"] if u["email"] == "dev@example.com")
    assert user["id"] == accepted["user_id"]


def test_accepting_an_unknown_invitation_is_a_404(client, sim, app):
    response = client.post("/_sim/apps/team-app/collaborators/nobody@example.com/accept")
    assert (response.status_code, response.get_json()) == (404, {"resource": "collaborator", "error": "not found"})


def test_an_accepted_collaborator_sees_the_app_and_can_become_its_owner(client, sim, app):
    sim.admin("/users", {"email": "dev@example.com", "username": "dev", "token": "tk-us-dev"})
    invite(sim, is_limited=False)
    dev = Sim(client, "tk-us-dev")
    assert dev.get("/v1/apps/team-app").status_code == 404
    sim.admin("/apps/team-app/collaborators/dev@example.com/accept")
    assert dev.get("/v1/apps/team-app").status_code == 200
    response = sim.patch("/v1/apps/team-app", json={"current_name": "team-app", "app": {"owner": "dev@example.com"}})
    assert response.status_code == 200
    # The new owner leaves the list; the former owner joins it as a full collaborator.
    assert [(c["email"], c["status"], c["is_limited"]) for c in listed(dev)] == [
        ("owner@example.com", "accepted", False)
    ]


def test_a_pending_invitee_can_not_become_the_owner(sim, app):
    invite(sim)
    response = sim.patch("/v1/apps/team-app", json={"current_name": "team-app", "app": {"owner": "dev@example.com"}})
    assert response.status_code == 422


@pytest.mark.parametrize("method", ["patch", "put"])
def test_the_role_changes_with_one_patch(sim, app, method):
    member = invite(sim).get_json()["collaborator"]
    path = f"/v1/apps/team-app/collaborators/{member['id']}"
    response = getattr(sim, method)(path, json={"collaborator": {"is_limited": False}})
    assert response.status_code == 200
    assert response.get_json()["collaborator"] == dict(member, is_limited=False)
    assert listed(sim)[0]["is_limited"] is False
    response = sim.patch(path, json={"collaborator": {"is_limited": 1}})
    assert (response.status_code, response.get_json()) == (422, {"errors": {"is_limited": ["must be a boolean"]}})


def test_unknown_collaborator_ids_are_404_collaborator(sim, app):
    for response in (
        sim.patch(
            "/v1/apps/team-app/collaborators/5410e25736f7563d50600000", json={"collaborator": {"is_limited": True}}
        ),
        sim.delete("/v1/apps/team-app/collaborators/5410e25736f7563d50600000"),
    ):
        assert (response.status_code, response.get_json()) == (404, {"resource": "collaborator", "error": "not found"})


def test_collaborators_of_an_unknown_app_are_404_app(sim):
    response = sim.get("/v1/apps/nowhere-app/collaborators")
    assert (response.status_code, response.get_json()) == (404, {"resource": "app", "error": "not found"})


def test_removing_an_invitation_or_a_collaborator(client, sim, app):
    pending = invite(sim, "p@example.com").get_json()["collaborator"]
    accepted = invite(sim, "a@example.com").get_json()["collaborator"]
    sim.admin("/apps/team-app/collaborators/a@example.com/accept")
    for member in (pending, accepted):
        response = sim.delete(f"/v1/apps/team-app/collaborators/{member['id']}")
        assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    assert listed(sim) == []
    sim.admin("/users", {"email": "x@example.com", "username": "x", "token": "tk-us-x"})
    assert Sim(client, "tk-us-x").get("/v1/apps/team-app").status_code == 404
    assert invite(sim, "a@example.com").status_code == 201


def test_collaborators_added_by_the_admin_api_are_listed_as_accepted_full_collaborators(sim, app):
    sim.admin("/apps/team-app/collaborators", {"email": "lead@example.com"})
    sim.admin("/apps/team-app/collaborators", {"email": "helper@example.com", "is_limited": True})
    rows = [(c["email"], c["status"], c["is_limited"], c["invitation_link"]) for c in listed(sim)]
    assert rows == [
        ("lead@example.com", "accepted", False, EMPTY_LINK),
        ("helper@example.com", "accepted", True, EMPTY_LINK),
    ]
    assert listed(sim) == listed(sim)  # records are stable: same ids on every read


def test_the_admin_api_accepts_a_pending_invitation(sim, app):
    invite(sim)
    sim.admin("/apps/team-app/collaborators", {"email": "dev@example.com"})
    assert [(c["status"], c["is_limited"]) for c in listed(sim)] == [("accepted", True)]


def test_a_limited_collaborator_sees_the_app_but_can_not_manage_collaborators(client, sim, app):
    sim.admin("/users", {"email": "lim@example.com", "username": "lim", "token": "tk-us-lim"})
    sim.admin("/apps/team-app/collaborators", {"email": "lim@example.com", "is_limited": True})
    limited = Sim(client, "tk-us-lim")
    assert len(listed(limited)) == 1
    response = limited.post("/v1/apps/team-app/collaborators", json={"collaborator": {"email": "z@example.com"}})
    assert response.status_code == 403
    assert response.get_json() == {"error": "Limited collaborators cannot manage the collaborators of this app"}


def test_child_apps_keep_the_accepted_collaborators(sim, app):
    sim.admin("/apps/team-app/collaborators", {"email": "lead@example.com"})
    invite(sim)
    sim.post("/v1/apps/team-app/child_apps", json={"app": {"name": "team-app-pr1"}})
    rows = sim.get("/v1/apps/team-app-pr1/collaborators").get_json()["collaborators"]
    assert [c["email"] for c in rows] == ["lead@example.com"]


def test_the_request_log_never_holds_the_invitation_token(sim, app):
    invite(sim)
    listed(sim)
    assert "s3cr3t" not in str(sim.admin("/requests", method="GET"))


# ------------------------------------------------- accepting through the API: GET /v1/apps/collaboration?token=
def token_of(collaborator):
    return collaborator["invitation_link"].split("token=", 1)[1]


def test_accepting_an_invitation_through_its_link_answers_the_app(client, sim, app):
    sim.admin("/users", {"email": "dev@example.com", "username": "dev", "token": "tk-us-dev"})
    invited = invite(sim, is_limited=False).get_json()["collaborator"]
    dev = Sim(client, "tk-us-dev")
    response = dev.get("/v1/apps/collaboration", query_string={"token": token_of(invited)})
    assert response.status_code == 200
    assert set(response.get_json()) == {"app"}
    assert (response.get_json()["app"]["id"], response.get_json()["app"]["name"]) == (app["id"], "team-app")
    assert dev.get("/v1/apps/team-app").status_code == 200
    [accepted] = listed(sim)
    assert (accepted["id"], accepted["status"], accepted["invitation_link"]) == (invited["id"], "accepted", EMPTY_LINK)
    assert accepted["user_id"].startswith("us-") and accepted["is_limited"] is False
    # The link is spent: a second use names no invitation.
    again = dev.get("/v1/apps/collaboration", query_string={"token": token_of(invited)})
    assert (again.status_code, again.get_json()) == (404, {"resource": "collaborator", "error": "not found"})


def test_the_link_is_not_bound_to_the_invited_email(client, sim, app):
    sim.admin("/users", {"email": "other@example.com", "username": "other", "token": "tk-us-other"})
    invited = invite(sim, "dev@example.com").get_json()["collaborator"]
    other = Sim(client, "tk-us-other")
    assert other.get("/v1/apps/collaboration", query_string={"token": token_of(invited)}).status_code == 200
    assert other.get("/v1/apps/team-app").status_code == 200
    assert [(c["email"], c["status"], c["is_limited"]) for c in listed(sim)] == [
        ("other@example.com", "accepted", True)
    ]


@pytest.mark.parametrize("query", [{"token": "s3cr3t-invite-" + "0" * 40}, {"token": ""}, {}])
def test_accepting_with_an_unknown_token_is_a_404_collaborator(sim, app, query):
    invite(sim)
    response = sim.get("/v1/apps/collaboration", query_string=query)
    assert (response.status_code, response.get_json()) == (404, {"resource": "collaborator", "error": "not found"})
    assert [c["status"] for c in listed(sim)] == ["pending"]


def test_the_route_is_not_an_app_named_collaboration(sim):
    sim.create_app("collaboration")
    response = sim.get("/v1/apps/collaboration")
    assert (response.status_code, response.get_json()) == (404, {"resource": "collaborator", "error": "not found"})


def test_the_owner_or_a_collaborator_accepting_is_a_400_already_collaborator(client, sim, app):
    sim.admin("/users", {"email": "lead@example.com", "username": "lead", "token": "tk-us-lead"})
    sim.admin("/apps/team-app/collaborators", {"email": "lead@example.com"})
    invited = invite(sim, "dev@example.com").get_json()["collaborator"]
    for user in (sim, Sim(client, "tk-us-lead")):
        response = user.get("/v1/apps/collaboration", query_string={"token": token_of(invited)})
        assert response.status_code == 400
        assert response.get_json() == {
            "type": "already-collaborator",
            "error": "You're already working on this app, this invitation is for dev@example.com",
        }
    assert [(c["email"], c["status"]) for c in listed(sim)] == [
        ("lead@example.com", "accepted"),
        ("dev@example.com", "pending"),
    ]
