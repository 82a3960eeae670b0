"""The problems list: the loader's errors and warnings as ``FILE:LINE:COL: error: message``.

Nothing modal ever opens for a problem; choosing one (double-click or Enter) opens the file at
that line in a :class:`SourceViewer`, which then follows the current row while it is open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from influencemap.model.types import Problem
from influencemap.ui.map_state import MapState
from influencemap.ui.source_viewer import SourceViewer


class ProblemsPanel(QWidget):
    countChanged = Signal(int, int)
    """(errors, warnings)."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self.setAccessibleName("Problems")
        self._state = state
        self._problems: tuple[Problem, ...] = ()
        self._viewer: SourceViewer | None = None
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget(self)
        self.list.setObjectName("problemsList")
        self.list.setAccessibleName("Problems in the layer files")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.currentRowChanged.connect(self._on_current_row_changed)
        state.catalogChanged.connect(self._on_catalog_changed)
        self._on_catalog_changed()

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    def lines(self) -> list[str]:
        """The rows as shown."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    def show_problem(self, row: int) -> SourceViewer:
        """Open (or reuse) the file view at the problem's file and line."""
        problem = self._problems[row]
        if self._viewer is None:
            self._viewer = SourceViewer(self.window())
        origin = problem.origin
        self._viewer.show_location(origin.path, origin.line, origin.col, problem.format())
        self._viewer.show()
        self._viewer.raise_()
        return self._viewer

    def _on_catalog_changed(self) -> None:
        self._problems = self._state.catalog.problems
        self.list.clear()
        style = self.style()
        icons = {
            True: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            False: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        for problem in self._problems:
            item = QListWidgetItem(icons[problem.is_error], problem.format())
            item.setToolTip("Double-click to show the file at this line")
            self.list.addItem(item)
        errors = sum(1 for p in self._problems if p.is_error)
        warnings = len(self._problems) - errors
        if not self._problems:
            self.summary.setText("No problems in the loaded files.")
        else:
            self.summary.setText(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
        self.countChanged.emit(errors, warnings)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.show_problem(self.list.row(item))

    def _on_current_row_changed(self, row: int) -> None:
        if self._viewer is not None and self._viewer.isVisible() and 0 <= row < len(self._problems):
            self.show_problem(row)
