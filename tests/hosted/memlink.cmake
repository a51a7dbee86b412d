# memlink: the in-memory link and its seeded faults (hosted/net/memlink.c).
tern_add_test(hosted_memlink SOURCES test_memlink.c LIBS tern_hosted m)
