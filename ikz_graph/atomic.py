"""Writing outputs all or nothing; the one place where ikz-graph writes files.

``write_file``
    One file. A regular file (or nothing) at the path is replaced atomically: the new content is
    written beside it under a temporary name, flushed to disk and renamed over it. A symbolic link
    is followed: the file it points to is replaced and the link stays. A character device or a
    named pipe (``/dev/stdout``, ``/dev/null``, a FIFO) cannot be replaced, so it is written into,
    and its write errors are reported (``/dev/full``: no space left on device). Anything else at
    the path (a folder, a socket, a block device) is refused and left alone.
``write_files``
    A set of files that belong together (the exports, the results of one analysis). They are
    switched as a whole: the files are written into a new hidden version folder ``.NAME.vTOKEN``
    inside the output folder, then one rename switches the pointer ``.NAME`` (a symbolic link) to
    it. The files keep their documented paths: ``dist/ikz.ttl`` is a link to ``.NAME/ikz.ttl``,
    so every reader sees either the old set or the new one, never a mix. Other files in the folder
    are never touched.
``replace_dir``
    A whole folder (``ikz-graph synth``), replaced only when it holds exactly what an earlier run
    wrote there (its manifest says which files with which checksums).

A run that is killed leaves at most hidden temporaries (``.ikz-tmp-*``, unused version folders);
the next write into that folder removes them. Writers of one folder take a lock on it
(``flock``), so two runs never remove each other's files. Every failure raises
:class:`~ikz_graph.errors.ExportError` naming the path and what went wrong.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping

from .errors import ExportError

__all__ = ["write_file", "write_files", "replace_dir", "check_replaceable", "MANIFEST", "TMP_PREFIX"]

Content = bytes | str | Callable[[], bytes]
#: Prefix of every temporary file or folder ikz-graph makes beside an output.
TMP_PREFIX = ".ikz-tmp-"
#: The manifest :func:`replace_dir` writes into the folder: which files, with which SHA-256.
MANIFEST = "_manifest.json"


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


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (released when the process ends, however it ends)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise _error(folder, e) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


_VERSION = re.compile(r"^\.ikz-.+\.v[0-9a-f]{12}$")


def _clean(folder: Path) -> None:
    """Remove what killed runs left in ``folder``: temporaries and version folders no pointer uses.

    Called with the folder's lock held, so no other run is writing there.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    current = {os.readlink(folder / n) for n in names if n.startswith(".ikz-") and (folder / n).is_symlink()}
    for n in names:
        if n.startswith(TMP_PREFIX) or (_VERSION.match(n) and n not in current):
            _remove(folder / n)


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
    with _locked(target.parent):
        _clean(target.parent)
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


