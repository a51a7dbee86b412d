/*
 * test_tarfs.c - tarfs against archives GNU tar makes in the test, in the
 * three formats (gnu, pax, ustar), from a tree with nested directories,
 * long names (over 100 bytes, a path over 255), empty files, files larger
 * than the cache, symlinks (relative, to directories, dangling, in a path)
 * and hard links: every file's content, every directory's listing and every
 * link is compared with the source tree. Then archives built byte by byte
 * here: base-256 sizes, pax size/path overrides, duplicates, implied
 * directories, symlink loops, and malformed or truncated images, which must
 * fail with a clear error and never read outside the image.
 */
#define _GNU_SOURCE /* mkdtemp, nftw */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memdisk.h"
#include "tern/hosted/filedisk.h"
#include "tern/rand.h"
#include "tern/tarfs.h"

#define BS 4096u
#define CACHE_BLOCKS 16u /* 64 KiB: smaller than the big files */

static char dir[64], img[96];
static struct tern_filedisk fdisk;
static struct memdisk mdisk;
static bool fdisk_open, mdisk_open;
static struct tern_bcache cache;
static bool cache_open;
static void *cache_mem, *fs_mem;
static struct tern_tarfs *fs;

/* ---- Fixture ------------------------------------------------------------*/

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tern-tarfs-%d-XXXXXX", getpid());
	cr_assert_not_null(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s.img", dir);
	fs = calloc(1, sizeof(*fs));
	cr_assert(fs);
}

static void close_image(void)
{
	if (cache_open) {
		cr_assert_eq(tern_bcache_pinned(&cache), 0);
		cr_assert_eq(tern_bcache_drain(&cache), 0);
		tern_bcache_fini(&cache);
		cache_open = false;
	}
	if (fdisk_open)
		tern_filedisk_close(&fdisk);
	if (mdisk_open)
		memdisk_close(&mdisk);
	fdisk_open = mdisk_open = false;
	free(cache_mem);
	free(fs_mem);
	cache_mem = fs_mem = NULL;
}

static void teardown(void)
{
	char cmd[256];

	close_image();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, img);
	cr_assert_eq(system(cmd), 0);
	free(fs);
}

TestSuite(tarfs, .init = setup, .fini = teardown);

static void start_cache(struct tern_blkdev *dev)
{
	struct tern_bcache_config cfg = { BS, CACHE_BLOCKS, 4 };
	size_t size = tern_bcache_mem_size(&cfg);

	cache_mem = malloc(size);
	cr_assert_eq(tern_bcache_init(&cache, dev, &cfg, cache_mem, size), 0);
	cache_open = true;
}

/* Opens img through the file disk and the cache; returns tarfs_open's
 * result with a measured configuration. */
static int open_file_image(void)
{
	struct tern_filedisk_opts o = { .read_only = true };
	struct tern_tarfs_config cfg;
	int r;

	cr_assert_eq(tern_filedisk_open(&fdisk, img, &o), 0);
	fdisk_open = true;
	start_cache(&fdisk.dev);
	r = tern_tarfs_measure(fs, &cache, &cfg);
	if (r)
		return r;
	fs_mem = malloc(tern_tarfs_mem_size(&cfg));
	return tern_tarfs_open(fs, &cache, &cfg, fs_mem,
			       tern_tarfs_mem_size(&cfg));
}

/* The same from bytes in memory (crafted archives), through the in-memory
 * device, sizing the index generously. */
static int open_bytes(const uint8_t *bytes, size_t len)
{
	struct memdisk_opts o = { .sectors = (len + 511) / 512,
				  .in_order = true };
	struct tern_tarfs_config cfg = { 256, 1 << 16 };

	cr_assert_eq(memdisk_open(&mdisk, &o), 0);
	mdisk_open = true;
	memcpy(memdisk_data(&mdisk), bytes, len);
	start_cache(&mdisk.dev);
	fs_mem = malloc(tern_tarfs_mem_size(&cfg));
	return tern_tarfs_open(fs, &cache, &cfg, fs_mem,
			       tern_tarfs_mem_size(&cfg));
}

/* ---- The source tree ----------------------------------------------------*/

static void put_file(const char *rel, size_t size, uint64_t seed)
{
	char path[1024];
	struct tern_rand r;
	uint8_t *data = malloc(size ? size : 1);
	int fd;

	tern_rand_seed(&r, seed);
	tern_rand_fill(&r, data, size);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0, "create %s", path);
	cr_assert_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	free(data);
}

