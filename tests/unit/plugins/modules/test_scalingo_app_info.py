from __future__ import annotations

import json

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._errors import ScalingoError
from ansible_collections.scalingo.cloud.plugins.modules import scalingo_app_info
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_app_info import (
    AppInfo,
    input_problems,
    input_warnings,
    metric_problem,
    metric_request,
    no_data,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    APP_RULE,
    answer,
    expect,
    fails,
    not_found,
    succeeds,
    validated,
)

TYPE_RULE = "a container type has only letters and digits, as in the Procfile (web, worker), with single '-' or '_' between them"


def query(**kwargs):
    base = {
        "name": "cpu",
        "container_type": None,
        "index": None,
        "since": None,
        "status_code": None,
        "recommended": False,
    }
    base.update(kwargs)
    return base


@pytest.mark.parametrize(
    "q",
    [
        query(container_type="web"),
        query(container_type="web", index=2, since=71),
        query(name="memory", container_type="worker2"),
        query(name="swap", container_type="heavyProcess", since=1),
        query(name="router"),
        query(name="router", status_code="5XX", since=24),
        query(recommended=True, container_type="web"),
        query(name="5XX", recommended=True),
        query(name="all", recommended=True),
        query(name="rpm_per_container", recommended=True, container_type="web"),
        query(name="p95_response_time", recommended=True),
    ],
)
def test_valid_queries(q):
    assert metric_problem(q) is None


@pytest.mark.parametrize(
    "q, problem",
    [
        (query(), "'cpu' needs container_type (web, worker, ...)"),
        (query(name="memory", recommended=True), "'memory' needs container_type (web, worker, ...)"),
        (
            query(name="5XX"),
            "'5XX' is only available with recommended=true; time series are: cpu, memory, swap, router",
        ),
        (
            query(name="router", recommended=True),
            "'router' has no recommended value; those metrics are: "
            "cpu, memory, swap, 5XX, all, rpm_per_container, p95_response_time",
        ),
        (query(container_type="web", recommended=True, since=3), "since can't be used with recommended=true"),
        (
            query(name="all", recommended=True, status_code="5XX", index=1),
            "index and status_code can't be used with recommended=true",
        ),
        (
            query(name="router", container_type="web"),
            "container_type can't be used with the router metric (it covers every container)",
        ),
        (query(container_type="web", status_code="2XX"), "status_code is only used with the router metric"),
        (query(container_type="web", index=0), "index must be 1 or more, got 0"),
        (query(container_type="web", index=-3), "index must be 1 or more, got -3"),
        (query(container_type="../x"), f"container_type '../x' is invalid: {TYPE_RULE}"),
        (query(container_type="web?since=1"), f"container_type 'web?since=1' is invalid: {TYPE_RULE}"),
        (query(name="5XX", recommended=True, container_type=""), f"container_type '' is invalid: {TYPE_RULE}"),
        (query(container_type="web\n"), f"container_type 'web\\n' is invalid: {TYPE_RULE}"),
        (query(container_type="web/x"), f"container_type 'web/x' is invalid: {TYPE_RULE}"),
        (query(container_type="worker--2"), f"container_type 'worker--2' is invalid: {TYPE_RULE}"),
        (query(container_type="clock_"), f"container_type 'clock_' is invalid: {TYPE_RULE}"),
        (query(container_type="web", since=0), "since must be between 1 and 71 hours, got 0"),
        (query(container_type="web", since=72), "since must be between 1 and 71 hours, got 72"),
    ],
)
def test_invalid_queries(q, problem):
    assert metric_problem(q) == problem


@pytest.mark.parametrize(
    "q, path, params",
    [
        (query(container_type="web"), "/apps/a/stats/cpu/web", None),
        (query(container_type="web", index=2, since=48), "/apps/a/stats/cpu/web/2", {"since": 48}),
        (query(name="router", status_code="5XX"), "/apps/a/stats/router", {"status_code": "5XX"}),
        (
            query(recommended=True, container_type="web"),
            "/apps/a/stats/cpu/recommended_value",
            {"container_type": "web"},
        ),
        (query(name="all", recommended=True), "/apps/a/stats/all/recommended_value", None),
    ],
)
def test_metric_request(q, path, params):
    assert metric_request("a", q) == (path, params)


