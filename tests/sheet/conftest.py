"""Map sheet tests (print layout, PDF/PNG/SVG, CLI): a small catalog: a stack of three facts in Minsk from two layers,
a fact in Kyiv, and a layer whose only fact is in Tashkent (outside a Belarus-Ukraine box)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from influencemap.model.loader import load_catalog  # noqa: E402

LAYERS = {
    "sheet-sources.yaml": """\
sources:
  - {id: fiia-brief, title: "China's policy towards Belarus and Ukraine", author: "Nizhnikau & Kaczmarski",
     publisher: FIIA Briefing Paper 298, date: 2020-12, url: "https://www.fiia.fi/en/publication/chinas-policy"}
  - {id: rferl-story, title: Lukashenka in Beijing, publisher: RFE/RL, date: 2023-03-01}
  - {id: central-asia-note, title: A note on Tashkent, publisher: Some Desk}
""",
    "loans.yaml": """\
id: loans
name: Chinese loans and credit lines to the governments of Eastern Europe
category: Economy
style: {color: "#ff7f00", marker: diamond, size: 10}
features:
  - {id: minsk-credit, name: Credit line to Belarus, point: [27.5667, 53.9], sources: [fiia-brief]}
  - {id: minsk-second, name: Second credit line, point: [27.5667, 53.9], sources: [fiia-brief, rferl-story]}
  - {id: kyiv-loan, name: Loan to Ukraine, point: [30.5234, 50.45], sources: [fiia-brief]}
""",
    "visits.yaml": """\
id: visits
name: Visits
category: Diplomacy
style: {color: "#33a02c", marker: circle, size: 8}
features:
  - {id: minsk-visit, name: Xi visits Minsk, point: [27.5667, 53.9], sources: [rferl-story]}
""",
    "asia.yaml": """\
id: asia
name: Central Asian outposts
category: Other
style: {color: "#6a3d9a", marker: triangle, size: 9}
features:
  - {id: tashkent-office, name: Office in Tashkent, point: [69.2401, 41.2995], sources: [central-asia-note]}
""",
}

BELARUS_UKRAINE = (22.0, 44.0, 34.0, 57.0)
"""A box holding Minsk and Kyiv but not Tashkent."""


def write_sheet_layers(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in LAYERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def sheet_folder(tmp_path: Path) -> Path:
    return write_sheet_layers(tmp_path / "layers")


@pytest.fixture
def sheet_catalog(sheet_folder: Path):
    catalog = load_catalog([sheet_folder], include_bundled_sources=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    return catalog
