# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: log drains, and how a URL that is a secret is shown.

A log drain has no id: the URL the API generates from its type and fields is its identity, and that URL
carries the drain's token. So a drain is compared by its pieces (drain_matches), shown masked
(masked_url: scheme and host, never credentials, path or query) with a digest of its whole URL
(digest), and never quoted in a message.

How the API builds a drain's URL from its typed form is documented for some types only
(scalingo-api-platform facts, section 5):
- datadog      datadog://<token>?region=<drain_region>
- ovh-graylog  ovh://:<token>@<host>:6514
- syslog       syslog://:<token>@<host>:<port>       (without a token: UNKNOWN, taken as syslog://<host>:<port>)
- papertrail   tcp+tls://<host>:<port>               (inferred from listing examples)
- elk          the URL given
- appsignal, betterstack: UNKNOWN.
A typed drain matches a listed URL when the URL's scheme is the type's (any scheme for the types whose
form is unknown) and each field the task gives is where the form puts it: the host as the URL's host,
the port as its port, drain_region as its `region` query parameter, the token as its password, user
or host (datadog puts it first); for a type whose form is unknown, the token anywhere in the URL.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import hashlib
import ipaddress
from urllib.parse import parse_qs, unquote, urlsplit

# type: (URL scheme, or None when the form is unknown; the fields the API requires)
TYPES = {
    "appsignal": (None, ("token",)),
    "betterstack": (None, ("token", "host")),
    "datadog": ("datadog", ("token", "drain_region")),
    "elk": ("", ("url",)),
    "ovh-graylog": ("ovh", ("token", "host")),
    "papertrail": ("tcp+tls", ("host", "port")),
    "syslog": ("syslog", ("host", "port")),
}
FIELDS = ("host", "port", "token", "drain_region")
OVH_PORT = 6514
HIDDEN = "..."


def digest(value: str) -> str:
    """A short fingerprint of a secret: tells two values apart without telling what they are."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def parts(url: str) -> tuple[str, str | None, int | None, str, str, dict]:
    """(scheme, host, port, user, password, query) of `url`; the host as written (not lower-cased: a token
    may stand there); an unreadable port is None."""
    split = urlsplit(url)
    host = split.netloc.rpartition("@")[2]
    host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    try:
        port = split.port
    except ValueError:
        port = None
    return (
        split.scheme.lower(),
        unquote(host) or None,
        port,
        unquote(split.username or ""),
        unquote(split.password or ""),
        parse_qs(split.query),
    )


def showable_host(host: str | None) -> bool:
    """A host name or address, not a token in the host's place (datadog://<token>): it has a dot or is an address."""
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return "." in host or host == "localhost"


def masked_url(url: str) -> str:
    """`url` without anything that may be a credential: its scheme and host (and port), then '...' when more
    was left out (user info, path, query, fragment). The host goes too when it may be a token."""
    if not isinstance(url, str) or "://" not in url:
        return HIDDEN
    scheme, host, port, _user, _password, _query = parts(url)
    if host is None or not showable_host(host):
        return f"{scheme}://{HIDDEN}"
    shown = f"[{host}]" if ":" in host else host
    shown += f":{port}" if port is not None else ""
    whole = urlsplit(url)
    more = bool(whole.username or whole.password or whole.path.strip("/") or whole.query or whole.fragment)
    return f"{scheme}://{shown}{HIDDEN if more else ''}"


def shown_drain(url: str | None, drain: dict | None = None) -> dict:
    """A drain as results and diffs show it: its masked URL and the digest of its URL. A drain to add whose URL
    can't be predicted (`url` None) is shown by its type and host."""
    if url is None:
        host = (drain or {}).get("host")
        kind = (drain or {}).get("type") or "drain"
        return {"url": f"{kind}://{host + HIDDEN if host and showable_host(host) else HIDDEN}", "digest": None}
    return {"url": masked_url(url), "digest": digest(url)}


def predicted_url(drain: dict) -> str | None:
    """The URL Scalingo makes of a drain of the task, where its form is known (see the module's docstring)."""
    kind, token, host, port = drain["type"], drain.get("token"), drain.get("host"), drain.get("port")
    if drain.get("url"):
        return drain["url"]
    if kind == "datadog":
        return f"datadog://{token}?region={drain['drain_region']}"
    if kind == "ovh-graylog":
        return f"ovh://:{token}@{host}:{port or OVH_PORT}"
    if kind == "syslog":
        return f"syslog://:{token}@{host}:{port}" if token else f"syslog://{host}:{port}"
    if kind == "papertrail":
        return f"tcp+tls://{host}:{port}"
    return None


def drain_matches(drain: dict, url: str) -> bool:
    """Whether the listed drain URL `url` is the drain the task describes: {"url"} or {"type", host, port, ...}."""
    if drain.get("url"):
        return drain["url"] == url
    scheme_wanted = TYPES[drain["type"]][0]
    scheme, host, port, user, password, query = parts(url)
    if scheme_wanted is not None and scheme != scheme_wanted:
        return False
    if drain.get("host") and (host or "").lower() != drain["host"].lower():
        return False
    wanted_port = drain.get("port")
    if drain["type"] == "ovh-graylog" and wanted_port is None:
        wanted_port = OVH_PORT
    if wanted_port is not None and port != int(wanted_port):
        return False
    if drain.get("drain_region") and query.get("region", [None])[0] != drain["drain_region"]:
        return False
    token = drain.get("token")
    if token:
        if scheme_wanted is None:
            return token in unquote(url)
        return token in (password, user, host)
    # A drain given without a token is not one whose URL carries one.
    return not password and not (drain["type"] == "datadog" and host)


def drain_body(drain: dict) -> dict:
    """The `drain` the API is sent: the type and the fields given, all as strings (the port too)."""
    body = {"type": drain["type"]}
    body.update({key: str(drain[key]) for key in ("url", *FIELDS) if drain.get(key) not in (None, "")})
    return body


def drain_problem(drain: dict, where: str) -> str | None:
    """What is wrong with one drain of the task on its face (never quoting its URL or token), or None."""
    kind, url = drain.get("type"), drain.get("url")
    given = [key for key in FIELDS if drain.get(key) not in (None, "")]
    if url is not None:
        if kind not in (None, "elk"):
            return f"{where}: url is the form of the elk type; give type {kind} with its fields, or leave type out"
        if given:
            return f"{where}: url goes alone; leave {', '.join(given)} out"
        scheme = urlsplit(url).scheme if "://" in url else ""
        if not scheme or any(c.isspace() or not c.isprintable() for c in url):
            return f"{where}: url is not a URL (scheme://...) on one line without spaces"
        return None
    if kind is None:
        return f"{where}: give url, or type with its fields ({', '.join(TYPES)})"
    if kind == "elk":
        return f"{where}: type elk is given by its url"
    missing = [key for key in TYPES[kind][1] if drain.get(key) in (None, "")]
    if missing:
        return f"{where}: type {kind} needs {' and '.join(missing)}"
    port = drain.get("port")
    if port is not None and not 1 <= port <= 65535:
        return f"{where}: port must be between 1 and 65535, got {port}"
    host = drain.get("host")
    if host is not None and (not host or any(c in host for c in "/:@?# ") or not host.isprintable()):
        return f"{where}: host {host!r} is not a host name (no scheme, port or path)"
    return None


def normalized(drain: dict) -> dict:
    """A drain of the task with type elk when it is given by its url."""
    return dict(drain, type=drain.get("type") or "elk") if drain.get("url") else dict(drain)
