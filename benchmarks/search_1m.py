"""Searching a million cached features: building the index, its memory, and queries while typing.

    python benchmarks/search_1m.py [FOLDER] [--reference]

FOLDER defaults to ``/tmp/bulk1m/work/parquet1000000`` (``benchmarks/bulk_1m.py`` writes it);
set ``INFLUENCEMAP_CACHE_DIR`` to a copy of its caches so the load comes from the load cache.
Prints the load, the index build (seconds, resident memory added) and, per query, the time of
``SearchIndex.find`` plus the first 500 hits (what the search panel lists) and the match count,
and one query under a date filter (the filter's row mask from the columns).
With ``--reference`` the row-by-row search this replaced (tests/model/test_search_index.py)
answers two queries too, for an A/B in the same run.

Target (issue 14): a query over a ready index of a million features ≤ ~100 ms.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("p", "pr", "project", "project 12", "project 123456", "synthetic", "synthetic benchmark project 9", "zzz", "2")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = args[0] if args else "/tmp/bulk1m/work/parquet1000000"
    from influencemap.model.loader import load_catalog
    from influencemap.model.search import search_index

    began = time.perf_counter()
    catalog = load_catalog([folder])
    print(f"load {time.perf_counter() - began:.1f} s, {catalog.feature_count:,} features, rss {rss_mb():.0f} MB", flush=True)
    began = time.perf_counter()
    for layer in catalog.layers:  # the columns the index reads, decoded first: not the index's memory
        for key in ("ids", "names", "starts", "descriptions", "actors", "tags", "refs", "citation_counts"):
            layer.features.column(key)
    print(f"columns decoded {time.perf_counter() - began:.2f} s, rss {rss_mb():.0f} MB", flush=True)
    before = rss_mb()
    began = time.perf_counter()
    index = search_index(catalog)
    print(f"index build {time.perf_counter() - began:.2f} s, +{rss_mb() - before:.0f} MB resident", flush=True)
    for query in QUERIES:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            matches = index.find(query)
            hits = matches.first(500)
            times.append(time.perf_counter() - began)
        print(f"query {query!r:34} {len(matches):>9,} matches, {len(hits)} built: best {min(times) * 1000:6.1f} ms, "
              f"worst {max(times) * 1000:6.1f} ms", flush=True)
    from influencemap.model.filters import FeatureFilter
    from influencemap.model.search import filter_rows

    feature_filter = FeatureFilter(date_from="2010", date_to="2012")  # as the timeline sets it
    for round_ in ("first (mask computed)", "again (mask remembered)"):
        began = time.perf_counter()
        matches = index.find("project 12", filter_rows(catalog, feature_filter))
        hits = matches.first(500)
        print(f"query 'project 12' under a 2010-2012 filter, {round_}: {len(matches):,} matches, {len(hits)} built, "
              f"{(time.perf_counter() - began) * 1000:.1f} ms", flush=True)
    if "--reference" in sys.argv:
        sys.path.insert(0, str(ROOT))
        from tests.model.test_search_index import reference_search

        for query in ("project 123456", "synthetic"):
            began = time.perf_counter()
            count = len(reference_search(catalog, query))
            print(f"reference {query!r}: {count:,} matches in {time.perf_counter() - began:.1f} s (index rebuilt per call)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
