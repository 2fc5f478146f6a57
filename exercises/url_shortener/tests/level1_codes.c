/*
 * Level 1, codes: 64-bit ids written in base 62 and read back. The digits
 * are URL_ALPHABET's: 0-9 are 0-9, A-Z are 10-35, a-z are 36-61. Run alone
 * with `make test LEVEL=1`.
 */
#include <stdlib.h>
#include <string.h>

#include "url_test.h"

WB_LEVEL(1);

/* url_encode(id) into a roomy buffer must give exactly `want`. */
static void expect_encodes(uint64_t id, const char *want, const char *why)
{
    char code[32];
    memset(code, '#', sizeof code);
    url_status s = url_encode(id, code, sizeof code);
    cr_assert(s == URL_OK, "url_encode(%llu) returned %s, expected URL_OK with %s: %s",
              (unsigned long long)id, status_name(s), wb_q(want), why);
    cr_assert(memchr(code, '\0', sizeof code) != NULL,
              "url_encode(%llu) wrote no NUL after the digits: the code must be a C string",
              (unsigned long long)id);
    cr_assert(strcmp(code, want) == 0, "url_encode(%llu) gave %s, expected %s: %s",
              (unsigned long long)id, wb_q(code), wb_q(want), why);
}

/* url_decode(code) must give URL_OK and `want`. */
static void expect_decodes(const char *code, uint64_t want, const char *why)
{
    uint64_t id = 12345;
    url_status s = url_decode(code, &id);
    cr_assert(s == URL_OK, "url_decode(%s) returned %s, expected URL_OK with %llu: %s", wb_q(code),
              status_name(s), (unsigned long long)want, why);
    cr_assert(id == want, "url_decode(%s) gave %llu, expected %llu: %s", wb_q(code),
              (unsigned long long)id, (unsigned long long)want, why);
}

/* url_decode(code) must refuse with URL_BAD_CODE and leave *id alone. */
static void expect_bad_code(const char *code, const char *why)
{
    uint64_t id = 424242;
    url_status s = url_decode(code, &id);
    cr_assert(s == URL_BAD_CODE, "url_decode(%s) returned %s (id %llu), expected URL_BAD_CODE: %s",
              wb_q(code), status_name(s), (unsigned long long)id, why);
    cr_assert(id == 424242,
              "url_decode(%s) refused the code but changed *id to %llu; on any status but "
              "URL_OK it must leave *id untouched",
              wb_q(code), (unsigned long long)id);
}

Test(level1, the_zero_id_is_the_code_0)
{
    expect_encodes(0, "0", "0 still needs one digit: an empty code would be no link at all");
    expect_decodes("0", 0, "\"0\" is the code of id 0");
}

Test(level1, single_digits_follow_the_alphabet)
{
    expect_encodes(9, "9", "digits 0-9 are the values 0-9");
    expect_encodes(10, "A", "the capitals come next: 'A' is 10");
    expect_encodes(35, "Z", "'Z' is 35");
    expect_encodes(36, "a", "the small letters come last: 'a' is 36");
    expect_encodes(61, "z", "'z' is 61, the largest digit");
}

Test(level1, sixty_two_is_the_first_two_digit_code)
{
    expect_encodes(62, "10", "62 is one 62 and no units, as ten is \"10\" in decimal");
    expect_encodes(63, "11", "63 = 1 * 62 + 1");
    expect_encodes(3843, "zz", "3843 = 61 * 62 + 61, the largest two-digit code");
    expect_encodes(3844, "100", "3844 = 62 * 62");
}

Test(level1, codes_are_written_most_significant_digit_first)
{
    expect_encodes(125, "21", "125 = 2 * 62 + 1: the 2 comes first, as in decimal");
    expect_encodes(1000000, "4C92", "1,000,000 = 4*62^3 + 12*62^2 + 9*62 + 2");
    expect_encodes(FIRST_ID, "100000", "62^5 is the first six-digit code");
}

Test(level1, the_largest_id_has_eleven_digits)
{
    expect_encodes(UINT64_MAX, "LygHa16AHYF",
                   "UINT64_MAX = 18446744073709551615; a signed type or a 32-bit one loses it");
    expect_decodes("LygHa16AHYF", UINT64_MAX, "the code of UINT64_MAX reads back");
    expect_encodes(UINT64_C(9223372036854775808), "AzL8n0Y58m8",
                   "2^63 does not fit in an int64_t; ids are unsigned");
}

Test(level1, decoding_reads_the_alphabet_in_order)
{
    expect_decodes("9", 9, "'9' is 9");
    expect_decodes("A", 10, "'A' is 10");
    expect_decodes("Z", 35, "'Z' is 35");
    expect_decodes("a", 36, "'a' is 36");
    expect_decodes("z", 61, "'z' is 61");
    expect_decodes("10", 62, "\"10\" is 62");
    expect_decodes("4C92", 1000000, "\"4C92\" is 1,000,000");
}

Test(level1, codes_are_case_sensitive)
{
    uint64_t upper = 0, small = 0;
    url_decode("Ab", &upper);
    url_decode("aB", &small);
    expect_decodes("Ab", 10 * 62 + 37, "'A' is 10 and 'b' is 37");
    expect_decodes("aB", 36 * 62 + 11, "'a' is 36 and 'B' is 11");
    cr_assert(upper != small,
              "\"Ab\" and \"aB\" decoded to the same id %llu: case is part of the "
              "code",
              (unsigned long long)upper);
}

