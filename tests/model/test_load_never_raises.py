"""A bad file becomes problems at that file: never an exception, never a hidden catalog (issue 18, item 1)."""

from __future__ import annotations

import pytest

from influencemap.model import loader
from influencemap.model.loader import FileReader, load_catalog, read_file

GOOD = """\
id: good
name: Good
features:
  - id: minsk-point
    name: A point in Minsk
    point: [27.56, 53.90]
    sources: [doc-a]
"""


@pytest.mark.parametrize("url", ["http://[x]/", "http://[::1/", "https://example.org:99999/", "http://a:b/"])
def test_a_url_that_urlparse_rejects_is_a_problem_at_the_url(files, url):
    files.write("good.yaml", GOOD)
    files.write("bad.yaml", f'sources:\n  - {{id: bad-url, title: T, url: "{url}"}}\n')
    catalog = files.load()
    assert [layer.id for layer in catalog.layers] == ["good"]
    assert "doc-a" in catalog.sources and "bad-url" not in catalog.sources
    (problem,) = files.problems()
    assert problem.startswith("bad.yaml:2:34: error: source url is not a valid address")
    assert url in problem


def test_a_bad_url_in_a_layer_is_an_error_of_that_layer_only(files):
    files.write("good.yaml", GOOD)
    files.write(
        "l.yaml",
        'id: l\nname: L\nsources:\n  - {id: bad-url, title: T, url: "http://[x]/"}\n'
        "features:\n  - {id: a, name: A, point: [27.56, 53.9], sources: [doc-a]}\n",
    )
    catalog = files.load()
    assert [f.id for f in catalog.features()] == ["minsk-point"]  # a layer with a bad key is left out whole
    assert files.problems() == [
        "l.yaml:4:34: error: source url is not a valid address ('x' does not appear to be an IPv4 or IPv6 address): "
        "'http://[x]/'"
    ]


def _raise_on(name):
    real = FileReader._read_feature

    def read_feature(self, node, layer_id, defaults):
        if node.get("id") is not None and node.get("id").value == name:
            raise RuntimeError("a bug in the reader")
        return real(self, node, layer_id, defaults)

    return read_feature


def test_an_unforeseen_exception_in_one_feature_is_a_problem_at_that_feature(files, monkeypatch):
    monkeypatch.setattr(FileReader, "_read_feature", _raise_on("b"))
    monkeypatch.setattr(loader, "read_file", lambda *a, **k: read_file(*a, **k, fast=False))
    files.write(
        "l.yaml",
        "id: l\nname: L\nfeatures:\n"
        "  - {id: a, name: A, point: [27.56, 53.9], sources: [doc-a]}\n"
        "  - {id: b, name: B, point: [27.56, 53.9], sources: [doc-a]}\n",
    )
    catalog = load_catalog([files.folder], include_bundled_sources=False, use_cache=False)
    assert [f.id for f in catalog.features()] == ["a"]
    (problem,) = [p.format().removeprefix(str(files.folder) + "/") for p in catalog.problems]
    assert problem == "l.yaml:5:5: error: could not read this: unexpected RuntimeError: a bug in the reader (please report it)"


def test_an_unforeseen_exception_in_a_whole_file_is_a_problem_at_that_file(files, monkeypatch):
    real = FileReader.read_layer

    def read_layer(self, root, features=None):
        if self.display.endswith("bad.yaml"):
            raise KeyError("boom")
        return real(self, root, features)

    monkeypatch.setattr(FileReader, "read_layer", read_layer)
    files.write("good.yaml", GOOD)
    files.write("bad.yaml", GOOD.replace("id: good", "id: bad").replace("minsk-point", "other"))
    catalog = load_catalog([files.folder], include_bundled_sources=False, use_cache=False)
    assert [layer.id for layer in catalog.layers] == ["good"]
    (problem,) = [p.format().removeprefix(str(files.folder) + "/") for p in catalog.problems]
    assert problem == "bad.yaml:1:1: error: could not read this: unexpected KeyError: 'boom' (please report it)"


def test_an_exception_in_the_fast_reader_leaves_the_file_to_the_precise_one(files, monkeypatch):
    from influencemap.model import fast_parse

    def broken(*args, **kwargs):
        raise IndexError("fast reader bug")

    monkeypatch.setattr(fast_parse, "read_fast", broken)
    files.write("good.yaml", GOOD)
    catalog = load_catalog([files.folder], include_bundled_sources=False, use_cache=False)
    assert [f.id for f in catalog.features()] == ["minsk-point"] and catalog.problems == ()


def test_an_exception_reading_the_cache_is_a_problem_at_that_file_only(files, monkeypatch):
    from influencemap.model import load_cache

    real = load_cache.file_result

    def file_result(path, *args, **kwargs):
        if path.name == "bad.yaml":
            raise MemoryError()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load_cache, "file_result", file_result)
    files.write("good.yaml", GOOD)
    files.write("bad.yaml", "id: bad\n")
    catalog = files.load()
    assert [layer.id for layer in catalog.layers] == ["good"]
    assert files.problems() == ["bad.yaml:1:1: error: could not read this: unexpected MemoryError (please report it)"]


# -- bounded sizes (issue 18, item 9: handled before, kept so) --------------------------------------


def test_a_huge_scalar_loads(files):
    description = "word " * 1_000_000  # 5 MB in one scalar
    files.write("big.yaml", GOOD.replace("    sources: [doc-a]\n", f"    description: '{description}'\n    sources: [doc-a]\n"))
    catalog = load_catalog([files.folder], include_bundled_sources=False, use_cache=False)
    assert catalog.problems == ()
    assert catalog.feature("minsk-point").description == description.strip()


def test_a_polygon_of_100000_vertices_loads(files):
    import math

    n = 100_000
    ring = ", ".join(
        f"[{27.5 + math.cos(2 * math.pi * k / n):.6f}, {53.9 + 0.5 * math.sin(2 * math.pi * k / n):.6f}]" for k in range(n)
    )
    files.write("ring.yaml", f"id: ring\nname: Ring\nfeatures:\n  - {{id: ring, name: Ring, polygon: [{ring}], sources: [doc-a]}}\n")
    catalog = load_catalog([files.folder], include_bundled_sources=False, use_cache=False)
    assert catalog.problems == ()
    assert len(catalog.feature("ring").geometry.exterior.coords) == n + 1
