"""The form that adds a feature to a layer file, or edits one, from the map.

The form only collects and checks values; saving is a callback (the editing controller's), so
a save that fails (the edit would add errors, the file changed on disk) shows its message in
the form and the form stays open with everything the user typed.

Evidence is never chosen for the user: no source is pre-selected (a feature saved with the
first document of a list would cite evidence nobody checked), saving needs a source picked or a
new one described, and the locator and quote sit right under it. Actors are completed from the
actors registry; figures are label, value and unit rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import yaml
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from influencemap.editing.feature_values import figure_values, merge_feature, split_list, split_names, suggest_id
from influencemap.editing.yaml_text import load_plain
from influencemap.model.catalog import Catalog
from influencemap.model.dates import DateError, parse_partial_date
from influencemap.model.schema import ALLOWED_URL_SCHEMES, DATINGS, DEFAULT_DATING, IDENTIFIER
from influencemap.model.types import GeometryKind, Layer, Precision

NEW_SOURCE = "__new__"
CHOOSE_SOURCE = "Choose the source of this fact…"
FIGURE_COLUMNS = ("Label", "Value", "Unit")
ALIAS_ARROW = " → "
"""Between an alias and the canonical name in the actor completion list."""
NO_DATE, DATE, SPAN = "none", "date", "span"
KIND_KEYS = {GeometryKind.POINT: "point", GeometryKind.LINE: "line", GeometryKind.POLYGON: "polygon"}
MULTI_KEYS = ("multipoint", "multiline", "multipolygon")
"""Offered after the three kinds (their combo data is the key itself), so that a multi-part
feature opens with its geometry and is saved under its own key."""


@dataclass(frozen=True)
class FeatureEdit:
    """What the form asks to save."""

    layer: Layer
    feature: dict[str, Any]
    new_source: dict[str, Any] | None
    original_id: str | None
    """The id of the feature being edited; None when adding."""


SaveCallback = Callable[[FeatureEdit], "str | None"]
"""Saves the edit; returns None on success or the message to show in the form."""


class FeatureForm(QDialog):
    """Add a feature (``original`` None) or edit one (``original``: its mapping as written).

    Parameters
    ----------
    catalog
        For the known sources and the ids already taken.
    layers
        The layers the user may write to; when editing, the feature's own layer only.
    kind, coordinates
        The geometry to start from: a clicked point ``[lon, lat]`` or drawn vertices.
    countries
        Pre-filled country codes (the basemap's answer for the geometry).
    save
        Called on Save; see :data:`SaveCallback`.
    """

    def __init__(
        self,
        catalog: Catalog,
        layers: Sequence[Layer],
        save: SaveCallback,
        kind: GeometryKind = GeometryKind.POINT,
        coordinates: Any = None,
        countries: Sequence[str] = (),
        original: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("featureForm")
        self._catalog = catalog
        self._layers = list(layers)
        self._save = save
        self._original = original
        self._id_edited = original is not None
        editing = original is not None
        self.setWindowTitle("Edit feature" if editing else "Add feature")
        self.setMinimumWidth(520)

        self.layer_combo = QComboBox(self)
        for layer in self._layers:
            self.layer_combo.addItem(f"{layer.name}  ({layer.id})", layer.id)
        self.layer_combo.setEnabled(not editing and len(self._layers) > 1)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("What happened, or what is there")
        self.id_edit = QLineEdit(self)
        self.id_edit.setPlaceholderText("lowercase-letters-digits-and-hyphens")
        self.id_edit.setToolTip("Unique across all layers; suggested from the name")
        self.kind_combo = QComboBox(self)
        for geometry_kind, key in KIND_KEYS.items():
            self.kind_combo.addItem(key.capitalize(), geometry_kind)
        for key in MULTI_KEYS:
            self.kind_combo.addItem(key.capitalize(), key)
        self.geometry_edit = QLineEdit(self)
        self.geometry_edit.setToolTip("[lon, lat] for a point, a list of them for a line or polygon, or a place name")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.geometry_edit.setFont(mono)
        self.when_combo = QComboBox(self)
        self.when_combo.addItem("No date", NO_DATE)
        self.when_combo.addItem("Date", DATE)
        self.when_combo.addItem("Span", SPAN)
        self.when_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.start_edit = QLineEdit(self)
        self.start_edit.setPlaceholderText("YYYY[-MM[-DD]]")
        self.end_edit = QLineEdit(self)
        self.end_edit.setPlaceholderText("end (empty: ongoing)")
        self.dating_combo = QComboBox(self)
        self.dating_combo.setToolTip("How the date is known: written in the source, inferred from it, or approximate")
        for dating in DATINGS:
            self.dating_combo.addItem(dating, dating)
        self.countries_edit = QLineEdit(self)
        self.countries_edit.setPlaceholderText("ISO codes, e.g. BY, UA")
        self.actors_edit = QLineEdit(self)
        self.actors_edit.setPlaceholderText("who acts, comma-separated: China, Alexander Lukashenko")
        self.actors_edit.setToolTip("Names from the actors registry complete as you type; any other name is kept as written")
        # Canonical names, and each alias pointing at its name: picking either writes the name.
        self._actor_names = sorted(
            {a.name for a in catalog.actors.values()}
            | {f"{alias}{ALIAS_ARROW}{a.name}" for a in catalog.actors.values() for alias in a.aliases if alias != a.name},
            key=str.lower,
        )
        self.actors_completer = _ListCompleter(self._actor_names, self.actors_edit)
        self.tags_edit = QLineEdit(self)
        self.tags_edit.setPlaceholderText("comma-separated")
        self.figures_table = QTableWidget(0, len(FIGURE_COLUMNS), self)
        self.figures_table.setObjectName("figuresTable")
        self.figures_table.setHorizontalHeaderLabels(FIGURE_COLUMNS)
        header = self.figures_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 110), (2, 90)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.figures_table.setColumnWidth(column, width)
        self.figures_table.verticalHeader().setVisible(False)
        self.figures_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.figures_table.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.figures_table.setToolTip("A quantity the source reports: label, number (1.18e9 works), unit (USD, TEU, km²)")
        self.add_figure_button = QPushButton("Add figure", self)
        self.add_figure_button.clicked.connect(lambda: self.add_figure())
        self.remove_figure_button = QPushButton("Remove", self)
        self.remove_figure_button.clicked.connect(self.remove_figure)
        self.precision_combo = QComboBox(self)
        self.precision_combo.addItem("(not given)", None)
        for precision in Precision:
            self.precision_combo.addItem(precision.value, precision.value)
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setPlaceholderText("In your own words; plain text")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)

        self.source_combo = QComboBox(self)
        self.source_combo.setAccessibleName("Source")
        self.source_combo.addItem(CHOOSE_SOURCE, None)  # nothing is chosen for the user
        for source in sorted(catalog.sources.values(), key=lambda s: s.title.lower()):
            self.source_combo.addItem(f"{source.title}  [{source.id}]", source.id)
        self.source_combo.addItem("New source…", NEW_SOURCE)
        self.source_combo.setMaxVisibleItems(20)
        self.locator_edit = QLineEdit(self)
        self.locator_edit.setPlaceholderText("where in the document: page, section, paragraph")
        self.quote_edit = QLineEdit(self)
        self.quote_edit.setPlaceholderText("a short phrase of evidence (at most ~20 words)")
        self.new_source_box = QGroupBox("New source (added to this layer's file)", self)
        self.source_id_edit = QLineEdit(self)
        self.source_title_edit = QLineEdit(self)
        self.source_url_edit = QLineEdit(self)
        self.source_url_edit.setPlaceholderText("https://… (leave empty rather than guess)")
        new_source_form = QFormLayout(self.new_source_box)
        new_source_form.addRow("Id:", self.source_id_edit)
        new_source_form.addRow("Title:", self.source_title_edit)
        new_source_form.addRow("URL:", self.source_url_edit)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("featureFormError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Layer:", self.layer_combo)
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Id:", self.id_edit)
        geometry_row = QHBoxLayout()
        geometry_row.addWidget(self.kind_combo)
        geometry_row.addWidget(self.geometry_edit, 1)
        form.addRow(_buddy_label("&Geometry:", self.kind_combo, self), geometry_row)
        when_row = QHBoxLayout()
        when_row.addWidget(self.when_combo)
        when_row.addWidget(self.start_edit, 1)
        self._to_label = QLabel("to", self)
        when_row.addWidget(self._to_label)
        when_row.addWidget(self.end_edit, 1)
        when_row.addWidget(self.dating_combo)
        form.addRow(_buddy_label("&When:", self.when_combo, self), when_row)
        form.addRow("&Countries:", self.countries_edit)
        form.addRow("&Actors:", self.actors_edit)
        form.addRow("&Tags:", self.tags_edit)
        figures_box = QVBoxLayout()
        figures_box.addWidget(self.figures_table)
        figure_buttons = QHBoxLayout()
        figure_buttons.addWidget(self.add_figure_button)
        figure_buttons.addWidget(self.remove_figure_button)
        figure_buttons.addStretch(1)
        figures_box.addLayout(figure_buttons)
        form.addRow(_buddy_label("&Figures:", self.figures_table, self), figures_box)
        form.addRow("&Precision:", self.precision_combo)
        form.addRow("&Description:", self.description_edit)
        form.addRow("&Source:", self.source_combo)
        form.addRow("", self.new_source_box)
        form.addRow("L&ocator:", self.locator_edit)
        form.addRow("&Quote:", self.quote_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.name_edit.textEdited.connect(self._on_name_edited)
        self.id_edit.textEdited.connect(self._on_id_edited)
        self.when_combo.currentIndexChanged.connect(self._on_when_changed)
        self.source_combo.currentIndexChanged.connect(self._on_source_changed)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)

        self._set_geometry(kind, coordinates)
        self.countries_edit.setText(", ".join(countries))
        if original is not None:
            self._fill(original)
        self._on_when_changed()
        self._on_source_changed()
        self.name_edit.setFocus()

    # -- reading the form ----------------------------------------------------------------

    @property
    def layer(self) -> Layer:
        return self._layers[max(0, self.layer_combo.currentIndex())]

    def error_text(self) -> str:
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def set_source(self, source_id: str) -> None:
        index = self.source_combo.findData(source_id)
        if index >= 0:
            self.source_combo.setCurrentIndex(index)

    def edit(self) -> FeatureEdit:
        """The edit the form describes; raises ValueError with a message for the user."""
        name = self.name_edit.text().strip()
        if not name:
            raise ValueError("Give the feature a name.")
        feature_id = self.id_edit.text().strip()
        if not IDENTIFIER.match(feature_id):
            raise ValueError(f"The id '{feature_id}' is not valid: use lowercase letters, digits and hyphens.")
        original_id = self._original.get("id") if self._original else None
        if feature_id != original_id and self._catalog.find_feature(feature_id) is not None:
            raise ValueError(f"The id '{feature_id}' is already used; choose another.")
        choice = self.kind_combo.currentData()
        chosen_key = KIND_KEYS[choice] if isinstance(choice, GeometryKind) else choice
        values: dict[str, Any] = {"id": feature_id, "name": name}
        for key in (*KIND_KEYS.values(), *MULTI_KEYS):
            values[key] = self._geometry_value(chosen_key) if key == chosen_key else None
        values.update(self._dates())
        dating = self.dating_combo.currentData()
        values["dating"] = dating if dating != DEFAULT_DATING and self.when_combo.currentData() != NO_DATE else None
        values["countries"] = [c.upper() for c in split_list(self.countries_edit.text())] or None
        values["actors"] = split_names(self.actors_edit.text()) or None
        values["tags"] = split_list(self.tags_edit.text()) or None
        values["figures"] = self._figures() or None
        values["precision"] = self.precision_combo.currentData()
        values["description"] = self.description_edit.toPlainText().strip() or None
        new_source = self._new_source()
        values["sources"] = self._citations(new_source["id"] if new_source else self.source_combo.currentData())
        feature = merge_feature(self._original or {}, values)
        return FeatureEdit(self.layer, feature, new_source, original_id)

    def _geometry_value(self, key: str) -> Any:
        text = self.geometry_edit.text().strip()
        if not text:
            raise ValueError("Give the geometry: [lon, lat] for a point, or draw a line or polygon on the map.")
        try:
            value = load_plain(text)
        except yaml.YAMLError:
            raise ValueError(f"The geometry '{text}' is not readable: write [lon, lat] or [[lon, lat], …].") from None
        least = {"line": 2, "polygon": 3, "multipoint": 1, "multiline": 1, "multipolygon": 1}.get(key)
        rings = key == "polygon" and isinstance(value, list) and value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list)
        if least and not rings and (not isinstance(value, list) or len(value) < least):
            what = "positions" if key in ("line", "polygon", "multipoint") else "parts"
            raise ValueError(f"A {key} needs at least {least} {what}: [[lon, lat], [lon, lat], …].")
        return value

    def _dates(self) -> dict[str, str | None]:
        mode = self.when_combo.currentData()
        start, end = self.start_edit.text().strip(), self.end_edit.text().strip()
        for text in (start, end) if mode == SPAN else (start,) if mode == DATE else ():
            if text:
                try:
                    parse_partial_date(text)
                except DateError as exc:
                    raise ValueError(str(exc).capitalize()) from None
        if mode == DATE:
            if not start:
                raise ValueError("Give the date (YYYY, YYYY-MM or YYYY-MM-DD), or choose 'No date'.")
            return {"date": start, "start": None, "end": None}
        if mode == SPAN:
            if not start:
                raise ValueError("Give the start of the span (the end may stay empty: ongoing).")
            return {"date": None, "start": start, "end": end or None}
        return {"date": None, "start": None, "end": None}

    def _new_source(self) -> dict[str, Any] | None:
        if self.source_combo.currentData() != NEW_SOURCE:
            return None
        source_id = self.source_id_edit.text().strip()
        title = self.source_title_edit.text().strip()
        url = self.source_url_edit.text().strip()
        if not IDENTIFIER.match(source_id):
            raise ValueError(f"The new source's id '{source_id}' is not valid: use lowercase letters, digits and hyphens.")
        if source_id in self._catalog.sources:
            raise ValueError(f"A source with the id '{source_id}' exists already: pick it from the list.")
        if not title:
            raise ValueError("Give the new source a title.")
        if url and url.split(":", 1)[0].lower() not in ALLOWED_URL_SCHEMES:
            raise ValueError("The source's URL must start with http:// or https://.")
        source: dict[str, Any] = {"id": source_id, "title": title}
        if url:
            source["url"] = url
        return source

    def _figures(self) -> list[dict[str, Any]]:
        """The figure rows; a value the user left as it was is written as it was (``7.0e9``
        stays ``7.0e9``, not ``7000000000``)."""
        figures = figure_values(self.figure_rows())
        as_written = {_number_text(f.get("value")): f.get("value") for f in (self._original or {}).get("figures") or []
                      if isinstance(f, dict)}
        typed = [value.strip() for _, value, _ in self.figure_rows() if any(cell.strip() for cell in _)]
        for figure, text in zip(figures, typed):
            if text in as_written:
                figure["value"] = as_written[text]
        return figures

    def figure_rows(self) -> list[tuple[str, str, str]]:
        table = self.figures_table
        return [
            tuple((table.item(row, col).text() if table.item(row, col) else "") for col in range(len(FIGURE_COLUMNS)))
            for row in range(table.rowCount())
        ]  # type: ignore[return-value]

    def add_figure(self, label: str = "", value: str = "", unit: str = "") -> int:
        """A figure row (empty for the user to fill, focused); returns its row."""
        table = self.figures_table
        row = table.rowCount()
        table.insertRow(row)
        for col, text in enumerate((label, value, unit)):
            table.setItem(row, col, QTableWidgetItem(text))
        if not (label or value or unit):
            table.setCurrentCell(row, 0)
            table.editItem(table.item(row, 0))
        return row

    def remove_figure(self) -> None:
        rows = sorted({index.row() for index in self.figures_table.selectedIndexes()}, reverse=True)
        if not rows and self.figures_table.currentRow() >= 0:
            rows = [self.figures_table.currentRow()]
        for row in rows:
            self.figures_table.removeRow(row)

    def _citations(self, ref: str | None) -> list[Any]:
        if not ref:
            raise ValueError(
                "Choose the source that supports this feature (or 'New source…' to describe it): "
                "a feature without evidence cannot be saved."
            )
        locator, quote = self.locator_edit.text().strip(), self.quote_edit.text().strip()
        first: Any = ref
        if locator or quote:
            first = {"ref": ref}
            if locator:
                first["locator"] = locator
            if quote:
                first["quote"] = quote
        rest = list((self._original or {}).get("sources") or [])[1:]
        return [first, *rest]

    # -- filling the form ----------------------------------------------------------------

    def _set_geometry(self, kind: GeometryKind | str, coordinates: Any) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))  # a kind, or a multi- key
        if coordinates is not None:
            self.geometry_edit.setText(coordinates if isinstance(coordinates, str) else json.dumps(coordinates))

    def _fill(self, original: dict[str, Any]) -> None:
        self.name_edit.setText(str(original.get("name", "")))
        self.id_edit.setText(str(original.get("id", "")))
        for kind, key in KIND_KEYS.items():
            if key in original:
                self._set_geometry(kind, original[key])
        for key in MULTI_KEYS:
            if key in original:
                self._set_geometry(key, original[key])
        if "date" in original:
            self.when_combo.setCurrentIndex(self.when_combo.findData(DATE))
            self.start_edit.setText(str(original["date"]))
        elif "start" in original:
            self.when_combo.setCurrentIndex(self.when_combo.findData(SPAN))
            self.start_edit.setText(str(original["start"]))
            self.end_edit.setText(str(original.get("end") or ""))
        dating = str(original.get("dating") or DEFAULT_DATING)
        self.dating_combo.setCurrentIndex(max(0, self.dating_combo.findData(dating)))
        self.countries_edit.setText(", ".join(str(c) for c in original.get("countries") or []))
        self.actors_edit.setText(", ".join(str(a) for a in original.get("actors") or []))  # as the file spells them
        self.tags_edit.setText(", ".join(str(t) for t in original.get("tags") or []))
        for figure in original.get("figures") or []:
            if isinstance(figure, dict):
                value = figure.get("value")
                self.add_figure(str(figure.get("label") or ""), "" if value is None else _number_text(value),
                                str(figure.get("unit") or ""))
        precision = original.get("precision")
        if precision:
            self.precision_combo.setCurrentIndex(max(0, self.precision_combo.findData(str(precision))))
        self.description_edit.setPlainText(str(original.get("description") or "").strip())
        citations = original.get("sources") or []
        if citations:
            first = citations[0]
            ref = first.get("ref") if isinstance(first, dict) else str(first)
            self.set_source(str(ref))
            if isinstance(first, dict):
                self.locator_edit.setText(str(first.get("locator") or ""))
                self.quote_edit.setText(str(first.get("quote") or ""))

    def _taken_ids(self) -> set[str]:
        return {f.id for f in self._catalog.features()}

    # -- handlers ------------------------------------------------------------------------

    def _on_name_edited(self, text: str) -> None:
        if not self._id_edited:
            self.id_edit.setText(suggest_id(text, self._taken_ids()) if text.strip() else "")

    def _on_id_edited(self, text: str) -> None:
        self._id_edited = bool(text)

    def _on_when_changed(self) -> None:
        mode = self.when_combo.currentData()
        self.start_edit.setEnabled(mode != NO_DATE)
        self.start_edit.setPlaceholderText("start: YYYY[-MM[-DD]]" if mode == SPAN else "YYYY[-MM[-DD]]")
        self.dating_combo.setEnabled(mode != NO_DATE)
        self.end_edit.setVisible(mode == SPAN)
        self._to_label.setVisible(mode == SPAN)

    def _on_source_changed(self) -> None:
        self.new_source_box.setVisible(self.source_combo.currentData() == NEW_SOURCE)
        self.adjustSize()

    def _on_layer_changed(self) -> None:
        """The source stays as the user chose it (none at first): a layer's usual source is a
        hint at most, never a choice made for them."""

    def accept(self) -> None:
        try:
            edit = self.edit()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        message = self._save(edit)
        if message:
            self.show_error(message)
            return
        super().accept()


def _number_text(value: Any) -> str:
    """A figure value as the user would type it: ``1180000000`` → ``1.18e9``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if abs(value) >= 1e6 and float(value).is_integer():
        return f"{float(value):.6g}".replace("e+0", "e").replace("e+", "e")
    return repr(value) if isinstance(value, float) else str(value)


class _ListCompleter(QCompleter):
    """Completes the last name of a comma-separated list from ``names``."""

    def __init__(self, names: list[str], edit: QLineEdit) -> None:
        super().__init__(QStringListModel(names, edit), edit)
        self._edit = edit
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setWidget(edit)
        self.activated.connect(self._insert)
        edit.textEdited.connect(self._update)

    def _update(self, text: str) -> None:
        prefix = text[: self._edit.cursorPosition()].split(",")[-1].strip()
        if not prefix:
            self.popup().hide()
            return
        self.setCompletionPrefix(prefix)
        self.complete()

    def _insert(self, name: str) -> None:
        name = name.split(ALIAS_ARROW)[-1]  # an alias picked: write the canonical name
        text = self._edit.text()
        at = self._edit.cursorPosition()
        head, tail = text[:at], text[at:]
        done = [part.strip() for part in head.split(",")[:-1] if part.strip()]
        self._edit.setText(", ".join([*done, name]) + ", " + tail.lstrip(", "))
        self._edit.setCursorPosition(len(", ".join([*done, name])) + 2)


def _buddy_label(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    """A row label whose mnemonic focuses ``buddy`` (a row holding a layout gets none itself)."""
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label
