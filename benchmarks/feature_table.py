"""Time the feature table on a big layer: building its rows, sorting each column, the text filter.

    INFLUENCEMAP_CACHE_DIR=/tmp/some-cache QT_QPA_PLATFORM=offscreen \\
        python benchmarks/feature_table.py /tmp/bench/big100k

Loads the folder with the real loader (Feature objects built, as the app has them), then
measures with ``time.perf_counter``:

- ``rows_ms``: ``FeatureRows.shown`` of the whole catalog (what a new catalog costs the table);
  ``rows_filtered_ms`` the same through a date filter (what a timeline step costs it).
- ``sort_<column>_first_ms``: the model's ``sort`` (Qt's layout change included) the first time
  a column is sorted, which makes its 100,000 keys; ``sort_<column>_again_ms`` sorting it the
  other way, keys remembered (issue 13: sorting 100k rows at most 0.5 s).
- ``query_ms``: the filter box's query over every row.
- ``model_reset_ms``: putting new rows into the ``QTableView`` (window shown) and painting it.

The last line on stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def ms(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return round((time.perf_counter() - started) * 1000, 1), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from influencemap.model.feature_rows import COLUMNS, FeatureRows
    from influencemap.model.filters import FeatureFilter
    from influencemap.model.loader import load_catalog
    from influencemap.ui.feature_table import FeatureTableModel
    from PySide6.QtWidgets import QTableView

    catalog = load_catalog([args.folder])
    sum(1 for _ in catalog.features())  # build the Feature objects, as the app's loader does
    result: dict[str, object] = {"features": catalog.feature_count}
    result["rows_ms"], rows = ms(FeatureRows.shown, catalog)
    result["rows_filtered_ms"], _ = ms(FeatureRows.shown, catalog, FeatureFilter(date_from="2015"))
    model = FeatureTableModel()
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 400)
    view.show()
    result["model_reset_ms"], _ = ms(lambda: (model.set_rows(rows), view.viewport().repaint()))
    for i, column in enumerate(COLUMNS):
        result[f"sort_{column.key}_first_ms"], _ = ms(model.sort, i, Qt.SortOrder.AscendingOrder)
        result[f"sort_{column.key}_again_ms"], _ = ms(model.sort, i, Qt.SortOrder.DescendingOrder)
        print(f"{column.key}: {result[f'sort_{column.key}_first_ms']} / {result[f'sort_{column.key}_again_ms']} ms",
              file=sys.stderr)
    result["query_ms"], _ = ms(model.set_query, "by loan")
    result["query_rows"] = model.rowCount()
    view.close()
    app.processEvents()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
