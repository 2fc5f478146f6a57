/*
 * number.c: reading "10M" and "1KiB", and saying "about 1,160" (see number.h).
 *
 * Parsing is two steps: scan_number reads the digits (checking that commas
 * group thousands) and stops at the suffix; each num_parse_* function then
 * looks the suffix up in its own small table. Formatting rounds first, then
 * prints with exactly the decimals the significant figures need.
 */
#include "number.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---------------------------------------------------------------- */

/* A suffix and what it multiplies by. */
struct suffix {
    const char *text;
    double scale;
};

/* A number's characters without its commas, for strtod. */
struct digits {
    char text[64];
    size_t n;
};

/* Appends c; false when the buffer is full (more digits than any real input). */
static bool push(struct digits *d, char c)
{
    if (d->n + 1 >= sizeof d->text)
        return false;
    d->text[d->n++] = c;
    d->text[d->n] = '\0';
    return true;
}

/* Reads the whole part at *p into d, and counts its digits. Commas may group
 * it in threes ("10,000,000"); any other comma is NUM_BAD_GROUPING. */
static num_status scan_whole(const char **p, struct digits *d, size_t *count)
{
    size_t group = 0;
    int commas = 0;
    for (*count = 0; isdigit((unsigned char)**p) || **p == ','; (*p)++) {
        if (**p == ',') {
            /* The first group has 1 to 3 digits, every later one exactly 3. */
            if (*count == 0 || (commas ? group != 3 : group > 3))
                return NUM_BAD_GROUPING;
            commas++, group = 0;
            continue;
        }
        if (!push(d, **p))
            return NUM_TOO_LARGE;
        (*count)++, group++;
    }
    return commas && group != 3 ? NUM_BAD_GROUPING : NUM_OK;
}

/* Reads a fraction (".5", counting its digits) and then an exponent ("e7")
 * at *p into d. An E is an exponent only when digits follow: in "1EB" it is
 * exabytes. */
static num_status scan_fraction_and_exponent(const char **p, struct digits *d, size_t *count)
{
    *count = 0;
    if (**p == '.') {
        for (push(d, *(*p)++); isdigit((unsigned char)**p); (*p)++, (*count)++) {
            if (!push(d, **p))
                return NUM_TOO_LARGE;
        }
    }
    const char *e = *p + 1;
    if ((**p == 'e' || **p == 'E') && (*e == '+' || *e == '-'))
        e++;
    if ((**p == 'e' || **p == 'E') && isdigit((unsigned char)*e)) {
        while (*p < e || isdigit((unsigned char)**p)) {
            if (!push(d, *(*p)++))
                return NUM_TOO_LARGE;
        }
    }
    return NUM_OK;
}

/* Reads the number at the start of `text` into *value and points *rest at
 * what follows it, after any spaces: the suffix. */
static num_status scan_number(const char *text, double *value, const char **rest)
{
    struct digits d = { .n = 0 };
    size_t whole = 0, fraction = 0;
    const char *p = text;
    if (*p == '\0')
        return NUM_EMPTY;
    if (*p == '-')
        return NUM_NEGATIVE;
    num_status s = scan_whole(&p, &d, &whole);
    if (s == NUM_OK)
        s = scan_fraction_and_exponent(&p, &d, &fraction);
    if (s != NUM_OK)
        return s;
    if (whole + fraction == 0)
        return NUM_NOT_A_NUMBER;
    *value = strtod(d.text, NULL);
    if (!isfinite(*value) || *value > NUM_MAX)
        return NUM_TOO_LARGE;
    while (*p == ' ')
        p++;
    *rest = p;
    return NUM_OK;
}

/* Scans `text`, then multiplies by the scale of its suffix in `table`. */
static num_status parse_with(const char *text, const struct suffix *table, size_t count,
                             num_parsed *out)
{
    const char *unit = text + strlen(text);
    double value = 0;
    *out = (num_parsed){ 0 };
    num_status s = scan_number(text, &value, &unit);
    out->unit = unit;
    if (s != NUM_OK)
        return s;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(unit, table[i].text) == 0) {
            value *= table[i].scale;
            if (value > NUM_MAX)
                return NUM_TOO_LARGE;
            out->value = value;
            out->has_unit = *unit != '\0';
            return NUM_OK;
        }
    }
    return NUM_UNKNOWN_UNIT;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

