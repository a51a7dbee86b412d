# The page allocator behind tern_mem_alloc (hosted/mem.c).
tern_add_test(hosted_mem SOURCES test_mem.c LIBS tern_hosted)
