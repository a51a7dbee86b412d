/*
 * test_dev.c - the device wrappers of dev.c: common fields, gather-list
 * helpers, the blkdev range checks done before the device is called, and
 * the netdev contract asserts.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "tern/dev.h"

Test(dev, netdev_init_copies_and_truncates_the_name)
{
	static const struct tern_netdev_ops ops;
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct tern_netdev d;

	tern_netdev_init(&d, &ops, "a-very-long-device-name", mac, 1500);
	cr_assert_eq(strlen(d.name), TERN_DEV_NAME_MAX - 1);
	cr_assert_eq(strncmp(d.name, "a-very-long-device-name",
			     TERN_DEV_NAME_MAX - 1),
		     0);
	cr_assert_arr_eq(d.mac, mac, 6);
	cr_assert_eq(d.mtu, 1500);
	cr_assert_eq(d.rx_dropped_too_long, 0);
	tern_netdev_init(&d, &ops, "n0", mac, 9000);
	cr_assert_str_eq(d.name, "n0");
	tern_netdev_close(&d); /* close is NULL: a no-op */
}

Test(dev, tx_len_and_flatten)
{
	uint8_t a[3] = { 1, 2, 3 }, b[2] = { 4, 5 }, out[8];
	struct tern_iov iov[3] = { { a, 3 }, { b, 0 }, { b, 2 } };
	struct tern_tx tx = { .iov = iov, .iovcnt = 3 };

	cr_assert_eq(tern_tx_len(&tx), 5);
	memset(out, 0, sizeof(out));
	cr_assert_eq(tern_tx_flatten(&tx, out, sizeof(out)), 5);
	cr_assert_arr_eq(out, ((uint8_t[]){ 1, 2, 3, 4, 5, 0 }), 6);
	cr_assert_eq(tern_tx_flatten(&tx, out, 5), 5, "exactly fits");
	cr_assert_eq(tern_tx_flatten(&tx, out, 4), -TERN_EMSGSIZE);
	cr_assert_eq(tern_tx_flatten(&tx, out, 0), -TERN_EMSGSIZE);
	tx.iovcnt = 0;
	cr_assert_eq(tern_tx_len(&tx), 0);
	cr_assert_eq(tern_tx_flatten(&tx, out, 0), 0);
}

/* A block device that records what reaches it. */
static unsigned submits;

static int fake_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	(void)dev;
	(void)req;
	submits++;
	return 0;
}

static int fake_poll(struct tern_blkdev *dev)
{
	(void)dev;
	return 0;
}

static unsigned fake_pending(const struct tern_blkdev *dev)
{
	(void)dev;
	return submits;
}

static const struct tern_blkdev_ops fake_ops = {
	.submit = fake_submit,
	.poll = fake_poll,
	.pending = fake_pending,
};

static void noop_done(struct tern_blk_req *req)
{
	(void)req;
}

Test(dev, blkdev_submit_checks_ranges_before_the_device)
{
	struct tern_blkdev d;
	struct tern_blk_req req = { .done = noop_done };
	uint8_t buf[512];

	tern_blkdev_init(&d, &fake_ops, "blk0", 512, 100, 8);
	cr_assert_eq(d.sector_size, 512);
	cr_assert_eq(d.sector_count, 100);
	cr_assert_eq(d.max_sectors, 8);
	req.buf = buf;
	req.op = TERN_BLK_READ;
	struct {
		uint64_t sector;
		uint32_t count;
		int rc;
	} cases[] = {
		{ 0, 1, 0 },
		{ 99, 1, 0 },
		{ 92, 8, 0 },
		{ 100, 1, -TERN_EINVAL },
		{ 99, 2, -TERN_EINVAL },
		{ 0, 0, -TERN_EINVAL },
		{ 0, 9, -TERN_EINVAL },
		{ UINT64_MAX, 1, -TERN_EINVAL },
		{ 1, UINT32_MAX, -TERN_EINVAL },
		{ 101, 0, -TERN_EINVAL },
	};
	for (size_t i = 0; i < TERN_ARRAY_SIZE(cases); i++) {
		unsigned before = submits;

		req.sector = cases[i].sector;
		req.count = cases[i].count;
		req.status = 99;
		cr_assert_eq(tern_blkdev_submit(&d, &req), cases[i].rc,
			     "case %zu", i);
		cr_assert_eq(submits - before, cases[i].rc == 0 ? 1u : 0u,
			     "case %zu reached the device", i);
		cr_assert_eq(req.status, 0, "status is reset at submit");
	}
	/* A flush carries no range. */
	req.op = TERN_BLK_FLUSH;
	req.sector = UINT64_MAX;
	req.count = 0;
	req.buf = NULL;
	cr_assert_eq(tern_blkdev_submit(&d, &req), 0);
	cr_assert_eq(tern_blkdev_pending(&d), submits);
	cr_assert_eq(tern_blkdev_poll(&d), 0);
	tern_blkdev_close(&d);
}

