# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the Scalingo HTTP client, as modules and plugins use it.

The client is put together from its concerns, each in a file of its own:
- _settings: the connection options, declared once, and their checks;
- _errors: ScalingoError, and how an answer becomes one;
- _cache: the cache folder, the bearer cache and the pacing state;
- _redact: what a message may quote of an answer;
- _transport: the session, the bearer exchange, retries, origin rules, answer checks;
- _api: paths, pagination, and the reads several modules make.
Nothing here is a public API; it may change in any release.
"""

from __future__ import annotations

# The names modules and plugins import from the client, wherever they live.
from ._api import MAX_PAGES, ApiCalls, api_path, app_name_problems  # noqa: F401  # pylint: disable=unused-import
from ._errors import ScalingoError  # noqa: F401  # pylint: disable=unused-import
from ._settings import connection_settings  # noqa: F401  # pylint: disable=unused-import
from ._transport import (  # noqa: F401  # pylint: disable=unused-import
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    SAFE_METHODS,
    UNKNOWN_OUTCOME_STATUSES,
    USER_AGENT,
    Reply,
    Transport,
    origin,
    shown_origin,
)


class Client(Transport, ApiCalls):
    """One requests.Session per task (Transport), with the API reads modules share (ApiCalls)."""
