/*
 * Level 1, correctness: the order (highest first, ties by member), adds with
 * Redis's flags, increments, removes, and every way of reading the board.
 * Any structure passes this level; a sorted array is fine. Run alone with
 * `make test LEVEL=1`.
 */
#include <math.h>
#include <string.h>

#include "lb_test.h"

WB_LEVEL(1);

/* ---- the board and its order ---- */

Test(level1, create_returns_an_empty_board)
{
    lb_board *b = new_board(1);
    expect_len(b, 0, "a new board holds nobody");
    expect_absent(b, "anyone", "a new board holds nobody");
    lb_destroy(b);
}

Test(level1, destroy_of_null_does_nothing)
{
    lb_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level1, add_puts_a_new_member_on_the_board)
{
    lb_board *b = new_board(1);
    expect_add(b, "alice", 100, 0, LB_ADDED, "alice was not on the board");
    expect_score(b, "alice", 100, "alice was just added with 100");
    expect_rank(b, "alice", 0, "alice is the only member, so she is at the top");
    expect_len(b, 1, "one member was added");
    lb_destroy(b);
}

Test(level1, rank_zero_is_the_highest_score)
{
    lb_board *b = new_board(1);
    add(b, "low", 10);
    add(b, "high", 300);
    add(b, "middle", 200);
    expect_rank(b, "high", 0, "scores 300, 200, 10: the highest score has rank 0");
    expect_rank(b, "middle", 1, "scores 300, 200, 10: 200 is second, rank 1");
    expect_rank(b, "low", 2, "scores 300, 200, 10: the lowest has rank 2 (0-based)");
    expect_order(b, ORDER("high", "middle", "low"), "scores 300, 200 and 10");
    lb_destroy(b);
}

Test(level1, equal_scores_rank_the_greater_member_first)
{
    lb_board *b = new_board(1);
    add(b, "alice", 100);
    add(b, "carol", 100);
    add(b, "bob", 100);
    expect_order(b, ORDER("carol", "bob", "alice"),
                 "three members with 100 points each: equal scores rank the greater member "
                 "first, as Redis's ZREVRANGE does (the reverse of ascending order)");
    expect_rank(b, "carol", 0, "carol > bob > alice, all at 100");
    expect_rank(b, "alice", 2, "carol > bob > alice, all at 100");
    lb_destroy(b);
}

Test(level1, ties_compare_bytes_as_unsigned_chars)
{
    lb_board *b = new_board(1);
    add(b, "zed", 7);
    add(b, "\xc3\xa9t\xc3\xa9", 7); /* "été" in UTF-8: its first byte is 0xc3 */
    add(b, "Zed", 7);
    add(b, "adam", 7);
    expect_order(b, ORDER("\xc3\xa9t\xc3\xa9", "zed", "adam", "Zed"),
                 "four members at 7 points: bytes compare as unsigned char, so 0xc3 (\"été\") "
                 "is greater than 'z', and 'a' (0x61) greater than 'Z' (0x5a); a signed char "
                 "comparison puts \"été\" last");
    lb_destroy(b);
}

Test(level1, a_member_that_is_a_prefix_of_another_ranks_after_it)
{
    lb_board *b = new_board(1);
    add(b, "a", 1);
    add(b, "abc", 1);
    add(b, "ab", 1);
    expect_order(b, ORDER("abc", "ab", "a"),
                 "three members at 1 point: a prefix is the smaller member (as strcmp says), "
                 "so it ranks after the longer one");
    lb_destroy(b);
}

Test(level1, ties_compare_whole_names_however_long)
{
    lb_board *b = new_board(1);
    add(b, "player-000000000000000000000000000001", 5);
    add(b, "player-000000000000000000000000000002", 5);
    add(b, "player-000000000000000000000000000000", 5);
    expect_order(b,
                 ORDER("player-000000000000000000000000000002",
                       "player-000000000000000000000000000001",
                       "player-000000000000000000000000000000"),
                 "three members at 5 points whose names differ only in their last byte: a tie "
                 "is broken by the whole name, not by a prefix of fixed length");
    expect_rank(b, "player-000000000000000000000000000000", 2, "its last byte, '0', is the least");
    lb_destroy(b);
}

Test(level1, negative_fractional_and_infinite_scores_rank_in_numeric_order)
{
    lb_board *b = new_board(1);
    add(b, "minus-inf", -INFINITY);
    add(b, "tenth", 0.1);
    add(b, "minus-two", -2);
    add(b, "inf", INFINITY);
    add(b, "zero", 0);
    add(b, "big", 1e300);
    add(b, "minus-quarter", -0.25);
    expect_order(b, ORDER("inf", "big", "tenth", "zero", "minus-quarter", "minus-two", "minus-inf"),
                 "scores are doubles compared as numbers: +inf, 1e300, 0.1, 0, -0.25, -2, -inf");
    expect_score(b, "tenth", 0.1, "the score is kept exactly as given");
    expect_score(b, "minus-inf", -INFINITY, "-inf is a score like any other");
    lb_destroy(b);
}

