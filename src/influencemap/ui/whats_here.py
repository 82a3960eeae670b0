"""The What's-here list: every feature under a click, grouped by what was hit.

Most evidence shares a few points (thirty facts at Minsk, the rail line through it, the region
around it), so a click that lands on more than one feature opens this list instead of picking
the topmost. As QGIS's Identify Results group by layer, it groups by what the click hit
(:class:`influencemap.model.identify.WhatsHere`): "At this marker (38)" — the features of the
clicked stack marker, as many as its badge says — then other points and lines there ("Also
here"), then "Areas here (33)" (polygons around the click, or drawn as small squares within its
reach), so the project shapes around a city never bury the loans the user clicked. Within a group the rows keep the identify order (top layer first).

It is a view over :class:`WhatsHereModel` (a heading row before each group, then one row per
feature, handed to the view as the user scrolls: a zoomed-out marker of a million-point layer
holds 150,000 features, and the headings count them all from the start); rows are drawn by :class:`_RowDelegate`: the layer's symbol, the name, then layer, date
and source; a heading is a bold line with a rule. Headings are not items a user can pick: the
arrow keys and Enter walk the features in the order shown and step over them.

It is non-modal and stays open while the user clicks through the rows (each click selects the
feature, so the details panel shows it); Enter selects the current row and closes the list,
Esc closes it, the arrow keys move through it and preview the row on the map (hover glow).
"""

from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QAbstractListModel, QEvent, QItemSelectionModel, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QIcon, QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView, QWidget

from influencemap.model.catalog import Catalog
from influencemap.model.dates import format_span
from influencemap.model.identify import Hit, HitRows, WhatsHere
from influencemap.model.types import Feature

FEATURE_ID_ROLE = Qt.ItemDataRole.UserRole
LAYER_NAME_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_START_ROLE = Qt.ItemDataRole.UserRole + 3
"""True on the first row of each layer's run within a group: the delegate draws a thin rule above it."""
HEADING_ROLE = Qt.ItemDataRole.UserRole + 4
"""True on a group's heading row ("At this marker (38)")."""

SOURCE_TITLE_CHARS = 60
MAX_VISIBLE_ROWS = 9
LIST_WIDTH = 560
FETCH_ROWS = 200
"""Rows handed to the view at a time: a few screenfuls (a marker can hold 150,000 features)."""


