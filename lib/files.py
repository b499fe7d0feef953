"""Writing files so readers never see a partial one: the one atomic write.

A file is written to a temporary file beside its destination, flushed and
fsynced, given the mode any new file gets (``0o666`` less the umask), and
renamed into place with :func:`os.replace`. On any exception the temporary
file is removed and the destination is untouched. Every part of the workbook that writes
outputs (the data build, the batch's ledger, index and downloads) uses these.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a newly created file gets (``0o666`` less the umask)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode a newly created folder gets (``0o777`` less the umask)."""
    return 0o777 & ~_umask()


def write_temp(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a synced temporary file beside ``path``; return its path.

    The caller renames it into place (``os.replace``) when everything else is
    ready, or unlinks it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())  # mkstemp makes 0600; publish like any file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically: readers see the old file or the new one."""
    path = Path(path)
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
