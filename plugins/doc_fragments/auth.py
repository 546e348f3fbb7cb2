# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options of the settings table (plugins/module_utils/_settings.py), given to modules by auth_argument_spec().
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - Scalingo API token (C(tk-us-...)), exchanged for a short-lived bearer token before the first request.
      - Falls back to the E(SCALINGO_API_TOKEN) environment variable.
      - Required, through the option or the environment variable.
    type: str
  region:
    description:
      - Scalingo region whose API is used, as C(https://api.<region>.scalingo.com).
      - Falls back to the E(SCALINGO_REGION) environment variable.
      - Ignored when O(api_url) is set. An empty value means the default.
    type: str
    default: osc-fr1
  api_url:
    description:
      - Base URL of the regional API, without C(/v1). Overrides O(region).
      - Falls back to the E(SCALINGO_API_URL) environment variable.
      - Point it at the local simulator (C(python -m scalingo_sim)) to try the collection without an account.
      - An empty value means not set.
    type: str
  auth_url:
    description:
      - Base URL of the Scalingo authentication service, without C(/v1).
      - Falls back to the E(SCALINGO_AUTH_URL) environment variable. An empty value means the default.
    type: str
    default: https://auth.scalingo.com
  validate_certs:
    description:
      - Verify the TLS certificates of the API. Turning it off prints a warning.
    type: bool
    default: true
  api_timeout:
    description:
      - Seconds to wait for each HTTP answer. In modules that wait, no request outlasts C(wait_timeout) by more than a second.
      - In modules without C(wait_timeout), also how long a creation whose answer was lost is looked for (it may
        still be under way at Scalingo) before it is sent once more.
    type: int
    default: 30
  bearer_cache:
    description:
      - Keep the bearer token between tasks, until 5 minutes before it expires, so that a task
        which changes nothing costs one API request instead of two.
      - The bearer is stored in C($XDG_CACHE_HOME/scalingo-ansible/) (default C(~/.cache/scalingo-ansible/)) on the
        host that runs the module, in a file readable only by its owner (mode 0600) and named after a SHA-256 hash
        of the auth URL and the API token. The API token itself is never written.
      - That folder is used only if it belongs to the user running the module and gives no permission to group or
        others (a missing one is created with mode 0700). Its files are opened without following links and used
        only if they are that user's regular files with no permission for group or others and no other name (hard
        link). Otherwise the module warns once, naming the folder or the file and what to do, and does without it.
      - A cached bearer the API refuses is dropped and exchanged again once.
      - Falls back to the E(SCALINGO_BEARER_CACHE) environment variable.
    type: bool
    default: true
  rate_limit_retry_timeout:
    description:
      - Seconds during which requests refused with HTTP 429 (rate limit), answered with 502, 503 or 504, or
        lost on the network are retried, with exponential backoff and jitter, honouring C(Retry-After).
      - Reads and refused (429) requests are repeated as they are. A write whose answer was lost (a dropped
        connection, a timeout, or HTTP 500, 502, 503 or 504) is never re-sent blind - the module reads the state
        again (a creation, which Scalingo may still be processing, until it shows up, within C(wait_timeout) or
        for C(api_timeout) seconds in modules without it), reports the change if the write took effect, and
        sends it once more only if the state shows it did not and a second copy can't make a second object.
        A deployment, an addon creation, a restart or a one-off run whose answer was lost is never re-sent;
        the task fails with C(changed).
      - The budget covers all the retries of one request, a token exchange after a refused cached bearer included.
        In modules that wait, C(wait_timeout) also bounds them.
      - V(0) turns retries off. The waits of O(rate_limit) are not retries and do not count against it.
    type: int
    default: 60
  rate_limit:
    description:
      - Requests per minute that every task using the same API token on this host may send together, as
        Scalingo allows 60 a minute per user. The forks and tasks of all runs share one budget per token, kept
        in C($XDG_CACHE_HOME/scalingo-ansible/) (default C(~/.cache/scalingo-ansible/)) in a file readable
        only by its owner and named after a SHA-256 hash of the auth URL and the API token, under the rules of
        O(bearer_cache) (without a usable folder, each task paces only its own requests); each request waits
        for its turn rather than being refused. A refusal (HTTP 429) still received, from another tool
        using the same token, pauses every task until it may send again.
      - A single task is not slowed down until the token's last minute holds O(rate_limit) requests.
      - Set it lower when other tools (the CLI, Terraform, another controller) use the same token, so that
        they keep a share; V(0) turns pacing off, and each request then backs off on its own when refused.
      - After a refusal the pacing also lowers its own pace to a share of what the API admitted from it, and
        raises it again slowly while no refusal comes, so that several controllers with separate cache
        folders on one token settle near the limit with few refusals. A task that waited a second or more or
        met a refusal returns C(pacing) (requests sent, seconds waited, refusals); every task does at C(-vv).
      - Falls back to the E(SCALINGO_RATE_LIMIT) environment variable.
    type: int
    default: 60
  read_cache:
    description:
      - Seconds during which one listing of all the apps the token sees (every page of C(GET /v1/apps)) answers
        the reads of M(scalingo.cloud.scalingo_app). The first task that needs it lists the apps once and keeps
        the listing in the cache folder of O(rate_limit), in a file readable only by its
        owner, named after a SHA-256 hash of the token and the API's origin and holding neither; the other
        tasks, forks and hosts of the run then find their app there.
      - An app the listing shows as wanted is reported unchanged without a request. Any difference, and every
        write, is decided on a fresh read of the app, and every write drops its app from the listing. A stale
        listing only costs a read, never a wrong change.
      - The trade-off is an unchanged verdict up to O(read_cache) seconds old for a change made meanwhile by
        another controller or tool; keep it short (the length of a run's busiest minutes, for example V(30)).
      - V(0), the default, turns it off. Falls back to the E(SCALINGO_READ_CACHE) environment variable.
    type: int
    default: 0
requirements:
  - requests
seealso:
  - name: Scalingo API reference
    description: The HTTP API these modules call.
    link: https://developers.scalingo.com/
"""