def short_text(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def feature_detail_line(catalog: Catalog, feature: Feature) -> str:
    """Date or span and the first source's short title: "2013-05 · Reuters: Belarus gets…"."""
    parts = []
    dates = format_span(feature.start, feature.end, feature.instant)
    parts.append(dates if dates else "undated")
    if feature.citations:
        source = catalog.sources.get(feature.citations[0].ref)
        if source is not None:
            title = source.title
            if source.publisher:
                title = f"{source.publisher}: {title}"
            parts.append(short_text(title, SOURCE_TITLE_CHARS))
    return " · ".join(parts)


def group_headings(here: WhatsHere) -> list[tuple[str, tuple[Hit, ...]]]:
    """The list's groups as (heading, features), empty groups left out. The marker's heading
    counts what its badge counts; other points and lines are "nearby" when a marker was hit,
    else simply "here"."""
    groups = []
    if here.at_marker:
        groups.append((f"At this marker ({len(here.at_marker):,})", here.at_marker))
    if here.nearby:
        word = "Also here" if here.at_marker else "Here"
        groups.append((f"{word} ({len(here.nearby):,})", here.nearby))
    if here.areas:
        groups.append((f"Areas here ({len(here.areas):,})", here.areas))
    return groups


class WhatsHereModel(QAbstractListModel):
    """A heading row before each group, then one row per feature at the clicked place.

    A marker over a dense layer zoomed out holds 150,000 features; the rows are handed to the
    view a batch at a time (Qt's ``canFetchMore``/``fetchMore``, asked as the user scrolls down)
    and each row's texts are made when it is first shown, from the groups' arrays
    (:class:`~influencemap.model.identify.HitRows`). The headings count every feature of their
    group from the start; :meth:`fetch_to` hands over the rows up to one the keyboard (End,
    PageDown) or the selection needs."""

    def __init__(self, catalog: Catalog, here: WhatsHere | list[Hit], icons: dict[str, QIcon], parent=None) -> None:
        super().__init__(parent)
        if not isinstance(here, WhatsHere):
            here = WhatsHere(nearby=tuple(here))
        self._catalog = catalog
        self.here = here
        self._headings: list[str] = []
        self._groups: list[HitRows] = []
        self._starts: list[int] = []
        """The row of each group's heading."""
        total = 0
        for heading, hits in group_headings(here):
            self._starts.append(total)
            self._headings.append(heading)
            self._groups.append(HitRows.of(hits))
            total += 1 + len(hits)
        self._total = total
        self._fetched = 0
        self._fetched = self._fetch_end(min(total, FETCH_ROWS))
        self._icons = icons
        self._details: dict[int, str] = {}
        self.title = ""

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.title
        return None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._fetched

    def canFetchMore(self, parent: QModelIndex) -> bool:
        return not parent.isValid() and self._fetched < self._total

    def fetchMore(self, parent: QModelIndex) -> None:
        if not parent.isValid():
            self.fetch_to(self._fetched + FETCH_ROWS - 1)

    def _fetch_end(self, count: int) -> int:
        """``count`` rows, or one more when the last would be a heading (never shown alone)."""
        return min(self._total, count + 1) if count and (count - 1) in self._starts else count

    def fetch_to(self, row: int) -> None:
        """Hand the view every row up to ``row`` (clamped to the list), if it lacks any."""
        end = self._fetch_end(min(self._total, row + 1))
        if end > self._fetched:
            self.beginInsertRows(QModelIndex(), self._fetched, end - 1)
            self._fetched = end
            self.endInsertRows()

    def fetch_all(self) -> None:
        self.fetch_to(self._total - 1)

    def total_rows(self) -> int:
        """Every row the list will show (headings too), fetched or not."""
        return self._total

    def feature_count(self) -> int:
        """How many features are listed (the rows less the headings)."""
        return len(self.here)

    def _entry(self, row: int) -> tuple[int, int]:
        """(group, position in it) of ``row``; the position is -1 on a heading."""
        group = bisect_right(self._starts, row) - 1
        return group, row - self._starts[group] - 1

    def is_heading(self, row: int) -> bool:
        return row in self._starts

    def feature_id(self, row: int) -> str | None:
        """The feature of ``row``; None for a heading."""
        group, k = self._entry(row)
        return None if k < 0 else self._groups[group].feature_id(k)

    def first_feature_row(self) -> int:
        """The first row that is a feature (-1 when none is listed)."""
        return self._starts[0] + 1 if self._total else -1

    def last_feature_row(self) -> int:
        """The last row of the list, fetched or not (always a feature: no group is empty)."""
        return self._total - 1 if self._total else -1

    def feature_rows(self) -> list[int]:
        """The rows that are features, in the order shown (all of them, fetched or not)."""
        return [row for row in range(self._total) if row not in self._starts]

    def row_of(self, feature_id: str) -> int:
        """The row of ``feature_id`` (fetched or not), or -1."""
        for start, hits in zip(self._starts, self._groups):
            k = hits.find(feature_id)
            if k >= 0:
                return start + 1 + k
        return -1

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self._fetched:
            return None
        row = index.row()
        group, k = self._entry(row)
        if k < 0:
            if role == HEADING_ROLE:
                return True
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return self._headings[group]
            return None
        hits = self._groups[group]
        if role == HEADING_ROLE:
            return False
        if role == FEATURE_ID_ROLE:
            return hits.feature_id(k)
        layer_id = hits.layer_of(k)
        if role == GROUP_START_ROLE:
            return k > 0 and hits.layer_of(k - 1) != layer_id
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.get(layer_id)
        if role == LAYER_NAME_ROLE:
            return self._catalog.layer(layer_id).name
        feature_id = hits.feature_id(k)
        feature = self._catalog.find_feature(feature_id)
        if feature is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return feature.name
        if role == DETAIL_ROLE:
            detail = self._details.get(row)
            if detail is None:
                detail = self._details[row] = feature_detail_line(self._catalog, feature)
            return detail
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{feature.name}\n{self._catalog.layer(layer_id).name} · {self.data(index, DETAIL_ROLE)}"
        return None


class _RowDelegate(QStyledItemDelegate):
    """A row of two lines: the layer's symbol and the name, then "layer · date · source" in grey.

    Every row is as tall as the others (a click over a whole continent can list thousands, and
    rows of one height need no measuring); the first row of each layer's group has a rule above
    it, so the groups read as groups."""

    PAD = 4
    ICON = 14

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        base = QFont(option.font)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.88)
        return base, small

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        base, small = self._fonts(option)
        height = 2 * self.PAD + QFontMetrics(base).lineSpacing() + QFontMetrics(small).lineSpacing()
        return QSize(LIST_WIDTH, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        base, small = self._fonts(option)
        rect = QRect(option.rect)
        if index.data(HEADING_ROLE):
            self._paint_heading(painter, option, index, base, rect)
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, option.palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, option.palette.color(QPalette.ColorRole.Highlight).lighter(185))
        if index.data(GROUP_START_ROLE):
            painter.setPen(QPen(option.palette.color(QPalette.ColorRole.Mid), 1.0))
            painter.drawLine(rect.topLeft(), rect.topRight())
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        line = QFontMetrics(base).lineSpacing()
        if isinstance(icon, QIcon):
            top = rect.top() + self.PAD + (line - self.ICON) // 2
            icon.paint(painter, QRect(rect.left() + self.PAD, top, self.ICON, self.ICON))
        text_color = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        left = rect.left() + self.ICON + 2 * self.PAD
        width = rect.right() - left - self.PAD
        painter.setPen(text_color)
        painter.setFont(base)
        name = QFontMetrics(base).elidedText(index.data(Qt.ItemDataRole.DisplayRole) or "", Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, rect.top() + self.PAD, width, line),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        detail_color = QColor(text_color)
        detail_color.setAlpha(170)
        painter.setPen(detail_color)
        painter.setFont(small)
        detail = f"{index.data(LAYER_NAME_ROLE) or ''} · {index.data(DETAIL_ROLE) or ''}"
        detail = QFontMetrics(small).elidedText(detail, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, rect.top() + self.PAD + line, width, QFontMetrics(small).lineSpacing()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), detail)
        painter.restore()


    def _paint_heading(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex, base: QFont,
                       rect: QRect) -> None:
        """A group's heading: bold, on the window colour, with a rule above it (but the first),
        sitting on the row's lower line so it reads as the title of the rows below."""
        painter.save()
        painter.fillRect(rect, option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Window))
        if index.row() > 0:
            painter.setPen(QPen(option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Mid), 1.0))
            painter.drawLine(rect.topLeft(), rect.topRight())
        bold = QFont(base)
        bold.setBold(True)
        painter.setFont(bold)
        # The active colours: the list is a tool window, and an inactive one would grey its headings.
        painter.setPen(option.palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText))
        line = QFontMetrics(bold).lineSpacing()
        text_rect = QRect(rect.left() + self.PAD, rect.bottom() - self.PAD - line, rect.width() - 2 * self.PAD, line)
        text = QFontMetrics(bold).elidedText(index.data(Qt.ItemDataRole.DisplayRole) or "", Qt.TextElideMode.ElideRight,
                                             text_rect.width())
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()


