"""The loading core imports one way: no module of ``influencemap.model`` imports, directly or
through others, a module that imports it back (counting imports inside functions and under
``TYPE_CHECKING``, which hide a cycle without removing it)."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")

LOADING_PATH = (
    "actors", "bulk_data", "fast_parse", "fast_columns", "feature_table", "file_result", "load_cache", "loader",
    "precise_reader", "country_check", "entry_locator", "gc_pause",
)


def test_no_module_of_the_loading_path_is_in_an_import_cycle():
    graph = grimp.build_graph("influencemap")
    for name in LOADING_PATH:
        module = f"influencemap.model.{name}"
        if module not in graph.modules:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("influencemap.model.") and imported != module:
                assert not graph.chain_exists(importer=imported, imported=module), (
                    f"{module} imports {imported}, which imports it back: "
                    f"{graph.find_shortest_chain(importer=imported, imported=module)}"
                )
