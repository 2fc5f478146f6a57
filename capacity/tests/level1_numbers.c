/*
 * Level 1, numbers: reading "10M", "1KiB", "80%" from the command line, and
 * saying results the way people do ("about 1,160"). Run alone with
 * `make capacity-test LEVEL=1`.
 */
#include <math.h>
#include <string.h>

#include "cap_test.h"

WB_LEVEL(1);

/* ---- reading ---------------------------------------------------------------- */

Test(level1, counts_take_k_m_b_and_t_suffixes)
{
    const char *why = "counts are written as people write them: 10M is ten million";
    expect_parsed(num_parse_count, "num_parse_count", "10M", 10e6, why);
    expect_parsed(num_parse_count, "num_parse_count", "10m", 10e6, why);
    expect_parsed(num_parse_count, "num_parse_count", "1.5k", 1500, why);
    expect_parsed(num_parse_count, "num_parse_count", "2B", 2e9, why);
    expect_parsed(num_parse_count, "num_parse_count", "2bn", 2e9, why);
    expect_parsed(num_parse_count, "num_parse_count", "1T", 1e12, why);
    expect_parsed(num_parse_count, "num_parse_count", "3 million", 3e6, why);
    expect_parsed(num_parse_count, "num_parse_count", "42", 42, why);
}

Test(level1, counts_take_commas_that_group_thousands_and_exponents)
{
    const char *why = "10,000,000 and 1e7 are both ten million";
    expect_parsed(num_parse_count, "num_parse_count", "10,000,000", 10e6, why);
    expect_parsed(num_parse_count, "num_parse_count", "1,500.5", 1500.5, why);
    expect_parsed(num_parse_count, "num_parse_count", "1e7", 10e6, why);
    expect_parsed(num_parse_count, "num_parse_count", "2.5E3", 2500, why);
    expect_parsed(num_parse_count, "num_parse_count", ".5", 0.5, why);
}

Test(level1, commas_that_do_not_group_thousands_are_refused)
{
    const char *why = "\"1,5\" may mean 1.5 (a decimal comma) or 15: guessing would be wrong "
                      "half the time";
    expect_refused(num_parse_count, "num_parse_count", "1,5", NUM_BAD_GROUPING, why);
    expect_refused(num_parse_count, "num_parse_count", "10,00", NUM_BAD_GROUPING, why);
    expect_refused(num_parse_count, "num_parse_count", "1000,000", NUM_BAD_GROUPING, why);
    expect_refused(num_parse_count, "num_parse_count", "1,", NUM_BAD_GROUPING, why);
    expect_refused(num_parse_count, "num_parse_count", ",100", NUM_BAD_GROUPING, why);
}

Test(level1, a_negative_number_is_refused_by_every_parser)
{
    const char *why = "no quantity of a capacity estimate can be negative";
    expect_refused(num_parse_count, "num_parse_count", "-5", NUM_NEGATIVE, why);
    expect_refused(num_parse_bytes, "num_parse_bytes", "-1KB", NUM_NEGATIVE, why);
    expect_refused(num_parse_ratio, "num_parse_ratio", "-0.1", NUM_NEGATIVE, why);
    expect_refused(num_parse_factor, "num_parse_factor", "-3", NUM_NEGATIVE, why);
    expect_refused(num_parse_ms, "num_parse_ms", "-5ms", NUM_NEGATIVE, why);
}

Test(level1, words_and_empty_text_are_not_numbers)
{
    const char *why = "only digits make a number; strtod alone would accept inf and nan";
    expect_refused(num_parse_count, "num_parse_count", "", NUM_EMPTY, why);
    expect_refused(num_parse_count, "num_parse_count", "ten", NUM_NOT_A_NUMBER, why);
    expect_refused(num_parse_count, "num_parse_count", "inf", NUM_NOT_A_NUMBER, why);
    expect_refused(num_parse_count, "num_parse_count", "nan", NUM_NOT_A_NUMBER, why);
    expect_refused(num_parse_count, "num_parse_count", "+5", NUM_NOT_A_NUMBER, why);
    expect_refused(num_parse_count, "num_parse_count", "0x10", NUM_UNKNOWN_UNIT, why);
}

