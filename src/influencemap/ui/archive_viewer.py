"""A read-only view of a source's archived copy, scrolled to a quote and with the quote selected.

It shows the text the quote check reads (a web page without its markup), so what is highlighted
is exactly what was matched. PDFs open in the system's viewer instead (see the details panel):
their layout is the evidence a reader wants to see.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from influencemap.model.archive import ArchiveError
from influencemap.model.quote_check import archive_text, find_quote
from influencemap.model.types import Source
from influencemap.ui.source_viewer import TextViewerDialog

FOUND = QColor("#fff3b0")


class ArchiveViewer(TextViewerDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("archiveViewer", "Archived copy", parent)
        self.text.setObjectName("archiveText")

    def show_quote(self, source: Source, quote: str | None) -> bool:
        """Show the archive with ``quote`` selected and centred; False when it is not found."""
        path = source.archive_path or ""
        self.setWindowTitle(f"{Path(path).name} — archived copy of {source.id}")
        self.location.setText(path)
        try:
            text, normalised = archive_text(source)
        except ArchiveError as exc:
            self.text.setPlainText("")
            self.message.setText(str(exc))
            return False
        self.text.setPlainText(text)
        span = find_quote(quote, normalised) if quote else None
        if span is None:
            self.message.setText("The quote was not found in this copy." if quote else "")
            self.text.setExtraSelections([])
            return False
        self.message.setText(f"“{quote}”")
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        highlight = QTextEdit.ExtraSelection()
        highlight.cursor = cursor
        highlight.format = QTextCharFormat()
        highlight.format.setBackground(FOUND)
        self.text.setExtraSelections([highlight])
        self.text.centerCursor()
        return True
