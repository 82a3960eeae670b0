"""A read-only view of a layer file scrolled to a line: where a problem or a feature is written.

It is a plain-text editor widget, so the YAML is never interpreted, and a non-modal window, so
the user can keep it open next to the map while fixing the file in their own editor.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

CURRENT_LINE = QColor("#fff3b0")


class TextViewerDialog(QDialog):
    """A non-modal, read-only text window: where it comes from, a message, the text, Close.

    Shared by the layer-file view here and the archived-copy view of a source."""

    def __init__(self, object_name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setModal(False)
        self.resize(760, 560)
        self.location = QLabel(self)
        self.location.setTextFormat(Qt.TextFormat.PlainText)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.location)
        layout.addWidget(self.message)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)


class SourceViewer(TextViewerDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("sourceViewer", "Layer file", parent)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

    def show_location(self, path: str, line: int, column: int = 1, message: str = "") -> None:
        """Load ``path`` and put the cursor on ``line`` (1-based), highlighted and centred."""
        try:
            content = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            content = f"(cannot read {path}: {exc.strerror})"
        self.setWindowTitle(f"{Path(path).name}:{line}")
        self.location.setText(f"{path}, line {line}, column {column}")
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.text.setPlainText(content)
        block = self.text.document().findBlockByLineNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor, max(0, min(column - 1, block.length() - 1)))
        self.text.setTextCursor(cursor)
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(CURRENT_LINE)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(block)
        self.text.setExtraSelections([selection])
        self.text.centerCursor()

    def current_line(self) -> int:
        """The 1-based line the cursor is on."""
        return self.text.textCursor().blockNumber() + 1