Test(level1, zero_and_negative_zero_are_the_same_score)
{
    lb_board *b = new_board(1);
    add(b, "a", -0.0);
    add(b, "b", 0.0);
    expect_order(b, ORDER("b", "a"),
                 "0.0 and -0.0 compare equal, so the tie is broken by member: b before a");
    expect_add(b, "a", 0.0, 0, LB_UNCHANGED, "a already has the score -0.0, which equals 0.0");
    lb_destroy(b);
}

Test(level1, a_thousand_members_rank_in_score_order)
{
    lb_board *b = new_board(1);
    char member[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(member, sizeof member, "player-%d", (i * 7919) % 1000);
        add(b, member, (double)((i * 7919) % 1000));
    }
    expect_len(b, 1000, "1000 different members were added");
    for (int score = 0; score < 1000; score++) {
        snprintf(member, sizeof member, "player-%d", score);
        expect_rank(b, member, (size_t)(999 - score),
                    "player-N has score N for N = 0..999, added in a scrambled order: the "
                    "rank of score N is 999 - N");
    }
    lb_destroy(b);
}

/* ---- adds and updates ---- */

Test(level1, add_of_an_existing_member_updates_its_score_and_its_rank)
{
    lb_board *b = new_board(1);
    add(b, "alice", 10);
    add(b, "bob", 20);
    add(b, "carol", 30);
    expect_add(b, "alice", 50, 0, LB_UPDATED, "alice was at 10 and now has 50");
    expect_score(b, "alice", 50, "alice's score was updated from 10 to 50");
    expect_rank(b, "alice", 0, "alice went from 10 to 50, above carol's 30");
    expect_order(b, ORDER("alice", "carol", "bob"), "after alice moved from 10 to 50");
    expect_add(b, "alice", 5, 0, LB_UPDATED, "alice was at 50 and now has 5");
    expect_order(b, ORDER("carol", "bob", "alice"), "after alice moved down from 50 to 5");
    expect_len(b, 3, "updating a member does not add one");
    lb_destroy(b);
}

Test(level1, add_of_the_score_a_member_already_has_is_unchanged)
{
    lb_board *b = new_board(1);
    add(b, "alice", 42);
    add(b, "bob", 42);
    expect_add(b, "alice", 42, 0, LB_UNCHANGED, "alice already has 42");
    expect_order(b, ORDER("bob", "alice"), "nothing changed");
    expect_len(b, 2, "nothing was added");
    lb_destroy(b);
}

Test(level1, nan_score_is_invalid_and_changes_nothing)
{
    lb_board *b = new_board(1);
    add(b, "alice", 1);
    lb_status s = lb_add(b, "alice", NAN, 0, NULL);
    cr_assert(s == LB_INVALID,
              "lb_add(\"alice\", NaN) returned %s, expected LB_INVALID: NaN is not a score "
              "(it is neither greater nor less than anything, so it has no rank)",
              status_name(s));
    s = lb_add(b, "bob", NAN, 0, NULL);
    cr_assert(s == LB_INVALID, "lb_add(\"bob\", NaN) returned %s, expected LB_INVALID",
              status_name(s));
    s = lb_incr(b, "alice", NAN, 0, NULL, NULL);
    cr_assert(s == LB_INVALID, "lb_incr(\"alice\", NaN) returned %s, expected LB_INVALID",
              status_name(s));
    expect_score(b, "alice", 1, "every NaN was refused");
    expect_absent(b, "bob", "bob's only add had a NaN score");
    lb_destroy(b);
}

/* ---- the flags ---- */

Test(level1, nx_adds_new_members_and_never_updates)
{
    lb_board *b = new_board(1);
    expect_add(b, "alice", 10, LB_NX, LB_ADDED, "LB_NX adds a member that is not there");
    expect_add(b, "alice", 99, LB_NX, LB_REFUSED, "LB_NX never changes an existing member");
    expect_score(b, "alice", 10, "the LB_NX update was refused");
    lb_destroy(b);
}

Test(level1, xx_updates_existing_members_and_never_adds)
{
    lb_board *b = new_board(1);
    expect_add(b, "alice", 10, LB_XX, LB_REFUSED, "LB_XX never adds a new member");
    expect_absent(b, "alice", "the LB_XX add of a new member was refused");
    expect_len(b, 0, "nothing was added");
    add(b, "alice", 10);
    expect_add(b, "alice", 20, LB_XX, LB_UPDATED, "LB_XX updates a member that is there");
    expect_score(b, "alice", 20, "the LB_XX update went through");
    lb_destroy(b);
}