static void put_dir(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

static void put_symlink(const char *target, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(symlink(target, path), 0);
}

static void put_hardlink(const char *existing, const char *rel)
{
	char a[1024], b[1024];

	snprintf(a, sizeof(a), "%s/%s", dir, existing);
	snprintf(b, sizeof(b), "%s/%s", dir, rel);
	cr_assert_eq(link(a, b), 0);
}

/* A tree every format can store (ustar: names up to 100 bytes, paths up to
 * 255 split at a slash). */
static void make_common_tree(void)
{
	char name[256];

	put_dir("www");
	put_dir("www/img");
	put_dir("www/deep");
	put_dir("www/deep/er");
	put_dir("www/deep/er/still");
	put_dir("www/empty-dir");
	put_file("www/index.html", 1234, 1);
	put_file("www/empty", 0, 2);
	put_file("www/img/big.bin", 300 * 1024 + 17, 3); /* > the cache */
	put_file("www/img/exact.bin", 8192, 4);
	put_file("www/deep/er/still/leaf.txt", 511, 5);
	put_file("www/deep/er/still/one", 1, 6);
	put_symlink("index.html", "www/home.html");
	put_symlink("../www/img", "www/pics");
	put_symlink("does-not-exist", "www/dangling");
	put_hardlink("www/index.html", "www/deep/index-copy.html");
	/* A 99-byte name and a 200-byte path (ustar's prefix field). */
	memset(name, 'n', 99);
	name[99] = '\0';
	{
		char rel[512];

		snprintf(rel, sizeof(rel), "www/deep/%s", name);
		put_file(rel, 700, 7);
		snprintf(rel, sizeof(rel), "www/deep/er/%.90s", name);
		put_dir(rel);
		snprintf(rel, sizeof(rel), "www/deep/er/%.90s/%.80s", name,
			 name);
		put_file(rel, 3000, 8);
	}
}

/* Names only gnu and pax can store: a 150-byte component, a 600-byte path,
 * a long symlink target. */
static void make_long_tree(void)
{
	char a[151], rel[1024];

	memset(a, 'L', 150);
	a[150] = '\0';
	snprintf(rel, sizeof(rel), "www/%s", a);
	put_dir(rel);
	snprintf(rel, sizeof(rel), "www/%s/%s", a, a);
	put_dir(rel);
	snprintf(rel, sizeof(rel), "www/%s/%s/%s", a, a, a);
	put_dir(rel);
	snprintf(rel, sizeof(rel), "www/%s/%s/%s/file-%s", a, a, a, a);
	put_file(rel, 5000, 9);
	snprintf(rel, sizeof(rel), "%s/%s/%s/file-%s", a, a, a, a);
	put_symlink(rel, "www/long-link");
}

static void make_archive(const char *format)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "tar --format=%s -cf '%s' -C '%s' . 2>/dev/null", format, img,
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* ---- Comparing with the source tree -------------------------------------*/

struct walk_stats {
	unsigned files, dirs, links, bytes_compared;
};

/* Borrows file ino span by span from a random offset to its end and
 * compares each span with want; every span is given back (the fixture
 * checks that no block is left pinned). */
static void compare_borrowed(uint32_t ino, const uint8_t *want, off_t size,
			     struct tern_rand *r)
{
	uint64_t off = size ? tern_rand_below(r, (uint32_t)size) : 0;
	struct tern_tarfs_span span;
	int n;

	while ((n = tern_tarfs_borrow(fs, ino, off, 0, &span)) > 0) {
		cr_assert_leq((size_t)n, BS, "a span stays inside one block");
		cr_assert_eq(span.len, (size_t)n);
		cr_assert_leq(off + (uint64_t)n, (uint64_t)size);
		cr_assert_eq(memcmp(span.data, want + off, span.len), 0,
			     "borrowed bytes differ at %llu",
			     (unsigned long long)off);
		tern_tarfs_return(fs, &span);
		off += (uint64_t)n;
	}
	cr_assert_eq(n, 0);
	cr_assert_eq(off, (uint64_t)size, "borrowed to the end");
	cr_assert_eq(tern_bcache_pinned(&cache), 0);
}

static void compare_file(const char *src, uint32_t ino, off_t size,
			 struct tern_rand *r, struct walk_stats *ws)
{
	int fd = open(src, O_RDONLY);
	uint8_t *want = malloc((size_t)size + 1), got[9000];
	struct tern_tarfs_stat st;
	uint64_t off = 0;

	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, want, (size_t)size), (ssize_t)size);
	close(fd);
	cr_assert_eq(tern_tarfs_stat(fs, ino, &st), 0);
	cr_assert_eq(st.type, TERN_TARFS_FILE, "%s", src);
	cr_assert_eq(st.size, (uint64_t)size, "%s", src);
	/* Whole, in random chunks. */
	while (off < (uint64_t)size) {
		size_t n = 1 + tern_rand_below(r, sizeof(got));
		int got_n = tern_tarfs_read(fs, ino, got, n, off);

		cr_assert_gt(got_n, 0, "%s at %llu: %d", src,
			     (unsigned long long)off, got_n);
		cr_assert_eq(memcmp(got, want + off, (size_t)got_n), 0,
			     "%s differs at %llu", src,
			     (unsigned long long)off);
		off += (uint64_t)got_n;
		ws->bytes_compared += (unsigned)got_n;
	}
	cr_assert_eq(tern_tarfs_read(fs, ino, got, 10, (uint64_t)size), 0);
	cr_assert_eq(tern_tarfs_read(fs, ino, got, 10, (uint64_t)size + 999),
		     0);
	compare_borrowed(ino, want, size, r);
	free(want);
	ws->files++;
}

