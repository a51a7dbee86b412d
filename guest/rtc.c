/*
 * rtc.c - the CMOS real-time clock (MC146818 at ports 0x70/0x71), read
 * once at boot for the wall clock.
 *
 * The registers may be BCD or binary and the hour 12- or 24-hour, as
 * status register B says. A read can straddle the once-a-second update, so
 * the time is read until two consecutive reads agree, each after the
 * update-in-progress flag is clear. QEMU keeps the RTC in UTC by default
 * (-rtc base=utc).
 */
#include "guest.h"
#include "x86.h"

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71
#define NMI_DISABLE 0x80

enum {
	R_SEC = 0x00,
	R_MIN = 0x02,
	R_HOUR = 0x04,
	R_DAY = 0x07,
	R_MONTH = 0x08,
	R_YEAR = 0x09,
	R_STATUS_A = 0x0a,
	R_STATUS_B = 0x0b,
	R_CENTURY = 0x32
};

struct rtc_time {
	unsigned sec, min, hour, day, month, year, century;
};

/* Reads CMOS register reg (with NMIs kept disabled). */
static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_ADDR, NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

/* Reads the time registers as stored (BCD or binary), after any update
 * in progress has finished. */
static void read_raw(struct rtc_time *t)
{
	for (int i = 0; i < 100000 && (cmos(R_STATUS_A) & 0x80); i++)
		pause();
	t->sec = cmos(R_SEC);
	t->min = cmos(R_MIN);
	t->hour = cmos(R_HOUR);
	t->day = cmos(R_DAY);
	t->month = cmos(R_MONTH);
	t->year = cmos(R_YEAR);
	t->century = cmos(R_CENTURY);
}

/* True if two raw readings are the same second. */
static bool same(const struct rtc_time *a, const struct rtc_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
	       a->day == b->day && a->month == b->month && a->year == b->year;
}

/* The value of a packed BCD byte. */
static unsigned bcd(unsigned v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t rtc_read_epoch(void)
{
	struct rtc_time a, b;
	uint8_t status_b;
	bool pm;
	int64_t days, year;

	read_raw(&a);
	for (int i = 0; i < 5; i++) {
		read_raw(&b);
		if (same(&a, &b))
			break;
		a = b;
	}
	status_b = cmos(R_STATUS_B);
	pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(status_b & 0x04)) { /* BCD */
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.day = bcd(a.day);
		a.month = bcd(a.month);
		a.year = bcd(a.year);
		a.century = bcd(a.century);
	}
	if (!(status_b & 0x02)) /* 12-hour clock */
		a.hour = (a.hour % 12) + (pm ? 12 : 0);
	year = (a.century >= 19 && a.century <= 30 ? a.century * 100 : 2000) +
	       a.year;
	if (a.month < 1 || a.month > 12 || a.day < 1 || a.day > 31 ||
	    a.hour > 23 || a.min > 59 || a.sec > 60)
		return 0;
	days = days_from_civil(year, a.month, a.day);
	if (days < 0)
		return 0;
	return (uint64_t)days * 86400 + a.hour * 3600 + a.min * 60 + a.sec;
}
