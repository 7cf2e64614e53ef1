#!/usr/bin/env bash
# The header rule (docs/DESIGN.md): a folder's *_internal.h headers are its
# own; other folders of src/ see only its faces. Fails on any file under
# src/ that includes another folder's internal header. (Unit tests under
# tests/unit may look inside the module they test.)
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r -d '' f; do
  dir=$(basename "$(dirname "$f")")
  while IFS= read -r inc; do
    [[ -z $inc ]] && continue
    if [[ ${inc%%/*} != "$dir" ]]; then
      echo "check_headers: $f includes $inc, internal to src/${inc%%/*}/" >&2
      bad=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\/[a-z_0-9]*_internal\.h\)".*/\1/p' "$f")
done < <(git ls-files -z 'src/*.c' 'src/*.h')
((bad == 0)) && echo "check_headers: ok"
exit "$bad"
