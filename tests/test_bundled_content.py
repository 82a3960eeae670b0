"""The bundled map content: every located fact in the checklist is mapped, sourced and in place.

``tests/data_checklist.txt`` lists every located fact in the source documents as
``<feature-id> | <source-id> | <statement>``. These tests check the bundled layers against it,
check that every feature lies in one of its declared countries (Natural Earth, with a small
tolerance), and that the bundled layers load without errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from influencemap.geo import basemap
from influencemap.model import GeometryKind
from influencemap.model.catalog import Catalog
from influencemap.model.loader import load_catalog
from influencemap.paths import bundled_layers_dir, geodata_dir

CHECKLIST = Path(__file__).with_name("data_checklist.txt")

TOLERANCE_DEG = 0.1
"""How far outside a declared country's simplified outline a vertex may lie (coasts, borders)."""

MAX_QUOTE_WORDS = 25
"""A quote is short evidence (about 20 words), never a copied passage."""


DATASET_LAYERS = {"aiddata-gcdf": 343, "aiddata-military": 66}
"""Layers imported whole from a published dataset (scripts/build_aiddata_layers.py), with their
record counts. Their features are AidData's records, not located facts of our documents: the
checklist, the actors registry and the document rules below are for the curated layers, and
test_dataset_layers_are_whole_sourced_and_attributed checks these."""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _curated(catalog: Catalog) -> list:
    return [f for f in catalog.features() if f.layer_id not in DATASET_LAYERS]


def _document_sources(catalog: Catalog) -> set[str]:
    return {s for s in catalog.sources if not s.startswith("aiddata-")}


