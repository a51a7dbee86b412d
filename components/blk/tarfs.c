/*
 * tarfs.c - read-only files from a tar image: the scan of the headers, the
 * index it builds, path lookups with symlinks, reads, directory listings.
 *
 * The scan reads one header block at a time through the cache, skipping
 * each member's data (so opening costs one block read per member), and
 * collects what extended headers say for the next member: pax records
 * (path, linkpath, size, mtime), GNU 'L'/'K' long names. Precedence for a
 * name or link: pax, then GNU, then the header's own fields (with the POSIX
 * prefix). Every offset is checked against the image size before use.
 *
 * The index: entries in a caller-sized array (entry 0 is the root), a
 * chained hash of 2^k >= max_entries buckets over full normalised paths,
 * children linked in archive order, and the paths and link targets in a
 * caller-sized name area. A lookup walks the path a component at a time
 * (O(components) hash probes, plus the expansion of each symlink met), in
 * the tarfs's own path buffers: it never blocks, so fibers can share them.
 */
#include <string.h>

#include "tern/assert.h"

#include "tarfs_int.h"

/* ---- Index --------------------------------------------------------------*/

static const char *entry_name(const struct tern_tarfs *fs,
			      const struct tern_tarfs_entry *e)
{
	return fs->names + e->name_off;
}

static uint32_t find(const struct tern_tarfs *fs, const char *path,
		     uint32_t len)
{
	uint32_t i;

	if (len == 0)
		return TERN_TARFS_ROOT;
	i = fs->buckets[tar_hash(path, len) & fs->bucket_mask];
	while (i != TAR_NONE) {
		const struct tern_tarfs_entry *e = &fs->entries[i];

		if (e->name_len == len &&
		    memcmp(entry_name(fs, e), path, len) == 0)
			return i;
		i = e->hnext;
	}
	return TAR_NONE;
}

/* Copies len bytes into the name area (NUL-terminated). Returns the offset
 * or TAR_NONE if full. */
static uint32_t store_name(struct tern_tarfs *fs, const char *s, uint32_t len)
{
	uint32_t off = fs->names_used;

	if (fs->names_cap - fs->names_used < len + 1)
		return TAR_NONE;
	memcpy(fs->names + off, s, len);
	fs->names[off + len] = '\0';
	fs->names_used += len + 1;
	return off;
}

/* A new entry for path under parent. Returns its index, or -TERN_ENOSPC. */
static int new_entry(struct tern_tarfs *fs, const char *path, uint32_t len,
		     uint32_t parent, uint8_t type)
{
	struct tern_tarfs_entry *e, *p = &fs->entries[parent];
	uint32_t idx = fs->nentries, off, *bucket;

	if (idx == fs->max_entries)
		return -TERN_ENOSPC;
	off = store_name(fs, path, len);
	if (off == TAR_NONE)
		return -TERN_ENOSPC;
	e = &fs->entries[idx];
	memset(e, 0, sizeof(*e));
	e->name_off = off;
	e->name_len = len;
	e->base = len;
	while (e->base > 0 && path[e->base - 1] != '/')
		e->base--;
	e->parent = parent;
	e->first_child = e->last_child = e->next_sibling = TAR_NONE;
	e->type = type;
	e->mode = type == TERN_TARFS_DIR ? 0755 : 0644;
	bucket = &fs->buckets[tar_hash(path, len) & fs->bucket_mask];
	e->hnext = *bucket;
	*bucket = idx;
	if (p->last_child == TAR_NONE)
		p->first_child = idx;
	else
		fs->entries[p->last_child].next_sibling = idx;
	p->last_child = idx;
	fs->nentries++;
	return (int)idx;
}

/* The directory that holds path (creating implied directories). Returns
 * its index, TAR_NONE-as-int -1 if a component is not a directory, or
 * -TERN_ENOSPC. */
