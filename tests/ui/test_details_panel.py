"""The details panel: every field, the numbered sources, text shown as text, safe links only."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication

from influencemap.model.present import citation_text, feature_details

HOSTILE = """\
id: hostile
name: "Layer <i>italic</i>"
category: Tests
sources:
  - id: uitest-hostile-doc
    title: "<img src=x onerror=alert(1)>"
    publisher: "<a href='javascript:alert(2)'>Press</a>"
    url: "https://example.org/report?a=1&b=<2>"
features:
  - id: hostile-feature
    name: "Tom & Jerry <u>inc</u>"
    point: [27.56, 53.90]
    countries: [BY]
    actors: ["<script>x()</script>"]
    description: "<b>bold</b><script>alert(1)</script>"
    sources:
      - {ref: uitest-hostile-doc, locator: "<em>p. 4</em>", quote: "&amp; not an entity"}
"""

RICH = """\
id: rich
name: Rich layer
category: Economy
features:
  - id: rich-feature
    name: Great Stone investment
    point: [27.56, 53.90]
    date: 2019-05
    precision: site
    countries: [BY]
    actors: [China, Belarus]
    tags: [investment, park]
    figures:
      - {label: Loan, value: 1.18e9, unit: USD}
      - {label: Throughput, value: 340000, unit: TEU}
    description: |
      First line.
      Second line.
    sources:
      - {ref: uitest-doc-a, locator: "section 2", quote: "quoted words"}
      - uitest-doc-b
"""


def test_html_in_yaml_is_shown_literally(layers, open_window):
    layers.write("hostile.yaml", HOSTILE)
    window = open_window([layers.folder])
    assert window.select_feature("hostile-feature")
    text = window.details_text()
    for literal in (
        "Tom & Jerry <u>inc</u>",
        "<b>bold</b><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(2)'>Press</a>",
        "<script>x()</script>",
        "<em>p. 4</em>",
        "&amp; not an entity",
        "Layer <i>italic</i>",
    ):
        assert literal in text, literal
    html = window.details_panel.browser.toHtml()
    assert "<script>" not in html and "<img" not in html
    hrefs = _hrefs(window.details_panel.browser)
    assert hrefs == ["https://example.org/report?a=1&b=<2>"]


def _hrefs(browser) -> list[str]:
    """Every link target in the panel's document."""
    targets = []
    block = browser.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.isValid() and fragment.charFormat().isAnchor():
                targets.append(fragment.charFormat().anchorHref())
            iterator += 1
        block = block.next()
    return targets


def test_details_show_every_field_formatted(layers, open_window):
    layers.write("rich.yaml", RICH)
    window = open_window([layers.folder])
    window.select_feature("rich-feature")
    text = window.details_text()
    for expected in (
        "Great Stone investment",
        "Rich layer",
        "May 2019",
        "site",
        "Belarus (BY)",
        "China, Belarus",
        "investment, park",
        "USD 1.18 bn",
        "340,000 TEU",
        "First line.\nSecond line.",
        "[1] A report on Minsk",
        "Some Press · Jane Writer · 30 June 2021",
        "section 2",
        "“quoted words”",
        "[2] Another paper",
        "rich.yaml:5",
    ):
        assert expected in text, expected
    assert text.index("[1] A report on Minsk") < text.index("[2] Another paper")


def test_copy_citation_copies_the_sources_as_plain_text(layers, open_window):
    layers.write("rich.yaml", RICH)
    window = open_window([layers.folder])
    window.select_feature("rich-feature")
    QGuiApplication.clipboard().clear()
    window.details_panel.copy_button.click()
    expected = citation_text(feature_details(window.catalog, window.catalog.feature("rich-feature")))
    assert QGuiApplication.clipboard().text() == expected
    assert "[1] Jane Writer, “A report on Minsk”" in expected


def test_only_safe_links_are_opened(layers, open_window, monkeypatch):
    layers.write("rich.yaml", RICH)
    window = open_window([layers.folder])
    window.select_feature("rich-feature")
    opened = []
    monkeypatch.setattr("influencemap.ui.details_panel.QDesktopServices.openUrl", lambda url: opened.append(url.toString()))
    panel = window.details_panel
    for url in ("javascript:alert(1)", "file:///etc/passwd", "https://example.org/a", "mailto:a@example.org"):
        panel.browser.anchorClicked.emit(QUrl(url))
    assert opened == ["https://example.org/a", "mailto:a@example.org"]


def test_no_selection_shows_a_hint_and_disables_the_buttons(two_layer_window):
    panel = two_layer_window.details_panel
    assert "Click a feature" in two_layer_window.details_text()
    assert not panel.copy_button.isEnabled() and not panel.zoom_button.isEnabled()


def test_show_in_file_opens_the_feature_at_its_line(layers, open_window):
    layers.write("rich.yaml", RICH)
    window = open_window([layers.folder])
    window.select_feature("rich-feature")
    viewer = window.details_panel.show_in_file()
    assert viewer is not None and not viewer.isModal()
    assert viewer.current_line() == 5
    assert "rich-feature" in viewer.text.textCursor().block().text()


QUOTED_URL = """\
id: quoted
name: Quoted
features:
  - id: quoted-feature
    name: A link with quotes
    point: [27.56, 53.90]
    countries: [BY]
    sources: [uitest-quoted-doc]
sources:
  - id: uitest-quoted-doc
    title: A report
    url: 'https://example.org/q?a="b" title="x&y=<z>'
"""


def test_a_url_holding_quotes_is_the_whole_link_target(layers, open_window):
    """Issue 18 mutant: the href attribute no longer escaped. A ``"`` in the URL would end the
    attribute there (the link going to ``https://example.org/q?a=``) and start new ones."""
    layers.write("quoted.yaml", QUOTED_URL)
    window = open_window([layers.folder])
    assert window.select_feature("quoted-feature")
    assert _hrefs(window.details_panel.browser) == ['https://example.org/q?a="b" title="x&y=<z>']