Test(level1, an_unknown_suffix_is_refused_and_pointed_at)
{
    num_parsed p;
    num_status s = num_parse_count("10Q", &p);
    cr_assert(s == NUM_UNKNOWN_UNIT,
              "num_parse_count(\"10Q\") returned %s, expected "
              "NUM_UNKNOWN_UNIT: Q is not a count suffix",
              num_status_name(s));
    cr_assert(p.unit != NULL && strcmp(p.unit, "Q") == 0,
              "num_parse_count(\"10Q\") pointed at %s as the unit, expected \"Q\": the error "
              "message quotes it",
              wb_q(p.unit));
    expect_refused(num_parse_bytes, "num_parse_bytes", "1XB", NUM_UNKNOWN_UNIT,
                   "XB is no unit of size");
    expect_refused(num_parse_bytes, "num_parse_bytes", "1KBs", NUM_UNKNOWN_UNIT,
                   "a unit is matched whole, not by its start");
    expect_refused(num_parse_ratio, "num_parse_ratio", "0.8x", NUM_UNKNOWN_UNIT,
                   "a ratio takes only % as a suffix");
}

Test(level1, decimal_sizes_step_by_a_thousand)
{
    const char *why = "KB, MB, GB, TB, PB are powers of 1,000 (SI), as disks and networks count";
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1KB", 1e3, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1kB", 1e3, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1MB", 1e6, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "2.5GB", 2.5e9, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "3 TB", 3e12, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1PB", 1e15, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "100B", 100, why);
    num_parsed p;
    num_parse_bytes("1KB", &p);
    cr_assert(p.system == NUM_DECIMAL && p.has_unit,
              "num_parse_bytes(\"1KB\") said system %d, has_unit %d; expected NUM_DECIMAL with "
              "a unit: the report says which units it uses",
              (int)p.system, (int)p.has_unit);
}

Test(level1, binary_sizes_step_by_1024)
{
    const char *why = "KiB, MiB, GiB, TiB, PiB are powers of 1,024 (IEC), as memory counts";
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1KiB", 1024, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1MiB", 1048576, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "1GiB", 1073741824, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "2TiB", 2199023255552.0, why);
    expect_parsed(num_parse_bytes, "num_parse_bytes", "0.5 kiB", 512, why);
    num_parsed p;
    num_parse_bytes("4KiB", &p);
    cr_assert(p.system == NUM_BINARY,
              "num_parse_bytes(\"4KiB\") said system %d, expected "
              "NUM_BINARY (KiB is the binary family)",
              (int)p.system);
}

Test(level1, a_size_without_a_unit_is_bytes_unless_a_unit_is_required)
{
    expect_parsed(num_parse_bytes, "num_parse_bytes", "512", 512, "--payload 512 means 512 bytes");
    num_parsed p;
    num_parse_bytes("512", &p);
    cr_assert(!p.has_unit && p.system == NUM_DECIMAL,
              "num_parse_bytes(\"512\") said has_unit %d, system %d; expected no unit and "
              "NUM_DECIMAL, the default",
              (int)p.has_unit, (int)p.system);
    expect_refused(num_parse_size, "num_parse_size", "10", NUM_MISSING_UNIT,
                   "in the quiz a bare 10 might mean bytes or gigabytes: a unit is required");
    expect_parsed(num_parse_size, "num_parse_size", "10GB", 10e9, "a size with its unit");
}

Test(level1, a_lowercase_b_is_refused_as_bits)
{
    const char *why = "Kb and Mb are kilobits and megabits, eight times smaller than KB and MB; "
                      "reading them as bytes would be wrong by 8x";
    expect_refused(num_parse_bytes, "num_parse_bytes", "1Kb", NUM_BITS, why);
    expect_refused(num_parse_bytes, "num_parse_bytes", "10Mb", NUM_BITS, why);
    expect_refused(num_parse_bytes, "num_parse_bytes", "1Kib", NUM_BITS, why);
    expect_refused(num_parse_bytes, "num_parse_bytes", "8b", NUM_BITS, why);
}

Test(level1, ratios_take_a_fraction_or_a_percentage)
{
    const char *why = "--cache-hit 0.8 and --cache-hit 80% say the same";
    expect_parsed(num_parse_ratio, "num_parse_ratio", "0.8", 0.8, why);
    expect_parsed(num_parse_ratio, "num_parse_ratio", "80%", 0.8, why);
    expect_parsed(num_parse_ratio, "num_parse_ratio", "99.9%", 0.999, why);
    expect_parsed(num_parse_ratio, "num_parse_ratio", "1", 1, why);
}

