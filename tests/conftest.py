"""Test-wide setup: no display, and a private cache folder so tests never touch the user's."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("INFLUENCEMAP_CACHE_DIR", tempfile.mkdtemp(prefix="influencemap-test-cache-"))
