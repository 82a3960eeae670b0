"""A helper process that parses and checks the chunks of a big layer file from its end while the
loading process works from its start: the second core does part of the work.

Python code and rapidyaml hold the GIL, so a thread would not help; a process does. The helper
runs the very same code (:class:`~influencemap.model.fast_columns.ChunkParser` and
:class:`~influencemap.model.fast_columns.ColumnChecker`) and sends back each chunk's columns of
plain values with :mod:`marshal`, or None where the chunk is not of the usual shape; the loading
process makes the features of every chunk itself, in the file's order. So the result does not
depend on which process checked which chunk, nor on how fast the helper is:

- the loading process never waits for the helper (except when a test asks it to): it takes the
  chunks from the front, and stops where the helper's results begin (the helper goes from the
  last chunk back, so what it has done is always the end of the file);
- a helper that cannot start, dies, or is slow just leaves more chunks to the loading process;
- a chunk the helper did not find of the usual shape is read again by the loading process.

When the country lookup's index is not in the cache yet, the helper first reads the basemap's
outlines too (pyogrio, which imports geopandas: half a second the loading process would spend
at its end, when the helper is done).

Protocol (pipes): the loader sends a header (marshal: version, the checks' shared values,
whether to read the outlines, and per chunk in the order sent: its index, entry count and byte
size), then the chunks' bytes, the last chunk first. The helper answers per chunk: 8 bytes of
length, then marshal of ``(columns or None, keys written)`` followed by the chunk's index in 8
bytes; the outlines come first, under an index of their own.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import threading
from pathlib import Path

from influencemap.model.fast_columns import ChunkParser, ColumnChecker, GiveUp, Shared

ENV = "INFLUENCEMAP_PARSE_HELPER"
"""Set to 0 to read every chunk in the loading process."""

MIN_CHUNKS = 16
"""Fewer chunks than this (about 4 MB of entries) are read faster than a helper starts."""

_VERSION = 2
_LENGTH = 8
_OUTLINES = 1 << 63
"""The index of the answer that holds the basemap's outlines."""
_LONGEST = 1 << 30
"""A longer answer is not one (a chunk's columns take well under a megabyte)."""


def start(chunks: int) -> Helper | None:
    """A helper for a file of about this many chunks, or None (not worth it, switched off with
    ``INFLUENCEMAP_PARSE_HELPER=0``, a frozen app, or no process could be started)."""
    if chunks < MIN_CHUNKS or os.environ.get(ENV, "1") == "0" or getattr(sys, "frozen", False):
        return None
    if not sys.executable or _cores() < 2:
        return None  # one core: the helper would only take turns with the loading process
    try:
        return Helper()
    except OSError:
        return None


