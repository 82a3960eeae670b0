"""The layers panel: one row per layer, grouped by category, top row drawn on top (as in QGIS).

Each row has a visibility checkbox, a legend symbol drawn by the renderer's own symbol code,
and the feature count. Drag a row (or use the context menu's Move up / Move down) to change the
drawing order; layers stay inside their category, and whole categories can be dragged too. The
panel is a view of :class:`MapState`: it writes changes there and rebuilds when it changes.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QDropEvent, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from influencemap.editing.last_good import is_stale_warning
from influencemap.model.feature_table import geometry_kinds
from influencemap.model.types import Layer, Problem
from influencemap.render.symbols import legend_symbol
from influencemap.ui.map_state import MapState

UNCATEGORISED = "Other layers"
ICON_SIZE = 18
_KIND_ROLE = Qt.ItemDataRole.UserRole
_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_LAYER = "layer"
_CATEGORY = "category"


def legend_icon(layer: Layer, size: int = ICON_SIZE, device_pixel_ratio: float = 1.0) -> QIcon:
    """The layer's legend symbol as an icon, drawn by the renderer's symbol code."""
    pixmap = QPixmap(round(size * device_pixel_ratio), round(size * device_pixel_ratio))
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    legend_symbol(painter, QRectF(0, 0, size, size), layer.style, geometry_kinds(layer.features))
    painter.end()
    return QIcon(pixmap)


class _LayerTree(QTreeWidget):
    """A tree whose drops are turned into move requests instead of Qt's own item moves."""

    dropped = Signal(object, object, object)
    """(dragged item, target item or None, QAbstractItemView.DropIndicatorPosition)."""

    def dropEvent(self, event: QDropEvent) -> None:
        dragged = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        position = self.dropIndicatorPosition()
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if dragged is None:
            return
        keys = (dragged.data(0, _KIND_ROLE), dragged.data(0, _KEY_ROLE))
        target_keys = (target.data(0, _KIND_ROLE), target.data(0, _KEY_ROLE)) if target is not None else None
        # The move rebuilds the tree; do it after the drag has finished with its items.
        QTimer.singleShot(0, lambda: self._emit_drop(keys, target_keys, position))

    def _emit_drop(self, keys, target_keys, position) -> None:
        dragged = self._find(keys)
        target = self._find(target_keys) if target_keys is not None else None
        if dragged is not None:
            self.dropped.emit(dragged, target, position)

    def _find(self, keys) -> QTreeWidgetItem | None:
        for c in range(self.topLevelItemCount()):
            group = self.topLevelItem(c)
            for item in [group] + [group.child(i) for i in range(group.childCount())]:
                if (item.data(0, _KIND_ROLE), item.data(0, _KEY_ROLE)) == keys:
                    return item
        return None


