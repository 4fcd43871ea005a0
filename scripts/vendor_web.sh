#!/usr/bin/env bash
# Refresh the dashboard's vendored JavaScript from npm: `scripts/vendor_web.sh [VERSION]`.
# uPlot (MIT) is copied into src/basics/web/static/vendor/uplot/ with its licence and a
# VERSION file naming the package, version and tarball checksum. Users never run this: the
# files are committed and shipped in the wheel, so the dashboard works offline.
set -euo pipefail
version="${1:-1.6.32}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/src/basics/web/static/vendor/uplot"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
tarball="$(npm pack --silent "uplot@$version")"
tar -xzf "$tarball"
mkdir -p "$target"
rm -f "$target"/*
cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css package/LICENSE "$target/"
{
  echo "package: uplot"
  echo "version: $version"
  echo "source: https://registry.npmjs.org/uplot/-/$tarball"
  echo "sha256: $(sha256sum "$tarball" | cut -d' ' -f1)"
  echo "licence: MIT (LICENSE)"
} > "$target/VERSION"
echo "uPlot $version vendored into $target"