_UPWARD = (QAbstractItemView.CursorAction.MoveUp, QAbstractItemView.CursorAction.MovePrevious,
           QAbstractItemView.CursorAction.MovePageUp, QAbstractItemView.CursorAction.MoveLeft)

_DOWNWARD = (QAbstractItemView.CursorAction.MoveDown, QAbstractItemView.CursorAction.MoveNext,
             QAbstractItemView.CursorAction.MovePageDown, QAbstractItemView.CursorAction.MoveRight)

_OWN_KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Up, Qt.Key.Key_Down)


class WhatsHereList(QTreeView):
    """The list window (objectName ``whatsHere``); see the module docstring."""

    featureChosen = Signal(str)
    """A row was clicked or Enter pressed: select this feature."""
    featurePreviewed = Signal(object)
    """The current row moved (arrow keys): glow this feature on the map; None when closing."""
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatsHere")
        self._focus_before: QWidget | None = None
        self.setAccessibleName("What's here")
        self.setWindowFlags(Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle("What's here")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setItemDelegate(_RowDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(True)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QTreeView.Shape.Box)
        self.header().setStretchLastSection(True)
        self.clicked.connect(self._on_clicked)
        self._title = ""
        self._first_is_current = True

    @property
    def title(self) -> str:
        return self._title

    def set_features(self, model: WhatsHereModel, title: str, current_id: str | None = None) -> None:
        """Show ``model`` (replacing any earlier list); the row of ``current_id`` starts current."""
        old = self.model()
        self.setModel(model)
        if old is not None and old is not model:
            old.deleteLater()
        self._title = title
        model.title = title
        self.setHeaderHidden(False)
        self.selectionModel().currentChanged.connect(self._on_current_changed)
        row = model.row_of(current_id) if current_id else -1
        first = model.first_feature_row()
        if row < 0:
            row = max(first, 0)
        model.fetch_to(row)
        self._first_is_current = first >= 0 and row == first
        self.setCurrentIndex(model.index(row, 0))

    def open_at(self, global_pos: QPoint) -> None:
        """Show the list next to ``global_pos``, kept on the screen, with the keyboard focus."""
        rows = self.model().rowCount() if self.model() is not None else 0
        row_height = max(self.sizeHintForRow(0), 36) if rows else 36
        height = min(rows, MAX_VISIBLE_ROWS) * row_height + self.header().sizeHint().height() + 8
        self.resize(LIST_WIDTH, max(120, min(height, 460)))
        screen = QGuiApplication.screenAt(global_pos) or QGuiApplication.primaryScreen()
        x, y = global_pos.x() + 12, global_pos.y() + 12
        if screen is not None:
            area = screen.availableGeometry()
            if x + self.width() > area.right():
                x = global_pos.x() - 12 - self.width()
            if y + self.height() > area.bottom():
                y = max(area.top(), area.bottom() - self.height())
            x = max(area.left(), x)
        self.move(x, y)
        # Scrolled once the list has its size: the first feature's heading stays in view
        # (scrolled at the old size, "At this marker (38)" was above the top).
        if self._first_is_current:
            self.scrollToTop()
        else:
            self.scrollTo(self.currentIndex())
        if not self.isVisible():
            self._focus_before = QApplication.focusWidget()
        self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.PopupFocusReason)

    # Headings are rows of the model with the default flags (a flags() in Python, asked twice
    # per row at every layout, made a 50,000-row list take a second longer to open): the view
    # keeps the cursor and the selection off them instead.

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """Qt's move, stepped past headings: on in the direction of the move (Home lands on the
        first feature), back the other way at either end of the list. The rows a move needs are
        fetched first: End goes to the list's real last feature, Down and PageDown past the
        rows fetched so far."""
        model = self.model()
        if not isinstance(model, WhatsHereModel):
            return super().moveCursor(action, modifiers)
        if action == QAbstractItemView.CursorAction.MoveEnd:
            model.fetch_all()
        elif action in _DOWNWARD:
            page = max(1, self.viewport().height() // max(1, self.sizeHintForRow(0))) if model.rowCount() else 1
            current = max(0, self.currentIndex().row())
            if current + page + 1 >= model.rowCount():
                model.fetch_to(current + page + FETCH_ROWS)
        index = super().moveCursor(action, modifiers)
        if not index.isValid() or not model.is_heading(index.row()):
            return index
        step = -1 if action in _UPWARD else 1
        rows = model.rowCount()
        for direction in (step, -step):
            row = index.row() + direction
            while 0 <= row < rows and model.is_heading(row):
                row += direction
            if 0 <= row < rows:
                return model.index(row, 0)
        return self.currentIndex()

    def selectionCommand(self, index: QModelIndex, event: QEvent | None = None):
        if index.isValid() and index.data(HEADING_ROLE):
            return QItemSelectionModel.SelectionFlag.NoUpdate
        return super().selectionCommand(index, event)

    def mousePressEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and index.data(HEADING_ROLE):
            event.accept()  # a heading is no row to pick: the cursor stays where it was
            return
        super().mousePressEvent(event)

    def current_feature_id(self) -> str | None:
        index = self.currentIndex()
        return index.data(FEATURE_ID_ROLE) if index.isValid() else None

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.isVisible() and current.data(FEATURE_ID_ROLE) is not None:
            self.featurePreviewed.emit(current.data(FEATURE_ID_ROLE))

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.data(FEATURE_ID_ROLE) is not None:
            self.featureChosen.emit(index.data(FEATURE_ID_ROLE))

    def event(self, event: QEvent) -> bool:
        # The window's own Esc (clear selection) would otherwise take the key from the list:
        # a tool window counts as part of its parent's window for shortcuts.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _OWN_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            chosen = self.current_feature_id()
            if chosen is not None:
                self.featureChosen.emit(chosen)
            self.close()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.close()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.featurePreviewed.emit(None)
        self.closed.emit()
        super().closeEvent(event)
        # Keys go back where they were (the map): a tool window's closing does not hand the
        # focus back by itself, and Ctrl+F or the arrow keys right after Esc were lost.
        before, self._focus_before = self._focus_before, None
        if before is not None and before.isVisible():
            before.window().activateWindow()
            before.setFocus(Qt.FocusReason.PopupFocusReason)