class LayersPanel(QWidget):
    zoomToLayerRequested = Signal(str)

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layersPanel")
        self.setAccessibleName("Layers")
        self._state = state
        self._updating = False
        self._collapsed: set[str] = set()

        self.tree = _LayerTree(self)
        self.tree.setObjectName("layersTree")
        self.tree.setAccessibleName("Layers, top drawn on top")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Layer", "Features"])
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)

        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_item_double_clicked)
        self.tree.itemCollapsed.connect(lambda item: self._collapsed.add(item.data(0, _KEY_ROLE)))
        self.tree.itemExpanded.connect(lambda item: self._collapsed.discard(item.data(0, _KEY_ROLE)))
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.dropped.connect(self._on_dropped)
        state.catalogChanged.connect(self._rebuild)
        state.layersChanged.connect(self._on_layers_changed)
        self._rebuild()

    # -- reading the panel ---------------------------------------------------------------

    def panel_order(self) -> list[str]:
        """Layer ids as listed, top first (the reverse of the drawing order)."""
        ids = []
        for c in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(c)
            ids += [category.child(i).data(0, _KEY_ROLE) for i in range(category.childCount())]
        return ids

    def categories(self) -> list[str]:
        return [self.tree.topLevelItem(c).data(0, _KEY_ROLE) for c in range(self.tree.topLevelItemCount())]

    def layer_item(self, layer_id: str) -> QTreeWidgetItem | None:
        for c in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(c)
            for i in range(category.childCount()):
                if category.child(i).data(0, _KEY_ROLE) == layer_id:
                    return category.child(i)
        return None

    # -- changing the order --------------------------------------------------------------

    def move_layer(self, layer_id: str, row: int) -> None:
        """Move a layer to ``row`` within its category (0 is the top, drawn over the rest)."""
        groups = self._groups()
        for _, ids in groups:
            if layer_id in ids:
                ids.remove(layer_id)
                ids.insert(max(0, min(row, len(ids))), layer_id)
                self._apply(groups)
                return
        raise KeyError(layer_id)

    def move_category(self, category: str, row: int) -> None:
        """Move a whole category to ``row`` among the categories (0 is the top)."""
        groups = self._groups()
        index = [name for name, _ in groups].index(category)
        group = groups.pop(index)
        groups.insert(max(0, min(row, len(groups))), group)
        self._apply(groups)

    def _groups(self) -> list[tuple[str, list[str]]]:
        groups = []
        for c in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(c)
            groups.append(
                (category.data(0, _KEY_ROLE), [category.child(i).data(0, _KEY_ROLE) for i in range(category.childCount())])
            )
        return groups

    def _apply(self, groups: list[tuple[str, list[str]]]) -> None:
        panel = [layer_id for _, ids in groups for layer_id in ids]
        self._state.set_drawing_order(list(reversed(panel)))

    def _on_dropped(self, dragged: QTreeWidgetItem, target: QTreeWidgetItem | None, position) -> None:
        below = position == QAbstractItemView.DropIndicatorPosition.BelowItem
        on = position == QAbstractItemView.DropIndicatorPosition.OnItem
        if target is None or target is dragged:
            return
        key = dragged.data(0, _KEY_ROLE)
        if dragged.data(0, _KIND_ROLE) == _CATEGORY:
            if target.data(0, _KIND_ROLE) == _LAYER:
                target, below = target.parent(), True
            names = [n for n in self.categories() if n != key]
            row = names.index(target.data(0, _KEY_ROLE)) + (1 if below or on else 0)
            self.move_category(key, row)
            return
        parent = dragged.parent()
        if target is parent:  # dropped on its own category: to the top of it
            self.move_layer(key, 0)
        elif target.data(0, _KIND_ROLE) == _LAYER and target.parent() is parent:
            siblings = [parent.child(i).data(0, _KEY_ROLE) for i in range(parent.childCount())]
            siblings.remove(key)
            self.move_layer(key, siblings.index(target.data(0, _KEY_ROLE)) + (1 if below else 0))
        # Anywhere else would take the layer out of its category: ignored.

    # -- building from the state ---------------------------------------------------------

    def _rebuild(self) -> None:
        state = self._state
        current = self.tree.currentItem()
        current_key = current.data(0, _KEY_ROLE) if current is not None else None
        groups: dict[str, list[str]] = {}
        for layer_id in reversed(state.drawing_order):
            category = state.layer(layer_id).category or UNCATEGORISED
            groups.setdefault(category, []).append(layer_id)
        self._updating = True
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            dpr = self.devicePixelRatioF()
            for category, ids in groups.items():
                group = QTreeWidgetItem([category, str(sum(len(state.layer(i).features) for i in ids))])
                group.setData(0, _KIND_ROLE, _CATEGORY)
                group.setData(0, _KEY_ROLE, category)
                group.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                    | Qt.ItemFlag.ItemIsAutoTristate
                    | Qt.ItemFlag.ItemIsDragEnabled
                    | Qt.ItemFlag.ItemIsDropEnabled
                )
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.tree.addTopLevelItem(group)
                for layer_id in ids:
                    group.addChild(self._layer_row(state.layer(layer_id), dpr))
                group.setExpanded(category not in self._collapsed)
                if current_key in (category, *ids):
                    target = group if current_key == category else group.child(ids.index(current_key))
                    self.tree.setCurrentItem(target)
        finally:
            self.tree.setUpdatesEnabled(True)
            self._updating = False
        # Grouping keeps each category together; make the drawing order agree with what is shown.
        shown = list(reversed(self.panel_order()))
        if shown != state.drawing_order:
            state.set_drawing_order(shown)

    def _on_layers_changed(self) -> None:
        """Reorder by rebuilding; a visibility change only updates the checkboxes in place
        (the change may come from this very tree's itemChanged signal)."""
        if self.panel_order() != list(reversed(self._state.drawing_order)):
            self._rebuild()
            return
        self._updating = True
        try:
            for layer_id in self.panel_order():
                item = self.layer_item(layer_id)
                wanted = Qt.CheckState.Checked if self._state.is_visible(layer_id) else Qt.CheckState.Unchecked
                if item is not None and item.checkState(0) != wanted:
                    item.setCheckState(0, wanted)
        finally:
            self._updating = False

    def _layer_row(self, layer: Layer, dpr: float) -> QTreeWidgetItem:
        count = len(layer.features)
        item = QTreeWidgetItem([layer.name, str(count)])
        item.setData(0, _KIND_ROLE, _LAYER)
        item.setData(0, _KEY_ROLE, layer.id)
        item.setIcon(0, legend_icon(layer, ICON_SIZE, dpr))
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsDragEnabled
        )
        item.setCheckState(0, Qt.CheckState.Checked if self._state.is_visible(layer.id) else Qt.CheckState.Unchecked)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tip = [layer.name, f"{count} feature{'s' if count != 1 else ''}"]
        if layer.description:
            tip.append(layer.description)
        if layer.path:
            tip.append(layer.path)
        errors = self.file_errors(layer)
        if errors:
            # The file has errors: the map shows the last version that loaded (or what loaded).
            stale = any(is_stale_warning(p) for p in self._state.catalog.warnings if p.origin.path == layer.path)
            shown = "the last good version is shown" if stale else "some features may be missing"
            tip += [f"⚠ {len(errors)} error{'s' * (len(errors) != 1)} in the file: {shown}"]
            tip += [p.format() for p in errors[:5]] + (["…see Problems"] if len(errors) > 5 else [])
            item.setIcon(1, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        # Item tooltips are shown as rich text when they look like it: escape to keep them plain.
        item.setToolTip(0, "<qt>" + "<br/>".join(html.escape(t) for t in tip) + "</qt>")
        item.setToolTip(1, item.toolTip(0) if errors else f"{count} feature{'s' if count != 1 else ''}")
        return item

    def file_errors(self, layer: Layer) -> list[Problem]:
        """The errors found in the layer's file at the last load."""
        if not layer.path:
            return []
        return [p for p in self._state.catalog.errors if p.origin.path == layer.path]

    # -- handlers ------------------------------------------------------------------------

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or column != 0 or item.data(0, _KIND_ROLE) != _LAYER:
            return
        self._state.set_visible(item.data(0, _KEY_ROLE), item.checkState(0) == Qt.CheckState.Checked)

    def _on_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if item.data(0, _KIND_ROLE) == _LAYER:
            self.zoomToLayerRequested.emit(item.data(0, _KEY_ROLE))

    def _on_context_menu(self, position: QPoint) -> None:
        item = self.tree.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        key = item.data(0, _KEY_ROLE)
        if item.data(0, _KIND_ROLE) == _LAYER:
            menu.addAction("Zoom to layer", lambda: self.zoomToLayerRequested.emit(key))
            menu.addSeparator()
            row = item.parent().indexOfChild(item)
            up = menu.addAction("Move up (draw above)", lambda: self.move_layer(key, row - 1))
            down = menu.addAction("Move down (draw below)", lambda: self.move_layer(key, row + 1))
            up.setEnabled(row > 0)
            down.setEnabled(row < item.parent().childCount() - 1)
        else:
            row = self.tree.indexOfTopLevelItem(item)
            up = menu.addAction("Move group up", lambda: self.move_category(key, row - 1))
            down = menu.addAction("Move group down", lambda: self.move_category(key, row + 1))
            up.setEnabled(row > 0)
            down.setEnabled(row < self.tree.topLevelItemCount() - 1)
        menu.exec(self.tree.viewport().mapToGlobal(position))
