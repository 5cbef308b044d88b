"""The ontology's documentation page (`ikz-graph docs`): complete, deterministic, offline."""
from __future__ import annotations

import html
import re

import pytest

from ikz_graph import namespaces as ns
from ikz_graph.ontodoc import ontology_page, own_terms

from .browser import Browser, BrowserMissing, outside


@pytest.fixture(scope="module")
def page(kg):
    return ontology_page(kg)


def test_every_own_term_is_on_the_page(kg, page):
    terms = own_terms(kg)
    assert len(terms) > 100
    text = html.unescape(page)
    missing = [t for t in terms if t not in text and ns.compact(t) not in text]
    assert not missing, missing


def test_labels_definitions_reuse_and_examples_are_shown(page):
    text = html.unescape(page)
    assert "Gebietskörperschaft" in text and "territorial authority" in text          # labels in both languages
    assert "A public-law corporation with its own territory" in text                   # a definition
    assert "PublicOrganisation" in text                                                # reuse of CPOV
    assert "e.g. unit:" in text                                                        # an example from the data
    assert "Concept schemes (SKOS)" in text and "ikzc:vehicle-registration" in text and "Kfz-Zulassung" in text


def test_the_page_is_the_same_every_time(kg, page):
    assert ontology_page(kg) == page


def test_the_page_loads_nothing(page, tmp_path):
    assert not re.search(r"<(script|img|iframe)[^>]+src=[\"']?https?:", page, re.I)
    assert not re.search(r"<link[^>]+rel=[\"']?stylesheet[^>]+href=[\"']?https?:", page, re.I)
    assert "@import" not in page and not re.search(r"url\(\s*[\"']?https?:", page)
    f = tmp_path / "ontology.html"
    f.write_text(page, encoding="utf-8")
    try:
        b = Browser()
    except BrowserMissing as e:
        pytest.fail(f"Chromium is needed for the browser tests: {e}")
    try:
        res = b.open(f, timeout=2)       # the page has no readiness flag: wait briefly, then read the log
        assert res["requests"] and outside(res["requests"], f) == []
        assert b.js("return document.querySelectorAll('h2, h3').length") > 10
    finally:
        b.close()


def test_the_cli_writes_the_page(cli, tmp_path):
    out = tmp_path / "o" / "ontology.html"
    r = cli("docs", "--out", out)
    assert r.exit_code == 0, r.output
    assert out.is_file() and f"Wrote {out}" in r.output


def test_the_command_prints_no_library_log_lines(tmp_path):
    """pyLODE configures the root logger at DEBUG when imported; the command must not pass that on."""
    from .conftest import run_module

    r = run_module("docs", "--out", tmp_path / "ontology.html")
    assert r.returncode == 0, r.stderr
    assert "DEBUG:" not in r.stderr and "INFO:root" not in r.stderr, r.stderr
    assert (tmp_path / "ontology.html").is_file()
