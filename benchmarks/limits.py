"""How fast hostile or large input is turned away (the timings the unit tests no longer assert).

    python benchmarks/limits.py [--runs 5]

- alias bomb: a 9-level YAML "billion laughs" (9**9 strings if expanded) through
  ``load_catalog``, until its error comes back;
- hard-linked, symlinked and plain layer edits: one ``add_feature`` each (validation included),
  to show the checks of issue 18 cost nothing next to the validation.

Prints JSON; docs/performance.md records the numbers.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def alias_bomb(folder: Path) -> float:
    from influencemap.model.loader import load_catalog

    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = folder / "bomb.yaml"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    started = time.perf_counter()
    catalog = load_catalog([path], include_bundled_sources=False, use_cache=False)
    elapsed = time.perf_counter() - started
    assert any("alias bomb" in p.message for p in catalog.errors)
    return elapsed


LAYER = """\
id: loans
name: Loans
sources: [{id: doc-a, title: A report}]
features:
  - {id: first, name: First, point: [27.56, 53.9], countries: [BY], sources: [doc-a]}
"""


def edit(folder: Path, kind: str) -> float:
    from influencemap.editing.layer_file import LayerEditor, LayerText

    real = folder / f"{kind}.yaml"
    real.write_text(LAYER.replace("id: loans", f"id: {kind}"), encoding="utf-8")
    path = real
    if kind == "symlink":
        path = folder / "link" / real.name
        path.parent.mkdir(exist_ok=True)
        path.symlink_to(real)
    elif kind == "hardlink":
        os.link(real, folder / "other-name.txt")
    feature = {"id": f"{kind}-2", "name": "Second", "point": [30.52, 50.45], "countries": ["UA"], "sources": ["doc-a"]}
    started = time.perf_counter()
    LayerEditor([path]).add_feature(LayerText.read(path), feature)
    return time.perf_counter() - started


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    results: dict[str, list[float]] = {"alias bomb refused": [], "edit plain": [], "edit symlink": [], "edit hardlink": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            results["alias bomb refused"].append(alias_bomb(folder))
            for kind in ("plain", "symlink", "hardlink"):
                sub = folder / kind
                sub.mkdir()
                results[f"edit {kind}"].append(edit(sub, kind))
    print(json.dumps({name: round(statistics.median(times), 4) for name, times in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
