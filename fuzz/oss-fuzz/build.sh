#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh - OSS-Fuzz's (and ClusterFuzzLite's) build script
# for Tern. It reads only what OSS-Fuzz's build contract provides:
#
#   CC, CXX             the C and C++ compilers (CXX links: the contract)
#   CFLAGS, CXXFLAGS    sanitizer and coverage flags of this build
#   LIB_FUZZING_ENGINE  what links the fuzzing engine (-fsanitize=fuzzer)
#   WORK                intermediate files: the CMake build, $WORK/tern-build
#   OUT                 the results
#
# and runs, as OSS-Fuzz's compile does (bash -eu $SRC/build.sh), in the
# Tern checkout that the Dockerfile's WORKDIR names ($SRC/tern).
#
# It configures the hosted build with TERN_FUZZ (tests and benchmarks off,
# and TERN_PCAP off: OSS-Fuzz's runner has no libpcap, so the targets must
# not need it),
# builds the target tern_fuzzers (every libFuzzer target, nothing else) and
# copies each executable listed in the build's fuzz/targets.txt to
# $OUT/NAME (fuzz_dns -> $OUT/dns), with its seed corpus fuzz/corpus/NAME as
# $OUT/NAME_seed_corpus.zip and its dictionary fuzz/dict/NAME.dict, if it
# has one, as $OUT/NAME.dict. A target with no seeds fails the build.
# fuzz/oss-fuzz/check-build.sh runs this script the way OSS-Fuzz does.

set -eu
src=$(pwd)
build=$WORK/tern-build
if [ ! -f "$src/fuzz/oss-fuzz/build.sh" ]; then
    echo "build.sh: run it from the Tern checkout, not $src" >&2
    exit 1
fi

# TERN_FUZZING lets parsers skip checksum verification, as in the fuzz
# presets; -fvisibility=hidden seals the libraries as every preset does.
# OSS-Fuzz wants $CXX as the linker even for C: an engine other than
# libFuzzer is a C++ library, and CXXFLAGS picks its C++ runtime.
cmake -S "$src" -B "$build" -G Ninja \
    -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$CFLAGS -fvisibility=hidden -DTERN_FUZZING=1" \
    -DCMAKE_C_LINK_EXECUTABLE="$CXX <FLAGS> $CXXFLAGS <CMAKE_C_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>" \
    -DTERN_FUZZ=ON -DTERN_TESTS=OFF -DTERN_BENCH=OFF -DTERN_PCAP=OFF \
    -DTERN_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target tern_fuzzers -j "$(nproc)"

targets=$build/fuzz/targets.txt
count=0
while read -r bin; do
    name=$(basename "$bin")
    name=${name#fuzz_}
    corpus=$src/fuzz/corpus/$name
    if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
        echo "build.sh: $name has no seed corpus in fuzz/corpus/$name" >&2
        exit 1
    fi
    cp "$bin" "$OUT/$name"
    # zip adds to an archive that exists: start from none.
    rm -f "$OUT/${name}_seed_corpus.zip"
    zip -q -j -r "$OUT/${name}_seed_corpus.zip" "$corpus"
    if [ -f "$src/fuzz/dict/$name.dict" ]; then
        cp "$src/fuzz/dict/$name.dict" "$OUT/$name.dict"
    fi
    count=$((count + 1))
done < "$targets"
if [ "$count" -eq 0 ]; then
    echo "build.sh: no fuzz targets in $targets" >&2
    exit 1
fi
echo "build.sh: $count fuzz targets in $OUT"
