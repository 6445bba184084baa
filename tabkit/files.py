"""Atomic file writes: nothing half-written ever looks complete.

Every artefact tabkit writes (data files, run artefacts, reports) goes to a temporary file
beside its destination and is renamed into place only once it is whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which must not race with other threads.
_UMASK = _read_umask()
_FILE_MODE = 0o666 & ~_UMASK
_FOLDER_MODE = 0o777 & ~_UMASK


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then rename it.

    The file gets the usual permissions for new files (``0o666`` less the umask; the
    temporary file starts private), and it is removed when ``write`` raises.

    Parameters
    ----------
    path : str or Path
        The destination; its folder is created when missing.
    write : callable
        Writes the whole content to the path it is given.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        temporary.chmod(_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def atomic_folder(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp_folder)`` on an empty temporary folder next to ``path``, then rename
    it to ``path``: the folder's files appear all at once or not at all.

    The folder gets the usual permissions for new folders (``0o777`` less the umask), and
    it is removed with everything in it when ``write`` raises.

    Parameters
    ----------
    path : str or Path
        The destination: missing or an empty folder (which is replaced); its parent is
        created when missing.
    write : callable
        Writes the whole content into the folder it is given.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        If ``path`` is a file or a folder that is not empty (after ``write`` ran; check
        before the work when it is long).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        write(temporary)
        temporary.chmod(_FOLDER_MODE)
        os.replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8, atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
