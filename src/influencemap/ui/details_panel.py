"""The details panel: the selected feature's facts and its numbered, quoted sources.

Content comes from :func:`influencemap.model.present.feature_details`, the same pieces the HTML
export's popups use. Every piece of YAML text is escaped with ``html.escape`` before it joins
the panel's rich text, so a title or description is always shown as text; only http, https and
mailto links are ever made, and a click on one goes to the system browser.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from influencemap.model.present import SAFE_LINK_SCHEMES, FeatureDetails, SourceEntry, citation_text, feature_details
from influencemap.ui.map_state import MapState
from influencemap.ui.archive_viewer import ArchiveViewer
from influencemap.ui.source_viewer import SourceViewer

ARCHIVE_SCHEME = "influencemap-archive"
"""Links to a source's archived copy: ``influencemap-archive:N`` for source number N."""

EMPTY_TEXT = "Click a feature on the map to see what is known about it and where it comes from."

_STYLE = """
<style>
  h2 { margin: 0 0 6px 0; font-size: large; }
  td.label { color: #6b6b6b; padding-right: 8px; }
  p.description { margin-top: 8px; }
  h3 { margin: 12px 0 4px 0; font-size: medium; }
  p.source { margin: 0 0 9px 0; }
  span.meta { color: #555555; }
  span.quote { font-style: italic; color: #333333; }
  p.location { color: #8a8a8a; margin-top: 10px; }
  span.found { color: #1a7f37; }
  span.missing { color: #b42318; font-weight: bold; }
</style>
"""


def _text(value: str) -> str:
    """YAML text as rich text that shows exactly the characters written (newlines kept)."""
    return html.escape(value, quote=True).replace("\n", "<br/>")


def _source_html(entry: SourceEntry) -> str:
    lines = [f"<b>[{entry.number}]</b> <b>{_text(entry.title)}</b>"]
    meta = [part for part in (entry.publisher, entry.author, entry.date) if part]
    if meta:
        lines.append(f"<span class='meta'>{' · '.join(_text(part) for part in meta)}</span>")
    if entry.locator:
        lines.append(f"<span class='meta'>Where: {_text(entry.locator)}</span>")
    if entry.quote:
        mark = ""
        if entry.quote_found is True:
            mark = " <span class='found' title='found in the archived copy'>✓&nbsp;in&nbsp;archived&nbsp;copy</span>"
        elif entry.quote_found is False:
            mark = " <span class='missing' title='not found in the archived copy'>✗&nbsp;not&nbsp;in&nbsp;archived&nbsp;copy</span>"
        lines.append(f"<span class='quote'>“{_text(entry.quote)}”</span>{mark}")
    if entry.archive:
        lines.append(f"<a href=\"{ARCHIVE_SCHEME}:{entry.number}\">Open archived copy</a>")
    if entry.url:
        href = html.escape(entry.url, quote=True)
        lines.append(f"<a href=\"{href}\">{_text(entry.url)}</a>")
    return "<p class='source'>" + "<br/>".join(lines) + "</p>"


def details_html(details: FeatureDetails) -> str:
    """The panel's rich text for one feature; every value escaped."""
    parts = [_STYLE, f"<h2>{_text(details.name)}</h2>", "<table cellspacing='0' cellpadding='1' width='100%'>"]
    for label, value in details.fields():
        # A fixed share for labels: a long figure label wraps instead of squeezing its value.
        parts.append(f"<tr><td class='label' width='32%'>{_text(label)}:</td><td>{_text(value)}</td></tr>")
    parts.append("</table>")
    if details.description:
        parts.append(f"<p class='description'>{_text(details.description)}</p>")
    count = len(details.sources)
    parts.append(f"<h3>Sources ({count})</h3>" if count else "<h3>Sources</h3><p>None found.</p>")
    parts += [_source_html(entry) for entry in details.sources]
    if details.location:
        parts.append(f"<p class='location'>Written at {_text(details.location)}</p>")
    return "".join(parts)


