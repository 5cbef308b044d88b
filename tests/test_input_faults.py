"""Input defects found under fault injection (issue 17), each held closed by a test.

Every bad input gives a clear error naming the file, record or line and what is wrong, exit 1
(the data does not conform) or 2 (the command could not run), never a traceback and never a
half-written output.
"""
from __future__ import annotations

import pytest

from ikz_graph.dates import parse_date
from ikz_graph.errors import DateError


@pytest.mark.parametrize("text", ["2023-00", "2023-02-00", "2023-00-10", "0000", "0000-01-01", "2023-13",
                                  "٢٠٢٣", "2023-1٠"])
def test_impossible_or_non_ascii_dates_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_impossible_dates_in_the_data_are_problems(data_copy, cli, tmp_path):
    text = (data_copy / "sources.yaml").read_text(encoding="utf-8")
    assert "    published: 2023-10\n" in text
    (data_copy / "sources.yaml").write_text(text.replace("    published: 2023-10\n", "    published: 2023-00\n", 1),
                                            encoding="utf-8")
    r = cli("--data", data_copy, "build", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "'2023-00' is not a valid calendar date" in r.output, r.output
    assert not (tmp_path / "out").exists()
