"""The name an export's save dialog starts at, and the suffix added to a name typed without it."""

from __future__ import annotations

from pathlib import Path

from influencemap.export.file_names import suggested_name, with_suffix


def test_the_suggested_name_is_the_title_as_a_file_name():
    assert suggested_name("Chinese loans in Belarus", ".html") == "chinese-loans-in-belarus.html"
    assert suggested_name("Côte d'Ivoire: 2009–2020", ".pdf") == "cote-d-ivoire-2009-2020.pdf"


def test_a_title_with_nothing_to_keep_suggests_map():
    for title in (None, "", "   ", "—!?", "北京"):
        assert suggested_name(title, ".png") == "map.png", title


def test_a_long_title_is_cut_without_a_trailing_hyphen():
    name = suggested_name("Belt and Road " * 10, ".html")
    stem = name.removesuffix(".html")
    assert len(stem) <= 60 and not stem.endswith("-") and stem.startswith("belt-and-road-belt")


def test_a_name_without_the_suffix_gets_it_added_not_replaced():
    assert with_suffix(Path("/x/loans"), (".html", ".htm"), ".html") == Path("/x/loans.html")
    assert with_suffix(Path("/x/loans.v2"), (".html", ".htm"), ".html") == Path("/x/loans.v2.html")
    assert with_suffix(Path("/x/Loans.HTM"), (".html", ".htm"), ".html") == Path("/x/Loans.HTM")
    assert with_suffix(Path("/x/map.svg"), (".png", ".svg"), ".png") == Path("/x/map.svg")


def test_a_file_name_folds_letters_as_a_new_features_id_does():
    from influencemap.editing.feature_values import suggest_id

    for title in ("Łódź logistics hub", "Côte d'Ivoire: 2009–2020", "Port of Gwadar"):
        assert suggested_name(title, ".png") == suggest_id(title) + ".png"
    assert suggested_name("Łódź", ".pdf") == "lodz.pdf"