@pytest.mark.parametrize(
    "exc, empty",
    [
        (ScalingoError("x", status=404, error="no metrics found"), True),
        (ScalingoError("x", status=404, error="not found", resource="container_type"), False),
        (ScalingoError("x", status=404, error="not found", resource="app"), False),
        (ScalingoError("x", status=400, error="'container' should be defined"), False),
    ],
)
def test_no_data(exc, empty):
    assert no_data(exc) is empty


# -- AppInfo: the reads, on a scripted client --------------------------------------------------

APP = "my-shop"
SERIES = [{"time": "2016-07-26T15:34:00Z", "value": 5.92}, {"time": "2016-07-26T15:35:00Z", "value": 6.56}]


def info_params(name=APP, gather=(), metrics=(), **options):
    # A playbook leaves out the suboptions it does not give (Ansible refuses a null among choices).
    queries = [{key: value for key, value in item.items() if value is not None} for item in metrics]
    given = {"name": name, "gather": list(gather), "metrics": queries, **options}
    return validated(scalingo_app_info, **given)


def an_app(name=APP, **fields):
    return dict({"id": f"id-{name}", "name": name, "status": "running"}, **fields)


def read(found=None):
    found = found or an_app()
    return expect("GET", f"/apps/{found['name']}", answer(200, {"app": found}))


def get(path, data, status=200):
    return expect("GET", path, answer(status, data))


def no_metrics(path):
    return expect("GET", path, answer(404, {"error": "no metrics found"}))


def test_one_app_without_sections_costs_one_read_and_changes_nothing():
    o = succeeds(AppInfo, info_params(), read())
    assert o.sent == [f"GET /apps/{APP}"]
    assert o.result == {"changed": False, "apps": [an_app()], "metrics": []}


def test_an_app_that_does_not_exist_gives_no_app_and_reads_no_section_nor_metric():
    o = succeeds(
        AppInfo,
        info_params(gather=["containers"], metrics=[query(container_type="web")]),
        expect("GET", f"/apps/{APP}", not_found()),
    )
    assert o.sent == [f"GET /apps/{APP}"]
    assert o.result == {"changed": False, "apps": [], "metrics": []}


def test_without_a_name_every_app_is_listed_and_each_gets_its_sections():
    o = succeeds(
        AppInfo,
        info_params(name=None, gather=["containers"]),
        get("/apps", {"apps": [an_app("my-shop"), an_app("my-blog")]}),
        get("/apps/my-shop/containers", {"containers": [{"name": "web", "amount": 2}]}),
        get("/apps/my-blog/containers", {"containers": []}),
    )
    assert o.sent == ["GET /apps", "GET /apps/my-shop/containers", "GET /apps/my-blog/containers"]
    assert [app["containers"] for app in o.result["apps"]] == [[{"name": "web", "amount": 2}], []]


def test_sections_are_read_in_one_order_whatever_the_order_asked():
    o = succeeds(
        AppInfo,
        info_params(gather=["logs_url", "stats", "containers"]),
        read(),
        get(f"/apps/{APP}/containers", {"containers": [{"name": "web", "amount": 1, "size": "M"}]}),
        get(f"/apps/{APP}/stats", {"stats": [{"id": "web-1", "cpu_usage": 3}]}),
        get(f"/apps/{APP}/logs", {"app": an_app(), "logs_url": "https://logs.test.example/apps/id/logs?token=t"}),
    )
    assert o.sent == [
        f"GET /apps/{APP}",
        f"GET /apps/{APP}/containers",
        f"GET /apps/{APP}/stats",
        f"GET /apps/{APP}/logs",
    ]
    assert o.result["apps"] == [
        an_app(
            containers=[{"name": "web", "amount": 1, "size": "M"}],
            stats=[{"id": "web-1", "cpu_usage": 3}],
            logs_url="https://logs.test.example/apps/id/logs?token=t",
        )
    ]


def test_child_apps_are_read_page_by_page():
    page1 = {
        "child_apps": [an_app("my-shop-pr1")],
        "meta": {"pagination": {"current_page": 1, "next_page": 2, "total_pages": 2}},
    }
    page2 = {
        "child_apps": [an_app("my-shop-pr2")],
        "meta": {"pagination": {"current_page": 2, "next_page": None, "total_pages": 2}},
    }
    o = succeeds(
        AppInfo,
        info_params(gather=["child_apps"]),
        read(),
        get(f"/apps/{APP}/child_apps", page1),
        get(f"/apps/{APP}/child_apps", page2),
    )
    assert [call.params for call in o.client.calls[1:]] == [{"page": 1, "per_page": 50}, {"page": 2, "per_page": 50}]
    assert [child["name"] for child in o.result["apps"][0]["child_apps"]] == ["my-shop-pr1", "my-shop-pr2"]


