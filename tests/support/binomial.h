/*
 * binomial.h - a statistical check for seeded fault injection: a count of
 * events that each happen with probability p must lie within five standard
 * deviations of n p (a false failure about once in 1.7 million runs).
 */
#ifndef TERN_TESTS_BINOMIAL_H
#define TERN_TESTS_BINOMIAL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

/* Asserts |x - n p| <= 5 sigma for x events out of n tries; the failure
 * message names what, the numbers and the seed. */
static inline void assert_binomial(uint64_t x, uint64_t n, double p,
				   uint64_t seed, const char *what)
{
	double mean = (double)n * p, sigma = sqrt((double)n * p * (1 - p));

	cr_assert(fabs((double)x - mean) <= 5 * sigma,
		  "%s: %llu of %llu, expected %.0f +- %.0f (seed %llu)", what,
		  (unsigned long long)x, (unsigned long long)n, mean, 5 * sigma,
		  (unsigned long long)seed);
}

#endif
