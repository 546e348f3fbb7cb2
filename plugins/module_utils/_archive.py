# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the source archives deployments are built from.

Scalingo builds a gzip-compressed tar archive holding ONE top-level folder. Nothing here sends a
request; nothing here is a public API.
"""

from __future__ import annotations

import io
import os
import tarfile


def top_level(names):
    """(top-level entries, whether they are one folder) of an archive's member names."""
    names = [n[2:] if n.startswith("./") else n for n in names]
    tops = sorted({n.split("/", 1)[0] for n in names if n not in ("", ".")})
    return tops, len(tops) == 1 and any(n.startswith(f"{tops[0]}/") for n in names)


def check_archive(path):
    """The problem with a .tar.gz to deploy, or None."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            tops, one_folder = top_level(archive.getnames())
    except (tarfile.TarError, EOFError, OSError) as exc:
        return f"is not a readable gzip-compressed tar archive ({type(exc).__name__})"
    if not one_folder:
        return f"must hold one top-level folder, as Scalingo requires; it holds: {', '.join(tops[:10]) or 'nothing'}"
    return None


def source_problem(path):
    """What is wrong with a source_path (a directory or a .tar.gz), or None."""
    if not os.path.exists(path):
        return "does not exist on the host that runs the module"
    if os.path.isdir(path):
        return None if os.access(path, os.R_OK | os.X_OK) else "is a directory this user can't read"
    return check_archive(path)


def pack(path):
    """The bytes of a .tar.gz: the archive at `path`, or the directory packed under its own name."""
    if not os.path.isdir(path):
        with open(path, "rb") as handle:
            return handle.read()

    def keep(info):
        if ".git" in info.name.split("/"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(path, arcname=os.path.basename(os.path.abspath(path)) or "source", filter=keep)
    return buffer.getvalue()
