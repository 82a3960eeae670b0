"""``influencemap export -o TARGET`` refuses a folder or a read-only file with a message, for
every export kind, before it loads or draws anything (issue 18, item 7)."""

from __future__ import annotations

import pytest

from influencemap.cli import main
from influencemap.export.geojson import write_geojson
from influencemap.export.html import write_html
from influencemap.fileio import NotAFile, ReadOnlyFile, write_text_atomic
from influencemap.model.catalog import Catalog

KINDS = ["map.geojson", "map.json", "map.html", "map.htm", "map.png", "map.svg"]


@pytest.mark.parametrize("name", KINDS)
def test_exporting_onto_a_folder_is_refused_with_a_message(tmp_path, capsys, name):
    folder = tmp_path / name
    folder.mkdir()
    assert main(["export", "-o", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"influencemap: error: {folder} is a folder, not a file" in err
    assert "Traceback" not in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", KINDS)
def test_exporting_onto_a_read_only_file_is_refused(tmp_path, capsys, name):
    out = tmp_path / name
    out.write_bytes(b"theirs")
    out.chmod(0o444)
    assert main(["export", "-o", str(out)]) == 2
    assert "is read-only" in capsys.readouterr().err
    assert out.read_bytes() == b"theirs"


def test_the_writers_refuse_a_folder_before_doing_the_work(tmp_path, monkeypatch):
    folder = tmp_path / "x.html"
    folder.mkdir()
    import influencemap.export.html as html_export

    monkeypatch.setattr(html_export, "render_html", lambda *a, **k: pytest.fail("rendered before the check"))
    with pytest.raises(NotAFile):
        write_html(Catalog(layers=(), sources={}, problems=()), folder)
    with pytest.raises(NotAFile):
        write_geojson(Catalog(layers=(), sources={}, problems=()), tmp_path)
    with pytest.raises(NotAFile):
        write_text_atomic(tmp_path, "x")


def test_refusals_are_os_errors_so_every_caller_that_reports_os_errors_reports_them(tmp_path):
    assert issubclass(NotAFile, OSError) and issubclass(ReadOnlyFile, OSError)
    ro = tmp_path / "ro.txt"
    ro.write_text("x")
    ro.chmod(0o444)
    with pytest.raises(ReadOnlyFile, match="ro.txt is read-only"):
        write_text_atomic(ro, "y")


def test_a_symlinked_export_target_is_written_through(tmp_path):
    real = tmp_path / "real.geojson"
    real.write_text("old")
    link = tmp_path / "link.geojson"
    link.symlink_to(real)
    assert main(["export", "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_text().startswith("{")
