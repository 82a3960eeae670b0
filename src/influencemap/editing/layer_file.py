"""Safe edits of layer files: validate first, refuse stale writes, back up, write atomically.

A write never truncates or silently rewrites a user's file:
- the new text is validated (with all the other loaded files, so ids and sources are checked
  across files) and refused when it adds errors;
- a file that changed on disk since it was read is never overwritten: checked before anything
  is written (so a refused write leaves an earlier ``.bak`` alone) and again after the new
  text is on disk, right before it replaces the file;
- the version replaced is kept as ``NAME.yaml.bak`` (not loaded as a layer: not ``.yaml``);
- the new text goes to a temporary file that is renamed over the old one
  (:func:`influencemap.fileio.write_bytes_atomic`: symbolic links are written through,
  hard-linked files in place, read-only files refused);
- the bytes the edit does not touch stay as they were: a UTF-8 byte order mark is kept, and a
  file whose lines all end in CRLF gets CRLF in the new lines too.

What remains: an external save in the microseconds between the last check and the rename is
still replaced (it is not in the ``.bak`` either); only a lock every editor honoured could close
that, and editors do not lock files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from influencemap.editing import yaml_text
from influencemap.editing.yaml_text import EditError
from influencemap.fileio import write_bytes_atomic, write_target
from influencemap.model.loader import load_catalog
from influencemap.model.types import Problem

BACKUP_SUFFIX = ".bak"


class FileChangedOnDisk(EditError):
    """The file is not what it was when it was read: someone else edited it."""


class InvalidEdit(EditError):
    """The edit would add errors; ``problems`` lists them (FILE:LINE:COL)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(p.format() for p in self.problems)
        super().__init__(f"the edit was not saved because it would add errors:\n{listed}")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LayerText:
    """A layer file's text as read, with the fingerprint that later writes are checked against.

    ``text`` has LF line ends (the edits write LF); ``newline`` and ``bom`` say how the file
    writes them, and :meth:`encode` turns an edited text back into the file's own form.
    """

    path: Path
    text: str
    digest: str
    bom: bool = False
    newline: str = "\n"

    @classmethod
    def read(cls, path: Path) -> "LayerText":
        data = Path(path).read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise EditError(f"{path} is not UTF-8 text; fix it in an editor first") from None
        newline = "\n"
        if "\r\n" in text and text.count("\r\n") == text.count("\n"):
            newline = "\r\n"  # every line ends in CRLF (a mixed file is left as it is)
            text = text.replace("\r\n", "\n")
        return cls(Path(path), text, _digest(data), data.startswith(BOM), newline)

    def encode(self, text: str) -> bytes:
        """``text`` as bytes in this file's form: its line ends, its byte order mark."""
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return (BOM if self.bom else b"") + text.encode("utf-8")

    def check_unchanged(self) -> None:
        try:
            current = self.path.read_bytes()
        except FileNotFoundError:
            raise FileChangedOnDisk(f"{self.path} was deleted since it was read") from None
        if _digest(current) != self.digest:
            raise FileChangedOnDisk(
                f"{self.path} changed on disk since it was read; reload it and make the edit again"
            )


@dataclass(frozen=True)
class Edit:
    """One saved change: enough to undo it with the same guarantees."""

    path: Path
    before: str
    after: str
    description: str


def _replace(source: LayerText, data: bytes) -> None:
    """Write ``data`` over the file ``source`` was read from, keeping that version in ``.bak``.

    A stale write is refused before the ``.bak`` is touched; the file is checked again once
    ``data`` is on disk, right before the rename, so the ``.bak`` (the bytes as read) is the
    version the rename replaces.
    """
    write_target(source.path)  # a read-only file or a folder is refused before anything is written
    source.check_unchanged()
    write_bytes_atomic(backup_path(source.path), source.encode(source.text), remove_stale_temps=True)
    write_bytes_atomic(source.path, data, before_replace=source.check_unchanged, remove_stale_temps=True)