static int parent_of(struct tern_tarfs *fs, const char *path, uint32_t len)
{
	uint32_t plen = len, cur = TERN_TARFS_ROOT, idx;

	while (plen > 0 && path[plen - 1] != '/')
		plen--;
	if (plen == 0)
		return TERN_TARFS_ROOT;
	plen--; /* the slash */
	/* Usually the parent exists already. */
	idx = find(fs, path, plen);
	if (idx != TAR_NONE)
		return fs->entries[idx].type == TERN_TARFS_DIR ? (int)idx : -1;
	for (uint32_t end = 1; end <= plen; end++) {
		int r;

		if (end < plen && path[end] != '/')
			continue;
		idx = find(fs, path, end);
		if (idx == TAR_NONE) {
			r = new_entry(fs, path, end, cur, TERN_TARFS_DIR);
			if (r < 0)
				return r;
			fs->stats.implied_dirs++;
			idx = (uint32_t)r;
		} else if (fs->entries[idx].type != TERN_TARFS_DIR) {
			return -1;
		}
		cur = idx;
	}
	return (int)cur;
}

/* ---- Members ------------------------------------------------------------*/

/* One member as the scan found it; name normalised in fs->work. */
struct member {
	char type; /* the header's typeflag */
	bool trailing_slash;
	uint32_t name_len;
	const char *link; /* raw link target (fs->link) */
	uint32_t link_len;
	uint64_t data_off, size;
	uint32_t mode;
	int64_t mtime;
};

static uint8_t member_kind(const struct member *m)
{
	switch (m->type) {
	case '1':
		return 0xff; /* hard link: resolved to its target */
	case '2':
		return TERN_TARFS_SYMLINK;
	case '5':
	case 'D': /* GNU dump directory: its data is a listing */
		return TERN_TARFS_DIR;
	case '3':
	case '4':
	case '6':
		return TERN_TARFS_OTHER;
	case '0':
	case '\0':
		/* Pre-POSIX archives mark directories by a trailing slash. */
		return m->trailing_slash ? TERN_TARFS_DIR : TERN_TARFS_FILE;
	default:
		return TERN_TARFS_FILE; /* POSIX: unknown types read as files */
	}
}

/* Adds (or replaces) the member's entry. Returns 0 or -TERN_ENOSPC. */
static int index_member(struct tern_tarfs *fs, const struct member *m)
{
	const char *path = fs->work;
	uint8_t kind = member_kind(m);
	const struct tern_tarfs_entry *target = NULL;
	struct tern_tarfs_entry *e;
	uint32_t idx, link_off = 0;
	int r;

	if (kind == 0xff) {
		/* The link names a member by its archive path, as it is at
		 * this point of the archive. */
		r = tar_normalize(m->link, m->link_len, fs->path, false);
		idx = r >= 0 ? find(fs, fs->path, (uint32_t)r) : TAR_NONE;
		if (idx == TAR_NONE ||
		    fs->entries[idx].type != TERN_TARFS_FILE) {
			fs->stats.skipped++;
			return 0;
		}
		target = &fs->entries[idx];
		kind = TERN_TARFS_FILE;
		fs->stats.hardlinks++;
	}
	if (m->name_len == 0) {
		/* "./": the root itself. */
		if (kind == TERN_TARFS_DIR) {
			fs->entries[TERN_TARFS_ROOT].mode = m->mode;
			fs->entries[TERN_TARFS_ROOT].mtime = m->mtime;
		}
		return 0;
	}
	if (kind == TERN_TARFS_SYMLINK) {
		link_off = store_name(fs, m->link, m->link_len);
		if (link_off == TAR_NONE)
			return -TERN_ENOSPC;
	}
	idx = find(fs, path, m->name_len);
	if (idx == TAR_NONE) {
		r = parent_of(fs, path, m->name_len);
		if (r == -1) {
			fs->stats.skipped++; /* under a file */
			return 0;
		}
		if (r < 0)
			return r;
		r = new_entry(fs, path, m->name_len, (uint32_t)r, kind);
		if (r < 0)
			return r;
		idx = (uint32_t)r;
	} else {
		fs->stats.replaced++;
	}
	e = &fs->entries[idx];
	e->type = kind;
	e->mode = m->mode;
	e->mtime = m->mtime;
	e->data_off = target ? target->data_off : m->data_off;
	e->size = target ? target->size : m->size;
	if (kind == TERN_TARFS_DIR || kind == TERN_TARFS_OTHER)
		e->size = 0;
	e->link_off = link_off;
	e->link_len = kind == TERN_TARFS_SYMLINK ? m->link_len : 0;
	if (kind == TERN_TARFS_SYMLINK)
		e->size = m->link_len;
	switch (kind) {
	case TERN_TARFS_FILE:
		fs->stats.files += target ? 0 : 1;
		break;
	case TERN_TARFS_DIR:
		fs->stats.dirs++;
		break;
	case TERN_TARFS_SYMLINK:
		fs->stats.symlinks++;
		break;
	default:
		fs->stats.others++;
		break;
	}
	return 0;
}

