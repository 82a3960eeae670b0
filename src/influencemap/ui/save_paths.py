"""The file an export writes, from the name typed in a save dialog.

The dialog asks before replacing the name the user typed; when the export then adds the format's
suffix (``loans`` → ``loans.html``, see :func:`influencemap.export.file_names.with_suffix`), the
file it writes is another one, and it asks again if that one exists.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from influencemap.export.file_names import with_suffix


def export_path(parent: QWidget, typed: str, suffixes: tuple[str, ...], default: str) -> Path | None:
    """The path to write for the ``typed`` name (the format's suffix added where missing), or
    None when that adds a suffix, a file of the new name exists and the user keeps it."""
    chosen = Path(typed)
    out = with_suffix(chosen, suffixes, default)
    if out == chosen or not out.exists():
        return out
    answer = QMessageBox.question(
        parent,
        "Replace file?",
        f"“{out.name}” already exists in {out.parent}.\nReplace it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return out if answer == QMessageBox.StandardButton.Yes else None
