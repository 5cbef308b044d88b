"""The README's console examples are real: each `$ ikz-graph …` is run and its output compared."""
from __future__ import annotations

import re
import shlex

import pytest

from .conftest import ROOT, run_module


def _examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        cmd, out = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd:
                    yield cmd, out
                cmd, out = line[2:], []
            else:
                out.append(line)
        if cmd:
            yield cmd, out


EXAMPLES = list(_examples())


def test_readme_has_console_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("cmd,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_output_is_real(cmd, expected, tmp_path):
    head = None
    m = re.match(r"^(.*?)\s*\|\s*head -(\d+)$", cmd)
    if m:
        cmd, head = m.group(1), int(m.group(2))
    args = shlex.split(cmd)
    assert args[0] == "ikz-graph"
    r = run_module(*args[1:], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [x.rstrip() for x in r.stdout.splitlines()]
    if head:
        lines = lines[:head]
    assert lines == [x.rstrip() for x in expected]


def test_data_format_documents_every_collection_and_field():
    from ikz_graph.records import SPEC

    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    missing = [f"{coll}.{name}" for coll, fields in SPEC.items() for name in [coll, *fields]
               if f"`{name}`" not in doc and f"## {name}" not in doc and f"{{{name}" not in doc
               and f" {name}," not in doc and f" {name}}}" not in doc]
    assert missing == []
