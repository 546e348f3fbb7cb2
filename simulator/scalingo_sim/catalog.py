"""Fixed data of the simulated platform: region, stacks, container sizes,
the app name rules and the addon catalogue. Pure Python, no state."""

import hashlib
import re
import uuid

REGION = "osc-fr1"
MAX_CONTAINERS_PER_TYPE = 10
MAX_ONE_OFFS_PER_APP = 10
DEFAULT_SIZE = "M"

STACKS = ("st-scalingo-22", "st-scalingo-24")
DEFAULT_STACK = "st-scalingo-22"


def stack_base_image(stack_id: str | None) -> str:
    """A deployment's `stack_base_image`: a string in Scalingo's answers, of a format no sample shows; here the
    Docker image of the app's stack (scalingo/scalingo-22)."""
    return f"scalingo/{(stack_id or DEFAULT_STACK).removeprefix('st-')}"


# name, memory, ordinal, human_cpu, pids_limit, hourly_price, thirtydays_price
_SIZE_ROWS = (
    ("S", 268435456, 2, "low CPU priority", 128, 10, 720),
    ("M", 536870912, 3, "standard CPU priority", 256, 20, 1440),
    ("L", 1073741824, 4, "standard CPU priority", 512, 40, 2880),
    ("XL", 2147483648, 5, "high CPU priority", 1024, 80, 5760),
    ("2XL", 4294967296, 6, "high CPU priority", 2048, 160, 11520),
    ("3XL", 8589934592, 7, "very high CPU priority", 4096, 320, 23040),
)

# Stable ids across runs, so clients may cache them.
CONTAINER_SIZES = {
    name: {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scalingo-sim/size/{name}")),
        "name": name,
        "human_name": name,
        "human_cpu": cpu,
        "memory": memory,
        "ordinal": ordinal,
        "pids_limit": pids,
        "swap": None,
        "sku": f"{REGION}-app-{name}",
        "hourly_price": hourly,
        "thirtydays_price": monthly,
    }
    for name, memory, ordinal, cpu, pids, hourly, monthly in _SIZE_ROWS
}

APP_STATUSES = ("new", "running", "stopped", "crashed", "restarting", "scaling", "booting")

NAME_MIN, NAME_MAX = 6, 48
_NAME_CHARS = re.compile(r"[a-z0-9-]*")


def app_name_errors(name, taken: bool) -> list[str]:
    """Every rule the name breaks, in the API's own words (typo included)."""
    if not isinstance(name, str) or name == "":
        return ["can't be blank"]
    errors = []
    if len(name) < NAME_MIN:
        errors.append(f"is too short (minimum is {NAME_MIN} characters)")
    if len(name) > NAME_MAX:
        errors.append(f"is too long (maximum is {NAME_MAX} characters)")
    if not _NAME_CHARS.fullmatch(name):
        errors.append("should contain only lowercap letters, digits and hyphens")
    if name.startswith("-"):
        errors.append("can't start with an hyphen")
    if name.endswith("-"):
        errors.append("can't end with an hyphen")
    if "--" in name:
        errors.append("can't contain 2 consecutive hyphens")
    if taken:
        errors.append("has already been taken")
    return errors


def regions(base_url: str, database_api: str) -> list[dict]:
    return [
        {
            "name": REGION,
            "display_name": "Paris - Outscale",
            "api": base_url,
            "dashboard": f"https://my.{REGION}.scalingo.com",
            "database_api": database_api,
            "ssh": f"ssh.{REGION}.scalingo.com:22",
            "default": True,
        }
    ]


# ------------------------------------------------------------------ addons
# The public addon catalogue. Per provider: id (slug), name, the injected variable's key
# (SCALINGO_<KEY>_URL), its alias, the URL scheme, and plans (name, display name, monthly price in
# EUR — the deprecated `price` clients still read —, catalogue position, null for some as in real data).
_ADDON_ROWS = (
    (
        "postgresql",
        "PostgreSQL",
        "POSTGRESQL",
        "DATABASE_URL",
        "postgres",
        (
            ("postgresql-sandbox", "Sandbox", 0.0, None),
            ("postgresql-starter-512", "Starter 512M", 14.4, 1),
            ("postgresql-starter-1024", "Starter 1G", 28.8, 2),
            ("postgresql-business-1024", "Business 1G", 86.4, 3),
        ),
    ),
    (
        "mysql",
        "MySQL",
        "MYSQL",
        "DATABASE_URL",
        "mysql",
        (
            ("mysql-sandbox", "Sandbox", 0.0, None),
            ("mysql-starter-512", "Starter 512M", 14.4, 1),
        ),
    ),
    (
        "redis",
        "Redis",
        "REDIS",
        "REDIS_URL",
        "redis",
        (
            ("redis-sandbox", "Sandbox", 0.0, None),
            ("redis-starter-256", "Starter 256M", 7.2, 1),
            ("redis-starter-512", "Starter 512M", 14.4, 2),
        ),
    ),
    (
        "mongodb",
        "MongoDB",
        "MONGO",
        "MONGO_URL",
        "mongodb",
        (
            ("mongo-sandbox", "Sandbox", 0.0, None),
            ("mongo-starter-256", "Starter 256M", 7.2, 1),
        ),
    ),
)
ADDON_CATEGORY = {
    "id": hashlib.sha1(b"scalingo-sim/addon-category/databases").hexdigest()[:24],
    "name": "Databases",
    "description": "Managed databases",
    "position": 1,
}
ADDON_STATUSES = ("provisioning", "running", "suspended")
MINUTES_PER_MONTH = 43200


def _plan(name, display_name, price, position) -> dict:
    return {
        "id": hashlib.sha1(f"scalingo-sim/plan/{name}".encode()).hexdigest()[:24],
        "name": name,
        "display_name": display_name,
        "price": price,
        "description": f"<p>{display_name}</p>",
        "position": position,
        "on_demand": False,
        "disabled": False,
        "disabled_alternative_plan_id": None,
        "sku": f"{REGION}-{name}",
        "pricings": {"default": {"price": f"{price / MINUTES_PER_MONTH:.10f}", "currency": "EUR", "period": "minute"}},
        "hds_available": False,
        "to_be_discontinued": False,
        "trial_available": price == 0,
    }


# provider id -> {"provider": the catalogue object (plans included), "key", "alias", "scheme"}
ADDON_PROVIDERS = {
    pid: {
        "provider": {
            "id": pid,
            "name": name,
            "logo_url": f"//cdn.scalingo.com/addons/Scalingo_{name}.svg",
            "short_description": f"{name} database",
            "description": f"<p>Managed {name} database</p>",
            "category": {k: ADDON_CATEGORY[k] for k in ("id", "name", "position")},
            "provider_name": "Scalingo",
            "provider_url": "https://scalingo.com",
            "hds_available": False,
            "plans": [_plan(*row) for row in plans],
        },
        "key": key,
        "alias": alias,
        "scheme": scheme,
    }
    for pid, name, key, alias, scheme, plans in _ADDON_ROWS
}
ADDON_PLANS = {plan["id"]: (pid, plan) for pid, entry in ADDON_PROVIDERS.items() for plan in entry["provider"]["plans"]}