def validation_problems(context_paths: Sequence[Path], path: Path, new_text: str) -> list[Problem]:
    """Errors the new text of ``path`` would add, loaded together with ``context_paths``.

    All files count: a duplicate id may be reported at the other file that holds it.
    """
    resolved = Path(path).resolve()
    paths = list(context_paths) or [path]
    before = load_catalog(paths).errors
    after = load_catalog(paths, overrides={resolved: new_text.encode("utf-8")}).errors
    if len(after) <= len(before):
        return []
    known = {(p.origin.path, p.message) for p in before}
    return [p for p in after if (p.origin.path, p.message) not in known] or list(after)


@dataclass
class LayerEditor:
    """Applies edits to layer files and remembers them for undo (most recent last)."""

    context_paths: Sequence[Path] = ()
    """The files and folders loaded in the app: an edit is validated together with them."""
    history: list[Edit] = field(default_factory=list)
    validate: Callable[[Sequence[Path], Path, str], list[Problem]] = validation_problems

    def _save(self, source: LayerText, new_text: str, description: str) -> Edit:
        problems = self.validate(self.context_paths, source.path, new_text)
        if problems:
            raise InvalidEdit(problems)
        _replace(source, source.encode(new_text))
        edit = Edit(source.path, source.text, new_text, description)
        self.history.append(edit)
        return edit

    def add_feature(
        self, source: LayerText, feature: Mapping[str, Any], new_source: Mapping[str, Any] | None = None
    ) -> Edit:
        """Append ``feature``; with ``new_source``, also add that source to the file's own
        ``sources:`` in the same write (one undo step)."""
        new_text = yaml_text.append_feature(source.text, feature)
        if new_source is not None:
            new_text = yaml_text.append_source(new_text, new_source)
        return self._save(source, new_text, f"add {feature.get('id', 'feature')}")

    def replace_feature(
        self,
        source: LayerText,
        feature_id: str,
        feature: Mapping[str, Any],
        new_source: Mapping[str, Any] | None = None,
    ) -> Edit:
        new_text = yaml_text.replace_feature(source.text, feature_id, feature)
        if new_source is not None:
            new_text = yaml_text.append_source(new_text, new_source)
        return self._save(source, new_text, f"edit {feature_id}")

    def delete_feature(self, source: LayerText, feature_id: str) -> Edit:
        new_text = yaml_text.delete_feature(source.text, feature_id)
        return self._save(source, new_text, f"delete {feature_id}")

    def undo(self) -> Edit | None:
        """Put back the text before the last edit, if the file still holds that edit's text."""
        if not self.history:
            return None
        edit = self.history[-1]
        current = LayerText.read(edit.path)
        if current.text != edit.after:
            raise FileChangedOnDisk(
                f"{edit.path} changed since '{edit.description}'; undo would overwrite those changes"
            )
        _replace(current, current.encode(edit.before))
        self.history.pop()
        return edit


NEW_LAYER_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A layer of influencemap (format v1): see docs/format.md. Every feature cites a source.
id: {layer_id}
name: {name}
description: ""
category: {category}
style:
  color: "#1f78b4"
  marker: circle
sources: []
features: []
"""


def new_layer_text(layer_id: str, name: str, category: str = "Other", schema: str = "../schema/layer.schema.json") -> str:
    return NEW_LAYER_TEMPLATE.format(
        layer_id=layer_id, name=_yaml_scalar(name), category=_yaml_scalar(category), schema=schema
    )


def _yaml_scalar(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def create_layer_file(path: Path, layer_id: str, name: str, category: str = "Other", schema: str | None = None) -> None:
    """Write a new layer file from the template; never overwrites an existing file."""
    path = Path(path)
    text = new_layer_text(layer_id, name, category, schema or _schema_reference(path))
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": fail if it exists
            handle.write(text)
    except FileExistsError:
        raise EditError(f"{path} already exists; choose another id or folder") from None


def _schema_reference(path: Path) -> str:
    """The schema's path relative to the new file, when the repository's schema is nearby."""
    from influencemap.paths import schema_file

    schema = schema_file()
    try:
        return os.path.relpath(schema, Path(path).resolve().parent)
    except ValueError:
        return str(schema)
