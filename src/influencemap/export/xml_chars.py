"""Only characters XML 1.0 allows in the files the exporters write (issue 18).

A layer file can hold any character in a double-quoted YAML string: ``"Minsk\\v"`` is a
vertical tab, ``"\\0"`` a NUL, ``"\\uFFFE"`` a non-character, ``"\\uD800"`` half of a surrogate
pair. XML 1.0 forbids them (Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
[#x10000-#x10FFFF]): one of them in an SVG makes the whole file not well-formed and a browser
refuses to show it; in an HTML page it is a parse error, and a lone surrogate cannot even be
encoded as UTF-8. The exporters replace each such character with U+FFFD (the replacement
character), so the file opens everywhere and the reader still sees that something was there.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# In JSON text as json.dumps writes it: an escaped backslash (kept, so that the text after it is
# not read as an escape), or the escape of a control character XML does not allow (not \t \n \r).
_JSON_ESCAPE = re.compile(r"\\(?:\\|u00(?:0[0-8bcef]|1[0-9a-f])|[bf])")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 does not allow replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub(REPLACEMENT, text)


def xml_safe_bytes(data: bytes) -> bytes:
    """UTF-8 ``data`` with bytes that are not UTF-8 and characters XML does not allow replaced."""
    return xml_safe(data.decode("utf-8", errors="replace")).encode("utf-8")


def xml_safe_json(text: str) -> str:
    """JSON text (as ``json.dumps`` writes it) whose strings hold only XML characters: the
    escapes of forbidden control characters (``\\u000b``, ``\\b``, ``\\f``) become U+FFFD as
    well as the forbidden characters written as they are."""
    return xml_safe(_JSON_ESCAPE.sub(_json_escape_replacement, text))


def _json_escape_replacement(match: re.Match) -> str:
    return match.group() if match.group() == "\\\\" else REPLACEMENT