/* Capacity a member can need at most: its entry and every parent as an
 * implied directory, their paths, its link target. */
static int measure_member(struct tern_tarfs *fs, const struct member *m)
{
	fs->need_entries += 1;
	fs->need_names += m->name_len + 1;
	for (uint32_t i = 0; i < m->name_len; i++) {
		if (fs->work[i] == '/') {
			fs->need_entries++;
			fs->need_names += i + 1;
		}
	}
	if (m->type == '2')
		fs->need_names += m->link_len + 1;
	return 0;
}

/* ---- Scan ---------------------------------------------------------------*/

enum { SRC_NONE, SRC_GNU, SRC_PAX };

struct scan {
	uint8_t path_src, link_src;
	uint32_t path_len, link_len;
	bool pending; /* an extended header waits for its member */
	bool has_size, has_mtime;
	uint64_t size;
	int64_t mtime;
};

static int read_bytes(struct tern_tarfs *fs, void *buf, size_t len,
		      uint64_t off)
{
	int r = tern_bcache_pread(fs->cache, buf, len, off);

	return r < 0 ? r : 0;
}

/* Feeds a pax header's data to the parser. */
static int read_pax(struct tern_tarfs *fs, struct scan *s, uint64_t off,
		    uint64_t size)
{
	struct tern_tar_pax *p = &fs->pax;
	int r;

	tar_pax_begin(p, fs->path, fs->link);
	while (size > 0) {
		uint32_t n = (uint32_t)TERN_MIN(size, (uint64_t)TAR_BLOCK);

		r = read_bytes(fs, fs->hdr, n, off);
		if (r)
			return r;
		tar_pax_feed(p, fs->hdr, n);
		off += n;
		size -= n;
	}
	r = tar_pax_end(p);
	if (r)
		return r;
	/* The parser wrote into the path buffers only for keys it saw. */
	if (p->has_path) {
		s->path_src = SRC_PAX;
		s->path_len = p->path_len;
	} else if (s->path_src == SRC_PAX) {
		s->path_src = SRC_NONE; /* overwritten by an empty value */
	}
	if (p->has_link) {
		s->link_src = SRC_PAX;
		s->link_len = p->link_len;
	} else if (s->link_src == SRC_PAX) {
		s->link_src = SRC_NONE;
	}
	if (p->has_size) {
		s->has_size = true;
		s->size = p->size;
	}
	if (p->has_mtime) {
		s->has_mtime = true;
		s->mtime = p->mtime;
	}
	fs->stats.pax_headers++;
	return 0;
}

/* Reads a GNU 'L'/'K' long name into buf unless pax already set it. */
static int read_long(struct tern_tarfs *fs, uint64_t off, uint64_t size,
		     char *buf, uint8_t *src, uint32_t *len)
{
	uint32_t n;
	int r;

	if (*src == SRC_PAX)
		return 0;
	if (size > TERN_TARFS_PATH_MAX + 1)
		return -TERN_ENAMETOOLONG;
	r = read_bytes(fs, buf, (size_t)size, off);
	if (r)
		return r;
	for (n = 0; n < size && buf[n]; n++)
		;
	if (n > TERN_TARFS_PATH_MAX)
		return -TERN_ENAMETOOLONG;
	*len = n;
	*src = n ? SRC_GNU : SRC_NONE;
	fs->stats.gnu_long_names++;
	return 0;
}