Test(level1, gt_updates_only_to_a_greater_score)
{
    lb_board *b = new_board(1);
    add(b, "alice", 50);
    expect_add(b, "alice", 40, LB_GT, LB_REFUSED, "LB_GT refuses 40 when alice has 50");
    expect_score(b, "alice", 50, "the lower score was refused");
    expect_add(b, "alice", 60, LB_GT, LB_UPDATED, "LB_GT takes 60 when alice has 50");
    expect_score(b, "alice", 60, "the greater score was taken: a high-score table");
    lb_destroy(b);
}

Test(level1, gt_still_adds_new_members)
{
    lb_board *b = new_board(1);
    expect_add(b, "newcomer", 5, LB_GT, LB_ADDED,
               "LB_GT only limits updates of existing members: a new member is added, as "
               "with Redis's ZADD GT (there is no current score to be greater than)");
    expect_score(b, "newcomer", 5, "LB_GT added the new member");
    lb_destroy(b);
}

Test(level1, lt_updates_only_to_a_lower_score_and_still_adds_new_members)
{
    lb_board *b = new_board(1);
    expect_add(b, "runner", 300, LB_LT, LB_ADDED, "LB_LT adds a new member");
    expect_add(b, "runner", 310, LB_LT, LB_REFUSED, "LB_LT refuses 310 when the best is 300");
    expect_add(b, "runner", 290, LB_LT, LB_UPDATED, "LB_LT takes 290 over 300: a best time");
    expect_score(b, "runner", 290, "only the lower time was kept");
    lb_destroy(b);
}

Test(level1, gt_and_lt_refuse_an_equal_score)
{
    lb_board *b = new_board(1);
    add(b, "alice", 50);
    expect_add(b, "alice", 50, LB_GT, LB_REFUSED, "50 is not greater than 50");
    expect_add(b, "alice", 50, LB_LT, LB_REFUSED, "50 is not less than 50");
    expect_add(b, "alice", 50, 0, LB_UNCHANGED, "without a flag, the same score is unchanged");
    lb_destroy(b);
}

Test(level1, xx_combines_with_gt_and_with_lt)
{
    lb_board *b = new_board(1);
    expect_add(b, "alice", 50, LB_XX | LB_GT, LB_REFUSED,
               "LB_XX | LB_GT never adds: alice is not on the board");
    add(b, "alice", 50);
    expect_add(b, "alice", 70, LB_XX | LB_GT, LB_UPDATED, "alice exists and 70 > 50");
    expect_add(b, "alice", 60, LB_XX | LB_GT, LB_REFUSED, "60 is not greater than 70");
    expect_add(b, "alice", 60, LB_XX | LB_LT, LB_UPDATED, "alice exists and 60 < 70");
    expect_score(b, "alice", 60, "the last update that went through set 60");
    lb_destroy(b);
}

Test(level1, incompatible_flags_are_refused_and_change_nothing)
{
    static const unsigned bad[] = { LB_NX | LB_XX,         LB_GT | LB_LT,
                                    LB_NX | LB_GT,         LB_NX | LB_LT,
                                    LB_XX | LB_GT | LB_LT, LB_NX | LB_XX | LB_GT | LB_LT };
    lb_board *b = new_board(1);
    add(b, "alice", 50);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lb_status s = lb_add(b, "alice", 70, bad[i], NULL);
        cr_assert(s == LB_BAD_FLAGS,
                  "lb_add(\"alice\", 70, %s) returned %s, expected LB_BAD_FLAGS: Redis refuses "
                  "NX with XX, GT or LT, and GT with LT",
                  flags_name(bad[i]), status_name(s));
        s = lb_add(b, "bob", 70, bad[i], NULL);
        cr_assert(s == LB_BAD_FLAGS,
                  "lb_add(\"bob\", 70, %s) returned %s, expected LB_BAD_FLAGS, also for a member "
                  "that is not there",
                  flags_name(bad[i]), status_name(s));
        s = lb_incr(b, "alice", 1, bad[i], NULL, NULL);
        cr_assert(s == LB_BAD_FLAGS, "lb_incr(\"alice\", 1, %s) returned %s, expected LB_BAD_FLAGS",
                  flags_name(bad[i]), status_name(s));
    }
    expect_score(b, "alice", 50, "every call had incompatible flags and was refused");
    expect_absent(b, "bob", "every call had incompatible flags and was refused");
    lb_destroy(b);
}

Test(level1, unknown_flag_bits_are_invalid)
{
    lb_board *b = new_board(1);
    lb_status s = lb_add(b, "alice", 1, 1u << 4, NULL);
    cr_assert(s == LB_INVALID,
              "lb_add(\"alice\", 1, 0x10) returned %s, expected LB_INVALID: 0x10 is none of "
              "LB_NX, LB_XX, LB_GT, LB_LT",
              status_name(s));
    s = lb_incr(b, "alice", 1, LB_XX | 1u << 31, NULL, NULL);
    cr_assert(s == LB_INVALID,
              "lb_incr(\"alice\", 1, LB_XX | 0x80000000) returned %s, expected "
              "LB_INVALID",
              status_name(s));
    expect_absent(b, "alice", "both calls were refused");
    lb_destroy(b);
}

