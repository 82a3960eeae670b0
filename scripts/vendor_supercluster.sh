#!/bin/sh
# Refresh the clustering library the HTML export inlines for big point layers
# (src/influencemap/export/html_assets/supercluster.min.js, ISC, mapbox/supercluster with
# kdbush bundled) from the npm registry, with both licences. Usage:
#   scripts/vendor_supercluster.sh [VERSION]      (default: the version pinned below)
# Then run tests/export/test_html_big*.py: the page relies on load/getClusters/getLeaves/
# getClusterExpansionZoom and on single points keeping their `properties` (a row reference).
set -eu
VERSION="${1:-9.1.0}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ASSETS="$HERE/src/influencemap/export/html_assets"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "supercluster@$VERSION" >/dev/null 2>&1
tar xzf supercluster-*.tgz
KDBUSH="$(node -e "console.log(require('./package/package.json').dependencies.kdbush)")"
mkdir kd && cd kd && npm pack "kdbush@$KDBUSH" >/dev/null 2>&1 && tar xzf kdbush-*.tgz && cd ..
KD_VERSION="$(node -e "console.log(require('./kd/package/package.json').version)")"
sed '/sourceMappingURL/d' package/dist/supercluster.min.js > "$ASSETS/supercluster.min.js"
{
  echo "supercluster $VERSION (https://github.com/mapbox/supercluster), which bundles kdbush $KD_VERSION"
  echo "(https://github.com/mourner/kdbush). Both ISC:"
  echo
  echo "--- supercluster ---"
  cat package/LICENSE
  echo
  echo "--- kdbush ---"
  cat kd/package/LICENSE
} > "$ASSETS/supercluster.LICENSE.txt"
echo "vendored supercluster $VERSION (kdbush $KD_VERSION) into $ASSETS"