/* Builds the member from the header and what extended headers said, and
 * hands it to fn. */
static int emit(struct tern_tarfs *fs, struct scan *s, const struct tar_hdr *h,
		uint64_t data_off, uint64_t size,
		int (*fn)(struct tern_tarfs *, const struct member *))
{
	struct member m = {
		.type = h->type,
		.data_off = data_off,
		.size = size,
		.mode = h->mode,
		.mtime = s->has_mtime ? s->mtime : h->mtime,
	};
	int r;

	if (s->path_src == SRC_NONE) {
		size_t plen = strlen(h->prefix), nlen = strlen(h->name);

		s->path_len = 0;
		if (plen) {
			memcpy(fs->path, h->prefix, plen);
			fs->path[plen] = '/';
			s->path_len = (uint32_t)plen + 1;
		}
		memcpy(fs->path + s->path_len, h->name, nlen);
		s->path_len += (uint32_t)nlen;
	}
	if (s->link_src == SRC_NONE) {
		s->link_len = (uint32_t)strlen(h->link);
		memcpy(fs->link, h->link, s->link_len);
	}
	fs->link[s->link_len] = '\0';
	m.trailing_slash = s->path_len > 0 && fs->path[s->path_len - 1] == '/';
	m.link = fs->link;
	m.link_len = s->link_len;
	r = tar_normalize(fs->path, s->path_len, fs->work, false);
	if (r == -TERN_EINVAL || (r >= 0 && s->path_len == 0)) {
		fs->stats.skipped++; /* escapes the root, or no name */
		return 0;
	}
	if (r < 0)
		return r;
	m.name_len = (uint32_t)r;
	return fn(fs, &m);
}

/* Reads every header in order, calling fn for each member. */
static int scan(struct tern_tarfs *fs,
		int (*fn)(struct tern_tarfs *, const struct member *))
{
	struct scan s = { 0 };
	uint64_t off = 0;
	struct tar_hdr h;

	for (;;) {
		uint64_t data_off, size, next;
		int r;

		if (fs->image_size - off < TAR_BLOCK)
			return s.pending ? -TERN_EBADMSG : 0; /* no end mark */
		r = read_bytes(fs, fs->hdr, TAR_BLOCK, off);
		if (r)
			return r;
		r = tar_hdr_parse(fs->hdr, &h);
		if (r < 0)
			return r;
		if (r == 1)
			return s.pending ? -TERN_EBADMSG : 0; /* end marker */
		fs->stats.members++;
		data_off = off + TAR_BLOCK;
		size = h.size;
		if (s.has_size && h.type != 'x' && h.type != 'g' &&
		    h.type != 'L' && h.type != 'K')
			size = s.size;
		if (size > fs->image_size - data_off)
			return -TERN_EBADMSG; /* data runs past the image */
		next = data_off +
		       ((size + TAR_BLOCK - 1) & ~(uint64_t)(TAR_BLOCK - 1));
		/* The last member's padding may be cut by the image's end. */
		if (next > fs->image_size)
			next = fs->image_size;
		switch (h.type) {
		case 'x':
			r = read_pax(fs, &s, data_off, size);
			s.pending = true;
			break;
		case 'g':
			break; /* global pax header: nothing tarfs uses */
		case 'L':
			r = read_long(fs, data_off, size, fs->path, &s.path_src,
				      &s.path_len);
			s.pending = true;
			break;
		case 'K':
			r = read_long(fs, data_off, size, fs->link, &s.link_src,
				      &s.link_len);
			s.pending = true;
			break;
		case 'S': /* GNU sparse */
		case 'M': /* GNU multi-volume continuation */
		case 'V': /* volume label */
		case 'N': /* old GNU long names */
			fs->stats.skipped++;
			memset(&s, 0, sizeof(s));
			break;
		default:
			r = emit(fs, &s, &h, data_off, size, fn);
			memset(&s, 0, sizeof(s));
			break;
		}
		if (r)
			return r;
		off = next;
	}
}