/* ---- increments ---- */

Test(level1, incr_of_a_missing_member_starts_at_zero)
{
    lb_board *b = new_board(1);
    expect_incr(b, "alice", 5, 0, LB_ADDED, 5, "alice was missing, so she starts at 0 + 5");
    expect_incr(b, "bob", -2.5, 0, LB_ADDED, -2.5, "bob was missing: 0 - 2.5");
    expect_order(b, ORDER("alice", "bob"), "alice 5, bob -2.5");
    lb_destroy(b);
}

Test(level1, incr_adds_to_the_score_and_moves_the_member)
{
    lb_board *b = new_board(1);
    add(b, "alice", 10);
    add(b, "bob", 20);
    expect_incr(b, "alice", 15, 0, LB_UPDATED, 25, "alice had 10, plus 15");
    expect_order(b, ORDER("alice", "bob"), "alice went from 10 to 25, past bob's 20");
    expect_incr(b, "alice", -30, 0, LB_UPDATED, -5, "alice had 25, minus 30");
    expect_incr(b, "alice", 0, 0, LB_UNCHANGED, -5, "adding 0 leaves the score as it was");
    expect_order(b, ORDER("bob", "alice"), "alice went down to -5");
    lb_destroy(b);
}

Test(level1, incr_honours_the_flags)
{
    lb_board *b = new_board(1);
    add(b, "alice", 10);
    expect_incr(b, "alice", 5, LB_NX, LB_REFUSED, 0, "LB_NX never changes an existing member");
    expect_incr(b, "bob", 5, LB_XX, LB_REFUSED, 0, "LB_XX never adds: bob is missing");
    expect_absent(b, "bob", "the LB_XX increment of a missing member was refused");
    expect_incr(b, "alice", -1, LB_GT, LB_REFUSED, 0, "10 - 1 is not greater than 10");
    expect_incr(b, "alice", 0, LB_GT, LB_REFUSED, 0, "10 + 0 is not greater than 10");
    expect_incr(b, "alice", 2, LB_GT, LB_UPDATED, 12, "10 + 2 is greater than 10");
    expect_incr(b, "alice", 2, LB_LT, LB_REFUSED, 0, "12 + 2 is not less than 12");
    expect_incr(b, "carol", 3, LB_GT, LB_ADDED, 3, "LB_GT still adds a missing member, at 0 + 3");
    expect_score(b, "alice", 12, "only the +2 under LB_GT went through");
    lb_destroy(b);
}

Test(level1, incr_that_would_make_nan_is_refused_and_changes_nothing)
{
    lb_board *b = new_board(1);
    add(b, "alice", INFINITY);
    double score = 7;
    lb_status s = lb_incr(b, "alice", -INFINITY, 0, &score, NULL);
    cr_assert(s == LB_NOT_A_NUMBER,
              "lb_incr(\"alice\", -inf) on alice at +inf returned %s, expected LB_NOT_A_NUMBER: "
              "+inf plus -inf is NaN, which no member may hold",
              status_name(s));
    cr_assert(score == 7, "the refused lb_incr wrote %s into *score, which must stay untouched",
              score_text(score));
    s = lb_incr(b, "alice", -INFINITY, LB_GT, NULL, NULL);
    cr_assert(s == LB_NOT_A_NUMBER,
              "lb_incr(\"alice\", -inf, LB_GT) returned %s, expected LB_NOT_A_NUMBER: as in "
              "Redis, a NaN sum is reported before LB_GT compares it",
              status_name(s));
    expect_incr(b, "alice", -INFINITY, LB_NX, LB_REFUSED, 0,
                "as in Redis, LB_NX refuses an existing member before the sum is made");
    expect_score(b, "alice", INFINITY, "every increment was refused");
    expect_incr(b, "alice", 1, 0, LB_UNCHANGED, INFINITY, "+inf plus 1 is still +inf");
    lb_destroy(b);
}

