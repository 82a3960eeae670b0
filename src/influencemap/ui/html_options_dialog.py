"""File > Export HTML…'s options: the web map's title, subtitle and notes, and its source list.

The same texts the CLI takes (``--title``, ``--subtitle``, ``--notes``, ``--sources-list``), so a
map published from the app reads as well as one made on the command line. The last answers are
remembered (QSettings ``exportHtml/``): a user re-exporting the same map types nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

SETTINGS_GROUP = "exportHtml"


@dataclass(frozen=True)
class HtmlTexts:
    """What the reader of the web map is told besides the features."""

    title: str = ""
    subtitle: str = ""
    notes: str = ""
    sources_list: bool = True


class HtmlOptionsDialog(QDialog):
    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("htmlOptionsDialog")
        self.setWindowTitle("Export Web Map")
        self._settings = settings
        self.title = QLineEdit(self)
        self.title.setObjectName("htmlTitle")
        self.title.setPlaceholderText("influencemap")
        self.subtitle = QLineEdit(self)
        self.subtitle.setObjectName("htmlSubtitle")
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("htmlNotes")
        self.notes.setPlaceholderText("How the map was made, what it leaves out… (shown in the map's panel and in print)")
        self.notes.setTabChangesFocus(True)
        self.sources_list = QCheckBox("List the sources behind the map, numbered, and cite them by number", self)
        self.sources_list.setObjectName("htmlSourcesList")
        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("&Subtitle:", self.subtitle)
        form.addRow("&Notes:", self.notes)
        form.addRow("", self.sources_list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose File…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(520, 300)
        self._load()

    def texts(self) -> HtmlTexts:
        return HtmlTexts(
            title=self.title.text().strip(),
            subtitle=self.subtitle.text().strip(),
            notes=self.notes.toPlainText().strip(),
            sources_list=self.sources_list.isChecked(),
        )

    def _load(self) -> None:
        s = self._settings
        self.title.setText(str(s.value(f"{SETTINGS_GROUP}/title", "") or ""))
        self.subtitle.setText(str(s.value(f"{SETTINGS_GROUP}/subtitle", "") or ""))
        self.notes.setPlainText(str(s.value(f"{SETTINGS_GROUP}/notes", "") or ""))
        self.sources_list.setChecked(str(s.value(f"{SETTINGS_GROUP}/sourcesList", "true")).lower() == "true")

    def save(self) -> None:
        texts = self.texts()
        s = self._settings
        s.setValue(f"{SETTINGS_GROUP}/title", texts.title)
        s.setValue(f"{SETTINGS_GROUP}/subtitle", texts.subtitle)
        s.setValue(f"{SETTINGS_GROUP}/notes", texts.notes)
        s.setValue(f"{SETTINGS_GROUP}/sourcesList", "true" if texts.sources_list else "false")


def ask_html_texts(settings: QSettings, parent: QWidget | None = None) -> HtmlTexts | None:
    """Ask for the web map's texts (None when cancelled); the answers are remembered."""
    dialog = HtmlOptionsDialog(settings, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    dialog.save()
    return dialog.texts()
