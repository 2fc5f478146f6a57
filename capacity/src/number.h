/*
 * number.h: numbers the way people write them on a command line ("10M",
 * "1KiB", "80%", "5ms") and the way they say them in a design review
 * ("about 1,160", "3.65 TB"). Part of the capacity calculator; no state, no
 * output: every function reads its arguments and writes the caller's buffer.
 */
#ifndef CAPACITY_NUMBER_H
#define CAPACITY_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

/* The largest value a parser accepts (a million billion): far above any
 * sensible input, low enough that every product of inputs stays finite. */
#define NUM_MAX 1e15

/* Room for any text the formatters below produce, NUL included. */
#define NUM_TEXT_MAX 64

/* What a parser found wrong. NUM_OK is the only success. */
typedef enum num_status {
    NUM_OK = 0,
    NUM_EMPTY,        /* nothing to read */
    NUM_NOT_A_NUMBER, /* does not start with digits ("ten", "inf", "--dau") */
    NUM_NEGATIVE,     /* a minus sign: no quantity here can be negative */
    NUM_BAD_GROUPING, /* commas that do not group thousands ("1,5", "10,00") */
    NUM_UNKNOWN_UNIT, /* a suffix this kind of value does not know; see num_parsed.unit */
    NUM_BITS,         /* a lowercase b ("1Kb", "10Mb"): bits, where bytes are meant */
    NUM_MISSING_UNIT, /* a size without a unit, where one is required (num_parse_size) */
    NUM_TOO_LARGE     /* above NUM_MAX */
} num_status;

/* How sizes are counted: decimal (KB = 1,000 bytes, as disks and networks
 * count) or binary (KiB = 1,024 bytes, as memory and operating systems do). */
typedef enum num_system { NUM_DECIMAL = 0, NUM_BINARY } num_system;

/* A parsed value. */
typedef struct num_parsed {
    double value;      /* in the base unit: a plain count, bytes, a fraction, milliseconds */
    bool has_unit;     /* a suffix was written (for bytes: B, KB, KiB, ...) */
    num_system system; /* sizes: the family of the unit written; NUM_DECIMAL when none */
    const char *unit;  /* points into the text, at the suffix as written ("" if none) */
} num_parsed;

/*
 * The parsers. Each reads the whole of `text` (a C string) and, on NUM_OK,
 * fills *out. On any other status *out holds only `unit` (where the suffix
 * starts, for the error message) and the value is 0. All of them accept
 * digits with an optional fraction and exponent ("1.5", "1e7", ".5"), commas
 * that group thousands ("10,000,000"), and an optional space before the
 * suffix. None accepts a sign, "inf" or "nan". Never fails otherwise; O(length).
 */

/* A count: no suffix, or k/K (thousand), m/M (million), b/B/bn (billion),
 * t/T (trillion). "10M" is 10,000,000. */
num_status num_parse_count(const char *text, num_parsed *out);

/* A size in bytes: no suffix (bytes), B, or KB/MB/GB/TB/PB (decimal, 1,000
 * apart; "kB" too) or KiB/MiB/GiB/TiB/PiB (binary, 1,024 apart). The B must be
 * uppercase: "Kb" means kilobits and is refused with NUM_BITS. */
num_status num_parse_bytes(const char *text, num_parsed *out);

/* The same, but a unit is required (NUM_MISSING_UNIT without one): for
 * answers where a bare "10" would be a guess between bytes and gigabytes. */
num_status num_parse_size(const char *text, num_parsed *out);

/* A fraction: "0.8", or a percentage "80%" (which gives 0.8). The range
 * (0 to 1) is the caller's to check. */
num_status num_parse_ratio(const char *text, num_parsed *out);

/* A multiple: "3" or "3x". */
num_status num_parse_factor(const char *text, num_parsed *out);

/* A duration in milliseconds: "5" or "5ms", "500us" (or "500µs"), "0.005s", "50000ns". */
num_status num_parse_ms(const char *text, num_parsed *out);

/* "a negative number", "an unknown unit", ...: the status in a few words. */
const char *num_status_text(num_status status);

/*
 * The spoken form. num_round_sig rounds x to `figures` significant figures
 * (1 to 6), halves away from zero: 1157.4 -> 1160 (3 figures), 3472.2 ->
 * 3500 (2 figures), 0.057870 -> 0.0579. Before rounding, x is moved away from
 * zero by one part in a billion, so that a value whose binary form lands a
 * hair under a half (10.95 is stored as 10.9499999...) rounds up, as it does
 * on paper. 0, infinities and NaN come back unchanged.
 */
double num_round_sig(double x, int figures);

/*
 * Writes x as people say it, after num_round_sig: thousands grouped with
 * commas below a million ("1,160", "34,700", "0.0579"), and with a word from
 * a million up ("1.16 million", "3.47 billion", "12 trillion"). Trailing
 * zeros after the point are dropped ("11", never "11.0"). Returns buf.
 * `size` should be NUM_TEXT_MAX; the text is cut to fit a smaller buffer.
 */
char *num_speak(char *buf, size_t size, double x, int figures);

/*
 * A size in bytes as people say it, in `system`'s units: the largest unit
 * that leaves at least 1, then rounded as num_speak does ("3.65 TB",
 * "191 GiB", "500 B"). When rounding reaches the next unit (999.7 KB) the
 * next unit is used ("1 MB"). Returns buf.
 */
char *num_speak_bytes(char *buf, size_t size, double bytes, num_system system, int figures);

/* A bit rate in bits per second, in decimal units as networks count
 * ("9.26 Mbit/s", "120 kbit/s"), rounded as num_speak does. Returns buf. */
char *num_speak_bits(char *buf, size_t size, double bits_per_second, int figures);

/*
 * The exact form, for the working of a formula: the whole part in full with
 * commas, and decimals only up to six significant digits in all
 * ("1,157.41", "115.741", "11,574,074", "0.0578704"). Returns buf.
 */
char *num_exact(char *buf, size_t size, double x);

/* A size in bytes in `system`'s largest unit that leaves at least 1, with
 * num_exact's digits ("1 KB", "1.15741 MB", "1.024 KB"). Returns buf. */
char *num_exact_bytes(char *buf, size_t size, double bytes, num_system system);

/* "KB" or "KiB": the unit of 1,000 or 1,024 bytes in `system`. */
const char *num_kilo_unit(num_system system);

#endif /* CAPACITY_NUMBER_H */
