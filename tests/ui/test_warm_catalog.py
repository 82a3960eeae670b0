"""A newly loaded catalog's filter counts, timeline years and extent are counted by the loader
thread and remembered with the catalog (model/per_catalog.py, issue 14): with a million
features each took the UI thread seconds after every load."""

from __future__ import annotations

import gc
import weakref

import pytest

from influencemap.model import extent, facets, per_catalog
from influencemap.model.filters import FeatureFilter
from influencemap.ui.catalog_loader import warm_up
from tests.model.conftest import files  # noqa: F401 - the fixture
from tests.model.test_facets import LAYER, OTHER


@pytest.fixture
def catalog(files):
    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    return files.load()


def _refuse(*args, **kwargs):
    raise AssertionError("counted again on the UI thread")


def test_after_warm_up_the_windows_questions_are_answered_without_counting(catalog, monkeypatch):
    warm_up(catalog)
    for name in ("_faceted_counts", "_facets", "_year_histogram"):
        monkeypatch.setattr(facets, name, _refuse)
    monkeypatch.setattr(extent, "robust_box", _refuse)
    shown = [layer.id for layer in catalog.layers]
    assert facets.faceted_counts(catalog, None, shown).facets.countries == {"BY": 2, "CN": 1, "UA": 1}
    assert facets.faceted_counts(catalog, FeatureFilter(), list(reversed(shown)), lists=False).years == {2011: 1, 2013: 1, 2015: 1}
    assert facets.facets(catalog).categories == {"Economy": 3, "Diplomacy": 1}
    assert facets.year_histogram(catalog)[2013] == 1
    assert extent.robust_bounds(catalog) is not None


def test_another_filter_or_set_of_layers_is_counted(catalog):
    warm_up(catalog)
    assert facets.faceted_counts(catalog, FeatureFilter(date_from="2015"), ["loans", "visits"]).facets.actors == {
        "China Development Bank": 1, "Wang Yi": 1,
    }
    assert facets.faceted_counts(catalog, None, ["loans"]).facets.actors == {"China Development Bank": 1}


def test_the_answers_go_with_the_catalog(files):
    files.write("loans.yaml", LAYER)
    catalog = files.load()
    warm_up(catalog)
    assert catalog in per_catalog._memo
    alive = weakref.ref(catalog)
    del catalog
    gc.collect()
    assert alive() is None  # the remembered answers do not keep a million features alive


@pytest.fixture
def cached_folder(tmp_path, monkeypatch):
    from tests.model.conftest import cached_layers_folder
    from tests.model.test_feature_table import SOURCES

    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def test_neither_warm_up_nor_the_attribute_table_builds_a_cached_layers_features(cached_folder, monkeypatch, qtbot):
    """The hit-test (model/identify.py) and the attribute table (model/feature_rows.py) read a
    cached layer's columns: building a million Feature objects took most of the app's memory
    and seconds before the map, on whichever thread asked first. Selecting a row builds that
    row's feature only."""
    from influencemap.ui.feature_table import FeatureTablePanel
    from influencemap.ui.map_state import MapState
    from tests.model.test_feature_table import from_disk, points_layer

    folder = cached_folder
    (folder / "a.yaml").write_text(points_layer("a", 5), encoding="utf-8")
    _, cached = from_disk(folder, monkeypatch)
    tables = [layer.features for layer in cached.layers]
    assert tables and not any(table.built for table in tables)
    warm_up(cached)
    assert not any(table.built for table in tables)

    state = MapState()
    panel = FeatureTablePanel(state)
    qtbot.addWidget(panel)
    state.set_catalog(cached)
    assert panel.model.rowCount() == 5
    assert panel.model.data(panel.model.index(3, 0)) == "Feature 3"
    panel.rows.sort(0, descending=True)
    panel.find.setText("feature")
    panel._apply_query()
    state.select("a-2")
    assert panel.selected_rows() == [panel.rows.row_of("a-2")]
    assert panel.rows.tsv(panel.selected_rows()).startswith("Feature 2\t")
    assert not any(table.built for table in tables)
