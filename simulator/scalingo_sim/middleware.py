"""What happens around every request outside /_sim/: request id, injected
faults, bearer check, rate limit, request log, rewritten operation URLs,
connection drops and cut-off bodies."""

import contextlib
import json
import re
import socket
import time
import uuid
from urllib.parse import urlsplit

from flask import current_app, g, request
from werkzeug.http import HTTP_STATUS_CODES

from . import bearer, errors
from .responses import JSON_TYPE, TEXT_TYPE, text_response
from .web import parse_body, state, trap

# POSTs that change nothing a client manages: the token exchanges.
EXCHANGE_ENDPOINTS = {"auth.exchange", "database_tokens.addon_token"}

# Regional routes reachable without a bearer.
PUBLIC_ENDPOINTS = {"auth.exchange", "info.container_sizes"}
# The addon catalogue is public too.
PUBLIC_ENDPOINTS |= {"addons.providers", "addons.provider_plans", "addons.categories"}
PUBLIC_ENDPOINTS |= {"notifiers.platforms", "notifiers.platform_search", "notifiers.event_types"}
DROP_FLAG = "scalingo_sim.drop"
TRUNCATE_FLAG = "scalingo_sim.truncate"
REDACTED_QUERY_KEYS = {"token"}
BINARY_TYPES = {"application/x-gzip", "application/gzip", "application/octet-stream"}
# {trap}, {path}, {port} in a location fault's template.
LOCATION_FIELDS = ("trap", "path", "port")
LOCATION_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ConnectionDropped(ConnectionAbortedError):
    """Raised to the WSGI server so that it writes nothing back."""


def install(app) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
    app.wsgi_app = DropConnections(app.wsgi_app)


def is_admin_path() -> bool:
    return request.path == "/_sim" or request.path.startswith("/_sim/")


def before_request():
    if is_admin_path():
        return None
    s = state()
    g.started = time.time()
    g.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
    g.user = g.basic_user = None

    fault = s.take_fault(request.method, request.path)
    if fault is not None:
        if "delay" in fault:
            time.sleep(fault["delay"])
        elif fault.get("drop"):
            request.environ[DROP_FLAG] = True
            return text_response("")
        elif fault.get("drop_after_write"):
            request.environ[DROP_FLAG] = True
        elif fault.get("truncate_after_write"):
            request.environ[TRUNCATE_FLAG] = True
        elif "location" in fault:
            g.location_template = fault["location"]
        elif "echo_headers" in fault or "echo_body" in fault:
            return echo_response(fault)
        elif "busy" in fault:
            # Refused as while another operation runs, whatever the app is doing: the app reads free.
            return errors.app_busy(fault["busy"])
        else:
            return fault_response(fault)

    g.user = bearer_user(s)
    g.basic_user = basic_user(s)
    if request.path.startswith("/v1/") and request.endpoint not in PUBLIC_ENDPOINTS and g.user is None:
        return errors.unauthorized()
    caller = g.user or g.basic_user
    if caller is not None and not s.admit(caller.id, time.time()):
        return errors.retry_later()
    return None


def bearer_user(s):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    payload = bearer.verify(s.secret, token.strip())
    if payload is None or not s.bearer_usable(str(payload.get("rnd", ""))):
        return None
    return s.users.get(payload.get("uuid"))


def basic_user(s):
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None
    return s.user_by_token(auth.password or "")


def fault_response(fault: dict):
    status = fault["status"]
    body = fault.get("body")
    if "json" in fault:  # exactly this JSON value, null included
        response = text_response(json.dumps(fault["json"]), status, content_type=JSON_TYPE)
    elif body is None and status == 429:
        response = errors.retry_later()
    elif body is None:
        response = errors.html_page(status, HTTP_STATUS_CODES.get(status, "Error"))
    elif isinstance(body, (dict, list)):
        response = text_response(json.dumps(body), status, content_type=JSON_TYPE)
    else:
        response = text_response(str(body), status, content_type=TEXT_TYPE)
    if fault.get("content_type"):
        response.headers["Content-Type"] = fault["content_type"]
    for name, value in (fault.get("headers") or {}).items():
        response.headers[name] = str(value)
    return response


def echo_response(fault: dict):
    """An error that quotes the request as a careless server or proxy does: every header (Authorization
    included), one `Name: value` a line, or the body as it came; as text, or as the JSON `error`."""
    if "echo_headers" in fault:
        status = fault["echo_headers"]
        text = "".join(f"{name}: {value}\n" for name, value in request.headers.items())
    else:
        status = fault["echo_body"]
        text = request.get_data(cache=True).decode("utf-8", errors="replace")
    if fault["echo_as"] == "json":
        return text_response(json.dumps({"error": text}), status, content_type=JSON_TYPE)
    return text_response(text, status, content_type=TEXT_TYPE)