Test(level1, durations_are_read_in_milliseconds)
{
    const char *why = "--query-ms is in milliseconds; other units convert";
    expect_parsed(num_parse_ms, "num_parse_ms", "5", 5, why);
    expect_parsed(num_parse_ms, "num_parse_ms", "5ms", 5, why);
    expect_parsed(num_parse_ms, "num_parse_ms", "500us", 0.5, why);
    expect_parsed(num_parse_ms, "num_parse_ms", "500\xC2\xB5s", 0.5, why);
    expect_parsed(num_parse_ms, "num_parse_ms", "0.005s", 5, why);
    expect_parsed(num_parse_ms, "num_parse_ms", "50000ns", 0.05, why);
    expect_parsed(num_parse_factor, "num_parse_factor", "3x", 3, "--peak 3x is three times");
}

Test(level1, numbers_above_a_million_billion_are_refused)
{
    const char *why = "NUM_MAX (1e15) keeps every product of inputs finite";
    expect_refused(num_parse_count, "num_parse_count", "1e16", NUM_TOO_LARGE, why);
    expect_refused(num_parse_count, "num_parse_count", "2000T", NUM_TOO_LARGE, why);
    expect_refused(num_parse_bytes, "num_parse_bytes", "2PiB", NUM_TOO_LARGE, why);
    expect_refused(num_parse_count, "num_parse_count", "1e999", NUM_TOO_LARGE, why);
    expect_refused(num_parse_count, "num_parse_count",
                   "1000000000000000000000000000000000000000000000000000000000000000000000",
                   NUM_TOO_LARGE, why);
    expect_parsed(num_parse_count, "num_parse_count", "1e15", 1e15, "NUM_MAX itself is allowed");
}

/* ---- saying ----------------------------------------------------------------- */

/* num_speak with 3 figures must give `want`. */
static void expect_said(double x, int figures, const char *want, const char *why)
{
    char got[NUM_TEXT_MAX];
    num_speak(got, sizeof got, x, figures);
    cr_expect(strcmp(got, want) == 0, "num_speak(%.10g, %d figures) said %s, expected %s: %s", x,
              figures, wb_q(got), wb_q(want), why);
}

