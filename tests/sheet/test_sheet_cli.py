"""``influencemap export -o map.pdf|png|svg`` with the sheet's options: same renderer as the dialog."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from PySide6.QtGui import QImage

from influencemap.cli import main

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make system-deps)")


def test_paper_and_dpi_set_the_png_pixels(sheet_folder, qapp, tmp_path, capsys):
    out = tmp_path / "map.png"
    assert main(["export", str(sheet_folder), "-o", str(out), "--paper", "a4-landscape", "--dpi", "300"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (3508, 2480)
    assert "wrote" in capsys.readouterr().err


def test_size_still_sets_the_pixels(sheet_folder, qapp, tmp_path):
    out = tmp_path / "map.png"
    assert main(["export", str(sheet_folder), "-o", str(out), "--size", "900x600"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)


@needs_poppler
def test_a_pdf_from_the_command_line_has_title_notes_and_sources(sheet_folder, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    code = main([
        "export", str(sheet_folder), "-o", str(out), "--paper", "a4-portrait", "--title", "Belarus and China",
        "--subtitle", "Since 2009", "--notes", "Capitals stand for country-level facts.", "--legend", "top-left",
        "--bbox", "22,44,34,57", "--scale-bar", "off",
    ])
    assert code == 0
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info or "595 x 842 pts (A4)" in info
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split())
    for expected in ("Belarus and China", "Since 2009", "Capitals stand for country-level facts.",
                     "[1] Lukashenka in Beijing", "Minsk, BY (3 facts)"):
        assert expected in text
    assert "Central Asian outposts" not in text  # outside the bbox: not in the legend
    assert not re.search(r"\d (km|m)\b", text)  # --scale-bar off: no scale bar label


@needs_poppler
def test_sources_list_off_on_the_command_line(sheet_folder, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    assert main(["export", str(sheet_folder), "-o", str(out), "--sources-list", "off"]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Lukashenka in Beijing" not in text
    assert re.search(r"\d (km|m)\b", text)  # the scale bar is on by default


def test_the_svg_from_the_command_line_lists_the_numbered_sources(sheet_folder, qapp, tmp_path):
    out = tmp_path / "map.svg"
    assert main(["export", str(sheet_folder), "-o", str(out), "--bbox", "22,44,34,57"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "[1] Lukashenka in Beijing" in text and "[2] Nizhnikau &amp; Kaczmarski" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dpi", "20"], "DPI must be between 72 and 600"),
        (["--size", "800x600", "--paper", "a4-portrait"], "give --size or --paper, not both"),
        (["--bbox", "40,50,30,60"], "--bbox must have min < max"),
    ],
)
def test_bad_sheet_options_are_usage_errors(sheet_folder, qapp, tmp_path, capsys, args, message):
    out = tmp_path / "map.png"
    assert main(["export", str(sheet_folder), "-o", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_unknown_paper_is_refused_by_the_parser(sheet_folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(sheet_folder), "-o", str(tmp_path / "m.pdf"), "--paper", "letter"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'letter'" in capsys.readouterr().err


def test_a_pdf_sheet_of_a_sized_layer_has_its_size_key(tmp_path, qapp):
    folder = tmp_path / "sized"
    folder.mkdir()
    (folder / "sized.yaml").write_text(
        """\
id: sized
name: Sized loans
style: {color: "#b2182b", size: {figure: Amount, max: 30}}
sources:
  - {id: doc, title: A document}
features:
  - {id: a, name: Big, point: [27.56, 53.9], sources: [doc], figures: [{label: Amount, value: 3.0e9, unit: USD}]}
  - {id: b, name: Small, point: [30.52, 50.45], sources: [doc], figures: [{label: amount, value: 1.0e8, unit: USD}]}
""",
        encoding="utf-8",
    )
    out = tmp_path / "sized.pdf"
    assert main(["export", str(folder), "-o", str(out), "--bbox", "22,44,34,57"]) == 0
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "USD 2 bn" in text and "USD 500 m" in text, text