class Helper:
    """One helper process for one file's chunks: started first (its interpreter starts while the
    file is split), then sent the chunks."""

    def __init__(self) -> None:
        self._count = 0
        self._results: dict[int, bytes] = {}
        self._done_from = 0
        """All chunks from this index on have been answered."""
        self._changed = threading.Condition()
        self._ended = False
        self._outlines: bytes | None = None
        self._outlines_asked = False
        self._threads: list[threading.Thread] = []
        self._stopped = False
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        self._process = subprocess.Popen(
            _command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )

    def send(
        self, data: bytes, offsets: list[int], bounds: list[tuple[int, int]], shared: Shared, outlines: bool = False
    ) -> None:
        """Hand the helper the chunks ``data[offsets[first]:offsets[last]]`` of ``bounds``; with
        ``outlines``, it first reads the basemap's outlines (see :meth:`outlines`)."""
        self._count = self._done_from = len(bounds)
        self._outlines_asked = outlines
        order = list(range(self._count - 1, -1, -1))
        header = marshal.dumps((
            _VERSION, shared.to_plain(), outlines, order,
            [bounds[i][1] - bounds[i][0] for i in order],
            [offsets[bounds[i][1]] - offsets[bounds[i][0]] for i in order],
        ))
        parts = [len(header).to_bytes(_LENGTH, "little"), header]
        parts += [memoryview(data)[offsets[bounds[i][0]] : offsets[bounds[i][1]]] for i in order]
        self._threads = [
            threading.Thread(target=self._write, args=(parts,), daemon=True),
            threading.Thread(target=self._read, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _write(self, parts: list) -> None:
        stdin = self._process.stdin
        try:
            for part in parts:
                stdin.write(part)  # type: ignore[union-attr]
            stdin.close()  # type: ignore[union-attr]
        except (OSError, ValueError):  # the helper ended (or was ended) early
            pass

    def _read(self) -> None:
        stdout = self._process.stdout
        try:
            while True:
                size = stdout.read(_LENGTH)  # type: ignore[union-attr]
                if len(size) < _LENGTH:
                    break
                length = int.from_bytes(size, "little")
                if not _LENGTH <= length <= _LONGEST:
                    break  # not an answer
                payload = stdout.read(length)  # type: ignore[union-attr]
                if len(payload) < length:
                    break
                index = int.from_bytes(payload[-8:], "little")
                with self._changed:
                    if index == _OUTLINES and self._outlines is None:
                        self._outlines = payload[:-8]
                        self._changed.notify_all()
                        continue
                    if index != self._done_from - 1:
                        break  # not the expected order: stop trusting it
                    self._results[index] = payload[:-8]
                    self._done_from = index
                    self._changed.notify_all()
        except (OSError, ValueError, MemoryError):
            pass
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def done_from(self) -> int:
        """The first chunk from which on every chunk has been answered (the count if none)."""
        return self._done_from

    def wait_until(self, index: int, timeout: float) -> bool:
        """Wait until chunk ``index`` is answered (for tests); False if it will not be in time."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._done_from <= index or self._ended, timeout
            ) and self._done_from <= index

    def outlines(self, timeout: float) -> tuple | None:
        """The basemap's outlines the helper read (:func:`~influencemap.geo.basemap.read_outlines`),
        waiting for them up to ``timeout`` seconds (it started on them first: that is sooner
        than reading them here); None if they were not asked for or do not come."""
        with self._changed:
            if not self._outlines_asked:
                return None
            self._changed.wait_for(lambda: self._outlines is not None or self._ended, timeout)
            payload = self._outlines
        if payload is None:
            return None
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None

    def answered(self, since: int) -> list[int]:
        """The chunks from ``since`` on answered and not taken yet (an answer for an earlier
        chunk came too late: the loading process read that chunk itself)."""
        with self._changed:
            return [index for index in self._results if index >= since]

    def take(self, index: int) -> tuple[dict | None, int]:
        """The columns (None: not of the usual shape, or a garbled answer) and keys written of
        an answered chunk."""
        with self._changed:
            answer = self._results.pop(index)
        try:
            columns, written = marshal.loads(answer)
        except (ValueError, EOFError, TypeError):
            return None, 0
        if type(columns) is not dict or type(written) is not int:
            return None, 0
        return columns, written

    def stop(self) -> None:
        """End the helper process, keeping the answers it gave."""
        if not self._stopped:
            self._stopped = True
            if self._process.poll() is None:
                self._process.kill()

    def close(self) -> None:
        """End the helper and its threads."""
        process = self._process
        self.stop()
        for thread in self._threads:
            thread.join()
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        process.wait()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _command() -> list[str]:
    return [sys.executable, "-c", "from influencemap.model.parse_helper import serve; serve()"]


def serve() -> None:
    """The helper's side: read the chunks from stdin, answer each on stdout."""
    import gc

    gc.disable()  # millions of acyclic objects, then the process ends
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    length = int.from_bytes(_read_exact(stdin, _LENGTH), "little")
    version, shared, outlines, order, counts, sizes = marshal.loads(_read_exact(stdin, length))
    if version != _VERSION:
        return
    if outlines:
        # pyogrio imports these when they are installed; reading the outlines as WKB needs none
        # of them, and without them the import takes a third of the time (this process reads
        # nothing else with pyogrio). Should a later pyogrio need one, the loader reads them.
        for optional in _PYOGRIO_OPTIONAL:
            sys.modules.setdefault(optional, None)  # type: ignore[arg-type]
        try:
            from influencemap.geo import basemap

            found = basemap.read_outlines()
        except Exception:  # the loading process reads them itself
            found = None
        _answer(stdout, marshal.dumps(found), _OUTLINES)
    parser = ChunkParser()
    checker = ColumnChecker(Shared.from_plain(shared))
    for index, count, size in zip(order, counts, sizes):
        chunk = _read_exact(stdin, size)
        try:
            items, written = parser.parse(chunk, count)
            columns = checker.check(items)
        except GiveUp:
            columns, written = None, 0
        _answer(stdout, marshal.dumps((columns, written)), index)


def _answer(stdout, payload: bytes, index: int) -> None:
    payload += index.to_bytes(8, "little")
    stdout.write(len(payload).to_bytes(_LENGTH, "little"))
    stdout.write(payload)
    stdout.flush()


_PYOGRIO_OPTIONAL = ("geopandas", "pandas", "pyarrow", "pyproj")


def _read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise SystemExit(0)  # the loading process is gone or done
    return data