class DetailsPanel(QWidget):
    zoomToFeatureRequested = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.setAccessibleName("Feature details")
        self._state = state
        self._details: FeatureDetails | None = None
        self._viewer: SourceViewer | None = None
        self._archive_viewer: ArchiveViewer | None = None

        self.browser = QTextBrowser(self)
        self.browser.setObjectName("detailsText")
        self.browser.setAccessibleName("Details of the selected feature")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._on_link_clicked)
        self.copy_button = QPushButton("Copy citation", self)
        self.copy_button.setToolTip("Copy the feature's sources as plain text")
        self.copy_button.clicked.connect(self.copy_citation)
        self.zoom_button = QPushButton("Zoom to", self)
        self.zoom_button.setToolTip("Zoom the map to this feature")
        self.zoom_button.clicked.connect(self._on_zoom_clicked)
        self.file_button = QPushButton("Show in file", self)
        self.file_button.setToolTip("Show the YAML where this feature is written")
        self.file_button.clicked.connect(self.show_in_file)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.zoom_button)
        buttons.addWidget(self.file_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)

        state.selectionChanged.connect(self._on_selection_changed)
        state.catalogChanged.connect(lambda: self._on_selection_changed(state.selected_id))
        self._on_selection_changed(state.selected_id)

    @property
    def details(self) -> FeatureDetails | None:
        return self._details

    def text(self) -> str:
        """The panel's content as plain text (what a screen reader reads)."""
        return self.browser.toPlainText()

    def copy_citation(self) -> None:
        if self._details is None:
            return
        QGuiApplication.clipboard().setText(citation_text(self._details))
        self.statusMessage.emit(f"Copied {len(self._details.sources)} source(s) of “{self._details.name}”")

    def show_in_file(self) -> SourceViewer | None:
        feature = self._state.selected_feature
        if feature is None or feature.origin is None:
            return None
        if self._viewer is None:
            self._viewer = SourceViewer(self.window())
        self._viewer.show_location(feature.origin.path, feature.origin.line, feature.origin.col)
        self._viewer.show()
        self._viewer.raise_()
        return self._viewer

    def _on_selection_changed(self, feature_id: object) -> None:
        feature = self._state.selected_feature
        if feature is None:
            self._details = None
            self.browser.setHtml(f"<p style='color:#777777'>{html.escape(EMPTY_TEXT)}</p>")
        else:
            self._details = feature_details(self._state.catalog, feature)
            self.browser.setHtml(details_html(self._details))
        has = self._details is not None
        self.copy_button.setEnabled(has and bool(self._details.sources))
        self.zoom_button.setEnabled(has)
        self.file_button.setEnabled(has and feature is not None and feature.origin is not None)

    def _on_zoom_clicked(self) -> None:
        if self._state.selected_id:
            self.zoomToFeatureRequested.emit(self._state.selected_id)

    def open_archive(self, number: int) -> ArchiveViewer | None:
        """Source ``number``'s archived copy: a text view scrolled to the quote, or a PDF in the
        system's viewer (None then, and when there is nothing to open)."""
        feature = self._state.selected_feature
        if feature is None:
            return None
        cited = {c.number: c for c in self._state.catalog.citations(feature)}
        chosen = cited.get(number)
        if chosen is None or not chosen.source.archive_path:
            return None
        path = chosen.source.archive_path
        if path.lower().endswith(".pdf"):
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
                self.statusMessage.emit(f"No viewer could open {path}")
            return None
        if self._archive_viewer is None:
            self._archive_viewer = ArchiveViewer(self.window())
        found = self._archive_viewer.show_quote(chosen.source, chosen.citation.quote)
        if chosen.citation.quote and not found:
            self.statusMessage.emit(f"The quote of source [{number}] is not in its archived copy")
        self._archive_viewer.show()
        self._archive_viewer.raise_()
        return self._archive_viewer

    def _on_link_clicked(self, url: QUrl) -> None:
        if url.scheme() == ARCHIVE_SCHEME:
            try:
                self.open_archive(int(url.path()))
            except ValueError:
                pass
            return
        if url.scheme().lower() in SAFE_LINK_SCHEMES:
            QDesktopServices.openUrl(url)
        else:
            self.statusMessage.emit("Only http, https and mailto links are opened")



