#!/bin/sh
# sealed.sh NM ARCHIVE... - checks that every sealed library (cmake/tern.cmake,
# tern_sealed_library) defines no global symbol outside the tern_ namespace:
# anything else would be an internal name leaking to the program that links
# Tern, free to clash with another library's (lwIP's tcp_input). Sanitizer
# and compiler bookkeeping symbols (__asan_*, __odr_asan*, __ubsan_*, .L*)
# are the toolchain's, not ours, and are let through.
set -u
nm=$1
shift
status=0
for lib in "$@"; do
    [ -f "$lib" ] || { echo "sealed: no archive $lib"; status=1; continue; }
    leaks=$("$nm" -g --defined-only "$lib" |
        awk 'NF == 3 { print $3 }' |
        grep -v -e '^tern_' -e '^__asan' -e '^__odr_asan' -e '^__ubsan' \
            -e '^__sancov' -e '^__llvm' -e '^\.L')
    members=$(ar t "$lib" | wc -l)
    if [ -n "$leaks" ]; then
        echo "sealed: $lib exports internal names:"
        echo "$leaks" | sed 's/^/    /'
        status=1
    elif [ "$members" -ne 1 ]; then
        echo "sealed: $lib has $members members, expected one sealed object"
        status=1
    else
        echo "sealed: $lib ok ($("$nm" -g --defined-only "$lib" | awk 'NF == 3' | wc -l) global symbols)"
    fi
done
exit $status