/* Compares directory rel (tarfs path) with src recursively. */
static void compare_dir(const char *src, const char *rel, struct tern_rand *r,
			struct walk_stats *ws)
{
	DIR *d = opendir(src);
	struct dirent *de;
	uint32_t ino, cookie = 0, listed = 0, present = 0;
	struct tern_tarfs_dirent ent;

	cr_assert_not_null(d, "%s", src);
	cr_assert_eq(tern_tarfs_lookup(fs, rel, 0, &ino), 0, "lookup '%s'",
		     rel);
	while (tern_tarfs_readdir(fs, ino, &cookie, &ent) == 1)
		listed++;
	while ((de = readdir(d))) {
		char s[2048], t[2048];
		struct stat st;
		uint32_t child;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		present++;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s%s%s", rel, *rel ? "/" : "",
			 de->d_name);
		cr_assert_eq(lstat(s, &st), 0);
		cr_assert_eq(tern_tarfs_lookup(fs, t, TERN_TARFS_NOFOLLOW,
					       &child),
			     0, "lookup %s", t);
		if (S_ISDIR(st.st_mode)) {
			ws->dirs++;
			compare_dir(s, t, r, ws);
		} else if (S_ISLNK(st.st_mode)) {
			char want[2048], got[2048];
			ssize_t n = readlink(s, want, sizeof(want) - 1);

			cr_assert_gt(n, 0);
			want[n] = '\0';
			cr_assert_eq(tern_tarfs_readlink(fs, child, got,
							 sizeof(got)),
				     (int)n);
			cr_assert_str_eq(got, want);
			ws->links++;
		} else {
			compare_file(s, child, st.st_size, r, ws);
		}
	}
	closedir(d);
	cr_assert_eq(listed, present, "listing of '%s'", rel);
}

