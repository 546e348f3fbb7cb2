# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: what an app's repo link (scm_repo_link) is, as answers show it.

Nothing here imports Ansible; nothing here is a public API.
"""

from __future__ import annotations

from ._errors import ScalingoError


def link_source(link: dict) -> str | None:
    """The repository URL of a link: its `source` when the answer has one (Scalingo's answers have not always
    had it), else the SCM's `url` with `owner` and `repo`; None when the answer tells neither."""
    if isinstance(link.get("source"), str) and link["source"]:
        return normalized_source(link["source"])
    parts = [link.get(key) for key in ("url", "owner", "repo")]
    texts = [part for part in parts if isinstance(part, str) and part]
    if len(texts) == len(parts):
        return normalized_source("/".join(text.strip("/") for text in texts))
    return None


def normalized_source(source: str) -> str:
    """A repository URL as compared: lower case, without a trailing '/' or '.git'."""
    text = source.strip().rstrip("/").lower()
    return text[: -len(".git")] if text.endswith(".git") else text


def same_source(current: str | None, wanted: str) -> bool:
    return current is not None and current == normalized_source(wanted)


def missing_link(exc: ScalingoError) -> bool:
    """The API's answer for an app without a link: 404 "The scm_repo_link was not found" (or resource scm_repo_link)."""
    text = f"{exc.resource or ''} {exc.error or ''}".lower()
    return exc.status == 404 and exc.resource != "app" and "scm_repo_link" in text
