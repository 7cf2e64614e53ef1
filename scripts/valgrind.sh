#!/usr/bin/env bash
# Runs every unit test of a (non-sanitizer) build under valgrind memcheck and
# fails if any reports a memory error or a definite leak.
#
#   scripts/valgrind.sh [BUILD_DIR]     (default: build)
#
# Tests run one at a time (valgrind is slow and the machine is shared); a
# test that hangs is stopped after VALGRIND_TIMEOUT seconds (default 600).
# Each log is kept in BUILD_DIR/valgrind/<test>.log.
set -u
build=${1:-build}
timeout_s=${VALGRIND_TIMEOUT:-600}

if ! command -v valgrind >/dev/null; then
  echo "valgrind.sh: valgrind not found (apt-get install valgrind)" >&2
  exit 2
fi
if grep -qs '^SIO_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "valgrind.sh: $build is a sanitizer build; use a plain one" >&2
  exit 2
fi
shopt -s nullglob
tests=("$build"/tests/test_*)
if [ ${#tests[@]} -eq 0 ]; then
  echo "valgrind.sh: no unit tests in $build/tests (build first)" >&2
  exit 2
fi

logs="$build/valgrind"
mkdir -p "$logs"
failed=()
for t in "${tests[@]}"; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  log="$logs/$name.log"
  # Exit 99 marks valgrind's own findings, apart from a failing test.
  timeout "$timeout_s" valgrind --quiet --leak-check=full --error-exitcode=99 \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --track-origins=yes --log-file="$log" "$t" >"$logs/$name.out" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok      $name"
  else
    case $rc in
      99) why="memcheck errors" ;;
      124) why="timed out after ${timeout_s}s" ;;
      *) why="test failed (exit $rc)" ;;
    esac
    echo "FAILED  $name: $why (see $log)"
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "valgrind: ${#failed[@]} of ${#tests[@]} failed: ${failed[*]}"
  exit 1
fi
echo "valgrind: all ${#tests[@]} unit tests clean"