def test_logs_archives_follow_the_cursor_up_to_the_limit():
    archive = [{"url": f"https://archives.test.example/{n}", "size": n} for n in range(4)]
    o = succeeds(
        AppInfo,
        info_params(gather=["logs_archives"], logs_archives_limit=3),
        read(),
        get(f"/apps/{APP}/logs_archives", {"archives": archive[:2], "has_more": True, "next_cursor": "c2"}),
        get(f"/apps/{APP}/logs_archives", {"archives": archive[2:], "has_more": True, "next_cursor": "c4"}),
    )
    assert [call.params for call in o.client.calls[1:]] == [None, {"cursor": "c2"}]
    assert o.result["apps"][0]["logs_archives"] == archive[:3]


def test_logs_archives_without_a_limit_are_read_to_the_last_page():
    o = succeeds(
        AppInfo,
        info_params(gather=["logs_archives"]),
        read(),
        get(f"/apps/{APP}/logs_archives", {"archives": [{"size": 1}], "has_more": True, "next_cursor": "c1"}),
        get(f"/apps/{APP}/logs_archives", {"archives": [{"size": 2}], "has_more": False, "next_cursor": ""}),
    )
    assert o.result["apps"][0]["logs_archives"] == [{"size": 1}, {"size": 2}]


def test_a_section_the_api_answers_in_another_shape_fails():
    o = fails(AppInfo, info_params(gather=["stats"]), read(), get(f"/apps/{APP}/stats", {"stats": "none"}))
    assert o.error.message.startswith(
        f"could not read the stats of app '{APP}': the answer of GET /v1/apps/{APP}/stats has a 'stats' that is not a list"
    )


def test_metrics_are_read_in_order_each_with_its_answer():
    cpu = query(container_type="web", index=1, since=48)
    router = query(name="router", status_code="5XX")
    memory = query(name="memory", container_type="worker", recommended=True)
    o = succeeds(
        AppInfo,
        info_params(metrics=[cpu, router, memory]),
        read(),
        get(f"/apps/{APP}/stats/cpu/web/1", SERIES),
        get(f"/apps/{APP}/stats/router", []),
        get(f"/apps/{APP}/stats/memory/recommended_value", {"time": "2018-05-24T00:00:00Z", "value": 0.9}),
    )
    assert [call.params for call in o.client.calls[1:]] == [
        {"since": 48},
        {"status_code": "5XX"},
        {"container_type": "worker"},
    ]
    assert o.result["metrics"] == [
        dict(cpu, data=SERIES),
        dict(router, data=[]),
        dict(memory, data={"time": "2018-05-24T00:00:00Z", "value": 0.9}),
    ]
    assert o.result["changed"] is False


def test_a_series_without_data_is_empty_and_a_recommended_value_without_data_is_null():
    series, recommended = query(container_type="web"), query(container_type="web", recommended=True)
    o = succeeds(
        AppInfo,
        info_params(metrics=[series, recommended]),
        read(),
        no_metrics(f"/apps/{APP}/stats/cpu/web"),
        no_metrics(f"/apps/{APP}/stats/cpu/recommended_value"),
    )
    assert [metric["data"] for metric in o.result["metrics"]] == [[], None]


def test_a_metric_of_an_unknown_container_type_fails():
    o = fails(
        AppInfo,
        info_params(metrics=[query(container_type="clock")]),
        read(),
        expect("GET", f"/apps/{APP}/stats/cpu/clock", not_found("container_type")),
    )
    assert o.error.message == f"could not read metric 'cpu' of app '{APP}': container_type not found (HTTP 404)"


def test_check_mode_makes_the_same_reads():
    def script():
        return [read(), get(f"/apps/{APP}/containers", {"containers": []}), get(f"/apps/{APP}/stats/router", SERIES)]

    options = info_params(gather=["containers"], metrics=[query(name="router")])
    real = succeeds(AppInfo, options, *script())
    check = succeeds(AppInfo, options, *script(), check_mode=True)
    assert check.result == real.result and check.sent == real.sent


