"""``check-quotes``, ``validate --strict`` and ``list --json``'s evidence fields on small layers
written by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from influencemap.cli import main

ARTICLE = "The park drew more than $1 billion from 56 foreign com-\npanies, including Huawei.\n"


def write(folder: Path, quote: str, locator: str | None = "para 2") -> Path:
    (folder / "copy.txt").write_text(ARTICLE, encoding="utf-8")
    place = f", locator: '{locator}'" if locator else ""
    (folder / "l.yaml").write_text(
        "id: l\nname: L\nsources:\n  - {id: doc, title: Doc, archive: copy.txt}\n  - {id: plain, title: Plain}\n"
        "features:\n"
        f"  - {{id: f, name: F, point: [27.5, 53.9], date: 2023-02, dating: inferred, actors: [Huawei],\n"
        f"     sources: [{{ref: doc{place}, quote: '{quote}'}}, {{ref: plain, locator: p. 1}}]}}\n",
        encoding="utf-8",
    )
    return folder / "l.yaml"


def test_check_quotes_exits_0_when_every_quote_is_found_and_lists_unchecked_sources(tmp_path, capsys):
    path = write(tmp_path, "from 56 foreign companies, including Huawei")
    assert main(["check-quotes", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "unchecked: source 'plain' has no archive" in err
    assert "1 quote checked in 1 archive: 1 found, 0 not found; 1 cited source unchecked (no archive)" in err


def test_check_quotes_exits_1_with_the_place_of_a_quote_not_found(tmp_path, capsys):
    path = write(tmp_path, "from 65 foreign companies")
    assert main(["check-quotes", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"{path}:8:") and ": warning: quote not found in archive 'copy.txt' of source 'doc'; " in out
    assert 'closest passage: "from 56 foreign companies"' in out


def test_validate_strict_checks_quotes_and_locators(tmp_path, capsys):
    path = write(tmp_path, "from 65 foreign companies", locator=None)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["validate", "--strict", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "has no locator" in out and "quote not found in archive" in out
    assert "0 errors, 2 warnings" in err


def test_list_json_gives_dating_and_actors(tmp_path, capsys):
    path = write(tmp_path, "from 56 foreign companies")
    assert main(["list", "--json", str(path)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["dating"] == "inferred" and row["actors"] == ["Huawei"]
    assert main(["list", str(path)]) == 0
    assert "2023-02 (inferred)" in capsys.readouterr().out


def test_a_citation_without_a_locator_is_warned_at_the_citation(tmp_path, capsys):
    path = write(tmp_path, "from 56 foreign companies", locator=None)
    assert main(["validate", "--strict", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:8:16: warning: citation 1 of feature 'f' (source 'doc') has no locator" in out, out
