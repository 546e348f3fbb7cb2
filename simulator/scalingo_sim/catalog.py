"""Fixed data of the simulated platform: region, stacks, container sizes and
the app name rules. Pure Python, no state."""

import re
import uuid

REGION = "osc-fr1"
MAX_CONTAINERS_PER_TYPE = 10
MAX_ONE_OFFS_PER_APP = 10
DEFAULT_SIZE = "M"

STACKS = ("st-scalingo-22", "st-scalingo-24")
DEFAULT_STACK = "st-scalingo-22"

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
_NAME_CHARS = re.compile(r"^[a-z0-9-]*$")


def app_name_errors(name, taken: bool) -> list[str]:
    """Every rule the name breaks, in the API's own words (typo included)."""
    if not isinstance(name, str) or name == "":
        return ["can't be blank"]
    errors = []
    if len(name) < NAME_MIN:
        errors.append(f"is too short (minimum is {NAME_MIN} characters)")
    if len(name) > NAME_MAX:
        errors.append(f"is too long (maximum is {NAME_MAX} characters)")
    if not _NAME_CHARS.match(name):
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


def regions(base_url: str) -> list[dict]:
    return [
        {
            "name": REGION,
            "display_name": "Paris - Outscale",
            "api": base_url,
            "dashboard": f"https://my.{REGION}.scalingo.com",
            "database_api": base_url,
            "ssh": f"ssh.{REGION}.scalingo.com:22",
            "default": True,
        }
    ]
