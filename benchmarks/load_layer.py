"""Load a layer folder in this process and print the timings as JSON.

    python benchmarks/load_layer.py FOLDER [--profile OUT.txt]

first: the first ``load_catalog`` (the cache folder should be empty for a first load), and
first_cpu the CPU time it took (less disturbed by other work on a shared machine);
written: until its cache entries are on disk (they are written behind the load);
built: then building every Feature object of the first load (a file read wholly by columns
keeps its features as a table and builds the objects on first use, as a cached one does);
reload: a second load of the unchanged files; peak_mb: the process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time

started = time.perf_counter()


def main() -> int:
    folder = sys.argv[1]
    profile_out = sys.argv[sys.argv.index("--profile") + 1] if "--profile" in sys.argv else None
    profiler = None
    if profile_out:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    import numpy  # noqa: F401  (the loader imports these on first use: counted as imports, as before
    import shapely  # noqa: F401   they were imported with the loader's module)

    from influencemap.model import load_cache
    from influencemap.model.loader import load_catalog

    imported = time.perf_counter()
    cpu = time.process_time()
    catalog = load_catalog([folder])
    first = time.perf_counter()
    cpu = time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        with open(profile_out, "w", encoding="utf-8") as out:
            out.write(profiler.output_text(unicode=True, color=False, show_all=False))
    load_cache.flush()
    written = time.perf_counter()
    for layer in catalog.layers:
        for _feature in layer.features:
            break
    built = time.perf_counter()
    features = catalog.feature_count
    problems = len(catalog.problems)
    del catalog
    again = time.perf_counter()
    catalog = load_catalog([folder])
    reload = time.perf_counter() - again
    print(json.dumps({
        "imports": imported - started,
        "first": first - imported,
        "first_cpu": cpu,
        "written": written - first,
        "built": built - written,
        "reload": reload,
        "features": features,
        "problems": problems,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
