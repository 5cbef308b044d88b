"""Outputs are written all or nothing (ikz_graph.atomic), and only where a file may be replaced."""
from __future__ import annotations

import os
import socket
import stat
import threading

import pytest

from ikz_graph.atomic import write_file
from ikz_graph.errors import ExportError



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