# -- the sections of the resources the collection manages ------------------------------------

SECRET = "s3cr3t-unit-db-password"
VARIABLES = [
    {"id": "v1", "app_id": "id-my-shop", "name": "SCALINGO_POSTGRESQL_URL", "value": f"postgres://u:{SECRET}@db/x"},
    {"id": "v2", "app_id": "id-my-shop", "name": "DATABASE_URL", "value": "$SCALINGO_POSTGRESQL_URL"},
    {"id": "v3", "app_id": "id-my-shop", "name": "RAILS_ENV", "value": "production"},
]
LINK = "https://my.scalingo.com/apps/collaboration?token="
PENDING = {
    "id": "c1",
    "email": "joe@example.com",
    "status": "pending",
    "is_limited": True,
    "invitation_link": LINK + "s3cr3t-invite",
}
ACCEPTED = {"id": "c2", "email": "jane@example.com", "status": "accepted", "is_limited": False, "invitation_link": LINK}
ADDON = {
    "id": "ad-1",
    "status": "running",
    "addon_provider": {"id": "postgresql", "name": "PostgreSQL"},
    "plan": {"id": "p1", "name": "postgresql-starter-512"},
}
AUTOSCALER = {
    "id": "sc-1",
    "container_type": "web",
    "metric": "cpu",
    "target": 0.75,
    "min_containers": 2,
    "max_containers": 6,
    "disabled": False,
}
DOMAIN = {"id": "d1", "name": "www.example.com", "canonical": True, "ssl": False, "letsencrypt_status": "pending_dns"}


def deployment(number):
    return {"id": f"dep-{number}", "status": "success", "git_ref": f"{number:040x}"}


def deployments_page(numbers, next_page=None, total_pages=None):
    pagination = {"current_page": 1, "next_page": next_page, "total_pages": total_pages}
    return {"deployments": [deployment(n) for n in numbers], "meta": {"pagination": pagination}}


def test_env_gives_the_names_only_from_one_read_of_the_raw_variables():
    o = succeeds(AppInfo, info_params(gather=["env"]), read(), get(f"/apps/{APP}/variables", {"variables": VARIABLES}))
    assert o.sent == [f"GET /apps/{APP}", f"GET /apps/{APP}/variables"]
    assert o.client.calls[1].params == {"aliases": "true"}
    assert o.result["apps"][0]["env"] == [
        {"name": "SCALINGO_POSTGRESQL_URL"},
        {"name": "DATABASE_URL"},
        {"name": "RAILS_ENV"},
    ]
    shown = json.dumps(o.result)
    assert SECRET not in shown and "production" not in shown and "$SCALINGO" not in shown


def test_env_values_give_each_value_as_stored_when_asked():
    o = succeeds(
        AppInfo,
        info_params(gather=["env"], env_values=True),
        read(),
        get(f"/apps/{APP}/variables", {"variables": VARIABLES}),
    )
    assert o.result["apps"][0]["env"] == [{"name": v["name"], "value": v["value"]} for v in VARIABLES]


def test_env_values_without_env_read_no_variables():
    o = succeeds(AppInfo, info_params(env_values=True), read())
    assert o.sent == [f"GET /apps/{APP}"]
    assert "env" not in o.result["apps"][0]


@pytest.mark.parametrize("env_values", [False, True])
def test_an_env_answer_in_another_shape_fails_without_quoting_any_value(env_values):
    broken = [{"name": "DATABASE_URL", "value": {"password": SECRET}}] if env_values else [{"value": SECRET}]
    o = fails(
        AppInfo,
        info_params(gather=["env"], env_values=env_values),
        read(),
        get(f"/apps/{APP}/variables", {"variables": broken}),
    )
    field = "value" if env_values else "name"
    assert o.error.message.startswith(
        f"could not read the environment variables of app '{APP}': the answer of GET /v1/apps/{APP}/variables has a "
        f"'variables' whose '{field}' is not"
    )
    assert SECRET not in o.error.message


