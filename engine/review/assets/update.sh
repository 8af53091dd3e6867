#!/bin/sh
# Refreshes the embedded Mermaid renderer from npm.
# Usage: engine/review/assets/update.sh [VERSION]   (default: the pinned one)
set -eu
VERSION="${1:-11.17.2}"
case "$VERSION" in
  11.*) ;;
  *) echo "update.sh: pin a Mermaid 11.x version (got $VERSION)" >&2; exit 1 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "mermaid@$VERSION" >/dev/null && tar xzf "mermaid-$VERSION.tgz" package/dist/mermaid.min.js)
if grep -qi '<script\|</script' "$tmp/package/dist/mermaid.min.js"; then
  echo "update.sh: mermaid.min.js contains a <script tag; it cannot be inlined safely" >&2
  exit 1
fi
cp "$tmp/package/dist/mermaid.min.js" "$here/mermaid.min.js"
sed -i "s/11\.[0-9]*\.[0-9]*/$VERSION/g" "$here/README.md"
sha=$(sha256sum "$here/mermaid.min.js" | cut -d' ' -f1)
sed -i "s/^sha256: .*/sha256: $sha/" "$here/README.md"
echo "mermaid.min.js is now Mermaid $VERSION (sha256 $sha); update mermaidVersion in engine/review/html.go"
