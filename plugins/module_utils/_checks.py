# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what an option must look like before any request.

One rule per kind of input, Scalingo's own where it has one, for every module that takes such an
input. Each check returns None, or the one-line message of the failure: the option, its value as
repr() shows it (a line break is \\n, a leading space is visible), and the rule. Values of no_log
options are never quoted. App names are checked by app_name_problem (the rule of _api.app_name_problems), domain names by
_tls.domain_name_problem.

Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

import re

from ._api import app_name_problems
from ._notify import duration_ns

# A process type (a container type) as Procfiles name them: letters and digits, with single '-' or '_' between
# them (worker-2, clock_1), at most 63 characters. Scalingo's docs show letters and digits only; the separators
# are the de facto Procfile rule (Foreman and its clones), and refusing a type an app already has would lock
# its owner out, while a wrong type is refused by the API without a change.
CONTAINER_TYPE = re.compile(r"(?=.{1,63}\Z)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")
# One container of a type, as restart's scope names it: web-1.
CONTAINER = re.compile(r"[A-Za-z0-9]+-[0-9]+")
# Container sizes: S, M, L, XL, 2XL, 3XL.
SIZE = re.compile(r"[A-Za-z0-9]+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
URL = re.compile(r"https?://[^\s/?#]+/\S*")
# Environment variables: a letter, then letters, digits and underscores; at most 64 characters.
VARIABLE_START = re.compile(r"[A-Za-z]")
VARIABLE_CHARACTERS = re.compile(r"[A-Za-z0-9_]*")
VARIABLE_MAX = 64
ADDON_PROVIDER = re.compile(r"[a-z0-9][a-z0-9-]*")
# Ids and plan names as the API gives them (ad-..., postgresql-starter-512): no space, no slash.
IDENTIFIER = re.compile(r"[^\s/]+")

CONTAINER_TYPE_RULE = "a container type has only letters and digits, as in the Procfile (web, worker), with single '-' or '_' between them"


def app_name_problem(option: str, name: str, what: str = "app name") -> str | None:
    problems = app_name_problems(name)
    return f"{what} {name!r} ({option}) is invalid: {'; '.join(problems)}" if problems else None


def _bad(option: str, value: str, rule: str) -> str:
    return f"{option} {value!r} is invalid: {rule}"


def _fits(pattern: re.Pattern, value: str) -> bool:
    return value.isprintable() and pattern.fullmatch(value) is not None


def container_type_problem(option: str, value: str) -> str | None:
    return None if _fits(CONTAINER_TYPE, value) else _bad(option, value, CONTAINER_TYPE_RULE)


def git_ref_problem(option: str, value: str) -> str | None:
    """A version to deploy: a commit, a tag or a branch, neither empty nor read as a command's option."""
    if value.strip() and not value.startswith("-"):
        return None
    return f"{option} must be a version such as a commit, a tag or v1.2.3, not empty nor starting with a dash"


def scope_problem(option: str, value: str) -> str | None:
    """A container type (web) or one container of it (web-1)."""
    if _fits(CONTAINER_TYPE, value) or _fits(CONTAINER, value):
        return None
    return _bad(option, value, f"give a container type or a container (web, web-1): {CONTAINER_TYPE_RULE}")


def size_problem(option: str, value: str) -> str | None:
    return (
        None if _fits(SIZE, value) else _bad(option, value, "a container size has only letters and digits (S, M, 2XL)")
    )


def email_problem(option: str, value: str) -> str | None:
    if _fits(EMAIL, value):
        return None
    return _bad(option, value, "give one email address such as dev@example.com, without spaces or line breaks")


def url_problem(option: str, value: str, secret: bool = False) -> str | None:
    """An http:// or https:// URL with a path. A secret one (it may carry a token) is never quoted."""
    if _fits(URL, value):
        return None
    rule = "give an http:// or https:// URL with a path, without spaces or line breaks"
    if not secret:
        return _bad(option, value, rule)
    odd = next((i for i, c in enumerate(value) if c.isspace() or not c.isprintable()), None)
    where = "" if odd is None else f" (a space or a line break at character {odd + 1})"
    return f"{option} is invalid{where}: {rule}"


def variable_name_problem(name: str) -> str | None:
    """What is wrong with an environment variable's name, in a few words, or None."""
    if not VARIABLE_START.match(name):
        return "must start with a letter"
    if not VARIABLE_CHARACTERS.fullmatch(name):
        return "must hold only letters, digits and underscores"
    if len(name) > VARIABLE_MAX:
        return f"has {len(name)} characters, more than {VARIABLE_MAX}"
    return None


def provider_problem(option: str, value: str) -> str | None:
    if _fits(ADDON_PROVIDER, value):
        return None
    return _bad(option, value, "give a provider id such as postgresql, mysql, redis or mongodb")


def identifier_problem(option: str, value: str) -> str | None:
    if _fits(IDENTIFIER, value):
        return None
    return _bad(option, value, "give it as Scalingo shows it, without spaces, line breaks or '/'")


def duration_problem(option: str, value: str) -> str | None:
    """A duration as Go writes it: numbers with their units h, m, s, ms (3m, 1h30m, 90s)."""
    if duration_ns(value) is not None and value != "":
        return None
    return _bad(option, value, "give a duration with its units, such as 3m, 90s or 1h30m (h, m, s, ms)")


def repository_problem(option: str, value: str) -> str | None:
    """A repository's http(s) URL with its path, without credentials (which are never quoted)."""
    authority = value.split("://", 1)[1].split("/", 1)[0] if "://" in value else ""
    if "@" in authority:
        return f"{option} holds credentials (user@ or user:password@): give the repository's URL without them"
    return url_problem(option, value)