def test_collaborators_come_without_their_invitation_links():
    o = succeeds(
        AppInfo,
        info_params(gather=["collaborators"]),
        read(),
        get(f"/apps/{APP}/collaborators", {"collaborators": [PENDING, ACCEPTED]}),
    )
    collaborators = o.result["apps"][0]["collaborators"]
    assert collaborators == [
        {key: value for key, value in c.items() if key != "invitation_link"} for c in (PENDING, ACCEPTED)
    ]
    assert "s3cr3t" not in json.dumps(o.result) and "token" not in json.dumps(o.result)


def test_every_new_section_costs_one_read_in_one_order():
    o = succeeds(
        AppInfo,
        info_params(gather=["deployments", "domains", "autoscalers", "addons", "collaborators", "env"]),
        read(),
        get(f"/apps/{APP}/variables", {"variables": VARIABLES}),
        get(f"/apps/{APP}/collaborators", {"collaborators": [ACCEPTED]}),
        get(f"/apps/{APP}/addons", {"addons": [ADDON]}),
        get(f"/apps/{APP}/autoscalers", {"autoscalers": [AUTOSCALER]}),
        get(f"/apps/{APP}/domains", {"domains": [DOMAIN]}),
        get(f"/apps/{APP}/deployments", deployments_page([3, 2, 1])),
    )
    assert o.sent == [
        f"GET /apps/{APP}",
        *(f"GET /apps/{APP}/{s}" for s in ("variables", "collaborators", "addons", "autoscalers", "domains")),
        f"GET /apps/{APP}/deployments",
    ]
    app = o.result["apps"][0]
    assert app["addons"] == [ADDON]
    assert app["autoscalers"] == [AUTOSCALER]
    assert app["domains"] == [DOMAIN]
    assert [d["id"] for d in app["deployments"]] == ["dep-3", "dep-2", "dep-1"]
    assert o.client.calls[-1].params == {"page": 1, "per_page": 10}
    assert o.result["changed"] is False


def test_without_a_name_each_app_gets_one_read_per_section():
    o = succeeds(
        AppInfo,
        info_params(name=None, gather=["addons", "domains"]),
        get("/apps", {"apps": [an_app("my-shop"), an_app("my-blog")]}),
        get("/apps/my-shop/addons", {"addons": [ADDON]}),
        get("/apps/my-shop/domains", {"domains": []}),
        get("/apps/my-blog/addons", {"addons": []}),
        get("/apps/my-blog/domains", {"domains": [DOMAIN]}),
    )
    assert [(app["addons"], app["domains"]) for app in o.result["apps"]] == [([ADDON], []), ([], [DOMAIN])]


def test_deployments_are_the_latest_up_to_the_limit_in_one_request():
    o = succeeds(
        AppInfo,
        info_params(gather=["deployments"], deployments_limit=2),
        read(),
        get(f"/apps/{APP}/deployments", deployments_page([9, 8], next_page=2, total_pages=5)),
    )
    assert o.client.calls[1].params == {"page": 1, "per_page": 2}
    assert [d["id"] for d in o.result["apps"][0]["deployments"]] == ["dep-9", "dep-8"]


def test_deployments_beyond_the_limit_in_the_answer_are_cut():
    o = succeeds(
        AppInfo,
        info_params(gather=["deployments"], deployments_limit=1),
        read(),
        get(f"/apps/{APP}/deployments", deployments_page([9, 8, 7])),
    )
    assert [d["id"] for d in o.result["apps"][0]["deployments"]] == ["dep-9"]


def test_deployments_follow_the_pages_when_the_api_gives_fewer_per_page_than_asked():
    o = succeeds(
        AppInfo,
        info_params(gather=["deployments"], deployments_limit=5),
        read(),
        get(f"/apps/{APP}/deployments", deployments_page([9, 8], next_page=2, total_pages=4)),
        get(f"/apps/{APP}/deployments", deployments_page([7, 6], next_page=3, total_pages=4)),
        get(f"/apps/{APP}/deployments", deployments_page([5, 4], next_page=4, total_pages=4)),
    )
    assert [call.params for call in o.client.calls[1:]] == [{"page": n, "per_page": 5} for n in (1, 2, 3)]
    assert [d["id"] for d in o.result["apps"][0]["deployments"]] == [f"dep-{n}" for n in (9, 8, 7, 6, 5)]


