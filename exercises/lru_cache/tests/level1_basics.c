/*
 * Level 1, basics: put, get, delete and len on a cache that never fills.
 * Run alone with `make test LEVEL=1`.
 */
#include <string.h>

#include "lru_test.h"

WB_LEVEL(1);

Test(level1, create_returns_an_empty_cache)
{
    lru_cache *c = new_cache(4, NULL);
    expect_len(c, 0, "a new cache holds nothing");
    lru_destroy(c);
}

Test(level1, create_with_capacity_zero_returns_null)
{
    lru_cache *c = lru_create(0, NULL);
    cr_assert(c == NULL, "lru_create(0, NULL) returned a cache, expected NULL: a cache that can "
                         "hold nothing is a caller's mistake, and the header says to refuse it");
}

Test(level1, destroy_of_null_does_nothing)
{
    lru_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level1, get_returns_the_value_that_was_put)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "city", "Lisbon");
    expect_value(c, "city", "Lisbon", "it was just put");
    expect_len(c, 1, "one key was put");
    lru_destroy(c);
}

Test(level1, get_reports_the_length_and_ends_text_with_a_nul)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "value");
    char buf[16];
    memset(buf, '#', sizeof buf);
    size_t len = 0;
    lru_status s = lru_get(c, "k", buf, sizeof buf, &len);
    cr_assert(s == LRU_OK, "lru_get(\"k\") returned %s, expected LRU_OK", status_name(s));
    cr_assert(len == 5, "lru_get(\"k\") set *len to %zu, expected 5, the length of \"value\"", len);
    cr_assert(buf[5] == '\0',
              "after lru_get(\"k\") into a 16-byte buffer, buf[5] is %s, expected a NUL: when "
              "the buffer has room the value is followed by a NUL, so text reads as a C string",
              wb_qn(buf + 5, 1));
    lru_destroy(c);
}

Test(level1, get_of_a_missing_key_is_not_found_and_leaves_the_buffer_untouched)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "here", "1");
    char buf[8] = "#######";
    size_t len = 12345;
    lru_status s = lru_get(c, "absent", buf, sizeof buf, &len);
    cr_assert(s == LRU_NOT_FOUND, "lru_get(\"absent\") returned %s, expected LRU_NOT_FOUND",
              status_name(s));
    cr_assert(strcmp(buf, "#######") == 0,
              "lru_get of a missing key changed the caller's buffer to %s; on a miss the buffer "
              "must be left as it was",
              wb_qn(buf, sizeof buf));
    cr_assert(len == 12345,
              "lru_get of a missing key set *len to %zu; on a miss *len must be "
              "left as it was (there is no value to measure)",
              len);
    lru_destroy(c);
}

Test(level1, put_of_an_existing_key_replaces_its_value)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "short");
    put(c, "k", "a much longer value than before");
    expect_value(c, "k", "a much longer value than before", "the second put replaced the first");
    put(c, "k", "s");
    expect_value(c, "k", "s", "a third, shorter put replaced the longer value");
    expect_len(c, 1, "three puts of one key make one entry, not three");
    lru_destroy(c);
}

Test(level1, delete_removes_the_key)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "gone", "1");
    put(c, "kept", "2");
    lru_status s = lru_delete(c, "gone");
    cr_assert(s == LRU_OK, "lru_delete(\"gone\") returned %s, expected LRU_OK: the key was there",
              status_name(s));
    expect_missing(c, "gone", "it was deleted");
    expect_value(c, "kept", "2", "deleting another key must not touch this one");
    expect_len(c, 1, "two keys were put and one deleted");
    lru_destroy(c);
}

Test(level1, delete_of_a_missing_key_is_not_found)
{
    lru_cache *c = new_cache(4, NULL);
    lru_status s = lru_delete(c, "never-put");
    cr_assert(s == LRU_NOT_FOUND, "lru_delete(\"never-put\") returned %s, expected LRU_NOT_FOUND",
              status_name(s));
    put(c, "k", "v");
    lru_delete(c, "k");
    s = lru_delete(c, "k");
    cr_assert(s == LRU_NOT_FOUND,
              "a second lru_delete(\"k\") returned %s, expected LRU_NOT_FOUND: the first one "
              "already removed it",
              status_name(s));
    expect_len(c, 0, "the only key was deleted");
    lru_destroy(c);
}

Test(level1, a_deleted_key_can_be_put_again)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "first");
    lru_delete(c, "k");
    put(c, "k", "second");
    expect_value(c, "k", "second", "it was put again after the delete");
    expect_len(c, 1, "one key is stored");
    lru_destroy(c);
}

