"""Load layer files into a :class:`Catalog`, validating like a compiler.

Every problem is reported with its file, line and column; one bad file, layer or feature never
stops the others. A file whose YAML cannot be read, or whose layer keys are wrong, contributes
no layer; a feature with an error is left out while the rest of its layer loads.

Loading happens in two steps. Each file is first read on its own into a
:class:`~influencemap.model.file_result.FileResult` (its layer, features, sources, problems and
source references); that result depends only on the file's bytes, the loader's code and the
gazetteer and basemap data, so it is cached (:mod:`influencemap.model.load_cache`), and a big
file that is valid is read by a fast parser (:mod:`influencemap.model.fast_parse`) that gives up
on anything unusual, leaving it to the precise reader
(:mod:`influencemap.model.precise_reader`). Then the checks across files run on every load:
duplicate ids of layers, features and sources, and references to undefined sources.

The modules depend one way (checked by ``tests/model/test_model_layering.py``): types and
schema, then the rules and the readers (precise, fast, bulk data), then the file result and the
feature table, then the load cache, then this orchestrator.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from influencemap.model import load_cache, schema
from influencemap.model.actors import canonical_layers
from influencemap.model.catalog import Catalog
from influencemap.model.feature_table import FeatureTable
from influencemap.model.file_result import FileResult, failed_file, refused_file, unexpected_message  # noqa: F401 - the loader's API
from influencemap.model.gc_pause import paused_gc
from influencemap.model.types import Actor, Layer, Origin, Problem, Severity, Source
from influencemap.paths import bundled_actors_file, bundled_layers_dir, bundled_sources_file

if TYPE_CHECKING:  # the gazetteer is imported when a file names a place, not from the cache
    from influencemap.geo.gazetteer import Gazetteer
    from influencemap.model.precise_reader import FileReader

log = logging.getLogger(__name__)

LAYER_SUFFIXES = (".yaml", ".yml")

FAST_READER_MIN_BYTES = 16_384
"""Smaller files go straight to the precise reader: the fast one pays a fixed cost per file
(planning its chunks, a rapidyaml parser) that only a big file earns back (issue 18: 10,000
small files)."""


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, and the ``*.yaml``/``*.yml`` files under each folder, in sorted order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in LAYER_SUFFIXES and p.is_file())
            )
        else:
            files.append(path)
    unique: dict[Path, None] = {}
    for f in files:
        unique.setdefault(f, None)
    return list(unique)


def load_catalog(
    paths: Sequence[str | os.PathLike] | None = None,
    *,
    gazetteer: Gazetteer | None = None,
    include_bundled_sources: bool = True,
    overrides: Mapping[Path, bytes] | None = None,
    use_cache: bool = True,
    allow_outside_data: bool = False,
) -> Catalog:
    """Load layer and sources files (or folders) into a catalog with every problem found.

    With no paths, the bundled ``layers/`` folder is loaded. The bundled ``sources.yaml`` and
    ``actors.yaml`` are always available, also when only a user's own paths are opened; a copy
    of them (a copied ``layers/`` folder) defines the same entries again, which is no error. ``overrides`` gives the
    content to use instead of what is on disk for some files (to validate an edit before it is
    written); its paths are loaded even when they do not exist yet. ``use_cache=False`` reads
    every file afresh (a given ``gazetteer`` does too: cached results assume the bundled one).
    A bulk layer's ``data:`` file must lie in the layer's folder or below it unless
    ``allow_outside_data`` (see :mod:`influencemap.model.data_access`).
    """
    files = expand_paths(paths if paths else [bundled_layers_dir()])
    # Registry files first, so a clash is reported at the layer, not at the canonical list.
    files.sort(key=lambda f: f.stem not in ("sources", "actors"))
    real = _real_paths(files)
    if include_bundled_sources:
        for bundled in (bundled_actors_file(), bundled_sources_file()):
            if bundled.exists() and bundled.resolve() not in real.values():
                files.insert(0, bundled)
                real[bundled] = bundled.resolve()
    overrides = {Path(p).resolve(): data for p, data in (overrides or {}).items()}
    known = set(real.values())
    for p in overrides:
        if p not in known:
            files.append(p)
            real[p] = p
    builder = _CatalogBuilder()
    gazetteers = _GazetteerSource(gazetteer)
    writes: list = []
    try:
        with paused_gc():
            for path in files:
                try:
                    result = load_cache.file_result(
                        path,
                        overrides.get(real[path]),
                        lambda display, data, p=path: read_file(
                            display, data, gazetteers, p, allow_outside_data=allow_outside_data
                        ),
                        cache=use_cache and gazetteer is None,
                        writes=writes,
                        variant=b"allow-outside-data" if allow_outside_data else b"",
                        real_path=real[path],
                    )
                except Exception as exc:  # noqa: BLE001 - one file must never hide the others
                    result = failed_file(str(path), exc)
                builder.add(result)
            return builder.finish()
    finally:
        load_cache.write_behind(writes)


def _real_paths(files: Sequence[Path]) -> dict[Path, Path]:
    """Each file's resolved path, resolving each folder once (``Path.resolve`` checks every
    component of the path, which for 10,000 files of one folder was a tenth of the load)."""
    folders: dict[Path, Path] = {}
    real: dict[Path, Path] = {}
    for f in files:
        folder = folders.get(f.parent)
        if folder is None:
            folder = folders[f.parent] = f.parent.resolve()
        joined = folder / f.name
        real[f] = joined.resolve() if f.name in ("", ".", "..") or os.path.islink(joined) else joined
    return real


# -- reading one file ------------------------------------------------------------------------


class _GazetteerSource:
    """The gazetteer, built only when a file names a place."""

    def __init__(self, gazetteer: Gazetteer | None) -> None:
        self._gazetteer = gazetteer

    def __call__(self) -> Gazetteer:
        if self._gazetteer is None:
            from influencemap.geo.gazetteer import default_gazetteer

            self._gazetteer = default_gazetteer()
        return self._gazetteer


def read_file(
    display: str,
    data: bytes,
    gazetteer: Callable[[], Gazetteer],
    path: Path | None = None,
    *,
    fast: bool | None = None,
    allow_outside_data: bool = False,
) -> FileResult:
    """Read one file's bytes into a result: the fast parser when it is sure, else the precise one.

    ``fast``: try the fast parser (True), or not (False); by default only for files of at least
    :data:`FAST_READER_MIN_BYTES`. Never raises: whatever goes wrong inside the fast parser leaves the file to the precise
    reader, and whatever goes wrong there becomes a problem at the file (at the feature,
    source or ``data:`` line being read when that is known)."""
    # The readers (and YAML, orjson, the column validator with them: ~40 ms of imports) are
    # imported when a file is read, not by a load whose files all come from the cache.
    from influencemap.model.precise_reader import FileReader

    def make_reader() -> FileReader:
        reader = FileReader(display, gazetteer, path)
        reader.allow_outside_data = allow_outside_data
        return reader

    if fast is None:
        fast = len(data) >= FAST_READER_MIN_BYTES
    if fast:
        from influencemap.model import fast_parse  # not for a small file (rapidyaml, the column validator)

        try:
            result = fast_parse.read_fast(display, data, make_reader)
        except Exception:  # noqa: BLE001 - the precise reader decides, and reports where
            log.debug("the fast reader failed on %s", display, exc_info=True)
            result = None
        if result is not None:
            return result
    try:
        return make_reader().read(data)
    except Exception as exc:  # noqa: BLE001 - a bad file must become a problem, never a traceback
        return failed_file(display, exc)




class _CatalogBuilder:
    """Joins the files' results: sources by id, then the checks across files."""

    def __init__(self) -> None:
        self.results: list[FileResult] = []
        self.sources: dict[str, Source] = {}
        self.actors: dict[str, Actor] = {}
        self.problems: list[Problem] = []

    def add(self, result: FileResult) -> None:
        """A file's sources and actors join the catalog's. The same entry defined identically
        in two files (the bundled ``sources.yaml`` and a copy of it) is one entry; only a
        conflicting definition is an error, naming both places."""
        problems = result.problems
        done = 0
        entries = sorted(
            [(index, 0, n, source) for n, (source, index) in enumerate(result.sources)]
            + [(index, 1, n, actor) for n, (actor, index) in enumerate(result.actors)],
            key=lambda e: e[:3],
        )
        for index, is_actor, _, entry in entries:
            self.problems.extend(problems[done:index])
            done = max(done, index)
            if is_actor:
                self._add_actor(entry)
            else:
                self._add_source(entry)
        self.problems.extend(problems[done:])
        if result.layer is not None:
            self.results.append(result)

    def _add_source(self, source: Source) -> None:
        first = self.sources.get(source.id)
        if first is None:
            self.sources[source.id] = source
        elif first.same_document(source):
            if source.archive and not first.archive:  # a copy that adds an archived copy
                self.sources[source.id] = source
        else:
            fields = ("title", "publisher", "author", "date", "url", "archive")
            differ = [name for name in fields if getattr(first, name) != getattr(source, name)]
            self.problems.append(Problem(source.origin, Severity.ERROR, (  # type: ignore[arg-type]
                f"duplicate source id '{source.id}' (first defined at {first.origin}) with a different "
                f"{', '.join(differ)}: identical definitions are one source; make them agree or give this one another id"
            )))

    def _add_actor(self, actor: Actor) -> None:
        first = self.actors.get(actor.id)
        if first is None:
            self.actors[actor.id] = actor
        elif not first.same_entity(actor):
            self.problems.append(Problem(actor.origin, Severity.ERROR, (  # type: ignore[arg-type]
                f"duplicate actor id '{actor.id}' (first defined at {first.origin}) with a different "
                "definition: identical definitions are one actor; make them agree or give this one another id"
            )))

    def finish(self) -> Catalog:
        layers: list[Layer] = []
        layer_ids: dict[str, Origin] = {}
        feature_ids = _TakenIds()
        reported_refs: set[tuple[str, int, int]] = set()  # a bad ref in layer defaults is reported once
        sources = self.sources
        for result in self.results:
            layer = result.layer
            assert layer is not None
            if layer.id in layer_ids:
                self.problems.append(
                    Problem(result.layer_id_origin, Severity.ERROR, f"duplicate layer id '{layer.id}' (first defined at {layer_ids[layer.id]})")  # type: ignore[arg-type]
                )
                continue
            layer_ids[layer.id] = layer.origin  # type: ignore[assignment]
            if result.ref_names <= sources.keys() and feature_ids.take_all(result):  # the usual case, at once
                layers.append(result.full_layer)  # type: ignore[arg-type]
                continue
            kept: list[int] = []
            table = result.features
            for index, feature_id in enumerate(table.ids):  # from the columns: no Feature built
                new: list[Problem] = []
                if feature_id in feature_ids:
                    first = feature_ids.first_origin(feature_id)
                    new.append(Problem(table.origin(index), Severity.ERROR, f"duplicate feature id '{feature_id}' (first defined at {first})"))
                undefined = False
                for ref_index, (ref, origin) in enumerate(result.refs[index]):
                    if ref in sources:
                        continue
                    undefined = True
                    if origin is None and result.locate_ref is not None:
                        origin = result.locate_ref(index, ref_index)
                    if origin is None:
                        origin = table.origin(index)
                    key = (origin.path, origin.line, origin.col)  # type: ignore[union-attr]
                    if key not in reported_refs:
                        reported_refs.add(key)
                        hint = schema.did_you_mean(ref, list(sources))
                        new.append(Problem(origin, Severity.ERROR, f"undefined source '{ref}'{hint}"))  # type: ignore[arg-type]
                if new or undefined:
                    self.problems.extend(new)
                    continue
                feature_ids.take(feature_id, result, index)
                kept.append(index)
            if len(kept) == len(table):
                layers.append(result.full_layer)  # type: ignore[arg-type]
            else:
                layers.append(_with_features(layer, table.take(kept)))
        if self.actors:
            layers, actor_problems = canonical_layers(layers, self.actors)
            self.problems.extend(actor_problems)
        problems = sorted(self.problems, key=lambda p: (p.origin.path, p.origin.line, p.origin.col))
        return Catalog(layers=tuple(layers), sources=dict(self.sources), problems=tuple(problems), actors=dict(self.actors))