def rewritten(template: str, original: str) -> str:
    """The location template filled in for one original operation URL."""
    parts = urlsplit(original)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    listener = trap()
    values = {
        "trap": listener.url if listener else "",
        "path": path,
        "port": str(request.environ.get("SERVER_PORT", "")),
    }
    # One pass, so a value is never read as a placeholder; admin.py refused unknown ones.
    return LOCATION_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def rewrite_operation_urls(response, template: str) -> None:
    """Location header and a JSON body's operation_url, where present."""
    if response.headers.get("Location"):
        response.headers["Location"] = rewritten(template, response.headers["Location"])
    if response.is_json:
        payload = response.get_json(silent=True)
        if isinstance(payload, dict) and isinstance(payload.get("operation_url"), str):
            payload["operation_url"] = rewritten(template, payload["operation_url"])
            response.set_data(json.dumps(payload, separators=(",", ":")))


def auth_kind() -> str:
    scheme = request.headers.get("Authorization", "").partition(" ")[0].lower()
    return scheme if scheme in ("bearer", "basic") else "none"


def logged_body():
    if request.mimetype in BINARY_TYPES:  # an uploaded archive: its size only
        return f"<{request.content_length or 0} bytes>"
    ok, value = parse_body()
    if ok:
        return value
    return request.get_data(cache=True).decode("utf-8", errors="replace")


def after_request(response):
    if is_admin_path():
        return response
    request_id = g.get("request_id") or str(uuid.uuid4())
    response.headers["X-Request-ID"] = request_id
    if g.get("location_template"):
        rewrite_operation_urls(response, g.location_template)
    # Rails' reason phrases ("201 Created"), not werkzeug's upper-cased ones.
    code = response.status_code
    response.status = f"{code} {HTTP_STATUS_CODES.get(code, 'Unknown')}"
    dry_run = request.headers.get("X-Dry-Run", "").lower() == "true"
    dropped = request.environ.get(DROP_FLAG, False)
    entry = {
        "time": g.get("started", time.time()),
        "method": request.method,
        "path": request.path,
        "query": {k: ("[redacted]" if k in REDACTED_QUERY_KEYS else v) for k, v in request.args.items()},
        "status": 0 if dropped else response.status_code,
        "dry_run": dry_run,
        # The token exchange is a POST that changes nothing a client manages.
        "mutating": request.method not in ("GET", "HEAD", "OPTIONS")
        and not dry_run
        and request.endpoint not in EXCHANGE_ENDPOINTS,
        # The database API's requests are marked: the addon token goes there, and only there.
        "origin": current_app.config.get("SCALINGO_SIM_ORIGIN", "api"),
        "auth": auth_kind(),
        "body": logged_body(),
        "user_agent": request.headers.get("User-Agent", ""),
        "request_id": request_id,
    }
    if request.environ.get(TRUNCATE_FLAG):
        entry["truncated"] = True
    state().log_request(entry)
    return response


class DropConnections:
    """WSGI wrapper for the faults that act on the connection itself.

    drop / drop_after_write: send nothing and close the socket. Raising a
    ConnectionError makes werkzeug's server treat the request as aborted by
    the peer, so it writes no status line at all.

    truncate_after_write: send the status line and headers with the full
    Content-Length, then half of the body, then close the socket.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        held = {}

        def hold_start_response(status, headers, exc_info=None):
            if environ.get(DROP_FLAG):
                return lambda data: None
            if environ.get(TRUNCATE_FLAG):
                held.update(status=status, headers=headers)
                return lambda data: None
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, hold_start_response)
        if environ.get(TRUNCATE_FLAG):
            return self.truncated(environ, start_response, held, result)
        if not environ.get(DROP_FLAG):
            return result
        if hasattr(result, "close"):
            result.close()
        close_socket(environ)
        raise ConnectionDropped("connection dropped by an injected fault")

    @staticmethod
    def truncated(environ, start_response, held, result):
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        # The full length is announced; an empty body announces one byte that never comes.
        announced = max(len(body), 1)
        headers = [(k, v) for k, v in held["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(announced)))
        start_response(held["status"], headers)
        return cut_off(environ, body[: len(body) // 2])


def cut_off(environ, part: bytes):
    # Always yield, even b"": the server writes the status line and headers on the first write.
    yield part
    close_socket(environ)


def close_socket(environ) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
