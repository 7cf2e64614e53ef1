#!/usr/bin/env bash
# The header rule (docs/DESIGN.md): a folder's *_internal.h headers are its
# own; other folders of src/ see only its faces, and so do the programs of
# tools/, fuzz/, bench/, examples/ and tests/servers/. Fails on any such
# include. (Unit tests under tests/unit may look inside the module they
# test.)
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r -d '' f; do
  dir=$(basename "$(dirname "$f")")
  while IFS= read -r inc; do
    [[ -z $inc ]] && continue
    if [[ $f != src/* || ${inc%%/*} != "$dir" ]]; then
      echo "check_headers: $f includes $inc, internal to src/${inc%%/*}/" >&2
      bad=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\/[a-z_0-9]*_internal\.h\)".*/\1/p' "$f")
done < <(git ls-files -z 'src/*.[ch]' 'tools/*.[ch]' 'fuzz/*.[ch]' 'bench/*.[ch]' \
  'examples/*.[ch]' 'tests/servers/*.[ch]')
((bad == 0)) && echo "check_headers: ok"
exit "$bad"