/* Day 1's checkpoint: set 10 keys, read them back, delete 5. */
Test(level1, ten_keys_put_five_deleted_the_other_five_remain)
{
    lru_cache *c = new_cache(16, NULL);
    char key[32], value[32];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(value, sizeof value, "value-%d", i);
        put(c, key, value);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(value, sizeof value, "value-%d", i);
        expect_value(c, key, value, "all ten keys were put into a cache of capacity 16");
    }
    for (int i = 0; i < 10; i += 2) {
        snprintf(key, sizeof key, "key-%d", i);
        lru_status s = lru_delete(c, key);
        cr_assert(s == LRU_OK, "lru_delete(%s) returned %s, expected LRU_OK", wb_q(key),
                  status_name(s));
    }
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(value, sizeof value, "value-%d", i);
        if (i % 2 == 0)
            expect_missing(c, key, "the even keys were deleted");
        else
            expect_value(c, key, value, "only the even keys were deleted");
    }
    expect_len(c, 5, "ten keys put, five deleted");
    lru_destroy(c);
}

Test(level1, the_cache_keeps_its_own_copy_of_the_value)
{
    lru_cache *c = new_cache(4, NULL);
    char value[] = "original";
    lru_put(c, "k", value, strlen(value));
    memcpy(value, "CHANGED!", 8); /* the caller reuses its buffer */
    expect_value(c, "k", "original",
                 "the caller changed its own buffer after the put; the cache must have copied "
                 "the bytes, not kept the pointer");
    lru_destroy(c);
}

Test(level1, the_cache_keeps_its_own_copy_of_the_key)
{
    lru_cache *c = new_cache(4, NULL);
    char key[] = "alpha";
    put(c, key, "1");
    memcpy(key, "omega", 5); /* the caller reuses its buffer */
    expect_value(c, "alpha", "1",
                 "the caller changed its key buffer after the put; the cache must have copied "
                 "the key, not kept the pointer");
    expect_missing(c, "omega", "only \"alpha\" was ever put");
    lru_destroy(c);
}

Test(level1, get_hands_out_a_copy_that_the_caller_may_change)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "stable");
    char buf[16];
    lru_get(c, "k", buf, sizeof buf, NULL);
    memset(buf, 'X', sizeof buf);
    expect_value(c, "k", "stable",
                 "the caller scribbled over its copy; the stored value must "
                 "not change");
    lru_destroy(c);
}

Test(level1, values_may_hold_nul_bytes)
{
    lru_cache *c = new_cache(4, NULL);
    const char value[] = { 'a', '\0', 'b', '\0', 'c' };
    lru_status s = lru_put(c, "bin", value, sizeof value);
    cr_assert(s == LRU_OK, "lru_put of a 5-byte value returned %s, expected LRU_OK",
              status_name(s));
    char buf[16];
    size_t len = 0;
    s = lru_get(c, "bin", buf, sizeof buf, &len);
    cr_assert(s == LRU_OK && len == sizeof value && memcmp(buf, value, sizeof value) == 0,
              "lru_get(\"bin\") returned %s with %zu bytes %s, expected LRU_OK with %s: values "
              "are byte strings with a length, not C strings (strlen/strcpy stop at the first NUL)",
              status_name(s), len, wb_qn(buf, len < sizeof buf ? len : 0),
              wb_qn(value, sizeof value));
    lru_destroy(c);
}

Test(level1, the_empty_value_and_the_empty_key_are_ordinary)
{
    lru_cache *c = new_cache(4, NULL);
    lru_status s = lru_put(c, "empty", NULL, 0);
    cr_assert(s == LRU_OK,
              "lru_put(\"empty\", NULL, 0) returned %s, expected LRU_OK: an empty "
              "value may be passed as NULL with length 0",
              status_name(s));
    expect_value(c, "empty", "", "an empty value was put");
    put(c, "", "for the empty key");
    expect_value(c, "", "for the empty key", "\"\" is a key like any other");
    expect_len(c, 2, "two keys were put");
    lru_destroy(c);
}

Test(level1, a_buffer_too_small_gets_too_small_and_the_length_needed)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "twelve bytes");
    char buf[8] = "#######";
    size_t len = 0;
    lru_status s = lru_get(c, "k", buf, 4, &len);
    cr_assert(s == LRU_TOO_SMALL,
              "lru_get(\"k\") into 4 bytes returned %s, expected "
              "LRU_TOO_SMALL: the value is 12 bytes long",
              status_name(s));
    cr_assert(len == 12,
              "lru_get(\"k\") into 4 bytes set *len to %zu, expected 12, so the "
              "caller knows what size to retry with",
              len);
    cr_assert(strcmp(buf, "#######") == 0,
              "lru_get into a buffer too small wrote %s into it; "
              "it must copy nothing",
              wb_qn(buf, sizeof buf));
    lru_destroy(c);
}