Test(level1, a_call_that_fails_writes_neither_effect_nor_score)
{
    lb_board *b = new_board(1);
    add(b, "alice", INFINITY);
    struct {
        const char *call;
        lb_status want;
        bool incr;
        const char *member;
        double value;
        unsigned flags;
    } cases[] = {
        { "lb_add(\"alice\", NaN, 0)", LB_INVALID, false, "alice", NAN, 0 },
        { "lb_add(\"bob\", 1, 0x10)", LB_INVALID, false, "bob", 1, 1u << 4 },
        { "lb_add(NULL member, 1, 0)", LB_INVALID, false, NULL, 1, 0 },
        { "lb_add(\"bob\", 1, LB_NX | LB_XX)", LB_BAD_FLAGS, false, "bob", 1, LB_NX | LB_XX },
        { "lb_add(\"alice\", 1, LB_GT | LB_LT)", LB_BAD_FLAGS, false, "alice", 1, LB_GT | LB_LT },
        { "lb_incr(\"alice\", NaN, 0)", LB_INVALID, true, "alice", NAN, 0 },
        { "lb_incr(\"bob\", 1, LB_NX | LB_GT)", LB_BAD_FLAGS, true, "bob", 1, LB_NX | LB_GT },
        { "lb_incr(\"alice\", -inf, 0) on alice at +inf", LB_NOT_A_NUMBER, true, "alice", -INFINITY,
          0 },
        { "lb_incr(\"alice\", -inf, LB_XX | LB_LT) on alice at +inf", LB_NOT_A_NUMBER, true,
          "alice", -INFINITY, LB_XX | LB_LT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lb_effect effect = (lb_effect)77;
        double score = 7;
        lb_status s =
            cases[i].incr
                ? lb_incr(b, cases[i].member, cases[i].value, cases[i].flags, &score, &effect)
                : lb_add(b, cases[i].member, cases[i].value, cases[i].flags, &effect);
        cr_assert(s == cases[i].want, "%s returned %s, expected %s", cases[i].call, status_name(s),
                  status_name(cases[i].want));
        cr_assert(effect == (lb_effect)77,
                  "%s returned %s but wrote %s into *effect, expected it untouched: after any "
                  "status but LB_OK a function writes nothing through its output pointers (a "
                  "caller that reads *effect without checking the status must not find a "
                  "made-up answer there)",
                  cases[i].call, status_name(s), effect_name(effect));
        cr_assert(score == 7,
                  "%s returned %s but wrote %s into *score, expected it untouched: after any "
                  "status but LB_OK a function writes nothing through its output pointers",
                  cases[i].call, status_name(s), score_text(score));
    }
    expect_score(b, "alice", INFINITY, "every call above failed, so alice kept +inf");
    expect_absent(b, "bob", "every call above failed, so bob was never added");
    lb_destroy(b);
}

/* ---- removing and reading ---- */

Test(level1, remove_takes_the_member_off_and_closes_the_gap)
{
    lb_board *b = new_board(1);
    add(b, "first", 3);
    add(b, "second", 2);
    add(b, "third", 1);
    lb_status s = lb_remove(b, "second");
    cr_assert(s == LB_OK, "lb_remove(\"second\") returned %s, expected LB_OK", status_name(s));
    expect_absent(b, "second", "second was removed");
    expect_rank(b, "third", 1, "second (rank 1) was removed, so third moves up from 2 to 1");
    expect_len(b, 2, "three members, one removed");
    expect_order(b, ORDER("first", "third"), "after removing the middle member");
    lb_destroy(b);
}

Test(level1, remove_of_a_missing_member_is_not_found)
{
    lb_board *b = new_board(1);
    lb_status s = lb_remove(b, "ghost");
    cr_assert(s == LB_NOT_FOUND,
              "lb_remove(\"ghost\") on an empty board returned %s, expected "
              "LB_NOT_FOUND",
              status_name(s));
    add(b, "alice", 1);
    lb_remove(b, "alice");
    s = lb_remove(b, "alice");
    cr_assert(s == LB_NOT_FOUND,
              "a second lb_remove(\"alice\") returned %s, expected LB_NOT_FOUND: the first "
              "one already took her off",
              status_name(s));
    expect_len(b, 0, "the only member was removed");
    lb_destroy(b);
}

Test(level1, a_removed_member_can_come_back)
{
    lb_board *b = new_board(1);
    add(b, "alice", 10);
    add(b, "bob", 20);
    lb_remove(b, "alice");
    expect_add(b, "alice", 30, 0, LB_ADDED, "alice was removed, so she is new again");
    expect_order(b, ORDER("alice", "bob"), "alice came back with 30");
    lb_destroy(b);
}

Test(level1, score_and_rank_of_a_missing_member_are_not_found)
{
    lb_board *b = new_board(1);
    add(b, "alice", 10);
    expect_absent(b, "alicia", "only alice is on the board");
    expect_absent(b, "alic", "a prefix of a member is another member");
    lb_destroy(b);
}

Test(level1, the_board_keeps_its_own_copy_of_the_member_name)
{
    lb_board *b = new_board(1);
    char name[] = "alpha";
    add(b, name, 1);
    memcpy(name, "omega", 5); /* the caller reuses its buffer */
    expect_score(b, "alpha", 1,
                 "the caller changed its buffer after lb_add; the board must have copied the "
                 "name, not kept the pointer");
    expect_absent(b, "omega", "only \"alpha\" was ever added");
    lb_destroy(b);
}

Test(level1, the_empty_member_is_an_ordinary_member)
{
    lb_board *b = new_board(1);
    add(b, "", 5);
    add(b, "a", 5);
    expect_order(b, ORDER("a", ""), "at equal scores \"\" is the smallest member of all");
    expect_score(b, "", 5, "\"\" was added with 5");
    lb_destroy(b);
}

/* ---- ranges ---- */

/* A board of ten: p9 has 90 points, p8 80, ..., p0 0, so p9 is rank 0 and p0 rank 9. */
static lb_board *board_of_ten(void)
{
    lb_board *b = new_board(1);
    char member[16];
    for (int i = 0; i < 10; i++) {
        snprintf(member, sizeof member, "p%d", i);
        add(b, member, 10.0 * i);
    }
    return b;
}

Test(level1, top_k_lists_the_k_highest_in_rank_order)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    size_t n = lb_top(b, 3, collect, &p);
    expect_page(&p, "lb_top(3)", 0, ORDER("p9", "p8", "p7"), "p9 has 90, p8 80, p7 70, ...");
    cr_assert(n == 3, "lb_top(3) returned %zu, expected 3 (the members it visited)", n);
    page_clear(&p);
    n = lb_top(b, 50, collect, &p);
    cr_assert(n == 10 && p.n == 10,
              "lb_top(50) on a board of 10 returned %zu and visited %zu members, expected "
              "all 10",
              n, p.n);
    page_clear(&p);
    n = lb_top(b, 0, collect, &p);
    cr_assert(n == 0 && p.n == 0, "lb_top(0) returned %zu and visited %s, expected nothing", n,
              page_text(&p));
    lb_destroy(b);
}

