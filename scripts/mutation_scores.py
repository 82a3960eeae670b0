"""Print mutmut's score per mutated file (killed / all mutants) from a finished run.

Reads the ``mutants/**/*.py.meta`` files mutmut writes (exit code per mutant: a failing
test run kills it; 0 means it survived).  Usage: ``python scripts/mutation_scores.py WORKDIR``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py): 1 and 3 = a test failed (killed), 36/24/-24/152/255 =
# timeout (the mutant hung the tests: killed too), 37 = caught by the type checker; 0 = survived,
# 5/33 = no test ran the line (counted as surviving); None = not run yet
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}


def main(workdir: str) -> None:
    total_killed = total_all = 0
    for meta in sorted(Path(workdir, "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        done = [code for code in codes.values() if code is not None]
        killed = sum(1 for code in done if code in KILLED)
        survived = [name for name, code in codes.items() if code is not None and code not in KILLED]
        name = meta.relative_to(Path(workdir, "mutants")).as_posix().removesuffix(".meta")
        pct = 100 * killed / len(done) if done else 0.0
        print(f"{name}: {killed}/{len(done)} killed ({pct:.0f} %), {len(codes) - len(done)} not run")
        for mutant in survived:
            print(f"    survived: {mutant}")
        total_killed += killed
        total_all += len(done)
    if total_all:
        print(f"all: {total_killed}/{total_all} killed ({100 * total_killed / total_all:.0f} %)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