Test(level1, every_boundary_id_round_trips)
{
    uint64_t power = 1;
    for (int k = 1; k <= 10; k++) {
        power *= 62; /* 62^k: the first id with k + 1 digits */
        uint64_t ids[] = { power - 1, power, power + 1 };
        for (size_t i = 0; i < 3; i++) {
            char code[32];
            url_status s = url_encode(ids[i], code, sizeof code);
            cr_assert(s == URL_OK, "url_encode(%llu) returned %s", (unsigned long long)ids[i],
                      status_name(s));
            size_t want_len = (size_t)(ids[i] < power ? k : k + 1);
            cr_assert(strlen(code) == want_len,
                      "url_encode(%llu) gave %s (%zu digits), expected %zu digits: 62^%d - 1 has "
                      "%d digits and 62^%d has %d",
                      (unsigned long long)ids[i], wb_q(code), strlen(code), want_len, k, k, k,
                      k + 1);
            expect_decodes(code, ids[i], "decoding the code of an id gives the id back");
        }
    }
}

Test(level1, a_thousand_random_ids_round_trip)
{
    wb_rng rng;
    wb_rng_seed(&rng, 62);
    for (int i = 0; i < 1000; i++) {
        /* Ids of every size: shift a random 64-bit value right by 0 to 63 bits. */
        uint64_t id = wb_rng_next(&rng) >> wb_rng_below(&rng, 64);
        char code[32];
        url_status s = url_encode(id, code, sizeof code);
        cr_assert(s == URL_OK, "url_encode(%llu) returned %s", (unsigned long long)id,
                  status_name(s));
        expect_encodes(id, code_of(id), "the code of a random id (seed 62)");
        expect_decodes(code, id, "decoding the code of a random id gives the id back");
    }
}

Test(level1, characters_outside_the_alphabet_are_rejected)
{
    expect_bad_code("-", "'-' is not a base62 digit");
    expect_bad_code("ab_c", "'_' is not a base62 digit");
    expect_bad_code("ab c", "a space is not a base62 digit");
    expect_bad_code("abc/", "'/' is not a base62 digit");
    expect_bad_code("a+b", "'+' belongs to base64, not base62");
    expect_bad_code("caf\xc3\xa9", "a non-ASCII byte is not a base62 digit");
    expect_bad_code("[", "'[' sits between 'Z' and 'a' in ASCII but is no digit");
    expect_bad_code("@", "'@' sits just before 'A' in ASCII but is no digit");
    expect_bad_code(":", "':' sits just after '9' in ASCII but is no digit");
}

Test(level1, the_empty_code_is_rejected)
{
    expect_bad_code("", "an empty string is the code of no id (0 is \"0\")");
}

Test(level1, a_leading_zero_is_rejected)
{
    expect_bad_code("07", "\"7\" is the code of 7; \"07\" would make a second code for it");
    expect_bad_code("00", "\"0\" is the code of 0; \"00\" would make a second code for it");
    expect_decodes("70", 7 * 62, "a zero that is not leading is an ordinary digit");
}

Test(level1, codes_above_the_largest_id_are_rejected)
{
    expect_bad_code("LygHa16AHYG", "it is UINT64_MAX + 1: decoding it would wrap around to 0");
    expect_bad_code("zzzzzzzzzzz", "11 digits of 'z' are far above UINT64_MAX");
    expect_bad_code("100000000000", "every 12-digit code is above UINT64_MAX");
    expect_bad_code("1000000000000000000000000000000000000000",
                    "a 40-digit code is far above UINT64_MAX");
}

Test(level1, a_buffer_with_no_room_for_the_nul_is_too_small)
{
    char code[8] = "#######";
    url_status s = url_encode(3844, code, 3); /* "100" needs 4 bytes with its NUL */
    cr_assert(s == URL_TOO_SMALL,
              "url_encode(3844, code, 3) returned %s, expected URL_TOO_SMALL: \"100\" and its NUL "
              "need 4 bytes",
              status_name(s));
    cr_assert(strcmp(code, "#######") == 0,
              "url_encode into a buffer too small wrote %s into it; it must write nothing",
              wb_qn(code, sizeof code));
}

Test(level1, a_buffer_of_exactly_the_right_size_is_enough)
{
    char *code = malloc(4); /* exactly "100" and its NUL: an overflow shows under memcheck */
    cr_assert(code != NULL, "out of memory");
    url_status s = url_encode(3844, code, 4);
    cr_assert(s == URL_OK, "url_encode(3844, code, 4) returned %s, expected URL_OK",
              status_name(s));
    cr_assert(strcmp(code, "100") == 0, "url_encode(3844, code, 4) gave %s, expected \"100\"",
              wb_qn(code, 4));
    free(code);
    char exact[12];
    s = url_encode(UINT64_MAX, exact, sizeof exact);
    cr_assert(s == URL_OK && strcmp(exact, "LygHa16AHYF") == 0,
              "url_encode(UINT64_MAX) into URL_ID_DIGITS + 1 bytes returned %s, expected URL_OK "
              "with \"LygHa16AHYF\"",
              status_name(s));
}

Test(level1, null_arguments_are_invalid_not_a_crash)
{
    uint64_t id = 7;
    url_status s = url_encode(1, NULL, 8);
    cr_assert(s == URL_INVALID, "url_encode(1, NULL, 8) returned %s, expected URL_INVALID",
              status_name(s));
    s = url_decode(NULL, &id);
    cr_assert(s == URL_INVALID, "url_decode(NULL, &id) returned %s, expected URL_INVALID",
              status_name(s));
    s = url_decode("1", NULL);
    cr_assert(s == URL_INVALID, "url_decode(\"1\", NULL) returned %s, expected URL_INVALID",
              status_name(s));
}