Test(level1, range_visits_a_page_of_ranks)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    size_t n = lb_range(b, 4, 3, collect, &p);
    expect_page(&p, "lb_range(4, 3)", 4, ORDER("p5", "p4", "p3"),
                "ranks 4, 5, 6 of p9 (90) .. p0 (0) are p5, p4, p3");
    cr_assert(n == 3, "lb_range(4, 3) returned %zu, expected 3", n);
    cr_assert(p.rows[0].score == 50, "lb_range(4, 3) handed p5 the score %s, expected 50",
              score_text(p.rows[0].score));
    page_clear(&p);
    n = lb_range(b, 8, 5, collect, &p);
    expect_page(&p, "lb_range(8, 5)", 8, ORDER("p1", "p0"),
                "the last page stops at the last member (rank 9)");
    cr_assert(n == 2, "lb_range(8, 5) returned %zu, expected 2", n);
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, range_beyond_the_end_or_of_no_members_visits_nothing)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    size_t n = lb_range(b, 10, 5, collect, &p);
    cr_assert(n == 0 && p.n == 0,
              "lb_range(10, 5) on a board of 10 returned %zu and visited %s, expected nothing: "
              "the ranks are 0..9",
              n, page_text(&p));
    n = lb_range(b, 3, 0, collect, &p);
    cr_assert(n == 0 && p.n == 0, "lb_range(3, 0) returned %zu and visited %s, expected nothing", n,
              page_text(&p));
    n = lb_range(b, SIZE_MAX, 2, collect, &p);
    cr_assert(n == 0 && p.n == 0,
              "lb_range(SIZE_MAX, 2) returned %zu and visited %s, expected "
              "nothing",
              n, page_text(&p));
    lb_destroy(b);
}

