"""Opening a layer file in the user's own editor, at a feature's line where the editor allows it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Mapping

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

PLUS_LINE_EDITORS = frozenset({"vi", "vim", "nvim", "gvim", "mvim", "nano", "emacs", "emacsclient", "kak", "micro", "joe", "mg", "ne"})
"""Editors that take ``+LINE FILE``."""
GOTO_EDITORS = frozenset({"code", "code-insiders", "codium", "cursor"})
"""VS Code and its relatives: ``-g FILE:LINE``."""
TERMINAL_EDITORS = frozenset({"vi", "vim", "nvim", "nano", "kak", "micro", "joe", "mg", "ne"})
"""Editors that need a terminal: started in one when the system names a terminal emulator."""


def editor_command(path: str | Path, line: int | None, environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The command that opens ``path`` at ``line`` in ``$VISUAL`` or ``$EDITOR``; None without one."""
    env = os.environ if environ is None else environ
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor:
        return None
    try:
        argv = shlex.split(editor)
    except ValueError:
        return None
    if not argv:
        return None
    name = Path(argv[0]).name.lower().removesuffix(".exe")
    if line and name in GOTO_EDITORS:
        return argv + ["-g", f"{path}:{line}"]
    if line and name in PLUS_LINE_EDITORS:
        return argv + [f"+{line}", str(path)]
    return argv + [str(path)]


def open_in_editor(path: str | Path, line: int | None = None) -> str:
    """Open the file in the user's editor (or the system's default app); returns how."""
    command = editor_command(path, line)
    if command is not None and Path(command[0]).name in TERMINAL_EDITORS:
        terminal = shutil.which("x-terminal-emulator")
        if terminal:
            command = [terminal, "-e", *command]
    if command is not None:
        try:
            subprocess.Popen(command, start_new_session=True)  # noqa: S603 - the user's own editor
            return " ".join(command)
        except OSError:
            pass  # a terminal editor name that is not installed: fall back to the desktop
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    return "the system's default application"
