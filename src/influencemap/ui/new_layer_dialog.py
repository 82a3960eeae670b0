"""File > New Layer…: id, name, category and folder for a layer file made from the template."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from influencemap.editing.feature_values import suggest_id
from influencemap.editing.layer_file import create_layer_file
from influencemap.editing.yaml_text import EditError
from influencemap.model.schema import IDENTIFIER


class NewLayerDialog(QDialog):
    """Creates the file on Save (never over an existing one); ``created`` is its path."""

    def __init__(self, folder: Path, taken_ids: set[str], parent: QWidget | None = None,
                 on_created: Callable[[Path], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newLayerDialog")
        self.setWindowTitle("New layer")
        self.setMinimumWidth(460)
        self._taken = taken_ids
        self._id_edited = False
        self._on_created = on_created
        self.created: Path | None = None
        self.name_edit = QLineEdit(self)
        self.id_edit = QLineEdit(self)
        self.id_edit.setPlaceholderText("lowercase-letters-digits-and-hyphens")
        self.category_edit = QLineEdit("Other", self)
        self.folder_edit = QLineEdit(str(folder), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.error_label = QLabel(self)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Id:", self.id_edit)
        form.addRow("&Category:", self.category_edit)
        form.addRow("&Folder:", folder_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.id_edit.textEdited.connect(lambda text: setattr(self, "_id_edited", bool(text)))

    def path(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser() / f"{self.id_edit.text().strip()}.yaml"

    def _on_name_edited(self, text: str) -> None:
        if not self._id_edited:
            self.id_edit.setText(suggest_id(text, self._taken) if text.strip() else "")

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new layer", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def accept(self) -> None:
        layer_id = self.id_edit.text().strip()
        name = self.name_edit.text().strip() or layer_id
        folder = Path(self.folder_edit.text().strip()).expanduser()
        if not IDENTIFIER.match(layer_id):
            self._error(f"The id '{layer_id}' is not valid: use lowercase letters, digits and hyphens.")
            return
        if layer_id in self._taken:
            self._error(f"A layer with the id '{layer_id}' is loaded already.")
            return
        if not folder.is_dir():
            self._error(f"{folder} is not a folder.")
            return
        try:
            create_layer_file(self.path(), layer_id, name, self.category_edit.text().strip() or "Other")
        except (EditError, OSError) as exc:
            self._error(str(exc))
            return
        self.created = self.path()
        if self._on_created is not None:
            self._on_created(self.created)
        super().accept()

    def _error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