Test(dev, blkdev_submit_checks_segments_before_the_device)
{
	struct tern_blkdev d;
	uint8_t a[1024], b[512], c[512];
	struct tern_blk_seg segs[3] = { { a, 2 }, { b, 1 }, { c, 1 } };
	struct tern_blk_req req = {
		.op = TERN_BLK_WRITE,
		.sector = 10,
		.count = 4,
		.segs = segs,
		.nsegs = 3,
		.done = noop_done,
	};
	unsigned before = submits;

	tern_blkdev_init(&d, &fake_ops, "blk0", 512, 100, 0);
	cr_assert_eq(d.max_segments, 1, "buf only unless the device says so");
	cr_assert_eq(tern_blkdev_submit(&d, &req), -TERN_EINVAL);
	d.max_segments = 3;
	cr_assert_eq(tern_blkdev_submit(&d, &req), 0);
	req.count = 5; /* segments hold 4 sectors */
	cr_assert_eq(tern_blkdev_submit(&d, &req), -TERN_EINVAL);
	req.count = 3;
	cr_assert_eq(tern_blkdev_submit(&d, &req), -TERN_EINVAL);
	req.count = 4;
	segs[1].count = 0;
	segs[2].count = 2;
	cr_assert_eq(tern_blkdev_submit(&d, &req), -TERN_EINVAL,
		     "empty segment");
	segs[1].count = 1;
	segs[2].count = 1;
	req.segs = NULL;
	cr_assert_eq(tern_blkdev_submit(&d, &req), -TERN_EINVAL, "no segments");
	cr_assert_eq(submits - before, 1u);
}

Test(dev, request_segments_and_sectors_address_the_right_bytes)
{
	uint8_t a[1024], b[512], c[1536];
	struct tern_blk_seg segs[3] = { { a, 2 }, { b, 1 }, { c, 3 } };
	struct tern_blk_req req = { .count = 6, .segs = segs, .nsegs = 3 };
	struct tern_blk_seg one;
	const struct tern_blk_seg *s;
	uint32_t n;

	s = tern_blk_req_segs(&req, &one, &n);
	cr_assert(s == segs && n == 3);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 0), a);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 1), a + 512);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 2), b);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 3), c);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 5), c + 1024);

	req = (struct tern_blk_req){ .count = 3, .buf = c };
	s = tern_blk_req_segs(&req, &one, &n);
	cr_assert(s == &one && n == 1 && one.buf == c && one.count == 3);
	cr_assert_eq(tern_blk_req_sector(&req, 512, 2), c + 1024);
}

static int never_send(struct tern_netdev *dev, const struct tern_tx *f,
		      unsigned n)
{
	(void)dev;
	(void)f;
	return (int)n;
}

Test(dev, sending_a_runt_frame_breaks_the_contract, .signal = SIGABRT)
{
	static const struct tern_netdev_ops ops = { .send = never_send };
	const uint8_t mac[6] = { 0 };
	uint8_t frame[13] = { 0 };
	struct tern_iov iov = { frame, sizeof(frame) };
	struct tern_netdev d;

	tern_netdev_init(&d, &ops, "n0", mac, 1500);
	tern_netdev_send1(&d, &iov, 1);
}

Test(dev, sending_past_the_mtu_breaks_the_contract, .signal = SIGABRT)
{
	static const struct tern_netdev_ops ops = { .send = never_send };
	const uint8_t mac[6] = { 0 };
	static uint8_t frame[14 + 101];
	struct tern_iov iov = { frame, sizeof(frame) };
	struct tern_netdev d;

	tern_netdev_init(&d, &ops, "n0", mac, 100);
	cr_assert_eq(tern_netdev_send1(&d, &(struct tern_iov){ frame, 114 }, 1),
		     1);
	tern_netdev_send1(&d, &iov, 1);
}
