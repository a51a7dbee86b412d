/*
 * filedisk.c - a disk-image file as a blkdev (see tern/hosted/filedisk.h):
 * opening the image, the synchronous request path with injected faults, and
 * completions reported from poll.
 *
 * Each request is carried out inside submit() and appended, through its
 * dev_next field, to a FIFO of done requests; poll() detaches the FIFO and
 * calls every done() in submit order. Requests submitted from inside a
 * done() callback are reported at the following poll, so poll always ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "filedisk_int.h"
#include "tern/assert.h"
#include "tern/err.h"

#define PPM_MAX 1000000u

/* Transfers the iovcnt buffers of iov at off, retrying short transfers
 * and EINTR; advances iov past what was done. Returns 0 or -TERN_EIO. */
static int transfer(int fd, bool write, struct iovec *iov, int iovcnt,
		    uint64_t off)
{
	while (iovcnt > 0) {
		ssize_t n = write ? pwritev(fd, iov, iovcnt, (off_t)off)
				  : preadv(fd, iov, iovcnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -TERN_EIO; /* error, or the file was cut short */
		off += (uint64_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int filedisk_pread(int fd, void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return transfer(fd, false, &iov, 1, off);
}

int filedisk_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return transfer(fd, true, &iov, 1, off);
}

/* Reads or writes the first sectors sectors of req's buffers at its
 * sector, in one system call when the host allows. Returns 0 or
 * -TERN_EIO. */
static int req_transfer(struct tern_filedisk *d, struct tern_blk_req *req,
			bool write, uint32_t sectors)
{
	struct iovec iov[TERN_FILEDISK_SEGS_MAX];
	uint32_t ss = d->dev.sector_size, nsegs;
	struct tern_blk_seg one;
	const struct tern_blk_seg *segs = tern_blk_req_segs(req, &one, &nsegs);
	int n = 0;

	for (uint32_t i = 0; i < nsegs && sectors > 0; i++) {
		uint32_t k = TERN_MIN(segs[i].count, sectors);

		iov[n].iov_base = segs[i].buf;
		iov[n].iov_len = (size_t)k * ss;
		n++;
		sectors -= k;
	}
	return transfer(d->fd, write, iov, n, req->sector * ss);
}

/* Returns 0 if every probability is at most 1,000,000, else -TERN_EINVAL. */
static int check_faults(const struct tern_filedisk_faults *f)
{
	if (f->read_eio_ppm > PPM_MAX || f->write_eio_ppm > PPM_MAX ||
	    f->torn_ppm > PPM_MAX || f->flush_eio_ppm > PPM_MAX)
		return -TERN_EINVAL;
	return 0;
}

/* True with probability ppm, drawing only when the fault is enabled so
 * that disabled faults do not shift the PRNG stream. */
static bool draw(struct tern_filedisk *d, uint32_t ppm)
{
	return ppm && tern_rand_ppm(&d->rand, ppm);
}

/* Index of the first sector in [sector, sector + count) that is bad for
 * op, or count if there is none. */
static uint32_t first_bad(const struct tern_filedisk *d, uint64_t sector,
			  uint32_t count, unsigned op)
{
	uint32_t first = count;

	for (unsigned i = 0; i < d->n_bad; i++) {
		if (!(d->bad[i].ops & op))
			continue;
		if (d->bad[i].sector >= sector &&
		    d->bad[i].sector - sector < count)
			first = TERN_MIN(first,
					 (uint32_t)(d->bad[i].sector - sector));
	}
	return first;
}

/* ---- The request path ---------------------------------------------------*/

/* Reads req's sectors unless a fault is injected; returns its status. */
static int do_read(struct tern_filedisk *d, struct tern_blk_req *req)
{
	d->stats.reads++;
	if (first_bad(d, req->sector, req->count, TERN_FILEDISK_FAIL_READ) <
	    req->count) {
		d->stats.bad_sector_hits++;
		d->stats.injected++;
		goto fail;
	}
	if (draw(d, d->faults.read_eio_ppm)) {
		d->stats.injected++;
		goto fail;
	}
	if (req_transfer(d, req, false, req->count) < 0)
		goto fail;
	d->stats.read_sectors += req->count;
	return 0;
fail:
	d->stats.read_errors++;
	return -TERN_EIO;
}

/* Writes as many of req's sectors as the faults let land (all of them
 * without faults), saving their old contents in the undo log first;
 * returns req's status. */
static int do_write(struct tern_filedisk *d, struct tern_blk_req *req)
{
	uint32_t land = req->count, bad;
	uint64_t id = ++d->next_write_id;
	int status = 0;

	d->stats.writes++;
	req->dev_data = id;
	if (d->read_only) {
		land = 0;
		status = -TERN_EIO;
	}
	bad = first_bad(d, req->sector, req->count, TERN_FILEDISK_FAIL_WRITE);
	if (status == 0 && bad < req->count) {
		d->stats.bad_sector_hits++;
		d->stats.injected++;
		land = bad;
		status = -TERN_EIO;
	}
	if (status == 0 && draw(d, d->faults.write_eio_ppm)) {
		d->stats.injected++;
		land = 0;
		status = -TERN_EIO;
	}
	if (status == 0 && req->count >= 2 && draw(d, d->faults.torn_ppm)) {
		d->stats.injected++;
		d->stats.torn_writes++;
		land = (uint32_t)tern_rand_below(&d->rand, req->count);
		status = -TERN_EIO;
	}
	if (land > 0) {
		if (filedisk_undo_record(d, id, req->sector, land) < 0 ||
		    req_transfer(d, req, true, land) < 0) {
			/* Some sectors may have landed; the contract leaves
			 * them unspecified. */
			status = -TERN_EIO;
		} else {
			d->stats.written_sectors += land;
		}
	}
	if (status < 0)
		d->stats.write_errors++;
	return status;
}

/* fdatasync unless a fault is injected; returns req's status. */
static int do_flush(struct tern_filedisk *d, struct tern_blk_req *req)
{
	d->stats.flushes++;
	/* Covers the writes reported so far; see filedisk_undo.c. */
	req->dev_data = d->reported_write_id;
	if (draw(d, d->faults.flush_eio_ppm)) {
		d->stats.injected++;
		goto fail;
	}
	if (!d->read_only && fdatasync(d->fd) < 0)
		goto fail;
	return 0;
fail:
	d->stats.flush_errors++;
	return -TERN_EIO;
}

/* blkdev submit: does the request now, reports it at the next poll. */
static int filedisk_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	struct tern_filedisk *d =
		tern_container_of(dev, struct tern_filedisk, dev);

	if (d->pending >= d->queue_depth) {
		d->stats.eagain++;
		return -TERN_EAGAIN;
	}
	/* tern_blkdev_submit checked the range; a direct caller may not. */
	if (req->op != TERN_BLK_FLUSH &&
	    (req->count == 0 || req->sector > dev->sector_count ||
	     req->count > dev->sector_count - req->sector))
		return -TERN_EINVAL;
	switch (req->op) {
	case TERN_BLK_READ:
		req->status = do_read(d, req);
		break;
	case TERN_BLK_WRITE:
		req->status = do_write(d, req);
		break;
	case TERN_BLK_FLUSH:
		req->status = do_flush(d, req);
		break;
	default:
		return -TERN_EINVAL;
	}
	req->dev_next = NULL;
	if (d->done_tail)
		d->done_tail->dev_next = req;
	else
		d->done_head = req;
	d->done_tail = req;
	d->pending++;
	return 0;
}

/* blkdev poll: reports every request done so far, in submit order, and
 * applies what a reported write or flush means to the undo log. */
static int filedisk_poll(struct tern_blkdev *dev)
{
	struct tern_filedisk *d =
		tern_container_of(dev, struct tern_filedisk, dev);
	struct tern_blk_req *req = d->done_head;
	int n = 0;

	d->done_head = NULL;
	d->done_tail = NULL;
	while (req) {
		struct tern_blk_req *next = req->dev_next;

		if (req->op == TERN_BLK_WRITE)
			d->reported_write_id = req->dev_data;
		else if (req->op == TERN_BLK_FLUSH && req->status == 0)
			filedisk_undo_durable(d, req->dev_data);
		d->pending--;
		n++;
		req->dev_next = NULL;
		req->done(req); /* may submit again: next poll reports it */
		req = next;
	}
	return n;
}

/* blkdev pending: requests submitted and not yet reported. */
static unsigned filedisk_pending(const struct tern_blkdev *dev)
{
	const struct tern_filedisk *d =
		tern_container_of(dev, const struct tern_filedisk, dev);

	return d->pending;
}

/* blkdev close: tern_filedisk_close. */
static void filedisk_close_op(struct tern_blkdev *dev)
{
	tern_filedisk_close(tern_container_of(dev, struct tern_filedisk, dev));
}

static const struct tern_blkdev_ops filedisk_ops = {
	.submit = filedisk_submit,
	.poll = filedisk_poll,
	.pending = filedisk_pending,
	.close = filedisk_close_op,
};

/* ---- Opening and closing ------------------------------------------------*/

/* The -TERN_E* code for an errno from open() or flock(). */
static int open_error(int err)
{
	switch (err) {
	case ENOENT:
		return -TERN_ENOENT;
	case EISDIR:
		return -TERN_EISDIR;
	case EWOULDBLOCK:
		return -TERN_EBUSY;
	case ENOMEM:
		return -TERN_ENOMEM;
	default:
		return -TERN_EIO;
	}
}

/* Returns 0 if the options make sense with sector size ss, else
 * -TERN_EINVAL. */
static int check_opts(const struct tern_filedisk_opts *o, uint32_t ss)
{
	if (ss < 512 || (ss & (ss - 1)) || o->size % ss)
		return -TERN_EINVAL;
	if (o->read_only && o->create)
		return -TERN_EINVAL;
	return check_faults(&o->faults);
}

/* Opens, locks and sizes the file; returns the fd or a -TERN_E* code. */
static int open_file(const char *path, const struct tern_filedisk_opts *o,
		     uint32_t ss, uint64_t *sectors)
{
	int flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;
	uint64_t size;
	int fd, rc;

	if (o->create)
		flags |= O_CREAT;
	fd = open(path, flags, 0644);
	if (fd < 0)
		return open_error(errno);
	if (fstat(fd, &st) < 0) {
		rc = -TERN_EIO;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -TERN_EISDIR;
		goto fail;
	}
	if (flock(fd, (o->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		rc = open_error(errno);
		goto fail;
	}
	size = o->size ? o->size : (uint64_t)st.st_size / ss * ss;
	if ((uint64_t)st.st_size < size) {
		if (o->read_only) {
			rc = -TERN_EINVAL;
			goto fail;
		}
		if (ftruncate(fd, (off_t)size) < 0) {
			rc = -TERN_EIO;
			goto fail;
		}
	}
	if (size / ss == 0) {
		rc = -TERN_EINVAL;
		goto fail;
	}
	*sectors = size / ss;
	return fd;
fail:
	close(fd);
	return rc;
}

int tern_filedisk_open(struct tern_filedisk *d, const char *path,
		       const struct tern_filedisk_opts *opts)
{
	static const struct tern_filedisk_opts defaults;
	uint32_t ss;
	uint64_t sectors = 0;
	int fd, rc;

	if (!opts)
		opts = &defaults;
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	ss = opts->sector_size ? opts->sector_size : 512;
	rc = check_opts(opts, ss);
	if (rc < 0)
		return rc;
	fd = open_file(path, opts, ss, &sectors);
	if (fd < 0)
		return fd;
	tern_blkdev_init(&d->dev, &filedisk_ops,
			 opts->name ? opts->name : "disk", ss, sectors,
			 opts->max_sectors);
	d->dev.max_segments = TERN_FILEDISK_SEGS_MAX;
	d->fd = fd;
	d->read_only = opts->read_only;
	d->faults = opts->faults;
	d->queue_depth = opts->queue_depth ? opts->queue_depth
					   : TERN_FILEDISK_QUEUE_DEFAULT;
	tern_rand_seed(&d->rand, opts->seed);
	rc = filedisk_undo_init(d, opts->undo_sectors);
	if (rc < 0) {
		close(fd);
		d->fd = -1;
		return rc;
	}
	return 0;
}

void tern_filedisk_close(struct tern_filedisk *d)
{
	TERN_ASSERT(d->pending == 0);
	if (d->fd >= 0)
		close(d->fd); /* releases the flock too */
	d->fd = -1;
	filedisk_undo_free(d);
}

int tern_filedisk_set_faults(struct tern_filedisk *d,
			     const struct tern_filedisk_faults *faults)
{
	if (check_faults(faults) < 0)
		return -TERN_EINVAL;
	d->faults = *faults;
	return 0;
}

int tern_filedisk_fail_sector(struct tern_filedisk *d, uint64_t sector,
			      unsigned ops)
{
	const unsigned all = TERN_FILEDISK_FAIL_READ | TERN_FILEDISK_FAIL_WRITE;

	if (sector >= d->dev.sector_count || (ops & ~all))
		return -TERN_EINVAL;
	for (unsigned i = 0; i < d->n_bad; i++) {
		if (d->bad[i].sector != sector)
			continue;
		if (ops) {
			d->bad[i].ops = (uint8_t)ops;
		} else {
			d->bad[i] = d->bad[--d->n_bad];
		}
		return 0;
	}
	if (!ops)
		return 0;
	if (d->n_bad == TERN_FILEDISK_BAD_MAX)
		return -TERN_ENOSPC;
	d->bad[d->n_bad].sector = sector;
	d->bad[d->n_bad].ops = (uint8_t)ops;
	d->n_bad++;
	return 0;
}

int tern_filedisk_power_cut(struct tern_filedisk *d, uint32_t keep_ppm)
{
	int restored;

	if (d->undo_cap == 0)
		return -TERN_ENOTSUP;
	if (keep_ppm > PPM_MAX)
		return -TERN_EINVAL;
	d->stats.power_cuts++;
	/* Whatever was in flight died with the power. */
	for (struct tern_blk_req *r = d->done_head; r; r = r->dev_next)
		r->status = -TERN_EIO;
	restored = filedisk_undo_rollback(d, keep_ppm);
	if (restored < 0)
		return restored;
	if (fdatasync(d->fd) < 0)
		return -TERN_EIO;
	return restored;
}

unsigned tern_filedisk_unflushed(const struct tern_filedisk *d)
{
	return d->undo_len;
}