Test(level1, a_buffer_of_exactly_the_value_length_is_enough)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "12345");
    char buf[8] = "#######";
    size_t len = 0;
    lru_status s = lru_get(c, "k", buf, 5, &len);
    cr_assert(s == LRU_OK,
              "lru_get(\"k\") into 5 bytes returned %s, expected LRU_OK: the value "
              "is 5 bytes and the NUL is only added when there is room",
              status_name(s));
    cr_assert(memcmp(buf, "12345", 5) == 0, "lru_get(\"k\") gave %s, expected \"12345\"",
              wb_qn(buf, 5));
    cr_assert(buf[5] == '#',
              "lru_get(\"k\", buf, 5) wrote %s at buf[5], past the 5 bytes it was "
              "given: a buffer overflow",
              wb_qn(buf + 5, 1));
    lru_destroy(c);
}

Test(level1, a_null_len_pointer_is_allowed)
{
    lru_cache *c = new_cache(4, NULL);
    put(c, "k", "v");
    char buf[4] = "###";
    lru_status s = lru_get(c, "k", buf, sizeof buf, NULL);
    cr_assert(s == LRU_OK && buf[0] == 'v',
              "lru_get(\"k\", buf, 4, NULL) returned %s with %s in the buffer, expected LRU_OK "
              "with \"v\": len may be NULL when the caller does not need it",
              status_name(s), wb_qn(buf, 1));
    lru_destroy(c);
}

Test(level1, keys_that_share_a_prefix_are_different_keys)
{
    lru_cache *c = new_cache(8, NULL);
    put(c, "a", "1");
    put(c, "ab", "2");
    put(c, "abc", "3");
    put(c, "b", "4");
    expect_value(c, "a", "1", "\"a\", \"ab\" and \"abc\" are three keys");
    expect_value(c, "ab", "2", "\"a\", \"ab\" and \"abc\" are three keys");
    expect_value(c, "abc", "3", "\"a\", \"ab\" and \"abc\" are three keys");
    expect_missing(c, "abcd", "\"abcd\" was never put, though three keys are its prefixes");
    expect_len(c, 4, "four different keys were put");
    lru_destroy(c);
}

Test(level1, a_thousand_keys_are_all_found)
{
    lru_cache *c = new_cache(1000, NULL);
    char key[32], value[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        snprintf(value, sizeof value, "%d", i * 7);
        put(c, key, value);
    }
    expect_len(c, 1000, "1000 different keys fill a cache of capacity 1000 exactly");
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        snprintf(value, sizeof value, "%d", i * 7);
        expect_value(c, key, value, "1000 keys were put into a cache of capacity 1000");
    }
    lru_destroy(c);
}

Test(level1, null_arguments_get_invalid_not_a_crash)
{
    lru_cache *c = new_cache(4, NULL);
    char buf[4];
    lru_status s = lru_put(c, NULL, "v", 1);
    cr_assert(s == LRU_INVALID, "lru_put(cache, NULL key) returned %s, expected LRU_INVALID",
              status_name(s));
    s = lru_put(c, "k", NULL, 3);
    cr_assert(s == LRU_INVALID,
              "lru_put(cache, \"k\", NULL, 3) returned %s, expected "
              "LRU_INVALID: there are no 3 bytes to copy",
              status_name(s));
    s = lru_put(NULL, "k", "v", 1);
    cr_assert(s == LRU_INVALID, "lru_put(NULL cache) returned %s, expected LRU_INVALID",
              status_name(s));
    s = lru_get(c, NULL, buf, sizeof buf, NULL);
    cr_assert(s == LRU_INVALID, "lru_get(cache, NULL key) returned %s, expected LRU_INVALID",
              status_name(s));
    s = lru_get(NULL, "k", buf, sizeof buf, NULL);
    cr_assert(s == LRU_INVALID, "lru_get(NULL cache) returned %s, expected LRU_INVALID",
              status_name(s));
    s = lru_get(c, "k", NULL, 8, NULL);
    cr_assert(s == LRU_INVALID,
              "lru_get(cache, \"k\", NULL buf, cap 8) returned %s, expected "
              "LRU_INVALID: there is no buffer to copy into",
              status_name(s));
    s = lru_delete(c, NULL);
    cr_assert(s == LRU_INVALID, "lru_delete(cache, NULL key) returned %s, expected LRU_INVALID",
              status_name(s));
    size_t n = lru_len(NULL);
    cr_assert(n == 0, "lru_len(NULL) returned %zu, expected 0", n);
    expect_len(c, 0, "every call above was refused, so nothing was stored");
    lru_destroy(c);
}
