#!/bin/sh
# Mutation testing of the Qt-free core (issue 18): mutmut puts small bugs into
# model/filters.py, dates.py, stats.py, search.py, identify.py and editing/ one at a time
# and runs the related tests (the [tool.mutmut] table in pyproject.toml); a mutant no test
# notices "survives". Not part of CI: the full run takes hours on 2 cores.
#
# It runs in a throw-away copy of the committed tree (mutmut writes a mutants/ folder and
# must own the working directory), so the checkout is never touched.
#
#   scripts/mutation.sh                    every module in the table
#   scripts/mutation.sh 'src/influencemap/model/dates.py'    only the files matching these globs
#
# Needs the `mutation` extra: pip install -e ".[mutation]".  Results: the score per file is
# printed at the end; `cd $WORK && mutmut results` / `mutmut show NAME` to look at survivors.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$here/.venv/bin/python}
WORK=${MUTATION_WORK:-${TMPDIR:-/tmp}/influencemap-mutation}
rm -rf "$WORK"
mkdir -p "$WORK"
(cd "$here" && git archive HEAD) | tar -x -C "$WORK"
cd "$WORK"
if [ $# -gt 0 ]; then
    # narrow the table's only_mutate to the globs given
    "$PYTHON" - "$@" <<'PY'
import re, sys
text = open("pyproject.toml").read()
globs = ", ".join(f'"{g}"' for g in sys.argv[1:])
text = re.sub(r"only_mutate = \[[^\]]*\]", f"only_mutate = [{globs}]", text, flags=re.S)
open("pyproject.toml", "w").write(text)
PY
fi
export QT_QPA_PLATFORM=offscreen
export INFLUENCEMAP_CACHE_DIR="$WORK/cache"
unset PYTHONPATH
"$PYTHON" -m mutmut run --max-children "${MUTATION_JOBS:-2}" || true
"$PYTHON" "$here/scripts/mutation_scores.py" "$WORK"
