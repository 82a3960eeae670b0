"""Quotes checked against archived copies: normalisation, exact positions, closest passages,
and the three kinds of archive (text, web page, PDF). Every document is written by the test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from influencemap.model.archive import normalise, read_archive
from influencemap.model.loader import load_catalog
from influencemap.model.quote_check import check_quotes, quote_status

ARTICLE = (
    "Minsk and Beijing signed the treaty in 2015.\n"
    "The deep-\nsea port in Crimea was put on hold, and the Vil-\nnius summit\u00ad was “a turning point”.\n"
    "Trade fell — sharply —   in 2020 and the  ministry\n said so.\n"
)


def folder_with(tmp_path: Path, archive_name: str, quotes: list[str]) -> Path:
    cites = "".join(f"      - {{ref: doc, locator: 'para {i}', quote: {q!r}}}\n" for i, q in enumerate(quotes, 1))
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{id: doc, title: An article, archive: {archive_name}}}\n  - {{id: other, title: Not archived}}\n",
        encoding="utf-8",
    )
    (tmp_path / "l.yaml").write_text(
        "id: l\nname: L\nfeatures:\n"
        "  - id: f\n    name: F\n    point: [27.5, 53.9]\n    sources:\n" + cites
        + "  - {id: g, name: G, point: [27.5, 53.9], sources: [{ref: other, locator: p. 1, quote: anything}]}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize("quote", [
    "signed the treaty in 2015",
    "The deep-sea port in Crimea",          # hyphen broken at a line end, kept in the quote
    "the Vilnius summit was \"a turning point\"",  # hyphenation joined, soft hyphen, curly quotes
    "Trade fell - sharply - in 2020 and the ministry said so.",  # dashes and whitespace
    "Trade fell -- sharply -- in 2020",
])
def test_normalised_quotes_are_found_at_their_place(tmp_path, quote):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    catalog = load_catalog([folder_with(tmp_path, "a.txt", [quote])], include_bundled_sources=False)
    report = check_quotes(catalog)
    assert [r.found for r in report.results] == [True]
    start, end = report.results[0].span
    assert normalise(ARTICLE[start:end]).text == normalise(quote).text
    assert report.problems == [] and not report.failed
    assert report.unchecked == ["other"]
    assert quote_status(catalog, catalog.feature("f"), 0) is True


def test_a_missing_quote_is_a_warning_at_the_quote_with_the_closest_passage(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    folder = folder_with(tmp_path, "a.txt", ["signed the treaty in 2015", "signed the pact in 2015"])
    catalog = load_catalog([folder], include_bundled_sources=False)
    report = check_quotes(catalog)
    assert report.failed
    assert [p.format().replace(str(folder) + "/", "") for p in report.problems] == [
        "l.yaml:9:46: warning: quote not found in archive 'a.txt' of source 'doc'; "
        "closest passage: \"signed the treaty in 2015\""
    ]
    assert quote_status(catalog, catalog.feature("f"), 1) is False
    assert quote_status(catalog, catalog.feature("g"), 0) is None


def test_a_missing_archive_is_an_error_at_the_source(tmp_path):
    folder = folder_with(tmp_path, "gone.txt", ["signed the treaty"])
    report = check_quotes(load_catalog([folder], include_bundled_sources=False))
    assert report.failed and report.results == []
    [problem] = report.problems
    assert problem.is_error and problem.origin.line == 2 and "archived copy 'gone.txt' not found" in problem.message


def test_an_archive_of_another_type_is_an_error_when_loading(tmp_path):
    folder = folder_with(tmp_path, "a.docx", ["x"])
    errors = [p.format() for p in load_catalog([folder], include_bundled_sources=False).errors]
    assert any("source archive 'a.docx' must be a .txt, .html or .pdf file" in e for e in errors), errors


def test_a_saved_web_page_is_read_without_its_markup(tmp_path):
    page = textwrap.dedent("""\
        <html><head><title>Ignored title</title><style>p { color: red }</style></head>
        <body><script>var quote = "not text";</script>
        <p>China&rsquo;s <b>12-point</b> proposal was released on February&nbsp;24.</p>
        </body></html>""")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    assert "not text" not in read_archive(tmp_path / "page.html")
    folder = folder_with(tmp_path, "page.html", ["China's 12-point proposal was released on February 24.", "var quote"])
    report = check_quotes(load_catalog([folder], include_bundled_sources=False))
    assert [r.found for r in report.results] == [True, False]


def test_a_pdf_is_read_through_pypdf(tmp_path, qapp):
    from PySide6.QtCore import QMarginsF, QPointF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

    path = tmp_path / "paper.pdf"
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, QMarginsF(20, 20, 20, 20)))
    painter = QPainter(writer)
    painter.setFont(QFont("DejaVu Sans", 11))
    for row, line in enumerate(["Belarus received a USD 7 billion cre-", "dit line in 2015 from Chinese banks."]):
        painter.drawText(QPointF(200, 400 + row * 300), line)
    painter.end()
    assert "USD 7 billion cre- dit" in normalise(read_archive(path).replace("-\n", "- ")).text  # real PDF text
    assert "USD 7 billion credit line" in normalise(read_archive(path)).text  # the line-end hyphen joined
    folder = folder_with(tmp_path, "paper.pdf", ["a USD 7 billion credit line in 2015", "a USD 9 billion credit line"])
    report = check_quotes(load_catalog([folder], include_bundled_sources=False))
    assert [r.found for r in report.results] == [True, False]


def test_a_damaged_pdf_is_an_error_not_a_traceback(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    report = check_quotes(load_catalog([folder_with(tmp_path, "bad.pdf", ["x"])], include_bundled_sources=False))
    assert report.failed and report.problems[0].is_error and "bad.pdf" in report.problems[0].message