def _checklist() -> list[tuple[int, str, str, str]]:
    rows = []
    for number, line in enumerate(CHECKLIST.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = [part.strip() for part in text.split("|")]
        assert len(parts) == 3 and all(parts), f"data_checklist.txt:{number}: want 'feature | source | fact'"
        rows.append((number, parts[0], parts[1], parts[2]))
    return rows


CHECKLIST_ROWS = _checklist()


def _covered_codes() -> frozenset[str]:
    return frozenset(basemap.load_countries()["iso_a2"].astype(str))


def _vertices(feature) -> list[tuple[float, float]]:
    geometry = feature.geometry
    if feature.kind is GeometryKind.POINT:
        return [(geometry.x, geometry.y)]
    if feature.kind is GeometryKind.LINE:
        return [(x, y) for x, y in geometry.coords]
    return [(x, y) for x, y in geometry.exterior.coords] + [
        (geometry.representative_point().x, geometry.representative_point().y)
    ]


# --- (3) the bundled layers load cleanly --------------------------------------------------


def test_bundled_layers_load_without_errors(catalog: Catalog) -> None:
    assert [p.format() for p in catalog.errors] == []
    assert catalog.layers, "no bundled layers were loaded"
    assert catalog.feature_count > 0


def test_bundled_layers_load_without_warnings(catalog: Catalog) -> None:
    """No ambiguous place names, no point outside its declared countries: `validate --strict` passes."""
    assert [p.format() for p in catalog.warnings] == []


def test_every_bundled_layer_file_names_the_schema() -> None:
    for path in sorted(bundled_layers_dir().glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/layer.schema.json", path.name


# --- (1) every checklist fact is mapped and cites its document ------------------------------


@pytest.mark.parametrize(
    "line, feature_id, source_id, fact",
    CHECKLIST_ROWS,
    ids=[f"{row[1]}@{row[0]}" for row in CHECKLIST_ROWS],
)
def test_checklist_fact_is_mapped_and_cites_its_source(
    catalog: Catalog, line: int, feature_id: str, source_id: str, fact: str
) -> None:
    assert source_id in catalog.sources, f"data_checklist.txt:{line}: unknown source '{source_id}'"
    feature = catalog.find_feature(feature_id)
    assert feature is not None, f"data_checklist.txt:{line}: no feature '{feature_id}' ({fact})"
    cited = {citation.ref for citation in feature.citations}
    assert source_id in cited, f"data_checklist.txt:{line}: '{feature_id}' does not cite '{source_id}'"


def test_checklist_covers_every_bundled_feature_and_document(catalog: Catalog) -> None:
    listed = {row[1] for row in CHECKLIST_ROWS}
    unlisted = sorted(f.id for f in _curated(catalog) if f.id not in listed)
    assert unlisted == [], "features missing from tests/data_checklist.txt"
    documents = {row[2] for row in CHECKLIST_ROWS}
    assert _document_sources(catalog) <= documents, "a bundled source has no checklist entry"


def test_every_feature_is_sourced_with_locators_and_short_quotes(catalog: Catalog) -> None:
    problems = []
    for feature in _curated(catalog):
        if feature.precision is None:
            problems.append(f"{feature.id}: no precision")
        if not feature.description or not feature.description.strip():
            problems.append(f"{feature.id}: no description")
        if not feature.countries:
            problems.append(f"{feature.id}: no countries")
        for citation in feature.citations:
            if citation.ref not in catalog.sources:
                problems.append(f"{feature.id}: cites unknown source {citation.ref}")
            if not citation.locator:
                problems.append(f"{feature.id}: citation of {citation.ref} has no locator")
            if citation.quote and len(citation.quote.split()) > MAX_QUOTE_WORDS:
                problems.append(f"{feature.id}: quote longer than {MAX_QUOTE_WORDS} words")
    assert problems == []


# --- (2) every feature lies in one of its declared countries --------------------------------


def test_every_feature_lies_in_one_of_its_countries(catalog: Catalog) -> None:
    covered = _covered_codes()
    misplaced = []
    for feature in catalog.features():
        if feature.layer_id in DATASET_LAYERS and feature.kind is not GeometryKind.POINT:
            continue  # AidData's shapes: the importer checks them against their countries
        declared = set(feature.countries)
        for lon, lat in _vertices(feature):
            around = set(basemap.countries_containing(lon, lat, tolerance_deg=TOLERANCE_DEG))
            if declared & covered:
                ok = bool(around & declared)
            else:
                # Countries the basemap does not cover: the vertex must at least not fall
                # inside a country it does know.
                ok = not around
            if not ok:
                misplaced.append(
                    f"{feature.layer_id}/{feature.id}: ({lon:.4f}, {lat:.4f}) is in "
                    f"{sorted(around) or 'no country'}, declared {sorted(declared)}"
                )
    assert misplaced == []


def test_every_line_touches_each_declared_country(catalog: Catalog) -> None:
    """A line lists every country it crosses: each declared country holds one of its vertices."""
    covered = _covered_codes()
    missing = []
    for feature in catalog.features():
        if feature.kind is not GeometryKind.LINE:
            continue
        touched: set[str] = set()
        for lon, lat in _vertices(feature):
            touched |= set(basemap.countries_containing(lon, lat, tolerance_deg=TOLERANCE_DEG))
        for code in sorted(set(feature.countries) & covered):
            if code not in touched:
                missing.append(f"{feature.id}: no vertex in {code}")
    assert missing == []


def test_curated_places_record_their_origin_lie_in_their_country_and_are_used() -> None:
    data = yaml.safe_load((geodata_dir() / "places.yaml").read_text(encoding="utf-8"))
    layer_text = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted(bundled_layers_dir().glob("*.yaml"))
    )
    covered = _covered_codes()
    problems = []
    for place in data["places"]:
        name = place["name"]
        if not str(place.get("coordinates_source", "")).strip():
            problems.append(f"{name}: no coordinates_source")
        if place.get("precision") not in {"exact", "site", "city", "region"}:
            problems.append(f"{name}: bad precision {place.get('precision')!r}")
        around = basemap.countries_containing(place["lon"], place["lat"], tolerance_deg=TOLERANCE_DEG)
        if place["country"] in covered:
            inside = place["country"] in around
        else:  # outside the basemap: at least not inside a country it knows
            inside = not around
        if not inside:
            problems.append(f"{name}: ({place['lon']}, {place['lat']}) is not in {place['country']}")
        if name not in layer_text:
            problems.append(f"{name}: not used by any bundled layer")
    assert problems == []


INFERRED_DATES = {
    # Dates the fact-check of issue 17 found inferred but unmarked, and the others found with them.
    "us-allegations-china-arms-russia-2023", "wang-wenbin-rejects-us-claims-2023", "crimea-business-ban-claim",
    "belarus-hrc47-counter-statement", "akytkhan-family-detained", "aqan-attack-2021", "alimuly-stabbing-2021",
    "qin-gang-aleynik-2023", "lukashenka-state-visit-beijing-2023",
}


def test_inferred_dates_are_marked_and_only_dated_features_say_how_their_date_is_known(catalog: Catalog) -> None:
    datings = {f.id: f.dating for f in catalog.features()}
    assert {i: datings[i] for i in INFERRED_DATES} == dict.fromkeys(INFERRED_DATES, "inferred")
    assert datings["sullivan-dismisses-position-paper-2023"] == "approximate"
    for feature in catalog.features():
        if feature.dating != "stated":
            assert feature.is_dated, f"{feature.id}: a dating without a date"
            assert "inferred" in (feature.description or "") or feature.dating == "approximate", (
                f"{feature.id}: the description should say from what the date is inferred"
            )


def test_every_actor_of_the_bundled_layers_is_in_the_registry(catalog: Catalog) -> None:
    named = {actor for feature in _curated(catalog) for actor in feature.actors}
    assert named and all(catalog.actor(actor) is not None for actor in named), sorted(
        a for a in named if catalog.actor(a) is None
    )
    # One entity, however the documents spell it.
    assert catalog.actor("Alyaksandr Lukashenka") is catalog.actor("Alexander Lukashenko")
    assert catalog.actor("Volodymyr Zelenskiy") is catalog.actor("Volodymyr Zelensky")
    assert "Alyaksandr Lukashenka" not in named and "Volodymyr Zelenskiy" not in named


def test_dataset_layers_are_whole_sourced_and_attributed(catalog: Catalog) -> None:
    """Every AidData record for the region is there, cites the dataset with its project id,
    says how exact it is, and the layer states AidData's and OpenStreetMap's terms."""
    for layer_id, count in DATASET_LAYERS.items():
        layer = catalog.layer(layer_id)
        assert layer is not None and len(layer.features) == count
        text = Path(layer.path).read_text(encoding="utf-8")
        assert "ODC-By 1.0" in text and "© OpenStreetMap contributors" in text and "stays under the ODbL 1.0" in text
        for feature in layer.features:
            project = feature.id.removeprefix("aiddata-")
            assert project.isdigit(), feature.id
            assert feature.citations[0].ref == "aiddata-gcdf-2" and feature.citations[0].locator == f"project {project}"
            assert all(c.ref in catalog.sources for c in feature.citations)
            assert feature.precision is not None and feature.countries and feature.description
    assert catalog.layer("aiddata-gcdf").category == "Economy"
    assert catalog.layer("aiddata-military").category == "Security"
    assert {f.geometry.geom_type for f in catalog.layer("aiddata-gcdf").features} == {"MultiPolygon"}
    military = catalog.layer("aiddata-military").features
    assert sum(len(f.citations) > 1 for f in military) > len(military) // 2  # their own source URLs
    sources = catalog.sources["aiddata-gcdf-2"]
    assert sources.url == "https://www.aiddata.org/data/aiddatas-global-chinese-development-finance-dataset-version-2-0"
