#!/usr/bin/env bash
# Refresh the Swagger UI that /docs serves from the package (no CDN: /docs works offline).
# Usage: scripts/vendor_swagger_ui.sh [VERSION]   (default: the version vendored now)
set -euo pipefail
cd "$(dirname "$0")/.."
target=src/basics/api/static/swagger-ui
version=${1:-$(cat "$target/VERSION")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$target"
for file in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE \
  favicon-32x32.png; do
  cp "$work/package/$file" "$target/$file"
done
# The files name their source maps, which are not vendored: drop those comments.
for file in swagger-ui-bundle.js swagger-ui.css; do sed -i "/sourceMappingURL=/d" "$target/$file"; done
echo "$version" > "$target/VERSION"
echo "swagger-ui-dist $version -> $target"