def test_fewer_deployments_than_the_limit_are_all_read_once():
    o = succeeds(
        AppInfo,
        info_params(gather=["deployments"]),
        read(),
        get(f"/apps/{APP}/deployments", {"deployments": [deployment(1)], "meta": {"pagination": {"next_page": 1}}}),
    )
    assert [d["id"] for d in o.result["apps"][0]["deployments"]] == ["dep-1"]


def test_an_app_never_deployed_has_no_deployments():
    o = succeeds(
        AppInfo, info_params(gather=["deployments"]), read(), get(f"/apps/{APP}/deployments", {"deployments": []})
    )
    assert o.result["apps"][0]["deployments"] == []


@pytest.mark.parametrize(
    "section, data, problem",
    [
        ("addons", {"addons": [{"id": "ad-1", "plan": {}}]}, "has a 'addons' whose 'addon_provider' is not an object"),
        (
            "autoscalers",
            {"autoscalers": [dict(AUTOSCALER, min_containers="2")]},
            "whose 'min_containers' is not a number",
        ),
        ("domains", {"domain": DOMAIN}, "has no 'domains'"),
        ("collaborators", {"collaborators": [{"id": "c1"}]}, "whose 'email' is not a string"),
        ("deployments", {"deployments": [{"id": "dep-1"}]}, "whose 'status' is not a string"),
    ],
)
def test_a_new_section_in_another_shape_fails_naming_it(section, data, problem):
    o = fails(AppInfo, info_params(gather=[section]), read(), get(f"/apps/{APP}/{section}", data))
    assert o.error.message.startswith(
        f"could not read the {section} of app '{APP}': the answer of GET /v1/apps/{APP}/{section}"
    )
    assert problem in o.error.message


def test_a_refused_section_fails_with_the_api_reason():
    o = fails(
        AppInfo,
        info_params(gather=["env"]),
        read(),
        get(f"/apps/{APP}/variables", {"error": "You are not authorized to do this operation"}, status=403),
    )
    assert o.error.message == (
        f"could not read the environment variables of app '{APP}': You are not authorized to do this operation (HTTP 403)"
    )


def test_valid_input_has_no_problem_nor_warning():
    given = info_params(gather=["env", "logs_archives"], metrics=[query(container_type="web")], logs_archives_limit=2)
    assert input_problems(given) == []
    assert input_warnings(given, no_log=True) == []
    assert input_problems(info_params(name=None)) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"name": "My Shop", "deployments_limit": 0}, f"app name 'My Shop' (name) is invalid: {APP_RULE}"),
        ({"name": None, "metrics": [query(container_type="web")]}, "metrics are read for one app: give its name"),
        (
            {"metrics": [query(container_type="web"), query(name="router", index=1)]},
            "metrics[1] (router): index can't be used with the router metric (it covers every container)",
        ),
        (
            {"logs_archives_limit": 0, "deployments_limit": 0},
            "logs_archives_limit must be 1 or more, got 0: leave logs_archives out of gather to read none",
        ),
        (
            {"deployments_limit": -1},
            "deployments_limit must be 1 or more, got -1: leave deployments out of gather to read none",
        ),
    ],
)
def test_the_first_bad_input_is_the_problem_reported(options, problem):
    assert input_problems(info_params(**options))[0] == problem


def test_options_given_for_nothing_are_warned_about():
    given = info_params(logs_archives_limit=3, env_values=True)
    assert input_warnings(given, no_log=False) == [
        "logs_archives_limit is only used with gather=logs_archives",
        "env_values is only used with gather=env",
    ]


def test_env_values_on_a_logged_task_is_warned_about():
    given = info_params(gather=["env"], env_values=True)
    assert input_warnings(given, no_log=True) == []
    assert input_warnings(given, no_log=False) == [
        "env_values=true returns the values of the environment variables, which are secrets: "
        "set no_log: true on this task"
    ]


# -- wiring: notifiers, alerts, log drains, repo link, events, cron tasks --------------------------------

WEBHOOK = "https://hooks.example.com/services/s3cr3t-hook"
DRAIN = "syslog://:s3cr3t-drain@logs.example.com:6514"
NOTIFIER = {
    "id": "no-1",
    "name": "ops",
    "type": "webhook",
    "platform_id": "59c27732",
    "active": True,
    "send_all_events": False,
    "selected_event_ids": ["ev-1"],
    "type_data": {"webhook_url": WEBHOOK},
}
EMAILS = {"id": "no-2", "name": "mail", "type": "email", "active": False, "send_all_events": True,
          "type_data": {"emails": ["ops@example.com"], "user_ids": []}}  # fmt: skip
