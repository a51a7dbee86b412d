/*
 * http_date.c - HTTP dates (RFC 9110 5.6.7): IMF-fixdate out, and in.
 *
 * The calendar arithmetic is Howard Hinnant's days-from-civil and
 * civil-from-days (proleptic Gregorian, exact for every year 0..9999), so
 * no libc time functions are needed in the guest.
 */
#include <string.h>

#include "http.h"
#include "tern/err.h"

#define SECS_PER_DAY 86400
#define T_MAX 253402300799LL /* 9999-12-31 23:59:59 */

static const char wdays[7][4] = { "Thu", "Fri", "Sat", "Sun",
				  "Mon", "Tue", "Wed" }; /* from 1970-01-01 */
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of y-m-d (m 1..12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
}

void http_date_format(int64_t t, char *out)
{
	int64_t days, y;
	unsigned m, d, s;

	if (t < 0)
		t = 0;
	if (t > T_MAX)
		t = T_MAX;
	days = t / SECS_PER_DAY;
	s = (unsigned)(t % SECS_PER_DAY);
	civil_from_days(days, &y, &m, &d);
	memcpy(out, wdays[days % 7], 3);
	memcpy(out + 3, ", ", 2);
	put2(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, months[m - 1], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	out[16] = ' ';
	put2(out + 17, s / 3600);
	out[19] = ':';
	put2(out + 20, s / 60 % 60);
	out[22] = ':';
	put2(out + 23, s % 60);
	memcpy(out + 25, " GMT", 4);
}

/* The n decimal digits at s, or -1. */
static int digits(const char *s, unsigned n)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int http_date_parse(const char *s, size_t len, int64_t *t)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30,
					    31, 31, 30, 31, 30, 31 };
	int d, y, hh, mm, ss, m = -1;
	int64_t days;

	if (len != HTTP_DATE_LEN || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    memcmp(s + 25, " GMT", 4) != 0)
		return -TERN_EBADMSG;
	for (int i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			m = i;
	d = digits(s + 5, 2);
	y = digits(s + 12, 4);
	hh = digits(s + 17, 2);
	mm = digits(s + 20, 2);
	ss = digits(s + 23, 2);
	if (m < 0 || d < 1 || y < 1970 || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60 || (unsigned)d > mdays[m])
		return -TERN_EBADMSG;
	days = days_from_civil(y, (unsigned)m + 1, (unsigned)d);
	/* The day name must be the date's (it also rejects Feb 29 of a
	 * common year, which lands on the wrong weekday... or a wrong
	 * month): round-trip through civil_from_days. */
	{
		int64_t yy;
		unsigned m2, d2;

		civil_from_days(days, &yy, &m2, &d2);
		if (yy != y || m2 != (unsigned)m + 1 || d2 != (unsigned)d ||
		    memcmp(s, wdays[days % 7], 3) != 0)
			return -TERN_EBADMSG;
	}
	*t = days * SECS_PER_DAY + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss);
	return 0;
}