static void check_tree(bool with_long)
{
	struct walk_stats ws = { 0 };
	struct tern_rand r;
	uint32_t a, b;
	uint8_t x[4], y[4];
	struct tern_tarfs_span span;

	tern_rand_seed(&r, 99);
	compare_dir(dir, "", &r, &ws);
	cr_assert_geq(ws.files, 9);
	cr_assert_geq(ws.links, 3);
	/* Symlinks followed: to a file, to a directory in a path. */
	cr_assert_eq(tern_tarfs_lookup(fs, "www/home.html", 0, &a), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "/www/index.html", 0, &b), 0);
	cr_assert_eq(a, b);
	cr_assert_eq(tern_tarfs_lookup(fs, "www/pics/exact.bin", 0, &a), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "www/img/exact.bin", 0, &b), 0);
	cr_assert_eq(a, b);
	cr_assert_eq(tern_tarfs_lookup(fs, "www/dangling", 0, &a),
		     -TERN_ENOENT);
	cr_assert_eq(tern_tarfs_lookup(fs, "www/index.html/x", 0, &a),
		     -TERN_ENOTDIR);
	cr_assert_eq(tern_tarfs_lookup(fs, "./www//img/../index.html", 0, &a),
		     0);
	cr_assert_eq(tern_tarfs_lookup(fs, "../../www/index.html", 0, &b), 0);
	cr_assert_eq(a, b);
	/* The hard link reads the same bytes. */
	cr_assert_eq(tern_tarfs_lookup(fs, "www/deep/index-copy.html", 0, &b),
		     0);
	cr_assert_eq(tern_tarfs_read(fs, a, x, 4, 100), 4);
	cr_assert_eq(tern_tarfs_read(fs, b, y, 4, 100), 4);
	cr_assert_eq(memcmp(x, y, 4), 0);
	cr_assert_eq(tern_tarfs_read(fs, TERN_TARFS_ROOT, x, 4, 0),
		     -TERN_EISDIR);
	cr_assert_eq(tern_tarfs_borrow(fs, TERN_TARFS_ROOT, 0, 0, &span),
		     -TERN_EISDIR);
	cr_assert_eq(tern_tarfs_borrow(fs, UINT32_MAX, 0, 0, &span),
		     -TERN_ENOENT);
	if (with_long) {
		cr_assert_eq(tern_tarfs_lookup(fs, "www/long-link", 0, &a), 0);
		cr_assert_eq(tern_tarfs_read(fs, a, x, 4, 0), 4);
		cr_assert_geq(fs->stats.gnu_long_names + fs->stats.pax_headers,
			      1);
	}
	cr_log_info("%u files (%u bytes compared), %u dirs, %u links; index "
		    "%u entries",
		    ws.files, ws.bytes_compared, ws.dirs, ws.links,
		    tern_tarfs_count(fs));
}

Test(tarfs, gnu_archive_matches_the_tree)
{
	make_common_tree();
	make_long_tree();
	make_archive("gnu");
	cr_assert_eq(open_file_image(), 0);
	check_tree(true);
	cr_assert_gt(fs->stats.gnu_long_names, 0);
}

/* A NOWAIT borrow of a block not in the cache is EAGAIN with its read
 * started; once the device answers, the same borrow succeeds. */
Test(tarfs, a_nowait_borrow_starts_the_read_instead_of_waiting)
{
	struct tern_tarfs_span span;
	unsigned misses = 0;
	uint32_t ino;
	uint64_t off;
	int n;

	make_common_tree();
	make_archive("gnu");
	cr_assert_eq(open_file_image(), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "www/img/big.bin", 0, &ino), 0);
	for (off = 0; off < 300 * 1024 + 17; off += (uint64_t)n) {
		int tries = 0;

		n = tern_tarfs_borrow(fs, ino, off, TERN_TARFS_NOWAIT, &span);
		if (n == -TERN_EAGAIN)
			misses++;
		while (n == -TERN_EAGAIN && tries++ < 1000) {
			tern_bcache_poll(&cache);
			n = tern_tarfs_borrow(fs, ino, off, TERN_TARFS_NOWAIT,
					      &span);
		}
		cr_assert_gt(n, 0, "at %llu: %d", (unsigned long long)off, n);
		tern_tarfs_return(fs, &span);
	}
	cr_assert_gt(misses, 0, "the file is larger than the cache");
	cr_assert_eq(tern_tarfs_borrow(fs, ino, off, TERN_TARFS_NOWAIT, &span),
		     0);
}

Test(tarfs, pax_archive_matches_the_tree)
{
	make_common_tree();
	make_long_tree();
	make_archive("pax");
	cr_assert_eq(open_file_image(), 0);
	check_tree(true);
	cr_assert_gt(fs->stats.pax_headers, 0);
}

Test(tarfs, ustar_archive_matches_the_tree)
{
	make_common_tree();
	make_archive("ustar");
	cr_assert_eq(open_file_image(), 0);
	check_tree(false);
}

Test(tarfs, a_cut_archive_fails_cleanly)
{
	struct stat st;
	int fd;

	make_common_tree();
	make_archive("gnu");
	cr_assert_eq(stat(img, &st), 0);
	/* Cut inside big.bin's data (300 KiB): find a cut that lands in some
	 * member's data by halving the image. */
	fd = open(img, O_WRONLY);
	cr_assert_eq(ftruncate(fd, (st.st_size / 2) & ~511L), 0);
	close(fd);
	cr_assert_eq(open_file_image(), -TERN_EBADMSG);
}

