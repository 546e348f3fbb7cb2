# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the connection settings, declared once.

Every option that says how to reach Scalingo (token, URLs, timeouts, pacing) is one row of SETTINGS.
The modules' argument spec, the environment fallback, the inventory plugin's options and the checks
of connection_settings() all come from it; tests compare it with the doc fragments. Nothing here
imports Ansible or sends a request. Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._errors import ScalingoError


@dataclass(frozen=True)
class Setting:
    name: str
    type: str  # the Ansible option type: str, bool, int
    default: Any = None
    env: str | None = None
    no_log: bool = False
    summary: str = ""
    # Which modules take it: "connection" every module and the inventory; "database" the database modules.
    group: str = "connection"


SETTINGS: tuple[Setting, ...] = (
    Setting("api_token", "str", env="SCALINGO_API_TOKEN", no_log=True, summary="Scalingo API token (tk-us-...)"),
    Setting("region", "str", "osc-fr1", "SCALINGO_REGION", summary="region whose API is used"),
    Setting("api_url", "str", env="SCALINGO_API_URL", summary="base URL of the regional API; overrides region"),
    Setting(
        "auth_url", "str", "https://auth.scalingo.com", "SCALINGO_AUTH_URL", summary="base URL of the auth service"
    ),
    Setting("validate_certs", "bool", True, summary="verify TLS certificates"),
    Setting("api_timeout", "int", 30, summary="seconds to wait for each HTTP answer"),
    Setting("bearer_cache", "bool", True, "SCALINGO_BEARER_CACHE", summary="keep the bearer between tasks"),
    Setting("rate_limit_retry_timeout", "int", 60, summary="seconds during which refused or lost requests are retried"),
    Setting(
        "rate_limit", "int", 60, "SCALINGO_RATE_LIMIT", summary="requests a minute shared by every task of a token"
    ),
    Setting(
        "read_cache",
        "int",
        0,
        "SCALINGO_READ_CACHE",
        summary="seconds one listing of all apps answers the reads of unchanged apps (0: off)",
    ),
    Setting(
        "db_api_url",
        "str",
        env="SCALINGO_DB_API_URL",
        summary="base URL of the database API; overrides the region's",
        group="database",
    ),
)
CONNECTION = ("connection",)
DATABASE = ("connection", "database")
BY_NAME = {setting.name: setting for setting in SETTINGS}
DEFAULTS = {s.name: s.default for s in SETTINGS if s.default is not None}
ENVIRONMENT = {s.name: s.env for s in SETTINGS if s.env}

REGION = re.compile(r"[a-z0-9-]+")
URL = re.compile(r"https?://[^\s/?#@]+(/[^\s?#]*)?")
# What an HTTP header can carry of a token: visible ASCII, no space.
TOKEN = re.compile(r"[\x21-\x7e]+")


def in_groups(groups: tuple[str, ...] = CONNECTION) -> tuple[Setting, ...]:
    """The settings of `groups`, in the table's order."""
    return tuple(setting for setting in SETTINGS if setting.group in groups)


def argument_spec(env_fallback: Any, groups: tuple[str, ...] = CONNECTION) -> dict[str, dict]:
    """The modules' connection options (those of `groups`); `env_fallback` is Ansible's (passed in: this file
    imports no Ansible)."""
    spec: dict[str, dict] = {}
    for setting in in_groups(groups):
        option: dict[str, Any] = {"type": setting.type}
        if setting.default is not None:
            option["default"] = setting.default
        if setting.env:
            option["fallback"] = (env_fallback, [setting.env])
        if setting.no_log:
            option["no_log"] = True
        spec[setting.name] = option
    return spec


def connection_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Checked connection settings from module or plugin options (a dict); raises ScalingoError.

    The environment variables are read by the options' own machinery (the module argument spec, the
    inventory's documented `env`). An empty value means "not set", as AWX injects empty variables
    for empty credential fields: the default applies. Nothing here sends a request.
    """
    values = {}
    for setting in SETTINGS:
        value = options.get(setting.name)
        values[setting.name] = setting.default if value is None or value == "" else value
    token, region = values["api_token"], values["region"]
    if not token:
        raise ScalingoError("api_token is required: set the option or the SCALINGO_API_TOKEN environment variable")
    if not TOKEN.fullmatch(token):
        position = next(i for i, c in enumerate(token) if not TOKEN.fullmatch(c)) + 1
        raise ScalingoError(
            f"api_token has a character HTTP can't carry at position {position} (a space, a line break or a "
            "typographic character pasted from a document): copy the token again"
        )
    if not REGION.fullmatch(region):
        raise ScalingoError(
            f"region {region!r} is invalid: use a Scalingo region name such as osc-fr1 or osc-secnum-fr1"
        )
    values["api_url"] = values["api_url"] or f"https://api.{region}.scalingo.com"
    for name in ("api_url", "auth_url"):
        if not URL.fullmatch(values[name]):
            raise ScalingoError(f"{name} {values[name]!r} is invalid: give an http:// or https:// URL without /v1")
        values[name] = values[name].rstrip("/")
    if values["db_api_url"]:
        if not URL.fullmatch(values["db_api_url"]):
            raise ScalingoError(
                f"db_api_url {values['db_api_url']!r} is invalid: give an http:// or https:// URL without /api"
            )
        values["db_api_url"] = values["db_api_url"].rstrip("/")
    if values["api_timeout"] <= 0:
        raise ScalingoError(f"api_timeout must be a positive number of seconds, got {values['api_timeout']}")
    if values["rate_limit_retry_timeout"] < 0:
        raise ScalingoError(
            f"rate_limit_retry_timeout must be 0 (no retries) or more seconds, got {values['rate_limit_retry_timeout']}"
        )
    if values["rate_limit"] < 0:
        raise ScalingoError(
            f"rate_limit must be 0 (no pacing) or a number of requests per minute, got {values['rate_limit']}"
        )
    if values["read_cache"] < 0:
        raise ScalingoError(
            f"read_cache must be 0 (off) or a number of seconds a listing of the apps is kept, got {values['read_cache']}"
        )
    return values
