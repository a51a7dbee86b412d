#!/bin/sh
# ci/format.sh [--check] - formats every C file of the tree (tracked, or
# new and not ignored) with clang-format and the project's .clang-format
# (the kernel's style).
#   ci/format.sh           rewrites the files in place
#   ci/format.sh --check   changes nothing; names each file that is not
#                          formatted and exits 1 if there is one
# The test format_check (dev preset) runs --check.
set -u
cd "$(dirname "$0")/.."

case ${1:-} in
    '') check=0 ;;
    --check) check=1 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
command -v clang-format >/dev/null || {
    echo "clang-format is missing: run ci/setup.sh" >&2; exit 1; }

files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h')
if [ $check = 0 ]; then
    # shellcheck disable=SC2086
    exec clang-format -i $files
fi
# One run over every file; each misformatted spot is a line
# "FILE:LINE:COL: error: code should be clang-formatted".
# shellcheck disable=SC2086
if out=$(clang-format --dry-run -Werror $files 2>&1); then
    echo "format: $(echo "$files" | wc -l) files formatted"
    exit 0
fi
echo "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
    sort -u | sed 's/^/not formatted: /'
echo "(ci/format.sh formats them)"
exit 1
