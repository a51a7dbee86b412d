#!/bin/sh
# ci/blk-model.sh [STEPS] [SEEDS] - the block cache's long model-based runs:
# random operation sequences against the model (tests/blk/model.h) on the
# out-of-order in-memory disk and on the hosted file disk, with injected
# EIO, torn writes and power cuts, and the fiber model - SEEDS seeds of
# STEPS operations each (default 200000 x 20, about ten minutes on two
# cores). ctest runs the same tests short. A failure prints its seed;
# replay it with TERN_MODEL_SEED=S TERN_MODEL_STEPS=N on the test binary.
#
#   ci/blk-model.sh                  200000 steps x 20 seeds
#   ci/blk-model.sh 1000000 50       a night
#   TERN_PRESET=dev ci/blk-model.sh 20000 5   under ASan + UBSan
#   TERN_BUILD=build/mine ci/blk-model.sh      another build folder
set -u
cd "$(dirname "$0")/.."

steps=${1:-200000}
seeds=${2:-20}
preset=${TERN_PRESET:-release}
bdir=${TERN_BUILD:-build/$preset}
jobs=${TERN_JOBS:-$(nproc)}
case $steps$seeds in
    ''|*[!0-9]*) echo "usage: $0 [STEPS] [SEEDS]" >&2; exit 2 ;;
esac

sh ci/setup.sh || { echo "ci/setup.sh failed"; exit 1; }
if ! cmake --preset "$preset" -B "$bdir" > "build-blk-model.log" 2>&1 ||
   ! cmake --build "$bdir" -j "$jobs" \
         --target test_blk_bcache_model test_blk_bcache_fiber \
         >> "build-blk-model.log" 2>&1; then
    tail -40 build-blk-model.log
    echo "ci/blk-model.sh: BUILD FAILED (log: build-blk-model.log)"
    exit 1
fi
rm -f build-blk-model.log

failed=0
for t in test_blk_bcache_model test_blk_bcache_fiber; do
    echo "=== $t: $seeds seeds x $steps steps"
    log=$bdir/tests/blk/$t.long.log
    TERN_MODEL_STEPS=$steps TERN_MODEL_SEEDS=$seeds \
        "$bdir/tests/blk/$t" --jobs "$jobs" --verbose > "$log" 2>&1
    rc=$?
    grep -E '^\[(----|FAIL|====)\]|model:' "$log"
    [ "$rc" -eq 0 ] || { failed=1; echo "=== $t FAILED (log: $log)"; }
done
if [ "$failed" -eq 0 ]; then
    echo "ci/blk-model.sh: ok"
else
    echo "ci/blk-model.sh: FAILED"
fi
exit "$failed"
