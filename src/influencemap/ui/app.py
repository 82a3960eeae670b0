"""Start the desktop app: ``influencemap [PATH ...]`` ends up here."""

from __future__ import annotations

import signal
import sys
from typing import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

ORGANIZATION = "influencemap"
APPLICATION = "influencemap"


def run_app(paths: Sequence[str], basemap=None, allow_outside_data: bool = False) -> int:
    """Open the main window on ``paths`` (the bundled layers when empty) and run until it closes.

    The window shows at once and the layers load on a worker thread, with a busy indicator in
    the status bar if that takes more than half a second. ``basemap`` (from ``--basemap``)
    replaces the remembered basemap; ``allow_outside_data`` (from ``--allow-outside-data``)
    lets the layers' ``data:`` files lie outside their folders, for a bundle the user trusts.
    """
    from influencemap.model import load_cache

    load_cache.free_results_at_exit()  # Qt's shutdown may rely on the last collection
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("influencemap")

    from influencemap.ui.main_window import MainWindow

    window = MainWindow(list(paths), load_in_background=True, allow_outside_data=allow_outside_data)
    if basemap is not None:
        window.basemap_menu.choose(basemap)
    window.show()
    # Let Ctrl+C in the terminal quit cleanly: Python only sees signals between Qt events.
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    tick = QTimer()
    tick.start(250)
    tick.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        tick.stop()
        signal.signal(signal.SIGINT, previous)