Test(level1, range_to_the_end_with_a_huge_count_does_not_overflow)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    size_t n = lb_range(b, 7, SIZE_MAX, collect, &p);
    expect_page(&p, "lb_range(7, SIZE_MAX)", 7, ORDER("p2", "p1", "p0"),
                "a count of SIZE_MAX means \"to the end\"; offset + count wraps around past "
                "SIZE_MAX, so compare count with what is left instead");
    cr_assert(n == 3, "lb_range(7, SIZE_MAX) returned %zu, expected 3", n);
    page_clear(&p);
    static const size_t huge[] = { SIZE_MAX - 1, SIZE_MAX - 6, SIZE_MAX / 2 + 1 };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        char call[64];
        snprintf(call, sizeof call, "lb_range(7, %zu)", huge[i]);
        n = lb_range(b, 7, huge[i], collect, &p);
        expect_page(&p, call, 7, ORDER("p2", "p1", "p0"),
                    "any count past the end means \"to the end\", not only SIZE_MAX: 7 plus "
                    "this count wraps around past SIZE_MAX to a small number, so compare the "
                    "count with what is left (len - offset) instead");
        cr_assert(n == 3, "%s returned %zu, expected 3", call, n);
        page_clear(&p);
    }
    n = lb_top(b, SIZE_MAX - 1, collect, &p);
    cr_assert(n == 10 && p.n == 10,
              "lb_top(SIZE_MAX - 1) on a board of 10 returned %zu and visited %s, expected all "
              "10 members",
              n, page_text(&p));
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, a_visitor_can_stop_a_walk_early)
{
    lb_board *b = board_of_ten();
    struct page p = { .stop_at = 2 };
    size_t n = lb_range(b, 0, 10, collect, &p);
    expect_page(&p, "lb_range(0, 10) with a visitor that stops at its 2nd call", 0,
                ORDER("p9", "p8"), "a visitor that returns non-zero stops the walk");
    cr_assert(n == 2, "lb_range returned %zu, expected 2: the visit that said stop counts", n);
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, a_visitor_can_stop_top_and_around_early)
{
    lb_board *b = board_of_ten();
    struct page p = { .stop_at = 2 };
    size_t n = lb_top(b, 5, collect, &p);
    expect_page(&p, "lb_top(5) with a visitor that stops at its 2nd call", 0, ORDER("p9", "p8"),
                "a visitor that returns non-zero stops lb_top too");
    cr_assert(n == 2, "lb_top(5) returned %zu, expected 2: the visit that said stop counts", n);
    page_clear(&p);
    lb_status s = lb_around(b, "p5", 2, collect, &p);
    cr_assert(s == LB_OK,
              "lb_around(\"p5\", 2) with a visitor that stops returned %s, expected LB_OK: "
              "stopping early is the caller's choice, not an error",
              status_name(s));
    expect_page(&p, "lb_around(\"p5\", 2) with a visitor that stops at its 2nd call", 2,
                ORDER("p7", "p6"),
                "the window is ranks 2..6, and a visitor that returns non-zero stops the walk: "
                "nothing after the 2nd visit (a visitor that found what it looked for, or "
                "whose buffer is full, must not be called again)");
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, around_visits_the_neighbours_of_a_member)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    lb_status s = lb_around(b, "p5", 2, collect, &p);
    cr_assert(s == LB_OK, "lb_around(\"p5\", 2) returned %s, expected LB_OK", status_name(s));
    expect_page(&p, "lb_around(\"p5\", 2)", 2, ORDER("p7", "p6", "p5", "p4", "p3"),
                "p5 has rank 4, so its window is ranks 2..6");
    page_clear(&p);
    lb_around(b, "p5", 0, collect, &p);
    expect_page(&p, "lb_around(\"p5\", 0)", 4, ORDER("p5"), "k = 0 is the member alone");
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, around_is_clipped_at_the_top_and_at_the_bottom)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    lb_around(b, "p8", 3, collect, &p);
    expect_page(&p, "lb_around(\"p8\", 3)", 0, ORDER("p9", "p8", "p7", "p6", "p5"),
                "p8 has rank 1: only one member ranks above it, so the window starts at rank 0 "
                "(rank - k would go below 0, and a size_t wraps around instead)");
    page_clear(&p);
    lb_around(b, "p1", 3, collect, &p);
    expect_page(&p, "lb_around(\"p1\", 3)", 5, ORDER("p4", "p3", "p2", "p1", "p0"),
                "p1 has rank 8: the window stops at the last rank, 9");
    page_clear(&p);
    lb_around(b, "p4", SIZE_MAX, collect, &p);
    cr_assert(p.n == 10 && p.rows[0].rank == 0,
              "lb_around(\"p4\", SIZE_MAX) visited %s, expected all 10 members from rank 0: "
              "rank + k must not wrap around past SIZE_MAX",
              page_text(&p));
    page_clear(&p);
    lb_around(b, "p4", SIZE_MAX - 2, collect, &p);
    cr_assert(p.n == 10 && p.rows[0].rank == 0,
              "lb_around(\"p4\", SIZE_MAX - 2) visited %s, expected all 10 members from rank 0: "
              "p4 has rank 5, and 5 + (SIZE_MAX - 2) wraps around to 2; compare k with the "
              "members left below (len - 1 - rank) instead of adding",
              page_text(&p));
    page_clear(&p);
    lb_destroy(b);
}

Test(level1, around_of_a_missing_member_is_not_found)
{
    lb_board *b = board_of_ten();
    struct page p = { 0 };
    lb_status s = lb_around(b, "p10", 2, collect, &p);
    cr_assert(s == LB_NOT_FOUND && p.n == 0,
              "lb_around(\"p10\", 2) returned %s and visited %s, expected LB_NOT_FOUND and "
              "nothing: p10 is not on the board",
              status_name(s), page_text(&p));
    lb_destroy(b);
}

Test(level1, count_counts_scores_within_both_bounds_included)
{
    lb_board *b = board_of_ten();
    expect_count(b, 20, 50, 4, "scores 0, 10, ..., 90: 20, 30, 40 and 50 lie in [20, 50]");
    expect_count(b, 25, 55, 3, "scores 0, 10, ..., 90: 30, 40, 50 lie in [25, 55]");
    expect_count(b, 40, 40, 1, "min = max = 40 counts the one member at exactly 40");
    expect_count(b, 50, 20, 0, "min > max: an empty range");
    expect_count(b, 91, 1000, 0, "nobody scores above 90");
    lb_destroy(b);
}

