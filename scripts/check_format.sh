#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format makes of it with the committed .clang-format
# (Debian 12's clang-format 14). Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h')
if ! clang-format --dry-run --Werror $files 2>/tmp/check_format.$$; then
  grep -E "^[^ ].*: (error|warning):" /tmp/check_format.$$ | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  rm -f /tmp/check_format.$$
  echo "check_format: run  git ls-files '*.cc' '*.h' | xargs clang-format -i" >&2
  exit 1
fi
rm -f /tmp/check_format.$$
echo "check_format: $(echo "$files" | wc -l) files as clang-format writes them"
