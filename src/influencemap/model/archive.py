"""The text of a source's archived copy, and the normalisation quotes are compared under.

A quote is evidence only if it is really in the document. Copies come as plain text, saved web
pages or PDFs, and each mangles text its own way: a PDF breaks words at line ends with a hyphen
("deep-\\nsea", "Vil-\\nnius"), web pages use curly quotes and typographic dashes, and a quote
typed by hand uses straight ones. :func:`normalise` maps all of these to one form, and keeps for
every character of the result where it came from, so that a match can be shown in the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

QUOTE_MARKS = {c: '"' for c in "“”„‟″«»"} | {c: "'" for c in "‘’‚‛′`"}
DASHES = frozenset("‐‑‒–—―−")
SOFT_HYPHEN = "\u00ad"


class ArchiveError(Exception):
    """The archived copy cannot be read (missing, unreadable, not text)."""


@dataclass(frozen=True)
class Normalised:
    """Normalised text, and for each of its characters the index in the original text."""

    text: str
    positions: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's [start, end) for the normalised text's [start, end)."""
        if not self.positions:
            return (0, 0)
        return self.positions[start], self.positions[max(start, end - 1)] + 1


def normalise(text: str) -> Normalised:
    """Whitespace runs → one space; curly quotes → straight; dashes and ``--`` → ``-``; soft
    hyphens dropped; a hyphen between two letters dropped, also across a line break (so "deep-sea",
    "deep-\\nsea" and "deepsea" compare equal, as do "Vil-\\nnius" and "Vilnius"). Case is kept."""
    out: list[str] = []
    where: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == SOFT_HYPHEN:
            i += 1
            continue
        if ch in DASHES or ch == "-":
            j = i + 1
            while j < n and (text[j] == "-" or text[j] in DASHES):  # "--" is one dash
                j += 1
            k = j
            while k < n and text[k] in " \t":
                k += 1
            broken = k < n and text[k] in "\r\n"
            if broken:
                while k < n and text[k].isspace():
                    k += 1
            else:
                k = j
            if out and out[-1].isalnum() and k < n and text[k].isalnum() and j == i + 1:
                i = k  # a hyphen inside a word (or one that breaks it at a line end)
                continue
            out.append("-")
            where.append(i)
            i = j
            continue
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            i += 1
            continue
        out.append(QUOTE_MARKS.get(ch, ch))
        where.append(i)
        i += 1
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return Normalised("".join(out), tuple(where))


def read_archive(path: str | Path) -> str:
    """The document's text: a .txt file as it is, an .html page without its markup, a .pdf's
    extracted text (through pypdf) with a form feed between pages."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            return _pdf_text(path)
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"cannot read archived copy '{path}': {exc.strerror or exc}") from None
    text = data.decode("utf-8", errors="replace")
    if suffix in (".html", ".htm"):
        return html_text(text)
    return text


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # a dependency; say what is missing rather than fail obscurely
        raise ArchiveError(f"cannot read PDF '{path}': {exc}") from None
    try:
        reader = PdfReader(str(path))
        return "\f".join(page.extract_text() or "" for page in reader.pages)
    except FileNotFoundError:
        raise ArchiveError(f"cannot read archived copy '{path}': No such file or directory") from None
    except (OSError, PdfReadError, ValueError) as exc:
        raise ArchiveError(f"cannot read PDF '{path}': {exc}") from None


class _TextOfPage(HTMLParser):
    SKIP = frozenset(("script", "style", "head", "noscript", "template"))
    BLOCKS = frozenset(("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
                        "blockquote", "figcaption", "header", "footer", "table", "ul", "ol"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_text(page: str) -> str:
    """The visible text of a saved web page, a line break at each block."""
    parser = _TextOfPage()
    parser.feed(page)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
