"""Outputs are written all or nothing (ikz_graph.atomic), also when the writer is killed half-way.

Faults are injected into a real writer process: a small script patches ``os.replace`` or
``os.fsync`` to kill or signal its own process at a chosen step.
"""
from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading

import pytest

from ikz_graph.atomic import write_file, write_files
from ikz_graph.errors import ExportError

from .conftest import ROOT, run_module


def _leftovers(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".ikz-tmp-"))


# ----------------------------------------------------------------------------- one file


def test_a_symlink_is_followed_and_stays_a_link(tmp_path, cli):
    target = tmp_path / "real.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "view.html"
    link.symlink_to(target.name)
    r = cli("viz", "--view", "project", "emh", "--out", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == "real.html"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert _leftovers(tmp_path) == []


def test_a_named_pipe_is_written_into_not_replaced(tmp_path, cli):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    r = cli("viz", "--view", "project", "emh", "--out", fifo)
    reader.join(30)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)            # still the pipe
    assert got and got[0].startswith(b"<!DOCTYPE html>")


def test_a_full_device_reports_no_space(tmp_path, cli):
    """A character device cannot be replaced; writing into it reports its error (here: a device
    like /dev/full, made in the test folder so that a broken writer cannot harm the real one)."""
    full = tmp_path / "full"
    try:
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here (needs CAP_MKNOD)")
    r = cli("viz", "--view", "project", "emh", "--out", full)
    assert r.exit_code == 2
    assert f"cannot write to {full}: No space left on device" in r.output
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_folders_and_sockets_are_refused_and_left_alone(tmp_path):
    folder = tmp_path / "out.html"
    folder.mkdir()
    (folder / "keep").write_text("x")
    with pytest.raises(ExportError, match="it is a folder, not a regular file; nothing was replaced"):
        write_file(folder, b"new")
    assert (folder / "keep").read_text() == "x"
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        with pytest.raises(ExportError, match="it is a socket"):
            write_file(sock_path, b"new")
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


# ----------------------------------------------------------------------------- a set of files

_KILL_AT = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from ikz_graph.atomic import write_files
calls = [0]
real_replace = os.replace
def replace(a, b):
    calls[0] += 1
    if calls[0] == {k}:
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(a, b)
os.replace = replace
write_files(Path({out!r}), {{"a.txt": b"v2", "b.txt": b"v2", "c.txt": b"v2"}})
print("calls", calls[0])
"""


def _kill_at(out, k):
    return subprocess.run([sys.executable, "-c", _KILL_AT.format(root=str(ROOT), out=str(out), k=k)],
                          capture_output=True, text=True, timeout=60)


def test_a_set_is_switched_as_a_whole_even_when_killed_at_any_step(tmp_path):
    """Kill the writer at every rename it makes: the folder always holds either the whole old set
    or the whole new one, and the next write removes what the killed one left."""
    write_files(tmp_path / "count", {"a.txt": b"v1", "b.txt": b"v1", "c.txt": b"v1"})
    normal = _kill_at(tmp_path / "count", 0)
    assert normal.returncode == 0, normal.stderr
    steps = int(normal.stdout.split()[-1])
    assert steps >= 1
    for k in range(1, steps + 1):
        out = tmp_path / f"k{k}"
        write_files(out, {"a.txt": b"v1", "b.txt": b"v1", "c.txt": b"v1"})
        r = _kill_at(out, k)
        assert r.returncode == -signal.SIGKILL, r.stderr
        seen = {(out / n).read_bytes() for n in ("a.txt", "b.txt", "c.txt")}
        assert len(seen) == 1, f"killed at rename {k} of {steps}: a mix of old and new files"
        write_files(out, {"a.txt": b"v3", "b.txt": b"v3", "c.txt": b"v3"})
        assert {(out / n).read_bytes() for n in ("a.txt", "b.txt", "c.txt")} == {b"v3"}
        assert _leftovers(out) == []
        hidden = sorted(n for n in os.listdir(out) if n.startswith("."))
        assert len(hidden) == 2, hidden                     # the pointer and the one version in use


def test_a_set_leaves_other_files_alone_and_refuses_foreign_entries(tmp_path):
    out = tmp_path / "dist"
    write_files(out, {"ikz.ttl": b"1", "ikz.nt": b"1"}, name="ikz-exports")
    (out / "analysis").mkdir()
    (out / "analysis" / "units.csv").write_text("u")
    (out / "ikz-overview.html").write_text("h")
    write_files(out, {"ikz.ttl": b"2", "ikz.nt": b"2"}, name="ikz-exports")
    assert (out / "ikz.ttl").read_bytes() == b"2" and (out / "ikz.nt").read_bytes() == b"2"
    assert (out / "analysis" / "units.csv").read_text() == "u" and (out / "ikz-overview.html").read_text() == "h"
    # a file of an older layout (regular file) becomes part of the set
    (out / "ikz.nt").unlink()
    (out / "ikz.nt").write_bytes(b"legacy")
    write_files(out, {"ikz.ttl": b"3", "ikz.nt": b"3"}, name="ikz-exports")
    assert (out / "ikz.nt").is_symlink() and (out / "ikz.nt").read_bytes() == b"3"
    # something else where a member goes is refused before anything changes
    (out / "ikz.nt").unlink()
    (out / "ikz.nt").mkdir()
    with pytest.raises(ExportError, match="ikz.nt: it is a folder, not a file written by ikz-graph"):
        write_files(out, {"ikz.ttl": b"4", "ikz.nt": b"4"}, name="ikz-exports")
    assert (out / "ikz.ttl").read_bytes() == b"3"


_SIGNAL_AT = """
import os, signal, sys
sys.path.insert(0, {root!r})
calls = [0]
real_fsync = os.fsync
def fsync(fd):
    real_fsync(fd)
    calls[0] += 1
    if calls[0] == 2:           # the second export file is on disk
        os.kill(os.getpid(), signal.{sig})
os.fsync = fsync
from ikz_graph.cli import main
main(["build", "--no-validate", "--out", {out!r}])
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_a_build_stopped_by_a_signal_cleans_up_and_exits_2(tmp_path, sig):
    out = tmp_path / "dist"
    assert run_module("build", "--no-validate", "--out", out).returncode == 0
    before = {n: (out / n).read_bytes() for n in os.listdir(out) if (out / n).is_file()}
    hidden_before = sorted(n for n in os.listdir(out) if n.startswith("."))
    r = subprocess.run([sys.executable, "-c", _SIGNAL_AT.format(root=str(ROOT), out=str(out), sig=sig)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"error: stopped by {sig}" in r.stderr
    assert {n: (out / n).read_bytes() for n in os.listdir(out) if (out / n).is_file()} == before
    assert sorted(n for n in os.listdir(out) if n.startswith(".")) == hidden_before    # nothing left behind