Test(tarfs, a_corrupt_header_fails_the_checksum)
{
	int fd;
	uint8_t c;

	make_common_tree();
	make_archive("pax");
	fd = open(img, O_RDWR);
	/* A byte of the first header's name. */
	cr_assert_eq(pread(fd, &c, 1, 3), 1);
	c ^= 0x20;
	cr_assert_eq(pwrite(fd, &c, 1, 3), 1);
	close(fd);
	cr_assert_eq(open_file_image(), -TERN_EBADMSG);
}

/* tern_tarfs_mount over the file disk: the cache and the index in one
 * call, then every file and directory as with a hand-made open; a corrupt
 * header fails it like tern_tarfs_open. */
static int mount_file_image(void)
{
	static const struct tern_bcache_config cc = { BS, CACHE_BLOCKS, 4 };
	struct tern_filedisk_opts o = { .read_only = true };
	int r;

	cr_assert_eq(tern_filedisk_open(&fdisk, img, &o), 0);
	fdisk_open = true;
	r = tern_tarfs_mount(fs, &cache, &fdisk.dev, &cc);
	/* The cache is up unless its own memory or init failed. */
	cache_open = r == 0 || r == -TERN_EBADMSG;
	return r;
}

Test(tarfs, mount_opens_the_cache_and_the_index_in_one_call)
{
	make_common_tree();
	make_archive("gnu");
	cr_assert_eq(mount_file_image(), 0);
	cr_assert_eq(tern_bcache_block_size(&cache), BS);
	check_tree(false);
}

Test(tarfs, mount_refuses_a_corrupt_image)
{
	int fd;
	uint8_t c;

	make_common_tree();
	make_archive("ustar");
	fd = open(img, O_RDWR);
	cr_assert_eq(pread(fd, &c, 1, 3), 1);
	c ^= 0x20;
	cr_assert_eq(pwrite(fd, &c, 1, 3), 1);
	close(fd);
	cr_assert_eq(mount_file_image(), -TERN_EBADMSG);
}

Test(tarfs, a_small_index_is_enospc_and_measure_is_enough)
{
	struct tern_filedisk_opts o = { .read_only = true };
	struct tern_tarfs_config cfg, small;
	size_t size;

	make_common_tree();
	make_archive("gnu");
	cr_assert_eq(tern_filedisk_open(&fdisk, img, &o), 0);
	fdisk_open = true;
	start_cache(&fdisk.dev);
	cr_assert_eq(tern_tarfs_measure(fs, &cache, &cfg), 0);
	small = cfg;
	small.max_entries = 5;
	size = tern_tarfs_mem_size(&cfg);
	fs_mem = malloc(size);
	cr_assert_eq(tern_tarfs_open(fs, &cache, &small, fs_mem, size),
		     -TERN_ENOSPC);
	small = cfg;
	small.name_bytes = 40;
	cr_assert_eq(tern_tarfs_open(fs, &cache, &small, fs_mem, size),
		     -TERN_ENOSPC);
	cr_assert_eq(tern_tarfs_open(fs, &cache, &cfg, fs_mem, size - 1),
		     -TERN_EINVAL);
	cr_assert_eq(tern_tarfs_open(fs, &cache, &cfg, fs_mem, size), 0);
	cr_assert_leq(tern_tarfs_count(fs), cfg.max_entries);
}

/* ---- Crafted archives ---------------------------------------------------*/

struct tarw {
	uint8_t buf[64 * 1024];
	size_t len;
};

static void octal(uint8_t *f, size_t n, uint64_t v)
{
	/* n - 1 digits and a NUL, as GNU tar writes. */
	for (size_t i = n - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
	f[n - 1] = '\0';
}

static void seal(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
}

/* Appends a header (size field from size unless size_field is given) and
 * the data, padded. */
static uint8_t *hdr(struct tarw *w, const char *name, char type,
		    const void *data, size_t size, const char *link)
{
	uint8_t *h = w->buf + w->len;

	cr_assert_lt(w->len + 512 + size + 512, sizeof(w->buf));
	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 1700000000);
	h[156] = (uint8_t)type;
	if (link)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	seal(h);
	w->len += 512;
	if (size) {
		memcpy(w->buf + w->len, data, size);
		w->len += (size + 511) & ~(size_t)511;
	}
	return h;
}

static void end(struct tarw *w)
{
	memset(w->buf + w->len, 0, 1024);
	w->len += 1024;
}