/* ---- Open ---------------------------------------------------------------*/

struct layout {
	size_t entries, buckets, names, total;
	uint32_t nbuckets;
};

static bool layout_of(const struct tern_tarfs_config *cfg, struct layout *l)
{
	if (cfg->max_entries == 0 || cfg->max_entries > (1u << 28) ||
	    cfg->name_bytes == 0 || cfg->name_bytes > (1u << 31))
		return false;
	l->nbuckets = 1;
	while (l->nbuckets < cfg->max_entries)
		l->nbuckets <<= 1;
	l->entries = 0;
	l->buckets = (size_t)cfg->max_entries * sizeof(struct tern_tarfs_entry);
	l->names = l->buckets + (size_t)l->nbuckets * sizeof(uint32_t);
	l->total = l->names + cfg->name_bytes;
	return true;
}

size_t tern_tarfs_mem_size(const struct tern_tarfs_config *cfg)
{
	struct layout l;

	return layout_of(cfg, &l) ? l.total : 0;
}

static void start(struct tern_tarfs *fs, struct tern_bcache *c)
{
	memset(&fs->stats, 0, sizeof(fs->stats));
	fs->cache = c;
	fs->image_size = tern_bcache_dev_bytes(c);
	fs->nentries = 0;
	fs->names_used = 0;
}

int tern_tarfs_measure(struct tern_tarfs *fs, struct tern_bcache *c,
		       struct tern_tarfs_config *cfg)
{
	int r;

	start(fs, c);
	fs->need_entries = 1;
	fs->need_names = 1;
	r = scan(fs, measure_member);
	if (r)
		return r;
	if (fs->need_entries > (1u << 28) || fs->need_names > (1u << 31))
		return -TERN_ENOSPC;
	cfg->max_entries = (uint32_t)fs->need_entries;
	cfg->name_bytes = (uint32_t)fs->need_names;
	return 0;
}

int tern_tarfs_open(struct tern_tarfs *fs, struct tern_bcache *c,
		    const struct tern_tarfs_config *cfg, void *mem,
		    size_t mem_size)
{
	uint8_t *base = mem;
	struct tern_tarfs_entry *root;
	struct layout l;

	start(fs, c);
	if (!layout_of(cfg, &l) || mem_size < l.total || ((uintptr_t)mem & 7))
		return -TERN_EINVAL;
	fs->entries = (struct tern_tarfs_entry *)(void *)(base + l.entries);
	fs->buckets = (uint32_t *)(void *)(base + l.buckets);
	fs->names = (char *)(base + l.names);
	fs->max_entries = cfg->max_entries;
	fs->names_cap = cfg->name_bytes;
	fs->bucket_mask = l.nbuckets - 1;
	memset(fs->buckets, 0xff, l.nbuckets * sizeof(uint32_t));
	/* The root: entry 0, path "" (not hashed; find() knows it). */
	fs->names[0] = '\0';
	fs->names_used = 1;
	root = &fs->entries[0];
	memset(root, 0, sizeof(*root));
	root->type = TERN_TARFS_DIR;
	root->mode = 0755;
	root->parent = TERN_TARFS_ROOT;
	root->first_child = root->last_child = root->next_sibling = TAR_NONE;
	root->hnext = TAR_NONE;
	fs->nentries = 1;
	return scan(fs, index_member);
}

/* ---- Lookups ------------------------------------------------------------*/

