# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what the API's paths mean, shared by every module, app_info
and the inventory plugin: one way to build a path, one pagination, one "find app", one formation read.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._cache import AppList, locked
from ._errors import ScalingoError

if TYPE_CHECKING:
    from ._transport import Reply

# No listing is followed further than this, whatever its pagination says.
MAX_PAGES = 200
CONTAINER_FIELDS = {"name": str, "amount": int}
ADDON_FIELDS = {"id": str, "status": str, "addon_provider": dict, "plan": dict}
# An addon id as Scalingo gives it; anything else names an addon by its provider.
ADDON_ID = re.compile(r"ad-[0-9A-Za-z-]+")
SCM_FIELDS = {"id": str, "scm_type": str}
AUTOSCALER_FIELDS = {
    "id": str,
    "container_type": str,
    "metric": str,
    "min_containers": int,
    "max_containers": int,
    "disabled": bool,
}
DEPLOYMENT_FIELDS = {"id": str, "status": str}
PLAN_FIELDS = {"id": str, "name": str}


def api_path(*segments: str | int) -> str:
    """A path of the API (`/apps/my-app/containers`) from its segments, each percent-encoded whole.

    A value from a task or an answer stays one segment: '/', '?', '#', '%', '://', spaces, line breaks
    and non-ASCII letters are encoded, so it can't reach another endpoint. '.' and '..' can't be sent
    as a segment at all (HTTP clients and servers fold them into the path), nor can an empty one.
    """
    parts: list[str] = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise ScalingoError(f"{text!r} can't name anything in the API path {''.join(parts) or '/'}")
        parts.append("/" + quote(text, safe=""))
    return "".join(parts)


APP_NAME_RULES = (
    (lambda n: not 6 <= len(n) <= 48, "should have between 6 and 48 characters"),
    (lambda n: re.search(r"[^a-z0-9-]", n), "should contain only lowercase letters, digits and hyphens"),
    (lambda n: n.startswith("-"), "can't start with a hyphen"),
    (lambda n: n.endswith("-"), "can't end with a hyphen"),
    (lambda n: "--" in n, "can't contain 2 consecutive hyphens"),
)


def app_name_problems(name: str) -> list[str]:
    """The app naming rules `name` breaks (Scalingo's, checked before any request)."""
    return [text for broken, text in APP_NAME_RULES if broken(name)]


def next_page(answer: dict, page: int) -> int | None:
    """The page after `page` that a page-numbered answer announces, or None."""
    meta = answer.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    if not isinstance(pagination, dict):
        return None
    following, total = pagination.get("next_page"), pagination.get("total_pages")
    if not isinstance(following, int) or following <= page or (isinstance(total, int) and page >= total):
        return None
    return following


def provider_of(addon: dict) -> str:
    # addons() checked that it is a string
    return addon["addon_provider"].get("id")


def plan_of(addon: dict) -> str:
    return addon["plan"].get("name")


def pick_addon(
    addons: list[dict], app: str, provider: str | None, addon_id: str | None = None, which: str = "give its id"
) -> dict | None:
    """The addon of `app` with this id (of this provider, when given), else its one addon of `provider`, or None.

    Fails when the id is of another provider's addon, and when the app has several addons of the provider
    and no id says which (listing them, then `which`: how to say which).
    """
    mine = [a for a in addons if provider is None or provider_of(a) == provider]
    if addon_id:
        found = next((a for a in addons if a["id"] == addon_id), None)
        if found is not None and provider is not None and provider_of(found) != provider:
            raise ScalingoError(f"addon {addon_id} of app '{app}' is a {provider_of(found)} addon, not {provider}")
        return found
    if len(mine) > 1:
        raise ScalingoError(f"app '{app}' has {len(mine)} {provider} addons: {listed_addons(mine, False)}; {which}")
    return mine[0] if mine else None


def listed_addons(addons: list[dict], providers: bool = True) -> str:
    shown = ", ".join(f"{a['id']} ({provider_of(a) + ', ' if providers else ''}plan {plan_of(a)})" for a in addons)
    return shown or "none"


def shown_integrations(integrations: list[dict]) -> str:
    return ", ".join(f"{i['id']} ({i['scm_type']}, {i.get('username')})" for i in integrations) or "none"


