#!/bin/sh
# Copy the official YAML test suite's cases into tests/data/yaml-test-suite (see its README).
# Usage: scripts/refresh_yaml_test_suite.sh [CHECKOUT]
#   CHECKOUT: a checkout of yaml/yaml-test-suite's `data` branch, or a folder holding its cases
#   under cases/ (default: ../shared/data/yaml-test-suite, the project's reference copy).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
source=${1:-$here/../shared/data/yaml-test-suite}
target=$here/tests/data/yaml-test-suite
if [ -d "$source/cases" ]; then cases=$source/cases; else cases=$source; fi
[ -f "$source/License" ] || { echo "no License in $source" >&2; exit 1; }
rm -rf "$target/cases"
mkdir -p "$target/cases"
# Case folders only (a checkout of the data branch also has name/ and tags/ symlink indexes).
for case in "$cases"/*; do
    name=$(basename "$case")
    case $name in name|tags|.*) continue ;; esac
    [ -d "$case" ] && [ ! -L "$case" ] && cp -r "$case" "$target/cases/$name"
done
cp "$source/License" "$target/License"
echo "copied $(find "$target/cases" -name in.yaml | wc -l) cases into $target"