int tern_tarfs_lookup(struct tern_tarfs *fs, const char *path, unsigned flags,
		      uint32_t *ino)
{
	char *rest = fs->path, *spare = fs->link, *cand = fs->work;
	size_t len = strlen(path), pos = 0;
	uint32_t cur = TERN_TARFS_ROOT;
	unsigned links = 0;

	if (len > TERN_TARFS_PATH_MAX)
		return -TERN_ENAMETOOLONG;
	memcpy(rest, path, len + 1);
	for (;;) {
		const struct tern_tarfs_entry *dir = &fs->entries[cur], *e;
		size_t start, clen, dlen;
		uint32_t idx;
		bool last;

		while (pos < len && rest[pos] == '/')
			pos++;
		if (pos == len)
			break;
		start = pos;
		while (pos < len && rest[pos] != '/')
			pos++;
		clen = pos - start;
		if (clen == 1 && rest[start] == '.')
			continue;
		if (dir->type != TERN_TARFS_DIR)
			return -TERN_ENOTDIR;
		if (clen == 2 && rest[start] == '.' && rest[start + 1] == '.') {
			cur = dir->parent;
			continue;
		}
		/* The child's full path: the directory's, '/', the name. */
		dlen = dir->name_len;
		if (dlen + 1 + clen > TERN_TARFS_PATH_MAX)
			return -TERN_ENAMETOOLONG;
		memcpy(cand, entry_name(fs, dir), dlen);
		if (dlen)
			cand[dlen++] = '/';
		memcpy(cand + dlen, rest + start, clen);
		idx = find(fs, cand, (uint32_t)(dlen + clen));
		if (idx == TAR_NONE)
			return -TERN_ENOENT;
		e = &fs->entries[idx];
		while (pos < len && rest[pos] == '/')
			pos++;
		last = pos == len;
		if (e->type != TERN_TARFS_SYMLINK ||
		    (last && (flags & TERN_TARFS_NOFOLLOW))) {
			cur = idx;
			continue;
		}
		/* A symlink: continue with its target, then the rest. */
		if (++links > TERN_TARFS_LINK_DEPTH)
			return -TERN_ELOOP;
		if (e->link_len + 1 + (len - pos) > TERN_TARFS_PATH_MAX)
			return -TERN_ENAMETOOLONG;
		memcpy(spare, fs->names + e->link_off, e->link_len);
		spare[e->link_len] = '/';
		memcpy(spare + e->link_len + 1, rest + pos, len - pos + 1);
		len = e->link_len + 1 + (len - pos);
		pos = 0;
		if (e->link_len > 0 && spare[0] == '/')
			cur = TERN_TARFS_ROOT;
		/* else relative to the link's directory: cur stays. */
		{
			char *t = rest;

			rest = spare;
			spare = t;
		}
	}
	*ino = cur;
	return 0;
}

int tern_tarfs_stat(const struct tern_tarfs *fs, uint32_t ino,
		    struct tern_tarfs_stat *st)
{
	const struct tern_tarfs_entry *e;

	if (ino >= fs->nentries)
		return -TERN_ENOENT;
	e = &fs->entries[ino];
	st->ino = ino;
	st->type = (enum tern_tarfs_type)e->type;
	st->size = e->size;
	st->mode = e->mode;
	st->mtime = e->mtime;
	return 0;
}

/* Finds regular file ino: 0 with *out set, -TERN_ENOENT, -TERN_EISDIR or
 * -TERN_EINVAL (not a regular file). */
static int file_entry(const struct tern_tarfs *fs, uint32_t ino,
		      const struct tern_tarfs_entry **out)
{
	if (ino >= fs->nentries)
		return -TERN_ENOENT;
	*out = &fs->entries[ino];
	if ((*out)->type == TERN_TARFS_DIR)
		return -TERN_EISDIR;
	return (*out)->type == TERN_TARFS_FILE ? 0 : -TERN_EINVAL;
}