class _TakenIds:
    """The feature ids taken so far across files, and where each was first defined.

    A file whose ids are all new is taken whole: its ids join one set, and the file is only
    remembered (no ``(file, row)`` pair per feature: a million such tuples were half of
    ``validate`` of a cached 1M layer). Where an id was first defined is looked up only for a
    duplicate's message, by indexing the files' id columns then."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._unhashed: list[FileResult] = []
        """Files taken whole whose ids are known distinct and not yet put in ``_ids``: a single
        big cached layer (1M ids: 0.23 s for the set, 0.06 s to decode them) never needs the
        set unless another file has features too or an id is asked about."""
        self._files: list[FileResult] = []
        """Files taken whole, in order."""
        self._rows: list[dict[str, int] | None] = []
        """Each whole file's id → row, made on the first duplicate message that needs it."""
        self._one_by_one: dict[str, tuple[FileResult, int]] = {}
        """Ids taken one at a time (from a file with a problem), with their file and row."""

    def _all_ids(self) -> set[str]:
        for result in self._unhashed:
            if self._ids:
                self._ids.update(result.feature_ids)
            else:
                self._ids = set(result.feature_ids)
        self._unhashed.clear()
        return self._ids

    def __contains__(self, feature_id: str) -> bool:
        return feature_id in self._all_ids()

    def take_all(self, result: FileResult) -> bool:
        """Take every id of the file if all are distinct and new; False (nothing taken) if not.
        A file's ids found distinct once are marked so (``result.distinct_ids``, kept in its
        cache entry), and are then not hashed for the first file with features."""
        if result.distinct_ids and len(result.features) and not self._ids and not self._unhashed:
            self._unhashed.append(result)
        else:
            ids = result.feature_ids
            taken = self._all_ids()
            new = set(ids)
            if len(new) != len(ids):
                return False
            result.distinct_ids = True
            if not taken.isdisjoint(new):
                return False
            if taken:
                taken |= new
            else:
                self._ids = new
        self._files.append(result)
        self._rows.append(None)
        return True

    def take(self, feature_id: str, result: FileResult, row: int) -> None:
        self._all_ids().add(feature_id)
        self._one_by_one[feature_id] = (result, row)

    def first_origin(self, feature_id: str) -> Origin | None:
        """Where the taken id was defined (its feature's origin, looked up from its file)."""
        place = self._one_by_one.get(feature_id)
        if place is not None:
            return place[0].features.origin(place[1])
        for n, result in enumerate(self._files):
            rows = self._rows[n]
            if rows is None:
                ids = result.feature_ids
                rows = self._rows[n] = dict(zip(ids, range(len(ids))))
            row = rows.get(feature_id)
            if row is not None:
                return result.features.origin(row)
        return None  # pragma: no cover - only asked about taken ids


def _with_features(layer: Layer, features: FeatureTable) -> Layer:
    """The layer with the rows of its file's table that were kept (all of them: the table itself)."""
    import dataclasses

    return dataclasses.replace(layer, features=features)




def __getattr__(name: str):
    """``FileReader``, the precise reader, as this module's API (imported when first asked for,
    like the readers: a load from the cache needs neither)."""
    if name == "FileReader":
        from influencemap.model.precise_reader import FileReader

        return FileReader
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
