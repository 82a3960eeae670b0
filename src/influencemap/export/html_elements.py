"""The pieces both parts of the HTML page are built from: raw text, elements whose data sits in
a JSON block, inlined scripts and styles, and the offline basemap's credit.

:mod:`influencemap.export.html` builds the page and :mod:`influencemap.export.html_context`
adds the places and water to it; both take these from here, so that neither imports the other
back (the page calls the context, never the reverse).

branca turns each element's rendered script back into a Jinja template before it renders the
page, so text from the data must never be in a script: a name like "{{ 7*7 }}" would be run.
The data goes into ``<script type="application/json">`` blocks (written as given, never parsed
as a template), and the scripts only name the block to read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template

from influencemap.export.xml_chars import xml_safe_json

BASEMAP_ATTRIBUTION = "Basemap: Natural Earth"


class Raw(Element):
    """A piece of the page written as given (an inlined library, a data block)."""

    _template = Template("{{ this.code }}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class WithData(MacroElement):
    """An element whose script reads its data (``self._data``) from a JSON block in the body."""

    _data: Any = None

    @property
    def data_id(self) -> str:
        return self.get_name() + "_data"

    def render(self, **kwargs) -> None:
        block = f'<script type="application/json" id="{self.data_id}">{js_json(self._data)}</script>'
        self.get_root().html.add_child(Raw(block), name=self.data_id)
        super().render(**kwargs)


def js_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&``, no line
    separators. The escapes are JSON's own, so the values read back are exactly the ones given.
    """
    text = xml_safe_json(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def script_tag(code: str) -> str:
    """``code`` inlined in a ``<script>`` element; refused if it could end the element early."""
    if re.search(r"</script", code, re.IGNORECASE):
        raise ValueError("an inlined script must not contain '</script'")
    return f"<script>\n{code}\n</script>"


def style_tag(code: str) -> str:
    """``code`` inlined in a ``<style>`` element; refused if it could end the element early."""
    if re.search(r"</style", code, re.IGNORECASE):
        raise ValueError("an inlined stylesheet must not contain '</style'")
    return f"<style>\n{code}\n</style>"