int tern_tarfs_read(struct tern_tarfs *fs, uint32_t ino, void *buf, size_t len,
		    uint64_t off)
{
	const struct tern_tarfs_entry *e;
	int r = file_entry(fs, ino, &e);
	uint64_t n;

	if (r)
		return r;
	if (len > (size_t)INT32_MAX)
		return -TERN_EINVAL;
	if (off >= e->size || len == 0)
		return 0;
	n = TERN_MIN((uint64_t)len, e->size - off);
	/* data_off + size <= image size was checked by the scan. */
	return tern_bcache_pread(fs->cache, buf, (size_t)n, e->data_off + off);
}

/* Takes block blockno of fs's cache into *out without waiting: 0, or
 * -TERN_EAGAIN (not ready yet: its read goes on; no slot), or an error of
 * tern_bcache_get or the block's read. */
static int get_ready(struct tern_tarfs *fs, uint64_t blockno,
		     struct tern_bcache_buf **out)
{
	int r = tern_bcache_get(fs->cache, blockno, 0, out);

	if (r)
		return r;
	r = tern_bcache_ready(*out);
	if (r)
		tern_bcache_put(fs->cache, *out);
	return r;
}

int tern_tarfs_borrow(struct tern_tarfs *fs, uint32_t ino, uint64_t off,
		      unsigned flags, struct tern_tarfs_span *span)
{
	const struct tern_tarfs_entry *e;
	uint32_t bs = tern_bcache_block_size(fs->cache), boff;
	uint64_t pos;
	int r = file_entry(fs, ino, &e);

	if (r)
		return r;
	if (off >= e->size)
		return 0;
	pos = e->data_off + off; /* inside the image: checked by the scan */
	boff = (uint32_t)(pos % bs);
	if (flags & TERN_TARFS_NOWAIT)
		r = get_ready(fs, pos / bs, &span->buf);
	else
		r = tern_bcache_read(fs->cache, pos / bs, 0, &span->buf);
	if (r)
		return r;
	span->data = span->buf->data + boff;
	span->len = (size_t)TERN_MIN((uint64_t)(bs - boff), e->size - off);
	return (int)span->len;
}

void tern_tarfs_return(struct tern_tarfs *fs, struct tern_tarfs_span *span)
{
	tern_bcache_put(fs->cache, span->buf);
	span->buf = NULL;
	span->data = NULL;
	span->len = 0;
}

int tern_tarfs_readlink(const struct tern_tarfs *fs, uint32_t ino, char *buf,
			size_t cap)
{
	const struct tern_tarfs_entry *e;

	if (ino >= fs->nentries)
		return -TERN_ENOENT;
	e = &fs->entries[ino];
	if (e->type != TERN_TARFS_SYMLINK)
		return -TERN_EINVAL;
	if (cap < (size_t)e->link_len + 1)
		return -TERN_ERANGE;
	memcpy(buf, fs->names + e->link_off, e->link_len);
	buf[e->link_len] = '\0';
	return (int)e->link_len;
}

int tern_tarfs_readdir(const struct tern_tarfs *fs, uint32_t dir,
		       uint32_t *cookie, struct tern_tarfs_dirent *d)
{
	const struct tern_tarfs_entry *e;
	uint32_t next;

	if (dir >= fs->nentries)
		return -TERN_ENOENT;
	if (fs->entries[dir].type != TERN_TARFS_DIR)
		return -TERN_ENOTDIR;
	if (*cookie == UINT32_MAX)
		return 0;
	next = *cookie == 0 ? fs->entries[dir].first_child : *cookie - 1;
	if (next == TAR_NONE || next >= fs->nentries) {
		*cookie = UINT32_MAX;
		return 0;
	}
	e = &fs->entries[next];
	d->ino = next;
	d->type = (enum tern_tarfs_type)e->type;
	d->name = entry_name(fs, e) + e->base;
	d->name_len = e->name_len - e->base;
	*cookie = e->next_sibling == TAR_NONE ? UINT32_MAX
					      : e->next_sibling + 1;
	return 1;
}

const char *tern_tarfs_path(const struct tern_tarfs *fs, uint32_t ino)
{
	return ino < fs->nentries ? entry_name(fs, &fs->entries[ino]) : NULL;
}