static void pax(struct tarw *w, const char *records)
{
	hdr(w, "PaxHeaders/x", 'x', records, strlen(records), NULL);
}

/* Appends the record "<len> key=value\n" with its correct length. */
static void rec(char *out, const char *key, const char *value)
{
	size_t body = 1 + strlen(key) + 1 + strlen(value) + 1, len = body + 1;

	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len++;
	sprintf(out + strlen(out), "%zu %s=%s\n", len, key, value);
}

static int read_all(const char *path, char *buf, size_t cap)
{
	uint32_t ino;
	int r = tern_tarfs_lookup(fs, path, 0, &ino);

	return r ? r : tern_tarfs_read(fs, ino, buf, cap, 0);
}

Test(tarfs, pax_overrides_duplicates_and_implied_directories)
{
	static struct tarw w;
	char buf[64];
	struct tern_tarfs_stat st;
	struct tern_tarfs_dirent d;
	uint32_t ino, cookie = 0;

	char recs[256] = "";
	uint8_t *h;

	rec(recs, "path", "a/b/long-name-by-pax");
	rec(recs, "size", "5");
	rec(recs, "mtime", "1700000001.25");
	rec(recs, "SCHILY.xattr.user.something-long", "ignored");
	pax(&w, recs);
	h = hdr(&w, "ignored", '0', "hello", 5, NULL);
	/* The header says 3 bytes; pax says 5: 5 are read. */
	octal(h + 124, 12, 3);
	seal(h);
	hdr(&w, "x/y/z.txt", '0', "one", 3, NULL);
	hdr(&w, "x/y/z.txt", '0', "second", 6, NULL); /* later wins */
	hdr(&w, "x/y", '5', NULL, 0, NULL);	      /* explicit, after */
	end(&w);
	cr_assert_eq(open_bytes(w.buf, w.len), 0);
	cr_assert_eq(read_all("a/b/long-name-by-pax", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(read_all("x/y/z.txt", buf, sizeof(buf)), 6);
	cr_assert_eq(memcmp(buf, "second", 6), 0);
	cr_assert_eq(fs->stats.replaced, 2);	 /* z.txt and x/y */
	cr_assert_eq(fs->stats.implied_dirs, 4); /* a, a/b, x, x/y */
	cr_assert_eq(tern_tarfs_lookup(fs, "x", 0, &ino), 0);
	cr_assert_eq(tern_tarfs_stat(fs, ino, &st), 0);
	cr_assert_eq(st.type, TERN_TARFS_DIR);
	cr_assert_eq(tern_tarfs_readdir(fs, ino, &cookie, &d), 1);
	cr_assert_str_eq(d.name, "y");
	cr_assert_eq(tern_tarfs_readdir(fs, ino, &cookie, &d), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "ignored", 0, &ino), -TERN_ENOENT);
	cr_assert_eq(tern_tarfs_lookup(fs, "a/b/long-name-by-pax", 0, &ino), 0);
	cr_assert_eq(tern_tarfs_stat(fs, ino, &st), 0);
	cr_assert_eq(st.mtime, 1700000001);
	cr_assert_eq(st.size, 5);
}

Test(tarfs, base256_sizes_gnu_long_names_and_links)
{
	static struct tarw w;
	char name[300], buf[16];
	uint8_t *h;
	uint32_t ino;

	memset(name, 'q', 299);
	name[299] = '\0';
	hdr(&w, "././@LongLink", 'L', name, 300, NULL);
	h = hdr(&w, "short", '0', "0123456789", 10, NULL);
	/* Rewrite the size as GNU base-256. */
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 10;
	memcpy(h + 257, "ustar  ", 8); /* GNU magic */
	seal(h);
	hdr(&w, "././@LongLink", 'K', name, 300, NULL);
	hdr(&w, "hl", '1', NULL, 0, "ignored");
	hdr(&w, "././@LongLink", 'K', name, 300, NULL);
	hdr(&w, "sl", '2', NULL, 0, "ignored");
	hdr(&w, "loop1", '2', NULL, 0, "loop2");
	hdr(&w, "loop2", '2', NULL, 0, "loop1");
	hdr(&w, "broken", '1', NULL, 0, "missing");
	hdr(&w, "hl/under-a-file", '0', "x", 1, NULL);
	hdr(&w, "../escape", '0', "x", 1, NULL);
	hdr(&w, "dev", '3', NULL, 0, NULL);
	end(&w);
	cr_assert_eq(open_bytes(w.buf, w.len), 0);
	cr_assert_eq(read_all(name, buf, sizeof(buf)), 10);
	cr_assert_eq(read_all("hl", buf, sizeof(buf)), 10);
	cr_assert_eq(read_all("sl", buf, sizeof(buf)), 10);
	cr_assert_eq(memcmp(buf, "0123456789", 10), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "loop1", 0, &ino), -TERN_ELOOP);
	cr_assert_eq(tern_tarfs_lookup(fs, "loop1", TERN_TARFS_NOFOLLOW, &ino),
		     0);
	cr_assert_eq(tern_tarfs_read(fs, ino, buf, 4, 0), -TERN_EINVAL);
	cr_assert_eq(tern_tarfs_readlink(fs, ino, buf, 3), -TERN_ERANGE);
	cr_assert_eq(tern_tarfs_readlink(fs, ino, buf, sizeof(buf)), 5);
	cr_assert_eq(tern_tarfs_lookup(fs, "broken", 0, &ino), -TERN_ENOENT);
	cr_assert_eq(tern_tarfs_lookup(fs, "escape", 0, &ino), -TERN_ENOENT);
	cr_assert_eq(tern_tarfs_lookup(fs, "dev", 0, &ino), 0);
	cr_assert_eq(tern_tarfs_read(fs, ino, buf, 4, 0), -TERN_EINVAL);
	cr_assert_eq(fs->stats.skipped, 3); /* broken, under a file, escape */
}