ALERT = {"id": "al-1", "container_type": "web", "metric": "cpu", "limit": 0.8, "notifiers": ["no-1"]}
LINK = {"id": "li-1", "scm_type": "github", "owner": "my-org", "repo": "my-shop", "branch": "main"}


def events_page(numbers, next_page=None, total_pages=None):
    pagination = {"current_page": 1, "next_page": next_page, "total_pages": total_pages}
    return {"events": [{"id": f"ev-{n}", "type": "restart"} for n in numbers], "meta": {"pagination": pagination}}


def test_the_new_sections_are_opt_in_each_one_read_in_one_order():
    o = succeeds(
        AppInfo,
        info_params(gather=["cron_tasks", "events", "scm_repo_link", "log_drains", "alerts", "notifiers"]),
        read(),
        get(f"/apps/{APP}/notifiers", {"notifiers": [NOTIFIER, EMAILS]}),
        get(f"/apps/{APP}/alerts", {"alerts": [ALERT]}),
        get(f"/apps/{APP}/log_drains", {"drains": [{"app_id": "id", "url": DRAIN}]}),
        get(f"/apps/{APP}/scm_repo_link", {"scm_repo_link": LINK}),
        get(f"/apps/{APP}/events", events_page([3, 2, 1])),
        get(f"/apps/{APP}/cron_tasks", {"jobs": [{"command": "0 5 * * * rake import"}]}),
    )
    assert o.sent == [f"GET /apps/{APP}"] + [
        f"GET /apps/{APP}/{s}" for s in ("notifiers", "alerts", "log_drains", "scm_repo_link", "events", "cron_tasks")
    ]
    app = o.result["apps"][0]
    assert [(n["platform"], n["name"], n["active"], n["events"]) for n in app["notifiers"]] == [
        ("webhook", "ops", True, ["ev-1"]),
        ("email", "mail", False, "all"),
    ]
    assert app["notifiers"][0]["type_data"] == {"webhook_url": "https://hooks.example.com..."}
    assert app["notifiers"][1]["type_data"] == {"emails": ["ops@example.com"], "user_ids": []}
    assert app["alerts"] == [ALERT]
    assert app["log_drains"][0]["url"] == "syslog://logs.example.com:6514..."
    assert app["log_drains"][0]["digest"].startswith("sha256:")
    assert app["scm_repo_link"] == LINK
    assert [e["id"] for e in app["events"]] == ["ev-3", "ev-2", "ev-1"]
    assert app["cron_tasks"] == [{"command": "0 5 * * * rake import"}]
    assert "s3cr3t" not in json.dumps(o.result)
    assert {WEBHOOK, DRAIN} <= set(o.client.secret_values)


def test_an_app_without_a_repo_link_has_none():
    o = succeeds(
        AppInfo,
        info_params(gather=["scm_repo_link"]),
        read(),
        get(f"/apps/{APP}/scm_repo_link", {"error": "The scm_repo_link was not found"}, status=404),
    )
    assert o.result["apps"][0]["scm_repo_link"] is None


def test_events_follow_the_pages_up_to_the_limit():
    o = succeeds(
        AppInfo,
        info_params(gather=["events"], events_limit=3),
        read(),
        get(f"/apps/{APP}/events", events_page([9, 8], next_page=2, total_pages=5)),
        get(f"/apps/{APP}/events", events_page([7, 6], next_page=3, total_pages=5)),
    )
    assert [e["id"] for e in o.result["apps"][0]["events"]] == ["ev-9", "ev-8", "ev-7"]
    assert [call.params for call in o.client.calls[1:]] == [{"page": 1, "per_page": 3}, {"page": 2, "per_page": 3}]


def test_events_are_asked_for_in_pages_of_at_most_50():
    o = succeeds(
        AppInfo, info_params(gather=["events"], events_limit=120), read(), get(f"/apps/{APP}/events", events_page([1]))
    )
    assert o.client.calls[1].params == {"page": 1, "per_page": 50}


def test_an_events_limit_below_one_is_refused():
    assert input_problems(info_params(events_limit=0)) == [
        "events_limit must be 1 or more, got 0: leave events out of gather"
    ]