num_status num_parse_count(const char *text, num_parsed *out)
{
    static const struct suffix counts[] = {
        { "", 1 },          { "k", 1e3 },       { "K", 1e3 },  { "thousand", 1e3 },  { "m", 1e6 },
        { "M", 1e6 },       { "million", 1e6 }, { "b", 1e9 },  { "B", 1e9 },         { "bn", 1e9 },
        { "billion", 1e9 }, { "t", 1e12 },      { "T", 1e12 }, { "trillion", 1e12 },
    };
    return parse_with(text, counts, COUNT_OF(counts), out);
}

num_status num_parse_ratio(const char *text, num_parsed *out)
{
    static const struct suffix ratios[] = { { "", 1 }, { "%", 0.01 } };
    return parse_with(text, ratios, COUNT_OF(ratios), out);
}

num_status num_parse_factor(const char *text, num_parsed *out)
{
    static const struct suffix factors[] = { { "", 1 }, { "x", 1 }, { "X", 1 } };
    return parse_with(text, factors, COUNT_OF(factors), out);
}

num_status num_parse_ms(const char *text, num_parsed *out)
{
    static const struct suffix times[] = {
        { "", 1 },      { "ms", 1 },   { "us", 1e-3 }, { "\xC2\xB5s", 1e-3 }, /* µs */
        { "ns", 1e-6 }, { "s", 1000 },
    };
    return parse_with(text, times, COUNT_OF(times), out);
}

/*
 * Sizes: B, then a prefix letter (k m g t p e, either case), an optional i
 * for the binary family, and an uppercase B. A lowercase b is bits.
 */
num_status num_parse_bytes(const char *text, num_parsed *out)
{
    static const char prefixes[] = "kmgtpe";
    static const struct suffix plain[] = { { "", 1 }, { "B", 1 } };
    num_status s = parse_with(text, plain, COUNT_OF(plain), out);
    if (s != NUM_UNKNOWN_UNIT)
        return s;

    const char *u = out->unit;
    const char *prefix = strchr(prefixes, tolower((unsigned char)u[0]));
    size_t at = 1;
    int binary = u[at] == 'i';
    at += (size_t)binary;
    if (strcmp(u, "b") == 0 || (prefix != NULL && u[0] != '\0' && strcmp(u + at, "b") == 0))
        return NUM_BITS;
    if (prefix == NULL || u[0] == '\0' || strcmp(u + at, "B") != 0)
        return NUM_UNKNOWN_UNIT;

    double value = 0;
    const char *rest = NULL;
    scan_number(text, &value, &rest); /* succeeded above */
    double step = binary ? 1024 : 1000;
    for (const char *q = prefixes; q <= prefix; q++)
        value *= step;
    if (value > NUM_MAX)
        return NUM_TOO_LARGE;
    out->value = value;
    out->has_unit = 1;
    out->system = binary ? NUM_BINARY : NUM_DECIMAL;
    return NUM_OK;
}

num_status num_parse_size(const char *text, num_parsed *out)
{
    num_status s = num_parse_bytes(text, out);
    if (s == NUM_OK && !out->has_unit) {
        out->value = 0;
        return NUM_MISSING_UNIT;
    }
    return s;
}

const char *num_status_text(num_status status)
{
    switch (status) {
    case NUM_OK:
        return "a number";
    case NUM_EMPTY:
        return "an empty value";
    case NUM_NOT_A_NUMBER:
        return "not a number";
    case NUM_NEGATIVE:
        return "a negative number";
    case NUM_BAD_GROUPING:
        return "commas that do not group thousands";
    case NUM_UNKNOWN_UNIT:
        return "an unknown unit";
    case NUM_BITS:
        return "bits where bytes are meant";
    case NUM_MISSING_UNIT:
        return "a size without a unit";
    case NUM_TOO_LARGE:
        return "too large a number";
    }
    return "an unknown problem";
}

/* ---- writing ---------------------------------------------------------------- */

double num_round_sig(double x, int figures)
{
    assert(figures >= 1 && figures <= 6);
    if (x == 0 || !isfinite(x))
        return x;
    double a = fabs(x) * (1 + 1e-9); /* undo a representation error just under a half */
    double exponent = floor(log10(a));
    double scale = pow(10, figures - 1 - exponent);
    return copysign(round(a * scale) / scale, x);
}

/* Decimals that show `figures` significant figures of r (already rounded). */
static int decimals_for(double r, int figures)
{
    if (r == 0)
        return 0;
    int d = figures - 1 - (int)floor(log10(fabs(r)));
    return d > 0 ? (d < 15 ? d : 15) : 0;
}

/*
 * Prints x with `decimals` decimals, drops trailing zeros after the point,
 * and groups the whole part with commas: 1234567.50 -> "1,234,567.5".
 */