Test(level1, count_with_infinite_bounds_counts_everyone)
{
    lb_board *b = board_of_ten();
    add(b, "top", INFINITY);
    add(b, "bottom", -INFINITY);
    expect_count(b, -INFINITY, INFINITY, 12, "[-inf, +inf] holds every score, the infinite too");
    expect_count(b, INFINITY, INFINITY, 1, "only top has +inf");
    expect_count(b, -INFINITY, 0, 2, "bottom (-inf) and p0 (0)");
    size_t n = 7;
    lb_status s = lb_count(b, NAN, 10, &n);
    cr_assert(s == LB_INVALID && n == 7,
              "lb_count(NaN, 10) returned %s (count %zu), expected LB_INVALID with the count "
              "untouched: NaN is no bound",
              status_name(s), n);
    s = lb_count(b, 0, NAN, &n);
    cr_assert(s == LB_INVALID && n == 7,
              "lb_count(0, NaN) returned %s (count %zu), expected LB_INVALID with the count "
              "untouched: NaN is no upper bound either (every comparison with NaN is false, so "
              "an unchecked NaN max silently counts nobody, or everybody)",
              status_name(s), n);
    lb_destroy(b);
}

/* ---- bad input ---- */

Test(level1, null_arguments_are_invalid_not_a_crash)
{
    lb_board *b = new_board(1);
    add(b, "a", 1);
    double score;
    size_t rank, count;
    struct page p = { 0 };
    lb_status got[] = {
        lb_add(NULL, "a", 1, 0, NULL),
        lb_add(b, NULL, 1, 0, NULL),
        lb_incr(NULL, "a", 1, 0, NULL, NULL),
        lb_incr(b, NULL, 1, 0, NULL, NULL),
        lb_remove(NULL, "a"),
        lb_remove(b, NULL),
        lb_score(b, NULL, &score),
        lb_score(b, "a", NULL),
        lb_rank(b, NULL, &rank),
        lb_rank(b, "a", NULL),
        lb_around(b, NULL, 1, collect, &p),
        lb_around(b, "a", 1, NULL, NULL),
        lb_count(b, 0, 1, NULL),
        lb_count(NULL, 0, 1, &count),
        lb_score(NULL, "a", &score),
        lb_rank(NULL, "a", &rank),
        lb_around(NULL, "a", 1, collect, &p),
    };
    static const char *const calls[] = {
        "lb_add(NULL board)",    "lb_add(NULL member)",    "lb_incr(NULL board)",
        "lb_incr(NULL member)",  "lb_remove(NULL board)",  "lb_remove(NULL member)",
        "lb_score(NULL member)", "lb_score(NULL score)",   "lb_rank(NULL member)",
        "lb_rank(NULL rank)",    "lb_around(NULL member)", "lb_around(NULL visit)",
        "lb_count(NULL count)",  "lb_count(NULL board)",   "lb_score(NULL board)",
        "lb_rank(NULL board)",   "lb_around(NULL board)",
    };
    for (size_t i = 0; i < sizeof got / sizeof got[0]; i++)
        cr_assert(got[i] == LB_INVALID, "%s returned %s, expected LB_INVALID", calls[i],
                  status_name(got[i]));
    cr_assert(lb_range(b, 0, 5, NULL, NULL) == 0 && lb_range(NULL, 0, 5, collect, &p) == 0,
              "lb_range with a NULL visit or board must visit nothing and return 0");
    cr_assert(lb_top(b, 5, NULL, NULL) == 0 && lb_top(NULL, 5, collect, &p) == 0 && p.n == 0,
              "lb_top with a NULL visit or board must visit nothing and return 0");
    cr_assert(lb_len(NULL) == 0, "lb_len(NULL) returned %zu, expected 0", lb_len(NULL));
    expect_len(b, 1, "every call above was refused, so only \"a\" is on the board");
    expect_score(b, "a", 1, "every call above was refused, so \"a\" kept its score");
    lb_destroy(b);
}

/* ---- a random sequence, against a model of the contract ---- */

Test(level1, a_seeded_random_sequence_matches_a_simple_model)
{
    lb_board *b = new_board(1);
    struct model m;
    model_init(&m, 50);
    wb_rng rng;
    wb_rng_seed(&rng, 11);
    for (int step = 1; step <= 2000; step++) {
        size_t i = wb_rng_below(&rng, m.size);
        double value = (double)wb_rng_below(&rng, 9) - 4; /* few values: many ties */
        uint64_t kind = wb_rng_below(&rng, 10);
        if (kind < 5) {
            add(b, model_member(i), value);
            model_add(&m, i, value);
        } else if (kind < 8) {
            lb_incr(b, model_member(i), value, 0, NULL, NULL);
            model_incr(&m, i, value);
        } else {
            lb_remove(b, model_member(i));
            model_remove(&m, i);
        }
        if (step % 100 == 0)
            expect_board_matches_model(b, &m,
                                       "after a seeded sequence of adds, increments and removes "
                                       "of 50 members with scores -4..4 (seed 11)");
    }
    model_free(&m);
    lb_destroy(b);
}
