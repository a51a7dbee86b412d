#!/bin/bash -eu
# .clusterfuzzlite/build.sh - ClusterFuzzLite's build script: the OSS-Fuzz
# one, run from the checkout (the Dockerfile's WORKDIR, $SRC/tern).
exec bash -eu fuzz/oss-fuzz/build.sh
