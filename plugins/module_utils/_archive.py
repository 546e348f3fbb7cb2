# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE to the scalingo.cloud collection: the source archives deployments are built from.

Scalingo builds a gzip-compressed tar archive holding ONE top-level folder. Nothing here sends a
request; nothing here is a public API. Messages are one line meant to follow "source_path <path> ",
and never quote the content of a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tarfile
import tempfile
import zlib
from typing import BinaryIO

# What reading a damaged .tar.gz raises: tarfile's errors, gzip's (BadGzipFile is an OSError, a cut
# stream an EOFError) and zlib's for a corrupt deflate stream.
UNREADABLE = (tarfile.TarError, EOFError, OSError, zlib.error, ValueError)
CHUNK = 1 << 20
UNITS = ((1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K"))


class SourceError(Exception):
    """A source that can't be deployed; the message follows "source_path <path> "."""


def shown_size(size: int) -> str:
    """A byte count as source_max_size would be written: 1G, 512M, 1500."""
    for unit, letter in UNITS:
        if size >= unit and size % unit == 0:
            return f"{size // unit}{letter}"
    return str(size)


def shown_name(name: str) -> str:
    """A file name on one line: control characters escaped."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", name)


def top_level(names: list[str]) -> tuple[list[str], bool]:
    """(top-level entries, whether they are one folder) of an archive's member names."""
    names = [n[2:] if n.startswith("./") else n for n in names]
    tops = sorted({n.split("/", 1)[0] for n in names if n not in ("", ".")})
    return tops, len(tops) == 1 and any(n.startswith(f"{tops[0]}/") for n in names)


def too_large(size: int, max_size: int, packing: bool = False) -> str:
    what = (
        f"packs to more than source_max_size={shown_size(max_size)} (packing stopped there)"
        if packing
        else f"is {size} bytes, over source_max_size={shown_size(max_size)}"
    )
    return f"{what}: leave out what the build does not need (dependencies, build output), or raise source_max_size"


def check_archive(path: str, max_size: int | None = None) -> str | None:
    """The problem with a .tar.gz to deploy, or None. Reads it whole: the gzip checksum proves it intact."""
    try:
        size = os.path.getsize(path)
        if max_size is not None and size > max_size:
            return too_large(size, max_size)
        with tarfile.open(path, "r:gz") as archive:
            tops, one_folder = top_level(archive.getnames())
            while archive.fileobj.read(CHUNK):  # the rest of the stream, up to the checksum
                pass
    except UNREADABLE as exc:
        name = "zlib.error" if isinstance(exc, zlib.error) else type(exc).__name__
        return f"is not a readable gzip-compressed tar archive ({name})"
    if not one_folder:
        names = ", ".join(shown_name(top) for top in tops[:10])
        return f"must hold one top-level folder, as Scalingo requires; it holds: {names or 'nothing'}"
    return None


def source_problem(path: str, max_size: int | None = None) -> str | None:
    """What is wrong with a source_path (a directory or a .tar.gz), or None.

    A directory's archive size is only known once packed: open_source() checks it.
    """
    if not os.path.exists(path):
        return "does not exist on the host that runs the module"
    if os.path.isdir(path):
        return None if os.access(path, os.R_OK | os.X_OK) else "is a directory this user can't read"
    if not os.path.isfile(path):  # reading a named pipe would wait for a writer, forever
        return "is neither a directory nor a .tar.gz file"
    return check_archive(path, max_size)


class _Ceiling:
    """A file's write() that stops (SourceError) as soon as more than `limit` bytes went through.

    Without a file, it only counts: check mode packs a directory to fail as a real run would.
    """

    def __init__(self, handle: BinaryIO | None, limit: int) -> None:
        self.handle, self.limit, self.size, self.full = handle, limit, 0, False

    def write(self, data: bytes) -> int:
        if self.full:  # what gzip writes while closing after the stop: dropped
            return len(data)
        self.size += len(data)
        if self.size > self.limit:
            self.full = True
            raise SourceError(too_large(self.size, self.limit, packing=True))
        return self.handle.write(data) if self.handle else len(data)

    def flush(self) -> None:
        if self.handle:
            self.handle.flush()


def open_source(path: str, max_size: int) -> BinaryIO:
    """The .tar.gz to upload, open for reading at its start; the caller closes it.

    A .tar.gz is opened as it is. A directory is packed, under the name it was given, into an
    anonymous temporary file: nothing is left on disk once it is closed, or if this process dies.
    A symbolic link given as `path` is followed, once; links inside the directory are archived as
    links, never followed (their targets may be anywhere on the host). Raises SourceError for a source
    over `max_size` (checked while packing) or one that can't be read.
    """
    real = os.path.realpath(path)
    folder = os.path.isdir(real)
    handle: BinaryIO
    with contextlib.ExitStack() as stack:  # closes the file on any failure
        try:
            if folder:
                handle = stack.enter_context(tempfile.TemporaryFile(prefix="scalingo-source-"))
            else:
                handle = stack.enter_context(open(real, "rb"))
        except OSError as exc:
            raise SourceError(f"could not be read: {unreadable(exc, path, real)}") from None
        if folder:
            _pack(path, real, _Ceiling(handle, max_size))
            handle.seek(0)
        else:
            size = os.fstat(handle.fileno()).st_size
            if size > max_size:
                raise SourceError(too_large(size, max_size))
        stack.pop_all()
        return handle


def check_packing(path: str, max_size: int) -> None:
    """Pack a directory as open_source() does, keeping nothing; SourceError as open_source() raises it."""
    real = os.path.realpath(path)
    if os.path.isdir(real):
        _pack(path, real, _Ceiling(None, max_size))


def _pack(path: str, real: str, sink: _Ceiling) -> None:
    try:
        # A write-only sink: "w:gz" only writes to it, though tarfile types its fileobj as readable and seekable.
        with tarfile.open(fileobj=sink, mode="w:gz") as archive:  # type: ignore[call-overload]
            archive.add(real, arcname=os.path.basename(os.path.abspath(path)) or "source", filter=_keep)
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise SourceError(f"could not be packed: {unreadable(exc, path, real)}") from None


def unreadable(exc: Exception, *given: str) -> str:
    """Why a file could not be read, and which one when it is not the source itself, on one line."""
    why = getattr(exc, "strerror", None) or type(exc).__name__
    name = getattr(exc, "filename", None)
    return f"{shown_name(str(name))}: {why}" if name and str(name) not in given else why


def _keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if ".git" in info.name.split("/"):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
