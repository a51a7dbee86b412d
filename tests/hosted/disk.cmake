# The file disk: a disk-image file as blkdev, its faults and power cuts
# (hosted/disk/filedisk.c).
tern_add_test(hosted_filedisk SOURCES test_filedisk.c LIBS tern_hosted m)
