# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the app metrics app_info reads (time series and recommended values):
which queries can be sent, and the request each one is.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

from ._api import api_path
from ._checks import container_type_problem
from ._errors import ScalingoError

SERIES = ("cpu", "memory", "swap", "router")
RECOMMENDED = ("cpu", "memory", "swap", "5XX", "all", "rpm_per_container", "p95_response_time")
PER_CONTAINER = ("cpu", "memory", "swap")
MAX_SINCE = 71


def metric_problem(query: dict) -> str | None:
    """Why a metric query can't be sent (in the user's terms), or None."""
    name, kind = query["name"], query.get("container_type")
    if query.get("recommended"):
        if name not in RECOMMENDED:
            return f"'{name}' has no recommended value; those metrics are: {', '.join(RECOMMENDED)}"
        unused = [key for key in ("index", "since", "status_code") if query.get(key) is not None]
        if unused:
            return f"{' and '.join(unused)} can't be used with recommended=true"
    elif name not in SERIES:
        return f"'{name}' is only available with recommended=true; time series are: {', '.join(SERIES)}"
    if name == "router":
        unused = [key for key in ("container_type", "index") if query.get(key) is not None]
        if unused:
            return f"{' and '.join(unused)} can't be used with the router metric (it covers every container)"
    elif query.get("status_code") is not None:
        return "status_code is only used with the router metric"
    if name in PER_CONTAINER and not kind:
        return f"'{name}' needs container_type (web, worker, ...)"
    problem = kind is not None and container_type_problem("container_type", kind)
    if problem:
        return problem
    if query.get("index") is not None and query["index"] < 1:
        return f"index must be 1 or more, got {query['index']}"
    if query.get("index") is not None and not kind:
        return "index needs container_type"
    since = query.get("since")
    if since is not None and not 1 <= since <= MAX_SINCE:
        return f"since must be between 1 and {MAX_SINCE} hours, got {since}"
    return None


def metric_request(app: str, query: dict) -> tuple[str, dict | None]:
    """(path, params) of a metric query that metric_problem() accepted."""
    path = api_path("apps", app, "stats", query["name"])
    if query.get("recommended"):
        kind = query.get("container_type")
        return f"{path}/recommended_value", ({"container_type": kind} if kind else None)
    for part in ("container_type", "index"):
        if query.get(part) is not None:
            path += api_path(query[part])
    params = {key: query[key] for key in ("since", "status_code") if query.get(key) is not None}
    return path, params or None


def no_data(exc: ScalingoError) -> bool:
    """A 404 that only says Scalingo has no points: an empty answer, not a failure."""
    return exc.status == 404 and not exc.resource and (exc.error or "").lower() == "no metrics found"
