"""The core (model, loading, geo, GeoJSON export, CLI) never imports Qt."""

from __future__ import annotations



def test_core_modules_work_with_qt_blocked(tmp_path, run_with_qt_blocked):
    (tmp_path / "l.yaml").write_text(
        "id: l\nname: L\nsources: [{id: s, title: S}]\nfeatures:\n"
        "  - {id: f, name: F, point: [27.5, 53.9], countries: [BY], sources: [s]}\n",
        encoding="utf-8",
    )
    run_with_qt_blocked(
        f"""
        import influencemap.model, influencemap.model.loader, influencemap.model.filters
        import influencemap.model.present, influencemap.geo.basemap, influencemap.geo.gazetteer
        import influencemap.model.identify, influencemap.model.search, influencemap.model.stats, influencemap.model.feature_rows
        import influencemap.editing.layer_file, influencemap.geo.mercator
        import influencemap.export.geojson, influencemap.cli, influencemap.render.layout_spec
        import influencemap.geo.basemaps, influencemap.geo.mbtiles, influencemap.geo.context_data
        import influencemap.export.html, influencemap.export.html_context
        from influencemap.cli import main
        assert main(['validate', {str(tmp_path)!r}]) == 0
        assert main(['export', {str(tmp_path)!r}, '-o', {str(tmp_path / 'o.geojson')!r}]) == 0
        from influencemap.model.loader import load_catalog
        from influencemap.model.geodataframes import layer_geodataframe
        table = layer_geodataframe(load_catalog([{str(tmp_path)!r}]).layer('l'))
        assert len(table) == 1 and str(table.crs) == 'EPSG:4326'
        """
    )
