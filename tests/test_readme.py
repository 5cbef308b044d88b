"""The README's console examples are real: each `$ ikz-graph …` is run and its output compared.

After a data change, refresh them with ``python scripts/readme_examples.py --write``.
"""
from __future__ import annotations

import importlib.util

import pytest

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
readme_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readme_examples)

EXAMPLES = readme_examples.examples((ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_has_console_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("cmd,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_output_is_real(cmd, expected, tmp_path):
    code, lines, err = readme_examples.run(cmd, tmp_path)
    assert code == 0, err
    assert lines == [x.rstrip() for x in expected], "run: python scripts/readme_examples.py --write"


def test_data_format_documents_every_collection_and_field():
    from ikz_graph.schema import SPEC

    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    missing = [f"{coll}.{name}" for coll, fields in SPEC.items() for name in [coll, *fields]
               if f"`{name}`" not in doc and f"## {name}" not in doc and f"{{{name}" not in doc
               and f" {name}," not in doc and f" {name}}}" not in doc]
    assert missing == []
