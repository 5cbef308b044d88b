"""Writing outputs all or nothing: files are written beside their place and moved in when complete.

``write_files`` puts files into a folder (other files in it stay); ``replace_dir`` swaps a whole
folder for a new one. In both, a failure before the move leaves what was there as it was.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping

from .errors import ExportError

__all__ = ["write_files", "replace_dir"]

Content = bytes | str | Callable[[], bytes]


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