class ApiCalls:
    """The reads several modules make, on top of a Transport's request() and get()."""

    # What the Transport it is mixed with (in Client) provides.
    warnings: list[str]
    request: Callable[..., Reply]
    get: Callable[..., Any]
    app_list: AppList
    clock: Callable[[], float]
    keep_secret: Callable[..., None]

    def find_app(self, name: str) -> dict | None:
        """The app object, or None when the API says it does not exist."""
        try:
            app = self.get(api_path("apps", name), "app", fields={"name": str}, action=f"could not read app '{name}'")
        except ScalingoError as exc:
            if exc.status == 404 and exc.resource == "app":
                return None
            raise
        if app["name"] != name:
            # The API resolves ids too: never act on another app than the one named.
            raise ScalingoError(f"'{name}' is the id of app '{app['name']}', not an app name: give the app's name")
        return app

    def listed_app(self, name: str) -> dict | None:
        """App `name` as the shared listing of all apps shows it (read_cache), or None when no listing can tell:
        read_cache off, no usable cache folder, an app the listing lacks (absent, or written since the listing).
        A caller acts only on a fresh read; the listing may only tell it that nothing is to be done.

        The first task that needs the listing lists every page while the others wait for it, then use it.
        """
        listing = self.app_list
        if not listing.max_age or listing.folder.descriptor() is None:
            return None
        apps = listing.load(self.clock())
        if apps is None:
            with locked(listing.lock_path, listing.folder):
                apps = listing.load(self.clock())
                if apps is None:
                    at = self.clock()
                    found = self.paginate("/apps", "apps", fields={"name": str}, action="could not list apps")
                    listing.save(found, at)
                    apps = {app["name"]: app for app in found}
        return apps.get(name)

    def paginate(
        self,
        path: str,
        key: str,
        per_page: int = 50,
        params: dict | None = None,
        action: str | None = None,
        limit: int | None = None,
        fields: Mapping[str, type] | None = None,
    ) -> list:
        """Every item of a page-numbered collection (or its first `limit`), following next_page.

        Scalingo's services disagree on the pagination meta (prev_page or previous_page, nulls or
        integers that stick at the last page), so only next_page and total_pages are trusted.
        """
        items, page = [], 1
        for _page in range(MAX_PAGES):
            reply = self.request("GET", path, params=dict(params or {}, page=page, per_page=per_page), action=action)
            items.extend(reply.take(key, list, fields or {}))
            if limit is not None and len(items) >= limit:
                return items[:limit]
            following = next_page(reply.data, page)
            if following is None:
                return items
            page = following
        self.warnings.append(f"{action or path}: stopped after {MAX_PAGES} pages; the list may be incomplete")
        return items

    def cursor_pages(self, path: str, key: str, limit: int | None = None, action: str | None = None) -> list:
        """Items of a cursor-paginated collection (logs archives), following next_cursor up to `limit` items."""
        items, cursor, seen = [], None, set()
        for _page in range(MAX_PAGES):
            reply = self.request("GET", path, params={"cursor": cursor} if cursor else None, action=action)
            items.extend(reply.take(key, list, {}))
            if limit is not None and len(items) >= limit:
                return items[:limit]
            cursor = reply.data.get("next_cursor")
            if not reply.data.get("has_more") or not cursor or not isinstance(cursor, (str, int)):
                return items
            if cursor in seen:
                self.warnings.append(
                    f"{action or path}: the API gave the same cursor twice; stopped with {len(items)} items"
                )
                return items
            seen.add(cursor)
        self.warnings.append(f"{action or path}: stopped after {MAX_PAGES} pages; the list may be incomplete")
        return items

    def addons(self, app: str) -> list[dict]:
        """The app's addons, each with its provider id and plan name."""
        action = f"could not read the addons of app '{app}'"
        addons = self.get(api_path("apps", app, "addons"), "addons", list, ADDON_FIELDS, action=action)
        if not all(isinstance(provider_of(a), str) and isinstance(plan_of(a), str) for a in addons):
            raise ScalingoError(f"{action}: an addon has no provider id or plan name")
        return addons

    def find_addon(self, app: str, addon: str, required: bool = True) -> dict | None:
        """The addon `addon` names on `app`: its id (ad-...) or its provider (postgresql), which the app has one of.
        When the app has no such addon: a failure listing its addons, or None when not `required`."""
        addons = self.addons(app)
        by_id = ADDON_ID.fullmatch(addon) is not None
        found = pick_addon(addons, app, None if by_id else addon, addon if by_id else None, "set addon to its id")
        if found is None and required:
            what = f"addon {addon}" if by_id else f"{addon} addon"
            raise ScalingoError(f"app '{app}' has no {what}; its addons: {listed_addons(addons)}")
        return found

    def scm_integration(self, wanted: str) -> dict:
        """The account's SCM integration `wanted` names: its id, its type (one of the account's is of it) or its user
        name. Read from the auth service; the integrations' access tokens are kept out of the answer returned and
        out of every message."""
        action = "could not list the SCM integrations of the account"
        found = self.get("/scm_integrations", "scm_integrations", list, SCM_FIELDS, action=action, service="auth")
        tokens = [i["access_token"] for i in found if isinstance(i.get("access_token"), str) and i["access_token"]]
        self.keep_secret(*tokens)
        integrations = [{key: i.get(key) for key in ("id", "scm_type", "url", "username")} for i in found]
        for key in ("id", "scm_type", "username"):
            matches = [i for i in integrations if i[key] == wanted]
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ScalingoError(
                    f"the account has {len(matches)} SCM integrations of {key} '{wanted}': "
                    f"{shown_integrations(matches)}; set integration to the id of the one meant"
                )
        raise ScalingoError(
            f"the account has no SCM integration '{wanted}' (by id, type or user name); "
            f"its integrations: {shown_integrations(integrations)}"
        )

    def app_status(self, app: str, deadline: float | None = None) -> str | None:
        return self.get(api_path("apps", app), "app", action=f"could not read app '{app}'", deadline=deadline).get(
            "status"
        )

    def formation(self, app: str) -> list[dict]:
        return self.get(
            api_path("apps", app, "containers"),
            "containers",
            list,
            CONTAINER_FIELDS,
            action=f"could not read the formation of app '{app}'",
        )

    def autoscalers(self, app: str) -> dict[str, dict]:
        """The app's autoscalers by container type (Scalingo allows one per type)."""
        found = self.get(
            api_path("apps", app, "autoscalers"),
            "autoscalers",
            list,
            AUTOSCALER_FIELDS,
            action=f"could not read the autoscalers of app '{app}'",
        )
        return {autoscaler["container_type"]: autoscaler for autoscaler in found}

    def deployments(self, app: str, limit: int) -> list[dict]:
        """The app's latest `limit` deployments, the newest first (one page of `limit`)."""
        action = f"could not read the deployments of app '{app}'"
        path = api_path("apps", app, "deployments")
        return self.paginate(path, "deployments", limit, action=action, limit=limit, fields=DEPLOYMENT_FIELDS)

    def deployment(self, app: str, ident: str, deadline: float | None = None) -> dict:
        path = api_path("apps", app, "deployments", ident)
        action = f"could not read deployment {ident} of app '{app}'"
        return self.get(path, "deployment", fields=DEPLOYMENT_FIELDS, action=action, deadline=deadline)

    def variables(self, app: str, fields: Mapping[str, type]) -> list[dict]:
        """The app's environment variables, an alias as it is stored ($NAME), values included: secrets."""
        return self.get(
            api_path("apps", app, "variables"),
            "variables",
            list,
            fields,
            params={"aliases": "true"},
            action=f"could not read the variables of app '{app}'",
        )

    def addon_plans(self, provider: str) -> list[dict]:
        """The plans of addon provider `provider` (the catalogue); an unknown provider fails, naming the others."""
        try:
            path = api_path("addon_providers", provider, "plans")
            return self.get(path, "plans", list, PLAN_FIELDS, action=f"could not read the plans of {provider}")
        except ScalingoError as exc:
            if exc.status != 404:
                raise
        action = "could not read the addon providers"
        providers = self.get("/addon_providers", "addon_providers", list, {"id": str}, action=action)
        names = ", ".join(p["id"] for p in providers)
        raise ScalingoError(f"addon provider '{provider}' is unknown to Scalingo; providers: {names}")
