"""Bad input: an error naming file, record and what is wrong; a non-zero exit; nothing written."""
from __future__ import annotations

import re

import pytest

import ikz_graph
from ikz_graph import DataError


def _replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


CASES = {
    "broken-yaml": ("projects.yaml", "  - id: emh\n    type: model-project\n", "  - id: emh\n    type: [model-project\n",
                    r"data/projects\.yaml:\d+: not valid YAML"),
    "broken-record": ("projects.yaml", "    name: IKZ-Modellvorhaben Vorderpfalz\n", "    nme: IKZ-Modellvorhaben Vorderpfalz\n",
                      r"data/projects\.yaml:\d+ \[organisation vorderpfalz\]: unknown field 'nme'"),
    "unknown-kreisschluessel": ("projects.yaml", '  - member: "07232"\n    organisation: emh', '  - member: "07299"\n    organisation: emh',
                                r"data/projects\.yaml:\d+ \[membership 07299 in emh\]: member: unknown Kreisschlüssel '07299'"),
    "malformed-kreisschluessel": ("units.yaml", 'key: "07233"', 'key: "7233"',
                                  r"data/units\.yaml:\d+ \[unit 7233\]: field 'key': '7233' is not a valid Kreisschlüssel"),
    "missing-source": ("bodies.yaml", "  - {member: \"07211\", organisation: art, start: 1973-09-01, sources: [trier-art-service-2020]}",
                       "  - {member: \"07211\", organisation: art, start: 1973-09-01}",
                       r"data/bodies\.yaml:\d+ \[membership 07211 in art\]: missing required field 'sources'"),
    "unknown-source": ("projects.yaml", "sources: [allgaeuer-ebling-2022-10-13, seed-egov-2023-10-04]",
                       "sources: [allgaeuer-ebling-2022-10-13, no-such-source]",
                       r"data/projects\.yaml:\d+ \[person michael-ebling\]: sources: unknown source 'no-such-source'"),
    "missing-entity": ("institutions.yaml", "    operator: \"07231\"\n", "    operator: bernkastel\n",
                       r"data/institutions\.yaml:\d+ \[service bussgeldverfahren\]: operator: 'bernkastel' does not exist"),
    "end-before-start": ("bodies.yaml", "organisation: irt, start: 1994-02-24, end: 2010,", "organisation: irt, start: 1994-02-24, end: 1990,",
                         r"data/bodies\.yaml:\d+ \[membership 07233 in irt\]: end date 1990 is before start date 1994-02-24"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_nothing_is_written(case, data_copy, tmp_path, cli):
    file, old, new, pattern = CASES[case]
    _replace(data_copy / file, old, new)
    out = tmp_path / "dist"
    r = cli("--data", data_copy, "build", "--out", out)
    assert r.exit_code == 1
    assert re.search(pattern, r.output), r.output
    assert not out.exists()
    v = cli("--data", data_copy, "validate")
    assert v.exit_code == 1
    assert re.search(pattern, v.output)


def test_bad_input_does_not_touch_an_existing_build(data_copy, tmp_path, cli):
    out = tmp_path / "dist"
    assert cli("--data", data_copy, "build", "--no-validate", "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _replace(data_copy / "bodies.yaml", "organisation: irt, start: 1994-02-24, end: 2010,", "organisation: irt, start: 1994-02-24, end: 1990,")
    assert cli("--data", data_copy, "build", "--out", out).exit_code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_all_problems_are_reported_at_once(data_copy):
    _replace(data_copy / "projects.yaml", '  - member: "07232"\n    organisation: emh', '  - member: "07299"\n    organisation: emh')
    _replace(data_copy / "institutions.yaml", "    operator: \"07231\"\n", "    operator: bernkastel\n")
    with pytest.raises(DataError) as e:
        ikz_graph.load(data_copy)
    assert len(e.value.problems) == 2
    assert {p.file.rsplit("/", 1)[-1] for p in e.value.problems} == {"projects.yaml", "institutions.yaml"}


def test_duplicate_ids_and_asymmetric_neighbours(data_copy):
    text = (data_copy / "bodies.yaml").read_text(encoding="utf-8")
    (data_copy / "bodies.yaml").write_text(text.replace("  - id: plg-westpfalz\n", "  - id: plg-region-trier\n"), encoding="utf-8")
    _replace(data_copy / "neighbours.yaml", '"07135"', '"07111"')
    with pytest.raises(DataError) as e:
        ikz_graph.load(data_copy)
    msg = str(e.value)
    assert "id 'plg-region-trier' is already used by organisation plg-region-trier at data/bodies.yaml:" in msg
    assert "do not list" in msg or "listed twice" in msg


def test_duplicate_yaml_key_is_an_error(data_copy):
    _replace(data_copy / "projects.yaml", "    label: Vorderpfalz\n", "    label: Vorderpfalz\n    label: Pfalz\n")
    with pytest.raises(DataError, match=r"projects\.yaml:\d+: not valid YAML: .*duplicate key 'label'"):
        ikz_graph.load(data_copy)


def test_unknown_concept_is_an_error(data_copy):
    _replace(data_copy / "projects.yaml", "    role: lead-partner\n", "    role: boss\n")
    with pytest.raises(DataError, match=r"role: 'boss' is not a concept of ikzc:roles"):
        ikz_graph.load(data_copy)
