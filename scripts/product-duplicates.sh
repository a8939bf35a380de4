#!/usr/bin/env bash
# Counts repeated blocks in product code only: copies the sources (no tests, no test support) of
# apps/server/src, apps/web/src and packages/{crypto,protocol}/src to a scratch folder and runs the
# workplace's `duplicates` finder over it. Extra arguments go to `duplicates` (e.g. --most 200).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
for dir in apps/server/src apps/web/src packages/crypto/src packages/protocol/src; do
  find "$dir" -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.mjs' \) \
    ! -name '*.test.ts' ! -name '*.test.tsx' -print0 |
    while IFS= read -r -d '' file; do
      mkdir -p "$out/$(dirname "$file")"
      cp "$file" "$out/$file"
    done
done
duplicates --repo "$out" --seconds 120 "$@"
