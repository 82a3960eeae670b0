"""What the details panel and HTML popups show: formatted figures, safe links, citations."""

from __future__ import annotations

import pytest

from influencemap.model.present import (
    citation_text, feature_details, format_figure, safe_link,
)
from influencemap.model.types import Figure


@pytest.mark.parametrize(
    "figure, text",
    [
        (Figure("Loan", 1.18e9, "USD"), "USD 1.18 bn"),
        (Figure("Loan", 500e6, "USD"), "USD 500 m"),
        (Figure("Containers", 340000, "TEU"), "340,000 TEU"),
        (Figure("Doses", 500000, "doses"), "500,000 doses"),
        (Figure("Share", 2.5, "%"), "2.5 %"),
        (Figure("Count", 7, None), "7"),
    ],
)
def test_figures_are_formatted_with_their_units(figure, text):
    assert format_figure(figure) == text


@pytest.mark.parametrize(
    "url, safe",
    [("https://example.org/a", True), ("http://x.org", True), ("mailto:a@b.org", True),
     ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
     ("file:///etc/passwd", False), (None, False)],
)
def test_only_http_https_and_mailto_links_are_kept(url, safe):
    assert (safe_link(url) is not None) == safe


def test_details_of_a_loaded_feature(files):
    files.write(
        "l.yaml",
        """\
        id: loans
        name: Loans
        features:
          - id: loan
            name: A loan
            point: [27.56, 53.9]
            date: 2013-05-20
            countries: [BY]
            actors: [China Development Bank]
            figures: [{label: Loan, value: 1.18e9, unit: USD}]
            precision: city
            description: Text.
            sources: [{ref: doc-a, locator: para 3, quote: a short phrase}]
        """,
    )
    catalog = files.load()
    details = feature_details(catalog, catalog.feature("loan"))
    assert details.dates == "20 May 2013"
    assert details.countries == ("Belarus (BY)",)
    assert ("Loan", "USD 1.18 bn") in details.fields()
    source = details.sources[0]
    assert (source.number, source.title, source.date, source.url) == (
        1, "A report", "30 June 2021", "https://example.org/a")
    assert citation_text(details) == (
        "A loan — sources:\n"
        "[1] “A report”, Some Press, 30 June 2021, para 3: “a short phrase”. https://example.org/a"
    )


def test_where_a_feature_is_written_shows_the_home_folder_as_a_tilde(tmp_path, monkeypatch):
    from influencemap.model.present import written_at

    monkeypatch.setenv("HOME", str(tmp_path / "anna"))
    assert written_at(str(tmp_path / "anna" / "research" / "loans.yaml"), 14) == "~/research/loans.yaml:14"
    assert written_at(str(tmp_path / "anna-other" / "loans.yaml"), 3) == f"{tmp_path}/anna-other/loans.yaml:3"
    assert written_at("/srv/layers/loans.yaml", 2) == "/srv/layers/loans.yaml:2"
    monkeypatch.setenv("HOME", "/")  # a home of / would make every path ~/...
    assert written_at("/srv/layers/loans.yaml", 2) == "/srv/layers/loans.yaml:2"
