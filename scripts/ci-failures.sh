#!/usr/bin/env bash
# Prints, after a failed `pnpm test`, the end of every turbo task log that reports a failure, so the
# cause is at the bottom of the CI output instead of scrolled away among the other packages' logs.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shopt -s nullglob
for log in packages/*/.turbo/turbo-*.log apps/*/.turbo/turbo-*.log .turbo/turbo-*.log; do
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  if grep -qE '(^| )FAIL |Failed Tests|failed|ERR!|error TS|ELIFECYCLE|Error:' <<<"$plain"; then
    echo "===== $log (failure lines, then its last 60 lines) ====="
    grep -nE '(^| )FAIL |AssertionError|Error:|error TS| ✗ | × ' <<<"$plain" | head -40
    echo '-----'
    tail -n 60 <<<"$plain"
  fi
done
