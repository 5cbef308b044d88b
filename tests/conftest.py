"""Shared fixtures: the real graph (built once), a writable copy of the data, a CLI runner.

The suite's tests of the curated records, the analysis, the views and the stores run on the curated
graph alone (``IKZ_GRAPH_BASE=none``, set here for every test and the commands they start); the tests
of the official base layer (tests/test_base_layer.py, test_official_*.py) ask for their scope
explicitly, and the README's examples run as a user runs them, with the national graph.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ikz_graph
from ikz_graph.cli import main

os.environ["IKZ_GRAPH_BASE"] = "none"

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    """The smallest synthetic data set (``ikz-graph synth --size rlp``), written once per session."""
    from ikz_graph.synthetic import generate

    out = tmp_path_factory.mktemp("synth") / "rlp"
    generate("rlp", out)
    return out


@pytest.fixture(scope="session")
def synth_kg(synth_dir):
    from ikz_graph import load

    return load(synth_dir)


@pytest.fixture(scope="session")
def kg():
    return ikz_graph.load()


@pytest.fixture
def data_copy(tmp_path):
    """A copy of data/ that a test may break."""
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    return d


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the tests of one module (the views and the maps)."""
    from .browser import Browser, BrowserMissing

    try:
        b = Browser()
    except BrowserMissing as e:
        pytest.fail(f"Chromium is needed for the browser tests: {e}")
    yield b
    b.close()


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args, **kw):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    return run


def run_module(*args, cwd=None, env=None):
    """Run ``python -m ikz_graph`` in a new process (as a user would)."""
    return subprocess.run([sys.executable, "-m", "ikz_graph", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)
