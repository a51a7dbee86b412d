#!/bin/sh
# fuzz/oss-fuzz/check-build.sh SRCDIR DIR SANITIZER NAME... - runs
# fuzz/oss-fuzz/build.sh from SRCDIR as OSS-Fuzz runs it for libFuzzer with
# SANITIZER (address or undefined: OSS-Fuzz's flags for each, below), with
# SRC=SRCDIR/.., WORK=DIR/work and OUT=DIR/out, then checks every NAME (the
# fuzz targets of the build that registered this test): $OUT/NAME exists,
# carries the sanitizer and needs no shared library beyond the C and C++
# runtimes (all OSS-Fuzz's runner image has), its seed zip $OUT/NAME_seed_corpus.zip holds
# at least one file, its dictionary is in $OUT when fuzz/dict has one, and
# the target runs over its unzipped seeds (-runs=0, with the dictionary)
# without a crash, a leak or a UBSan report. WORK stays between runs, so a
# second run only rebuilds what changed; OUT starts empty each time. Prints
# one line per failure and a closing line; exits 0 when everything passed,
# 1 otherwise, 2 on a usage error.
set -u

if [ $# -lt 4 ]; then
    echo "usage: $0 SRCDIR DIR address|undefined NAME..." >&2
    exit 2
fi
srcdir=$1 dir=$2 sanitizer=$3
shift 3

# OSS-Fuzz's SANITIZER_FLAGS_undefined: every check fatal but
# unsigned-integer-overflow, which is a coverage signal (silenced at run
# time by UBSAN_OPTIONS). clang 14 accepts all of them in C; function and
# vptr do nothing there.
ubsan=array-bounds,bool,builtin,enum,float-divide-by-zero,function
ubsan=$ubsan,integer-divide-by-zero,null,object-size,return
ubsan=$ubsan,returns-nonnull-attribute,shift,signed-integer-overflow
ubsan=$ubsan,unreachable,vla-bound,vptr
case $sanitizer in
    address)
        flags="-fsanitize=address -fsanitize-address-use-after-scope"
        marker=__asan_report_load
        ;;
    undefined)
        flags="-fsanitize=$ubsan,unsigned-integer-overflow -fno-sanitize-recover=$ubsan"
        marker=__ubsan_handle_
        ;;
    *)
        echo "$0: SANITIZER must be address or undefined: $sanitizer" >&2
        exit 2
        ;;
esac

failures=0
# fail MESSAGE: reports one failed check and counts it.
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

for tool in clang clang++ zip unzip; do
    command -v "$tool" > /dev/null || { echo "FAIL: $tool missing (ci/setup.sh installs it)"; exit 1; }
done

mkdir -p "$dir/work"
rm -rf "$dir/out" "$dir/seeds"
mkdir "$dir/out"

# OSS-Fuzz's libFuzzer build (its CXXFLAGS add -stdlib=libc++, which
# Debian's clang has no library for here; the C++ runtime is libstdc++).
CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only"
CFLAGS="$CFLAGS -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $flags"
CFLAGS="$CFLAGS -fsanitize=fuzzer-no-link"
CC=clang CXX=clang++ CXXFLAGS=$CFLAGS LIB_FUZZING_ENGINE=-fsanitize=fuzzer
SRC=$(dirname "$srcdir") WORK=$dir/work OUT=$dir/out
export CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE SRC WORK OUT

start=$(date +%s)
if ! (cd "$srcdir" && nice -n 10 bash -eu fuzz/oss-fuzz/build.sh) \
        > "$dir/build.log" 2>&1; then
    tail -30 "$dir/build.log"
    echo "FAIL: build.sh exited non-zero (log: $dir/build.log)"
    exit 1
fi
built=$(($(date +%s) - start))

# What OSS-Fuzz's runner sets for UBSan builds.
UBSAN_OPTIONS=silence_unsigned_overflow=1
export UBSAN_OPTIONS

start=$(date +%s)
seeds=0
for name in "$@"; do
    bin=$OUT/$name
    zipf=$OUT/${name}_seed_corpus.zip
    if [ ! -x "$bin" ]; then
        fail "$name: no $bin"
        continue
    fi
    grep -q "$marker" "$bin" || fail "$name: built without $sanitizer ($marker)"
    extra=$(ldd "$bin" | awk '{print $1}' |
            grep -vE '^(linux-vdso\.so|/lib64/ld-linux-|(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|libc\+\+|libc\+\+abi)\.so)' |
            tr '\n' ' ')
    [ -z "$extra" ] || fail "$name: needs libraries the runner lacks: $extra"
    if [ ! -f "$zipf" ]; then
        fail "$name: no seed zip ${name}_seed_corpus.zip"
        continue
    fi
    dict=""
    if [ -f "$srcdir/fuzz/dict/$name.dict" ]; then
        if [ -f "$OUT/$name.dict" ]; then
            dict=-dict=$OUT/$name.dict
        else
            fail "$name: fuzz/dict/$name.dict not copied to \$OUT"
        fi
    fi
    mkdir "$dir/seeds"
    unzip -q "$zipf" -d "$dir/seeds" || fail "$name: unzip $zipf"
    n=$(ls "$dir/seeds" | wc -l)
    seeds=$((seeds + n))
    [ "$n" -gt 0 ] || fail "$name: empty seed zip"
    # shellcheck disable=SC2086
    if ! "$bin" -runs=0 $dict "$dir/seeds" > "$dir/run-$name.log" 2>&1; then
        grep -E 'ERROR|SUMMARY|runtime error' "$dir/run-$name.log" | head -5
        fail "$name: crashed on its seeds (log: $dir/run-$name.log)"
    elif grep -q 'runtime error' "$dir/run-$name.log"; then
        grep 'runtime error' "$dir/run-$name.log" | head -5
        fail "$name: UBSan report on its seeds (log: $dir/run-$name.log)"
    fi
    rm -rf "$dir/seeds"
done
ran=$(($(date +%s) - start))

if [ "$failures" -ne 0 ]; then
    echo "oss-fuzz $sanitizer: $failures failures"
    exit 1
fi
echo "oss-fuzz $sanitizer: $# targets built in ${built}s, ran over $seeds seeds in ${ran}s"
exit 0