def _member_state(path: Path, link: str) -> str:
    """``missing``, ``ours`` (already the link into the set), ``file`` (a regular file) or what
    else is there (then it is refused)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(st.st_mode):
        return "ours" if os.readlink(path) == link else "a link to " + os.readlink(path)
    return "file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)


def _link(folder: Path, name: str, target: str) -> None:
    """Make ``folder/name`` a symbolic link to ``target`` in one rename."""
    tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}-link"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, folder / name)
    except OSError:
        _remove(tmp)
        raise


def write_files(out_dir: str | Path, files: Mapping[str, Content], name: str | None = None) -> list[Path]:
    """Write ``files`` (name -> bytes, text or a function making the bytes) into ``out_dir`` as
    one set, switched as a whole (see the module docstring). ``name`` names the set (its pointer
    is ``out_dir/.NAME``); by default ``ikz-`` and the stem of the first file. A single file
    without a ``name`` is written by :func:`write_file`.

    A function is called when its file is written, so only one big file is in memory at a time.
    Returns the paths of the files, in the order given.
    """
    out = Path(out_dir)
    names = list(files)
    if not names:
        return []
    if len(names) == 1 and name is None:  # one file is no set: written as a regular file
        return [write_file(out / names[0], files[names[0]])]
    if any("/" in n or n.startswith(".") or n in ("", "..") for n in names):
        raise ExportError(f"cannot write to {out}: bad file name in {names!r}")
    set_name = name or f"ikz-{Path(names[0]).stem}"
    if not set_name.startswith("ikz-"):
        raise ExportError(f"set name {set_name!r} must start with 'ikz-'")
    pointer, link = f".{set_name}", f".{set_name}/"
    _make_dir(out)
    with _locked(out):
        _clean(out)
        for n in names:
            state = _member_state(out / n, link + n)
            if state not in ("missing", "ours", "file"):
                raise ExportError(f"cannot write to {out / n}: it is {state}, not a file written by ikz-graph; "
                                  "nothing was replaced")
        version = f"{pointer}.v{secrets.token_hex(6)}"
        switched = False
        try:
            os.mkdir(out / version)
            for n in names:
                _write_new(out / version / n, _bytes(files[n]))
            _fsync_dir(out / version)
            old = os.readlink(out / pointer) if (out / pointer).is_symlink() else None
            _link(out, pointer, version)          # the switch: one rename
            switched = True
            for n in names:
                if _member_state(out / n, link + n) != "ours":
                    _link(out, n, link + n)
            _fsync_dir(out)
            _drop_old_members(out, old, set(names), link)
        except OSError as e:
            raise _error(out, e) from None
        finally:
            if not switched:
                _remove(out / version)
        _clean(out)
    return [out / n for n in names]


def _drop_old_members(out: Path, old: str | None, names: set[str], link: str) -> None:
    """Remove the links of files the old version had and the new one has not."""
    if not old or not (out / old).is_dir():
        return
    for n in os.listdir(out / old):
        if n not in names and _member_state(out / n, link + n) == "ours":
            (out / n).unlink()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_replaceable(out: Path, what: str) -> None:
    """Refuse to replace ``out`` unless it is missing, empty, or holds exactly what its manifest lists."""
    out = Path(out).resolve()
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents:
        raise ExportError(f"{out} is the current folder or holds it; {what} writes only to a new or empty folder")
    present = set(os.listdir(out))
    if not present:
        return
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        listed = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportError(f"{out} is not empty and was not written by {what} (no {MANIFEST}); "
                          "choose an empty or new folder") from None
    foreign = sorted(present - set(listed) - {MANIFEST})
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ExportError(f"{out} holds files that {what} did not write ({shown}); nothing was replaced")
    changed = sorted(n for n, digest in listed.items()
                     if not (out / n).is_file() or (out / n).is_symlink() or _sha256(out / n) != digest)
    if changed:
        raise ExportError(f"{out}: {', '.join(changed[:5])} changed or went missing since {what} wrote it; "
                          "nothing was replaced")


def replace_dir(out_dir: str | Path, files: Mapping[str, Content], what: str = "ikz-graph") -> Path:
    """Replace the folder ``out_dir`` as a whole by one holding exactly ``files`` and a manifest.

    Refused (nothing changed) unless the folder is new or empty, or holds exactly the files its
    manifest lists, unchanged: ``what`` (the writer, e.g. ``ikz-graph synth``) never deletes
    anything it did not write. The new folder is written beside it and swapped in by renames.
    """
    out = Path(out_dir).resolve()
    check_replaceable(out, what)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _error(out, e) from None
    with _locked(out.parent):
        _clean(out.parent)
        tmp = out.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}-{out.name}"
        old = out.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}-{out.name}-old"
        try:
            os.mkdir(tmp)
            digests = {}
            for n, data in files.items():
                _write_new(tmp / n, _bytes(data))
                digests[n] = _sha256(tmp / n)
            _write_new(tmp / MANIFEST, json.dumps({"written_by": what, "files": digests}, indent=1,
                                                  sort_keys=True).encode("utf-8") + b"\n")
            _fsync_dir(tmp)
            check_replaceable(out, what)        # again, under the lock: nobody changed it meanwhile
            if out.exists():
                os.replace(out, old)
            os.replace(tmp, out)
            _fsync_dir(out.parent)
        except OSError as e:
            raise _error(out, e) from None
        finally:
            _remove(tmp)
            _remove(old)
    return out