static char *format_fixed(char *buf, size_t size, double x, int decimals)
{
    char raw[NUM_TEXT_MAX * 2];
    snprintf(raw, sizeof raw, "%.*f", decimals, x);
    char *point = strchr(raw, '.');
    if (point != NULL) {
        char *end = raw + strlen(raw);
        while (end > point + 1 && end[-1] == '0')
            *--end = '\0';
        if (end == point + 1)
            *point = '\0';
    }
    if (strcmp(raw, "-0") == 0)
        snprintf(raw, sizeof raw, "0");

    const char *digits = raw + (raw[0] == '-');
    size_t whole = strcspn(digits, ".");
    size_t used = 0;
    if (size == 0)
        return buf;
    if (raw[0] == '-' && used + 1 < size)
        buf[used++] = '-';
    for (size_t i = 0; digits[i] != '\0' && used + 1 < size; i++) {
        if (i > 0 && i < whole && (whole - i) % 3 == 0) {
            buf[used++] = ',';
            if (used + 1 >= size)
                break;
        }
        buf[used++] = digits[i];
    }
    buf[used] = '\0';
    return buf;
}

/*
 * Chooses the largest of `units` (each `step` times the one before) that
 * leaves at least 1, rounds, and moves up one unit if rounding reached it.
 */
static char *speak_scaled(char *buf, size_t size, double x, int figures, double step,
                          const char *const *units, int count)
{
    int i = 0;
    double scaled = x;
    while (fabs(scaled) >= step && i + 1 < count)
        scaled /= step, i++;
    double r = num_round_sig(scaled, figures);
    if (fabs(r) >= step && i + 1 < count) {
        scaled /= step, i++;
        r = num_round_sig(scaled, figures);
    }
    char digits[NUM_TEXT_MAX];
    format_fixed(digits, sizeof digits, r, decimals_for(r, figures));
    snprintf(buf, size, "%s %s", digits, units[i]);
    return buf;
}

char *num_speak(char *buf, size_t size, double x, int figures)
{
    static const struct {
        double scale;
        const char *word;
    } words[] = { { 1e12, "trillion" }, { 1e9, "billion" }, { 1e6, "million" } };
    double r = num_round_sig(x, figures);
    for (size_t i = 0; i < COUNT_OF(words); i++) {
        if (fabs(r) >= words[i].scale) {
            char digits[NUM_TEXT_MAX];
            double scaled = r / words[i].scale;
            format_fixed(digits, sizeof digits, scaled, decimals_for(scaled, figures));
            snprintf(buf, size, "%s %s", digits, words[i].word);
            return buf;
        }
    }
    return format_fixed(buf, size, r, decimals_for(r, figures));
}

static const char *const decimal_units[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
static const char *const binary_units[] = { "B",   "KiB", "MiB", "GiB", "TiB",
                                            "PiB", "EiB", "ZiB", "YiB" };

char *num_speak_bytes(char *buf, size_t size, double bytes, num_system system, int figures)
{
    if (system == NUM_BINARY)
        return speak_scaled(buf, size, bytes, figures, 1024, binary_units,
                            (int)COUNT_OF(binary_units));
    return speak_scaled(buf, size, bytes, figures, 1000, decimal_units,
                        (int)COUNT_OF(decimal_units));
}

char *num_speak_bits(char *buf, size_t size, double bits_per_second, int figures)
{
    static const char *const units[] = {
        "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s", "Pbit/s"
    };
    return speak_scaled(buf, size, bits_per_second, figures, 1000, units, (int)COUNT_OF(units));
}

char *num_exact(char *buf, size_t size, double x)
{
    if (x == 0 || !isfinite(x))
        return format_fixed(buf, size, x, 0);
    int d = 5 - (int)floor(log10(fabs(x)));
    return format_fixed(buf, size, x, d > 0 ? (d < 15 ? d : 15) : 0);
}

char *num_exact_bytes(char *buf, size_t size, double bytes, num_system system)
{
    const char *const *units = system == NUM_BINARY ? binary_units : decimal_units;
    double step = system == NUM_BINARY ? 1024 : 1000;
    int i = 0;
    while (fabs(bytes) >= step && i + 1 < (int)COUNT_OF(decimal_units))
        bytes /= step, i++;
    char digits[NUM_TEXT_MAX];
    snprintf(buf, size, "%s %s", num_exact(digits, sizeof digits, bytes), units[i]);
    return buf;
}

const char *num_kilo_unit(num_system system)
{
    return system == NUM_BINARY ? "KiB" : "KB";
}