Test(tarfs, an_empty_archive_and_one_without_an_end_marker_open)
{
	static struct tarw w;
	uint32_t ino;

	end(&w);
	cr_assert_eq(open_bytes(w.buf, w.len), 0);
	cr_assert_eq(tern_tarfs_count(fs), 1);
	cr_assert_eq(tern_tarfs_lookup(fs, "/", 0, &ino), 0);
	cr_assert_eq(ino, TERN_TARFS_ROOT);
	close_image();
	w.len = 0;
	hdr(&w, "f", '0', "abc", 3, NULL);
	cr_assert_eq(open_bytes(w.buf, w.len), 0);
	cr_assert_eq(tern_tarfs_lookup(fs, "f", 0, &ino), 0);
}

/* Each malformed archive must fail open with the given error. */
static void expect_open_fails(struct tarw *w, int err, const char *what)
{
	int r = open_bytes(w->buf, w->len);

	cr_assert_eq(r, err, "%s: got %d", what, r);
	close_image();
	w->len = 0;
}

Test(tarfs, malformed_archives_fail_with_a_clear_error)
{
	static struct tarw w;
	char big[5000];
	uint8_t *h;

	/* A pax record whose length is wrong. */
	pax(&w, "31 path=abc\n");
	hdr(&w, "f", '0', "x", 1, NULL);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "bad pax length");
	/* A pax record with no '='. */
	pax(&w, "11 pathabc\n");
	hdr(&w, "f", '0', "x", 1, NULL);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "pax without =");
	/* A pax size that is not a number. */
	pax(&w, "12 size=12a\n");
	hdr(&w, "f", '0', "x", 1, NULL);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "pax size");
	/* An extended header with no member after it. */
	pax(&w, "12 path=abc\n");
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "dangling pax");
	/* A member whose size runs past the image. */
	h = hdr(&w, "f", '0', "abc", 3, NULL);
	octal(h + 124, 12, 1u << 20);
	seal(h);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "size past the end");
	/* A pax size past the image. */
	pax(&w, "16 size=9999999\n");
	hdr(&w, "f", '0', "x", 1, NULL);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "pax size past the end");
	/* A bad octal digit. */
	h = hdr(&w, "f", '0', "x", 1, NULL);
	h[130] = '9';
	seal(h);
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "octal");
	/* A GNU long name over TERN_TARFS_PATH_MAX. */
	memset(big, 'a', sizeof(big));
	hdr(&w, "././@LongLink", 'L', big, sizeof(big), NULL);
	hdr(&w, "f", '0', "x", 1, NULL);
	end(&w);
	expect_open_fails(&w, -TERN_ENAMETOOLONG, "long name");
	/* A checksum off by one. */
	h = hdr(&w, "f", '0', "x", 1, NULL);
	h[150]++;
	end(&w);
	expect_open_fails(&w, -TERN_EBADMSG, "checksum");
}
