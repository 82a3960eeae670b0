"""Registry files (sources and actors): one entry however often it is defined identically, an
error naming both places when definitions conflict, and one canonical name per actor."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from influencemap.model.facets import facets
from influencemap.model.loader import load_catalog
from influencemap.model.search import search
from influencemap.model.filters import FeatureFilter
from influencemap.paths import bundled_layers_dir

ACTORS = """\
actors:
  - id: lukashenko
    name: Alexander Lukashenko
    aliases: [Alyaksandr Lukashenka]
    kind: person
    country: BY
  - {id: belarus, name: Belarus, kind: state, country: BY}
"""

SOURCES = "sources:\n  - {id: doc-a, title: A report, url: 'https://example.org/a'}\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def layer(features: str) -> str:
    return "id: l\nname: L\nfeatures:\n" + textwrap.indent(textwrap.dedent(features), "  ")


def messages(catalog, folder: Path) -> list[str]:
    return [p.format().replace(str(folder) + "/", "") for p in catalog.problems]


def test_a_copy_of_the_bundled_layers_folder_loads_without_errors(tmp_path):
    copy = tmp_path / "my-layers"
    shutil.copytree(bundled_layers_dir(), copy)
    bundled = load_catalog()
    catalog = load_catalog([copy])
    assert catalog.errors == ()
    assert catalog.warnings == ()
    assert catalog.feature_count == bundled.feature_count
    assert catalog.sources.keys() == bundled.sources.keys()
    assert catalog.actors.keys() == bundled.actors.keys()


def test_the_same_source_defined_identically_in_two_files_is_one_source(tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "more-sources.yaml", SOURCES)
    write(tmp_path, "l.yaml", layer("- {id: f, name: F, point: [27.5, 53.9], sources: [doc-a]}\n"))
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert catalog.problems == ()
    assert list(catalog.sources) == ["doc-a"]


def test_a_conflicting_definition_is_an_error_naming_both_places(tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "other.yaml", "sources:\n  - {id: doc-a, title: Another report}\n")
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    found = messages(catalog, tmp_path)
    assert len(found) == 1
    assert found[0].startswith("other.yaml:2:5: error: duplicate source id 'doc-a' (first defined at ")
    assert "(first defined at sources.yaml:2:5)" in found[0]
    assert "title, url" in found[0]


def test_a_copy_adding_an_archived_copy_is_the_same_source_and_keeps_the_archive(tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    (tmp_path / "copies").mkdir()
    write(tmp_path / "copies", "sources.yaml", SOURCES.replace("}", ", archive: a.txt}"))
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert catalog.problems == ()
    assert catalog.sources["doc-a"].archive_path == str(tmp_path / "copies" / "a.txt")


def test_actors_named_by_alias_or_id_count_as_the_canonical_actor(tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "actors.yaml", ACTORS)
    write(tmp_path, "l.yaml", layer("""\
        - {id: a, name: A, point: [27.5, 53.9], actors: [Alexander Lukashenko], sources: [doc-a]}
        - {id: b, name: B, point: [27.5, 53.9], actors: [Alyaksandr Lukashenka, belarus], sources: [doc-a]}
        - {id: c, name: C, point: [27.5, 53.9], actors: [lukashenko, Somebody Else], sources: [doc-a]}
        """))
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert catalog.problems == ()
    a, b, c = (catalog.feature(i) for i in "abc")
    assert b.actors == ("Alexander Lukashenko", "Belarus")
    assert b.actors_as_written == ("Alyaksandr Lukashenka", "belarus")
    assert a.actors_as_written is None  # already canonical
    assert c.actors == ("Alexander Lukashenko", "Somebody Else")
    assert facets(catalog).actors["Alexander Lukashenko"] == 3
    assert "Alyaksandr Lukashenka" not in facets(catalog).actors
    only = FeatureFilter(actors=frozenset({"Alexander Lukashenko"}))
    assert [f.id for f in catalog.features() if only.accepts(f)] == ["a", "b", "c"]
    assert [hit.feature_id for hit in search(catalog, "lukashenka")] == ["a", "b", "c"]
    assert catalog.actor("Alyaksandr Lukashenka").kind == "person"


def test_an_unknown_actor_close_to_a_known_one_gets_a_did_you_mean_warning(tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "actors.yaml", ACTORS)
    write(tmp_path, "l.yaml", layer("""\
        - {id: a, name: A, point: [27.5, 53.9], actors: [Alexander Lukashenk], sources: [doc-a]}
        - {id: b, name: B, point: [27.5, 53.9], actors: [Alexander Lukashenk, Ukraine], sources: [doc-a]}
        """))
    found = messages(load_catalog([tmp_path], include_bundled_sources=False), tmp_path)
    assert found == [
        "l.yaml:4:5: warning: unknown actor 'Alexander Lukashenk'; did you mean 'Alexander Lukashenko'? "
        "(if it is the same entity, add this spelling to its aliases in the actors registry)"
    ]


def test_bad_registry_entries_and_conflicting_actors_are_errors_at_their_place(tmp_path):
    write(tmp_path, "actors.yaml", ACTORS)
    write(tmp_path, "more.yaml", """\
        actors:
          - {id: belarus, name: Republic of Belarus, kind: state}
          - {id: x, name: X, kind: club, country: XX}
        """)
    found = messages(load_catalog([tmp_path], include_bundled_sources=False), tmp_path)
    assert any(m.startswith("more.yaml:2:5: error: duplicate actor id 'belarus' (first defined at ") for m in found)
    assert any(m.startswith("more.yaml:3:28: error: actor kind must be one of") for m in found), found
    assert any(m.startswith("more.yaml:3:43: error: unknown country code 'XX'") for m in found), found


def test_registry_entries_survive_the_load_cache(tmp_path, monkeypatch):
    from influencemap.model import load_cache

    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_cache.clear_memory()
    folder = tmp_path / "layers"
    folder.mkdir()
    write(folder, "sources.yaml", SOURCES.replace("}", ", archive: copies/a.pdf}") + ACTORS)
    first = load_catalog([folder], include_bundled_sources=False)
    load_cache.flush()
    load_cache.clear_memory()
    again = load_catalog([folder], include_bundled_sources=False)
    assert again.sources == first.sources and again.sources["doc-a"].archive == "copies/a.pdf"
    assert again.actors == first.actors and again.actors["lukashenko"].aliases == ("Alyaksandr Lukashenka",)
    load_cache.clear_memory()
