"""The details panel's evidence: how the date is known, the actor's canonical name with the
file's spelling, quotes marked as found in the archived copy, and "Open archived copy"."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from influencemap.model.archive import normalise
from influencemap.ui.archive_viewer import ArchiveViewer

ARCHIVE = "Intro line.\n\nLukashenka arrived in Bei-\njing on February 28 for a three-day state visit.\n\nOther text.\n"

LAYER = """\
id: evidence
name: Evidence
sources:
  - {id: ev-doc, title: Archived article, archive: copies/article.txt}
  - {id: ev-pdf, title: A paper, archive: copies/paper.pdf}
features:
  - id: ev-visit
    name: State visit
    point: [116.4, 39.9]
    date: 2023-02
    dating: inferred
    actors: [Alyaksandr Lukashenka, China]
    sources:
      - {ref: ev-doc, locator: para 2, quote: "arrived in Beijing on February 28"}
      - {ref: ev-doc, locator: para 3, quote: "arrived in Minsk"}
      - {ref: ev-pdf, locator: p. 1, quote: "anything"}
"""

ACTORS = """\
actors:
  - {id: lukashenko, name: Alexander Lukashenko, aliases: [Alyaksandr Lukashenka], kind: person, country: BY}
"""


def _window(layers, open_window):
    (layers.folder / "copies").mkdir()
    (layers.folder / "copies" / "article.txt").write_text(ARCHIVE, encoding="utf-8")
    (layers.folder / "copies" / "paper.pdf").write_bytes(b"%PDF-1.4\n")
    layers.write("evidence.yaml", LAYER)
    layers.write("actors.yaml", ACTORS)
    window = open_window([layers.folder])
    assert window.select_feature("ev-visit")
    return window


def test_details_show_dating_canonical_actor_and_checked_quotes(layers, open_window):
    window = _window(layers, open_window)
    text = window.details_text().replace("\xa0", " ")
    assert "February 2023 (inferred)" in text or "Feb 2023 (inferred)" in text, text
    assert "Alexander Lukashenko (written: Alyaksandr Lukashenka), China" in text
    assert "“arrived in Beijing on February 28” ✓ in archived copy" in text
    assert "“arrived in Minsk” ✗ not in archived copy" in text
    assert text.count("Open archived copy") == 3


def test_open_archived_copy_shows_the_text_with_the_quote_selected(layers, open_window, qtbot):
    window = _window(layers, open_window)
    panel = window.details_panel
    panel.browser.anchorClicked.emit(QUrl("influencemap-archive:1"))
    viewer = window.findChild(ArchiveViewer)
    assert viewer is not None and viewer.isVisible()
    selected = viewer.text.textCursor().selectedText().replace("\u2029", "\n")
    assert normalise(selected).text == normalise("arrived in Beijing on February 28").text
    assert selected.startswith("arrived in Bei-")  # the original text, line break and all
    panel.open_archive(2)
    assert viewer.text.textCursor().selectedText() == ""
    assert "not found" in viewer.message.text()


def test_open_archived_copy_of_a_pdf_uses_the_system_viewer(layers, open_window, monkeypatch):
    window = _window(layers, open_window)
    opened = []
    monkeypatch.setattr("influencemap.ui.details_panel.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    assert window.details_panel.open_archive(3) is None
    assert [u.toLocalFile() for u in opened] == [str(layers.folder / "copies" / "paper.pdf")]
