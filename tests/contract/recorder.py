"""A recording reverse proxy between the contract playbooks and a Scalingo API (the real one or the simulator).

The playbooks use it as both api_url and auth_url. It forwards each request to the auth service (token
exchange, regions, users) or to the regional API, rewrites the upstream's absolute URLs (Location, and JSON
strings) back to its own origin, and records each answer's method, path (names and ids as placeholders),
status and shape (keys and value types, never values). It forwards only what the contract may touch: apps
whose names start with `<prefix>-` (or whose ids it saw in their answers), at most `budget` requests, then a
small reserve for cleanup only. What it refuses gets a 403 with a JSON error, and is recorded as refused.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from urllib.parse import quote

import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server

AUTH_PATHS = ("/v1/tokens", "/v1/regions", "/v1/users")
# What an interrupted run's cleanup needs once the budget is spent.
RESERVE = 10
STEP_PATH = "/_contract/step"
# Request headers that belong to the hop, not to the API.
HOP_REQUEST = {"host", "content-length", "accept-encoding", "connection", "transfer-encoding", "keep-alive"}
HOP_RESPONSE = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
# Path segments kept as they are; any other segment is a name or an id.
WORDS = {
    "v1",
    "apps",
    "tokens",
    "exchange",
    "regions",
    "users",
    "self",
    "operations",
    "variables",
    "domains",
    "collaborators",
    "deployments",
    "output",
    "containers",
    "ps",
    "scale",
    "restart",
    "rename",
    "run",
    "child_apps",
    "addons",
    "addon_providers",
    "addon_categories",
    "plans",
    "autoscalers",
    "logs",
    "logs_archives",
    "sources",
    "features",
    "container_sizes",
    "caches",
    "deployment",
    "stats",
    "events",
    "recommended_value",
}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")
# Objects whose keys are data that depends on the account (feature flags, operator limits), not a schema.
MAPS = {"flags", "limits"}


def template(path: str) -> str:
    """The path with names and ids replaced: /v1/apps/{app}/operations/{id}."""
    parts = path.strip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        if part in WORDS:
            out.append(part)
        elif i and parts[i - 1] in ("apps", "child_apps"):
            out.append("{app}")
        else:
            out.append("{id}")
    return "/" + "/".join(out)


def kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "object"


def shape(value, path: str = "$", out: dict | None = None) -> dict:
    """Every path of a JSON value with the set of types seen there: {"$.app.name": {"str"}, "$.apps[]": ...}."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(kind(value))
    if isinstance(value, dict) and path.rsplit(".", 1)[-1] not in MAPS:
        for key, item in value.items():
            shape(item, f"{path}.{key}" if IDENT.match(key) else f"{path}[{json.dumps(key)}]", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def body_kind(response: requests.Response) -> str:
    if not response.content:
        return "empty"
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return "json" if "json" in media else media or "unknown"


class Recorder:
    def __init__(self, api: str, auth: str, prefix: str, budget: int, session: requests.Session | None = None):
        self.api = api.rstrip("/")
        self.auth = auth.rstrip("/")
        self.prefix = prefix
        self.budget = budget
        self.session = session or requests.Session()
        self.sent = 0
        self.task = None
        self.entries = []
        self.refused = []
        self.ids = set()  # ids of the prefixed apps, seen in their answers
        self.lock = threading.Lock()

    # -- what may be forwarded ------------------------------------------------

    def named(self, item) -> bool:
        return (
            isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].startswith(f"{self.prefix}-")
        )

    def ours(self, ident: str) -> bool:
        return ident.startswith(f"{self.prefix}-") or ident in self.ids

    @staticmethod
    def member(body: bytes, *keys: str) -> str:
        """body[keys[0]][keys[1]]... of a JSON body, as a string ("" when absent or not JSON)."""
        try:
            value = json.loads(body or b"{}")
            for key in keys:
                value = value.get(key)
        except (ValueError, AttributeError):
            return ""
        return value if isinstance(value, str) else ""

    def refusal(self, method: str, path: str, body: bytes) -> str | None:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "apps"] and len(parts) > 2 and not self.ours(parts[2]):
            return f"app '{parts[2]}' does not start with '{self.prefix}-'"
        new_name = None
        if method == "POST" and path.rstrip("/") == "/v1/apps":
            new_name = self.member(body, "app", "name")
        elif method == "POST" and parts[3:] == ["rename"]:
            new_name = self.member(body, "new_name")
        if new_name is not None and not new_name.startswith(f"{self.prefix}-"):
            return f"an app is created or renamed only to a name that starts with '{self.prefix}-'"
        if self.sent >= self.budget:
            cleanup = (method == "POST" and path == "/v1/tokens/exchange") or (
                method in ("GET", "DELETE") and parts[:2] == ["v1", "apps"] and len(parts) <= 3
            )
            if not cleanup or self.sent >= self.budget + RESERVE:
                return f"the budget of {self.budget} requests is spent (past it, only cleanup is forwarded)"
        return None

    # -- rewriting --------------------------------------------------------------

    def local(self, value: str, own: str) -> str:
        """An upstream URL of the API (or the upstream's bare origin) as a URL of the recorder."""
        for base in (self.api, self.auth):
            if value == base or value.startswith(f"{base}/v1/") or value == f"{base}/v1":
                return own + value[len(base) :]
        return value

    def rewrite(self, value, own: str):
        if isinstance(value, str):
            return self.local(value, own)
        if isinstance(value, list):
            return [self.rewrite(item, own) for item in value]
        if isinstance(value, dict):
            return {key: self.rewrite(item, own) for key, item in value.items()}
        return value

    def learn(self, path: str, data) -> None:
        """Remember the ids of the prefixed apps, which later URLs (deployment output links) may use."""
        if not isinstance(data, dict):
            return
        apps = data.get("apps") if isinstance(data.get("apps"), list) else [data.get("app")]
        self.ids.update(app["id"] for app in apps if self.named(app) and isinstance(app.get("id"), str))
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "apps"] and len(parts) > 3 and self.ours(parts[2]):
            for member in data.values():
                if isinstance(member, dict) and isinstance(member.get("app_id"), str):
                    self.ids.add(member["app_id"])

    # -- recording --------------------------------------------------------------

    def record(self, method: str, path: str, query: str, status: int, body: str, data) -> None:
        if method == "GET" and path.rstrip("/") == "/v1/apps" and isinstance(data, dict):
            # The recording describes the contract's apps only, whatever else the account holds.
            apps = data.get("apps")
            if isinstance(apps, list):
                data = dict(data, apps=[app for app in apps if self.named(app)])
        keys = sorted({pair.split("=", 1)[0] for pair in query.split("&") if pair})
        entry = {
            "task": self.task,
            "method": method,
            "path": template(path) + ("?" + "&".join(keys) if keys else ""),
            "status": status,
            "body": body,
            "shape": shape(data) if body == "json" else {},
        }
        self.entries.append(entry)

    def recording(self, **header) -> dict:
        """The recording: steps (one per task that sent requests, in order), each with its distinct exchanges."""
        steps = []
        for entry in self.entries:
            if not steps or steps[-1]["task"] != entry["task"]:
                steps.append({"task": entry["task"], "exchanges": []})
            exchanges = steps[-1]["exchanges"]
            key = (entry["method"], entry["path"], entry["status"], entry["body"])
            same = next((e for e in exchanges if (e["method"], e["path"], e["status"], e["body"]) == key), None)
            if same is None:
                same = {"method": key[0], "path": key[1], "status": key[2], "body": key[3], "count": 0, "shape": {}}
                exchanges.append(same)
            same["count"] += 1
            for where, kinds in entry["shape"].items():
                same["shape"][where] = set(same["shape"].get(where, ())) | kinds
        for step in steps:
            for exchange in step["exchanges"]:
                exchange["shape"] = {
                    where: "|".join(sorted(kinds)) for where, kinds in sorted(exchange["shape"].items())
                }
        return {**header, "budget": self.budget, "requests": self.sent, "refused": self.refused, "steps": steps}

    # -- the proxy --------------------------------------------------------------

    def forward(self, own: str) -> Response:
        method, path, query = request.method, request.path, request.query_string.decode("latin-1")
        body = request.get_data(cache=False)
        with self.lock:
            refused = self.refusal(method, path, body)
            if refused:
                self.refused.append({"task": self.task, "method": method, "path": template(path), "reason": refused})
                return Response(
                    json.dumps({"error": f"contract recorder: {refused}; not forwarded"}),
                    status=403,
                    content_type="application/json; charset=utf-8",
                )
            self.sent += 1
        upstream = self.auth if path.startswith(AUTH_PATHS) else self.api
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_REQUEST}
        # The path as the client encoded it (Flask's request.path is decoded).
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(path)
        url = upstream + raw.split("?", 1)[0] + (f"?{query}" if query else "")
        try:
            answer = self.session.request(method, url, headers=headers, data=body, allow_redirects=False, timeout=120)
        except requests.RequestException as exc:
            with self.lock:
                self.record(method, path, query, 0, "none", None)
            return Response(
                json.dumps({"error": f"contract recorder: no answer from the upstream ({type(exc).__name__})"}),
                status=502,
                content_type="application/json; charset=utf-8",
            )
        kind_of_body = body_kind(answer)
        content = answer.content
        data = None
        if kind_of_body == "json":
            try:
                data = answer.json()
            except ValueError:
                kind_of_body = "invalid json"
            else:
                content = json.dumps(self.rewrite(data, own)).encode()
        with self.lock:
            self.record(method, path, query, answer.status_code, kind_of_body, data)
            if data is not None:
                self.learn(path, data)
        out = Response(content, status=answer.status_code)
        out.headers.clear()
        for name, value in answer.headers.items():
            if name.lower() not in HOP_RESPONSE:
                out.headers[name] = self.local(value, own) if name.lower() == "location" else value
        return out


def create_app(recorder: Recorder) -> Flask:
    app = Flask("contract_recorder")
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    @app.post(STEP_PATH)
    def step():
        with recorder.lock:
            recorder.task = (request.get_json(silent=True) or {}).get("task")
        return {"ok": True}

    @app.route("/", defaults={"rest": ""}, methods=methods)
    @app.route("/<path:rest>", methods=methods)
    def proxy(rest):
        return recorder.forward(request.host_url.rstrip("/"))

    return app


class Server:
    """The recorder on 127.0.0.1 (a free port), in a thread of this process."""

    def __init__(self, recorder: Recorder):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log: paths name the apps
        self.server = make_server("127.0.0.1", 0, create_app(recorder), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join()
