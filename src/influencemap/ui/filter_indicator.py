"""The status bar's "Filters active — Reset" indicator: visible while any filter hides features.

One click on Reset clears the whole filter (timeline, countries, tags, actors, categories); the
panels follow the store. Hidden layers are not a filter: the layers panel shows those.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from influencemap.model.dates import format_partial_date
from influencemap.model.filters import FeatureFilter
from influencemap.model.present import country_label
from influencemap.ui.map_state import MapState


def describe_filter(feature_filter: FeatureFilter) -> str:
    """One line per criterion: ``Years: 2013 – 2019``, ``Countries: Belarus (BY)``…"""
    lines = []
    if feature_filter.date_from or feature_filter.date_to:
        low = format_partial_date(feature_filter.date_from) if feature_filter.date_from else "…"
        high = format_partial_date(feature_filter.date_to) if feature_filter.date_to else "…"
        undated = ", with undated" if feature_filter.include_undated else ", undated hidden"
        lines.append(f"Dates: {low} – {high}{undated}")
    for title, values, label in (
        ("Countries", feature_filter.countries, country_label),
        ("Tags", feature_filter.tags, str),
        ("Actors", feature_filter.actors, str),
        ("Layers", feature_filter.layers, str),
        ("Categories", feature_filter.categories, str),
    ):
        if values:
            lines.append(f"{title}: {', '.join(sorted(label(v) for v in values))}")
    return "\n".join(lines)


class FilterIndicator(QWidget):
    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterIndicator")
        self._state = state
        self.label = QLabel("Filters active", self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setStyleSheet("QLabel { font-weight: bold; color: palette(highlight); }")
        self.reset_button = QToolButton(self)
        self.reset_button.setObjectName("filterReset")
        self.reset_button.setText("Reset")
        self.reset_button.setToolTip("Show every feature again: clear the timeline range and all filters")
        self.reset_button.setAccessibleName("Reset all filters")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.reset_button)
        self.reset_button.clicked.connect(self.reset)
        state.filterChanged.connect(self._on_filter_changed)
        self._on_filter_changed()

    def reset(self) -> None:
        self._state.reset_filter()

    def _on_filter_changed(self) -> None:
        current = self._state.feature_filter
        active = current is not None and current.is_active
        self.setVisible(active)
        self.setToolTip(describe_filter(current) if active else "")
        self.label.setToolTip(self.toolTip())
