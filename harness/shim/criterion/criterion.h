/*
 * criterion/criterion.h, as `make race` sees it: a stand-in for Criterion.
 *
 * A Criterion test binary cannot start under ThreadSanitizer (Criterion
 * 2.4.1, issue #274), so `make race` compiles the same test files against
 * this header and harness/shim/runner.c instead: each test runs in a forked
 * child, and a data race ends it with status 66. It knows only the subset of
 * Criterion the workbook's tests use (harness/include/wb/test.h lists it);
 * anything else fails to compile here, on purpose.
 */
#ifndef WB_SHIM_CRITERION_H
#define WB_SHIM_CRITERION_H

#include <stdbool.h>
#include <stddef.h>

/* The options of Test() and TestSuite() that the runner honours. */
struct wb_shim_options {
    void (*init)(void);
    void (*fini)(void);
    double timeout;
    const char *description;
    bool disabled;
    int first_; /* always 0: see Test() */
};

void wb_shim_register_test(const char *suite, const char *name, void (*fn)(void),
                           struct wb_shim_options options);
void wb_shim_register_suite(const char *suite, struct wb_shim_options options);

/* Records a failed check at file:line; a fatal one ends the test. */
void wb_shim_fail(const char *file, int line, bool fatal, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The trailing .first_ = 0 keeps the option list non-empty, as ISO C wants. */
#define Test(...)      WB_SHIM_TEST(__VA_ARGS__, .first_ = 0)
#define TestSuite(...) WB_SHIM_SUITE(__VA_ARGS__, .first_ = 0)

#define WB_SHIM_TEST(suite, name, ...)                                                             \
    static void suite##_##name##_impl(void);                                                       \
    __attribute__((constructor)) static void suite##_##name##_register(void)                       \
    {                                                                                              \
        wb_shim_register_test(#suite, #name, suite##_##name##_impl,                                \
                              (struct wb_shim_options){ __VA_ARGS__ });                            \
    }                                                                                              \
    static void suite##_##name##_impl(void)

#define WB_SHIM_SUITE(suite, ...)                                                                  \
    __attribute__((constructor)) static void suite##_suite_register(void)                          \
    {                                                                                              \
        wb_shim_register_suite(#suite, (struct wb_shim_options){ __VA_ARGS__ });                   \
    }                                                                                              \
    struct wb_shim_swallow_semicolon_##suite

/* Every check takes a message, as the workbook's tests always give one. */
#define cr_assert(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            wb_shim_fail(__FILE__, __LINE__, true, __VA_ARGS__);                                   \
    } while (0)
#define cr_expect(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            wb_shim_fail(__FILE__, __LINE__, false, __VA_ARGS__);                                  \
    } while (0)
#define cr_assert_not(cond, ...) cr_assert(!(cond), __VA_ARGS__)
#define cr_expect_not(cond, ...) cr_expect(!(cond), __VA_ARGS__)
#define cr_assert_fail(...)      wb_shim_fail(__FILE__, __LINE__, true, __VA_ARGS__)
#define cr_fail(...)             wb_shim_fail(__FILE__, __LINE__, false, __VA_ARGS__)

#endif /* WB_SHIM_CRITERION_H */