Test(level1, round_sig_keeps_the_asked_significant_figures)
{
    static const struct {
        double x, want;
        int figures;
    } cases[] = {
        { 1157.407407, 1160, 3 }, { 115.7407407, 116, 3 }, { 3472.222222, 3470, 3 },
        { 3472.222222, 3500, 2 }, { 231.4814815, 231, 3 }, { 0.05787037, 0.0579, 3 },
        { 999.6, 1000, 3 },       { 1234567, 1230000, 3 }, { 5, 5, 1 },
        { 149, 100, 1 },          { 150, 200, 1 },         { 0, 0, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = num_round_sig(cases[i].x, cases[i].figures);
        cr_expect(fabs(got - cases[i].want) <= 1e-9 * fabs(cases[i].want),
                  "num_round_sig(%.10g, %d) gave %.10g, expected %.10g", cases[i].x,
                  cases[i].figures, got, cases[i].want);
    }
}

Test(level1, a_half_rounds_up_even_when_the_double_falls_just_short)
{
    /* 3.65 TB a year times 3 copies is 10.95 TB, but 3.65 * 3 is stored as
     * 10.949999...: on paper it rounds to 11.0, and so must the tool. */
    double total = 3.65 * 3;
    cr_assert(num_round_sig(total, 3) == 11.0,
              "num_round_sig(3.65 * 3 = %.17g, 3) gave %.17g, expected 11: a value that is a "
              "half on paper must round up, however the double stores it",
              total, num_round_sig(total, 3));
    expect_said(total, 3, "11", "10.95 said with 3 figures");
    expect_said(0.125, 2, "0.13", "a half rounds away from zero");
    /* These doubles sit just under their half (1.005 is 1.00499999999999989...),
     * and their products with the scale stay under it: only the nudge saves them. */
    expect_said(1.005, 3, "1.01", "1.005 is a half on paper");
    expect_said(0.285, 2, "0.29", "0.285 is a half on paper");
    expect_said(1.255, 3, "1.26", "1.255 is a half on paper");
}

Test(level1, speak_groups_thousands_and_drops_trailing_zeros)
{
    const char *why = "the way people say numbers: \"about 1,160 QPS\"";
    expect_said(1157.407407, 3, "1,160", why);
    expect_said(115.7407407, 3, "116", why);
    expect_said(3472.222222, 3, "3,470", why);
    expect_said(34722.2, 3, "34,700", why);
    expect_said(200, 3, "200", why);
    expect_said(10.0, 3, "10", "no \"10.0\": trailing zeros after the point are dropped");
    expect_said(0.05787037, 3, "0.0579", "small numbers keep their significant figures");
    expect_said(0, 3, "0", "zero is said 0");
}

Test(level1, speak_uses_words_from_a_million)
{
    const char *why = "11,600,000 is said \"11.6 million\"";
    expect_said(11574074.07, 3, "11.6 million", why);
    expect_said(1157407407, 3, "1.16 billion", why);
    expect_said(2.5e12, 3, "2.5 trillion", why);
    expect_said(999999, 3, "1 million", "rounding to 1,000,000 crosses into millions");
    expect_said(999499, 3, "999,000", "below a million after rounding, commas stay");
}

Test(level1, two_figures_say_the_classic_peak_as_3500)
{
    expect_said(3472.222222, 2, "3,500", "the classic write-up says the peak with 2 figures");
    expect_said(1157.407407, 2, "1,200", "2 figures make 1,157 into 1,200");
}

/* num_speak_bytes must give `want`. */
static void expect_size(double bytes, num_system system, const char *want, const char *why)
{
    char got[NUM_TEXT_MAX];
    num_speak_bytes(got, sizeof got, bytes, system, 3);
    cr_expect(strcmp(got, want) == 0, "num_speak_bytes(%.10g, %s) said %s, expected %s: %s", bytes,
              system == NUM_BINARY ? "binary" : "decimal", wb_q(got), wb_q(want), why);
}

Test(level1, sizes_are_said_in_the_largest_unit_that_leaves_at_least_one)
{
    const char *why = "decimal units step by 1,000";
    expect_size(1e10, NUM_DECIMAL, "10 GB", why);
    expect_size(3.65e12, NUM_DECIMAL, "3.65 TB", why);
    expect_size(1.095e13, NUM_DECIMAL, "11 TB", why);
    expect_size(1157407.407, NUM_DECIMAL, "1.16 MB", why);
    expect_size(500, NUM_DECIMAL, "500 B", why);
    expect_size(999700, NUM_DECIMAL, "1 MB", "999.7 KB rounds to 1,000 KB, which is said 1 MB");
}

Test(level1, binary_sizes_are_said_in_kib_mib_gib)
{
    const char *why = "binary units step by 1,024";
    expect_size(1048576, NUM_BINARY, "1 MiB", why);
    expect_size(2.048e11, NUM_BINARY, "191 GiB", why); /* 2.048e11 / 2^30 = 190.73 */
    expect_size(7.4752e13, NUM_BINARY, "68 TiB", why); /* 7.4752e13 / 2^40 = 67.987 */
    expect_size(1e10, NUM_BINARY, "9.31 GiB", "10 GB is 9.31 GiB: the 7% trap at giga");
}

Test(level1, bit_rates_are_said_in_decimal_bits_per_second)
{
    char got[NUM_TEXT_MAX];
    num_speak_bits(got, sizeof got, 1157407.407 * 8, 3);
    cr_assert(strcmp(got, "9.26 Mbit/s") == 0,
              "num_speak_bits(1.157 MB/s in bits) said %s, expected \"9.26 Mbit/s\": links "
              "are sold in bits per second, 8 to the byte",
              wb_q(got));
}

Test(level1, exact_form_keeps_the_whole_part_and_six_significant_digits)
{
    static const struct {
        double x;
        const char *want;
    } cases[] = {
        { 1157.407407, "1,157.41" },    { 115.7407407, "115.741" }, { 11574074.07, "11,574,074" },
        { 0.05787037037, "0.0578704" }, { 10e6, "10,000,000" },     { 200, "200" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[NUM_TEXT_MAX];
        num_exact(got, sizeof got, cases[i].x);
        cr_expect(strcmp(got, cases[i].want) == 0,
                  "num_exact(%.12g) gave %s, expected %s: the working shows numbers in full",
                  cases[i].x, wb_q(got), wb_q(cases[i].want));
    }
}

Test(level1, exact_sizes_name_their_unit)
{
    char got[NUM_TEXT_MAX];
    num_exact_bytes(got, sizeof got, 1024, NUM_DECIMAL);
    cr_expect(strcmp(got, "1.024 KB") == 0,
              "num_exact_bytes(1024, decimal) gave %s, expected \"1.024 KB\"", wb_q(got));
    num_exact_bytes(got, sizeof got, 1024, NUM_BINARY);
    cr_expect(strcmp(got, "1 KiB") == 0,
              "num_exact_bytes(1024, binary) gave %s, expected \"1 KiB\"", wb_q(got));
}
