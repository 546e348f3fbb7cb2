# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options of the settings table's "database" group (plugins/module_utils/_settings.py), and the addressing
    # of a database, shared by the database modules.
    DOCUMENTATION = r"""
options:
  db_api_url:
    description:
      - Base URL of Scalingo's database API, without C(/api).
      - By default, the C(database_api) of the region O(region) in the auth service's region listing
        (C(GET <auth_url>/v1/regions), sent with the bearer token, as the auth service issued it), for example
        C(https://db-api.osc-fr1.scalingo.com).
      - Falls back to the E(SCALINGO_DB_API_URL) environment variable. An empty value means not set.
      - It must be another origin than O(api_url) and O(auth_url) (scheme, host and port). The database API gets
        only the addon's own token (exchanged on the regional API, C(POST /v1/apps/<app>/addons/<id>/token)),
        never the API token or the bearer token; the addon token goes nowhere else.
      - The addon token is kept between tasks under the rules of O(bearer_cache) (a 0600 file named after a
        SHA-256 hash of the auth URL, the API token, this origin and the addon id), until 5 minutes before it
        expires (one hour after it was given). A token the database API refuses (HTTP 401) is dropped and
        exchanged again once.
    type: str
"""
