"""Write a synthetic layer of N point features in the v1 format, for the benchmarks.

    python benchmarks/make_big_layer.py OUT_DIR [N]

Points are spread over Europe and Asia (seeded, so every run writes the same file); each has
dates, countries, tags, a figure and a citation, like a real hand-written layer.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

# (code, min lon, min lat, max lon, max lat): boxes well inside each country
BOXES = [
    ("BY", 25.0, 52.5, 30.0, 55.0),
    ("UA", 25.0, 48.0, 35.0, 51.0),
    ("KZ", 60.0, 45.0, 80.0, 52.0),
    ("CN", 100.0, 25.0, 115.0, 38.0),
    ("PL", 16.0, 50.5, 22.5, 53.5),
    ("DE", 7.0, 48.5, 13.0, 53.0),
]


def main() -> int:
    out = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = random.Random(42)
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "id: big",
        f"name: Synthetic layer of {count:,} points",
        "category: Benchmark",
        "style: {color: '#6a3d9a', marker: circle, size: 4}",
        "sources:",
        "  - {id: synthetic, title: Synthetic benchmark data, publisher: influencemap}",
        "features:",
    ]
    for i in range(count):
        code, x0, y0, x1, y1 = rng.choice(BOXES)
        lon, lat = round(rng.uniform(x0, x1), 5), round(rng.uniform(y0, y1), 5)
        year = rng.randint(2005, 2023)
        lines += [
            f"  - id: p{i}",
            f"    name: Project {i}",
            f"    point: [{lon}, {lat}]",
            f"    date: {year}-{rng.randint(1, 12):02d}",
            f"    countries: [{code}]",
            f"    tags: [loan, sector-{i % 7}]",
            f"    figures: [{{label: Amount, value: {rng.randint(1, 900)}e6, unit: USD}}]",
            "    precision: site",
            f"    description: Synthetic project number {i}.",
            f"    sources: [{{ref: synthetic, locator: row {i}}}]",
        ]
    path = out / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {count:,} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
