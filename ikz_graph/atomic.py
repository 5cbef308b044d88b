"""Writing outputs all or nothing: files are written beside their place and moved in when complete.

``write_file`` writes one file. A regular file (or nothing) at the path is replaced atomically:
the new content is written beside it under a temporary name, flushed to disk and renamed over it.
A symbolic link is followed: the file it points to is replaced and the link stays. A character
device or a named pipe (``/dev/stdout``, ``/dev/null``, a FIFO) cannot be replaced, so it is
written into, and its write errors are reported (``/dev/full``: no space left on device).
Anything else at the path (a folder, a socket, a block device) is refused and left alone.

``write_files`` puts files into a folder (other files in it stay); ``replace_dir`` swaps a whole
folder for a new one. In both, a failure before the move leaves what was there as it was.
"""
from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Callable, Mapping

from .errors import ExportError

__all__ = ["write_file", "write_files", "replace_dir", "TMP_PREFIX"]

Content = bytes | str | Callable[[], bytes]
#: Prefix of every temporary file or folder ikz-graph makes beside an output.
TMP_PREFIX = ".ikz-tmp-"


def _bytes(data: Content) -> bytes:
    if callable(data):
        data = data()
    return data.encode("utf-8") if isinstance(data, str) else data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISLNK, "a link")):
        if test(mode):
            return name
    return "not a regular file"


def _error(path: Path, e: OSError) -> ExportError:
    return ExportError(f"cannot write to {path}: {e.strerror or e}")


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with ``data``, flushed to disk; mode as the umask says."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with open(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the renames are still atomic
    finally:
        os.close(fd)


def _make_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"cannot write to {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _error(folder, e) from None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def write_file(path: str | Path, content: Content) -> Path:
    """Write one file all or nothing (see the module docstring for links, devices and pipes)."""
    path = Path(path)
    try:
        st = os.stat(path)                      # follows links
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _error(path, e) from None
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        try:
            with open(path, "wb") as fh:        # a device or pipe: written into, errors reported
                fh.write(_bytes(content))
                fh.flush()
        except OSError as e:
            raise _error(path, e) from None
        return path
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ExportError(f"cannot write to {path}: it is {_kind(st.st_mode)}, not a regular file; nothing was replaced")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _make_dir(target.parent)
    tmp = target.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}-{target.name}"
    try:
        _write_new(tmp, _bytes(content))
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as e:
        raise _error(target, e) from None
    finally:
        _remove(tmp)
    return path


def _write_into(folder: Path, files: Mapping[str, Content]) -> None:
    """Write every file into ``folder``, flushed to disk. A function is called when its file is
    written, so only one big file needs to be in memory at a time."""
    for name, data in files.items():
        if callable(data):
            data = data()
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(folder / name, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_files(out_dir: str | Path, files: Mapping[str, Content]) -> list[Path]:
    """Write ``files`` (name -> bytes, text or a function making the bytes) into ``out_dir``.

    They are written to a temporary folder inside ``out_dir`` first and moved into place only when
    all are complete; raises :class:`~ikz_graph.errors.ExportError` naming the folder.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".ikz-tmp-", dir=out))
    except OSError as e:
        raise ExportError(f"cannot write to {out}: {e}") from None
    try:
        _write_into(tmp, files)
        written = []
        for name in files:
            os.replace(tmp / name, out / name)
            written.append(out / name)
        return written
    except OSError as e:
        raise ExportError(f"cannot write to {out}: {e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_dir(out_dir: str | Path, files: Mapping[str, Content]) -> Path:
    """Replace the folder ``out_dir`` as a whole by one holding exactly ``files``.

    The new folder is written beside it and swapped in by renames; returns its path.
    """
    out = Path(out_dir).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        tmp.chmod(0o755)
    except OSError as e:
        raise ExportError(f"cannot write to {out}: {e}") from None
    try:
        _write_into(tmp, files)
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
        return out
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"cannot write to {out}: {e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
