"""The GeoParquet CRS test without pyproj (model/crs_lonlat.py): every definition it
recognises is one pyproj takes as EPSG:4326, anything near it but different is left to
pyproj, and the answer is pyproj's either way."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pyproj
import pytest

from influencemap.model import crs_lonlat


def _written(members: int, schema: str | None) -> dict:
    """EPSG:4326 as pyproj writes it (member ids and all), cut to ``members`` members."""
    projjson = pyproj.CRS("EPSG:4326").to_json_dict()
    projjson["datum_ensemble"]["members"] = projjson["datum_ensemble"]["members"][:members]
    if schema is None:
        projjson.pop("$schema")
    else:
        projjson["$schema"] = f"https://proj.org/schemas/{schema}/projjson.schema.json"
    return projjson


def test_the_definition_is_what_this_pyproj_writes_for_epsg_4326():
    written = pyproj.CRS("EPSG:4326").to_json_dict()
    assert crs_lonlat.drop_ensemble_member_ids(written)
    written.pop("$schema")
    assert written == crs_lonlat.WGS84_PROJJSON


@pytest.mark.parametrize("members", crs_lonlat.MEMBER_COUNTS)
@pytest.mark.parametrize("schema", ["v0.4", "v0.5", "v0.6", "v0.7", None])
def test_every_recognised_definition_is_epsg_4326_to_pyproj(members, schema):
    projjson = _written(members, schema)
    assert pyproj.CRS.from_user_input(copy.deepcopy(projjson)).equals("EPSG:4326")
    assert crs_lonlat.drop_ensemble_member_ids(projjson) and crs_lonlat.is_wgs84_definition(projjson)
    assert crs_lonlat.is_lonlat({"crs": _written(members, schema)})


def _changed(change: str) -> dict:
    projjson = _written(8, "v0.7")
    if change == "axes swapped":
        projjson["coordinate_system"]["axis"].reverse()
    elif change == "other ellipsoid":
        projjson["datum_ensemble"]["ellipsoid"]["inverse_flattening"] = 298.257222101
    elif change == "other code":
        projjson["id"]["code"] = 4258
    elif change == "five members":
        projjson["datum_ensemble"]["members"] = projjson["datum_ensemble"]["members"][:5]
    elif change == "members reordered":
        projjson["datum_ensemble"]["members"].reverse()
    elif change == "unknown schema":
        projjson["$schema"] = "https://example.org/projjson.schema.json"
    elif change == "extra key":
        projjson["remarks"] = "as written by hand"
    elif change == "number as text":
        projjson["datum_ensemble"]["ellipsoid"]["semi_major_axis"] = "6378137"
    elif change == "bool for number":
        projjson["bbox"]["south_latitude"] = True
    return projjson


@pytest.mark.parametrize("change", ["axes swapped", "other ellipsoid", "other code", "five members", "members reordered",
                                    "unknown schema", "extra key", "number as text", "bool for number"])
def test_anything_else_is_not_recognised_and_gets_pyprojs_answer(change):
    projjson = _changed(change)
    assert crs_lonlat.drop_ensemble_member_ids(projjson)
    assert not crs_lonlat.is_wgs84_definition(projjson)
    try:
        expected = pyproj.CRS.from_user_input(copy.deepcopy(projjson)).equals("EPSG:4326")
    except pyproj.exceptions.CRSError:
        expected = False
    assert crs_lonlat.is_lonlat({"crs": _changed(change)}) is expected


def test_other_crs_forms_are_pyprojs_answer():
    assert crs_lonlat.is_lonlat({}) is pyproj.CRS("OGC:CRS84").equals("EPSG:4326")
    assert crs_lonlat.is_lonlat({"crs": None}) is False
    assert crs_lonlat.is_lonlat({"crs": "EPSG:4326"}) is True
    assert crs_lonlat.is_lonlat({"crs": pyproj.CRS("EPSG:3857").to_json_dict()}) is False
    assert crs_lonlat.is_lonlat({"crs": "not a crs"}) is False


def test_a_recognised_definition_does_not_import_pyproj():
    script = (
        "import sys, json\n"
        "from influencemap.model import crs_lonlat\n"
        f"assert crs_lonlat.is_lonlat({{'crs': json.loads({json.dumps(json.dumps(_written(8, 'v0.7')))})}})\n"
        "assert 'pyproj' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
