/*
 * Level 2, the formulas: every figure of an estimate, checked against worked
 * examples derived by hand (the arithmetic is in the comments) and against
 * properties any correct formula has. Run alone with
 * `make capacity-test LEVEL=2`.
 */
#include <stdbool.h>
#include <string.h>

#include "cap_test.h"
#include "src/report.h"

WB_LEVEL(2);

/* The classic example: 10M DAU, 10 reads and 1 write per user a day, 1 KB,
 * peak 3x, 80% cache hits, 5 ms queries one at a time, 1 year, 3 copies,
 * hot set 20%. These are est_defaults with dau = 10M. */
static est_result classic(void)
{
    est_inputs in = inputs_with_dau(10e6);
    return compute(&in, NUM_DECIMAL);
}

Test(level2, defaults_are_the_classic_example)
{
    est_inputs in;
    est_defaults(&in);
    cr_assert(in.reads_per_user == 10 && in.writes_per_user == 1 && in.payload == 1000 &&
                  in.peak == 3 && in.cache_hit == 0.8 && in.query_ms == 5 &&
                  in.db_concurrency == 1 && in.server_qps == 0 && in.years == 1 &&
                  in.replication == 3 && in.hot_set == 0.2 && in.dau == 0,
              "est_defaults gave reads %g, writes %g, payload %g, peak %g, hit %g, query %g ms, "
              "concurrency %g, server qps %g, years %g, copies %g, hot %g, dau %g; expected the "
              "classic example (10, 1, 1000, 3, 0.8, 5, 1, 0, 1, 3, 0.2) with dau 0",
              in.reads_per_user, in.writes_per_user, in.payload, in.peak, in.cache_hit, in.query_ms,
              in.db_concurrency, in.server_qps, in.years, in.replication, in.hot_set, in.dau);
}

Test(level2, read_qps_is_a_days_reads_over_86400_seconds)
{
    /* By hand: 10,000,000 x 10 = 100,000,000 reads a day; / 86,400 = 1,157.407. */
    est_result r = classic();
    expect_figure(&r, EST_READ_QPS, 1157.407407, "10M users x 10 reads / 86,400 s");
}

Test(level2, write_qps_is_a_days_writes_over_86400_seconds)
{
    /* By hand: 10,000,000 x 1 / 86,400 = 115.7407. */
    est_result r = classic();
    expect_figure(&r, EST_WRITE_QPS, 115.7407407, "10M users x 1 write / 86,400 s");
}

Test(level2, peak_is_the_average_times_the_peak_factor)
{
    /* By hand: 1,157.407 x 3 = 3,472.222; 115.7407 x 3 = 347.2222. */
    est_result r = classic();
    expect_figure(&r, EST_PEAK_READ_QPS, 3472.222222, "1,157.4 reads/s x 3");
    expect_figure(&r, EST_PEAK_WRITE_QPS, 347.2222222, "115.74 writes/s x 3");
}

Test(level2, bandwidth_is_qps_times_the_payload)
{
    /* By hand: out 1,157.407 x 1,000 B = 1,157,407 B/s; in 115,740.7 B/s; peak out
     * 3,472,222 B/s; peak in 347,222.2 B/s. */
    est_result r = classic();
    expect_figure(&r, EST_BANDWIDTH_OUT, 1157407.407, "reads/s x 1 KB");
    expect_figure(&r, EST_BANDWIDTH_IN, 115740.7407, "writes/s x 1 KB");
    expect_figure(&r, EST_PEAK_BANDWIDTH_OUT, 3472222.222, "peak reads/s x 1 KB");
    expect_figure(&r, EST_PEAK_BANDWIDTH_IN, 347222.2222, "peak writes/s x 1 KB");
}

Test(level2, storage_per_day_is_a_days_writes_times_the_payload)
{
    /* By hand: 10,000,000 writes x 1,000 B = 10,000,000,000 B = 10 GB. */
    est_result r = classic();
    expect_figure(&r, EST_STORAGE_PER_DAY, 1e10, "10M writes a day x 1 KB, one copy");
}

Test(level2, storage_per_year_is_365_days)
{
    /* By hand: 10 GB x 365 = 3,650 GB = 3.65 TB. */
    est_result r = classic();
    expect_figure(&r, EST_STORAGE_PER_YEAR, 3.65e12, "10 GB a day x 365, one copy");
}

Test(level2, replicated_storage_counts_every_copy)
{
    /* By hand: 10 GB a day x 3 copies = 30 GB; 3.65 TB a year x 3 = 10.95 TB. */
    est_result r = classic();
    expect_figure(&r, EST_STORAGE_PER_DAY_ALL, 3e10, "10 GB a day x 3 copies");
    expect_figure(&r, EST_STORAGE_PER_YEAR_ALL, 1.095e13, "3.65 TB a year x 3 copies");
}

Test(level2, storage_kept_counts_every_year_and_every_copy)
{
    /* By hand: 3.65 TB x 1 year x 3 copies = 10.95 TB. */
    est_result r = classic();
    expect_figure(&r, EST_STORAGE_TOTAL, 1.095e13, "3.65 TB a year x 1 year x 3 copies");

    est_inputs in = inputs_with_dau(10e6);
    in.years = 5;
    in.replication = 1.5;
    r = compute(&in, NUM_DECIMAL);
    /* By hand: 3.65 TB x 5 x 1.5 = 27.375 TB. */
    expect_figure(&r, EST_STORAGE_TOTAL, 2.7375e13, "3.65 TB a year x 5 years x 1.5 copies");
}

Test(level2, cache_memory_is_the_hot_share_of_a_days_reads)
{
    /* By hand: 0.2 x 10,000,000 x 10 reads x 1,000 B = 20,000,000,000 B = 20 GB. */
    est_result r = classic();
    expect_figure(&r, EST_CACHE_MEMORY, 2e10, "20% of 100M reads a day x 1 KB");
}

Test(level2, database_reads_are_the_reads_the_cache_misses)
{
    /* By hand: 1,157.407 x (1 - 0.8) = 231.4815; at the peak 3,472.222 x 0.2 = 694.4444. */
    est_result r = classic();
    expect_figure(&r, EST_DB_READ_QPS, 231.4814815, "20% of 1,157.4 reads/s miss the cache");
    expect_figure(&r, EST_PEAK_DB_READ_QPS, 694.4444444, "20% of the peak's 3,472 reads/s");
}

Test(level2, every_write_reaches_the_database)
{
    est_result r = classic();
    expect_figure(&r, EST_DB_WRITE_QPS, 115.7407407, "a cache absorbs no writes");
    expect_figure(&r, EST_PEAK_DB_WRITE_QPS, 347.2222222, "nor at the peak");
}

Test(level2, one_server_runs_a_thousand_ms_worth_of_queries_a_second)
{
    /* By hand: 1 query at a time, 5 ms each: 1,000 / 5 = 200 queries a second. */
    est_result r = classic();
    expect_figure(&r, EST_SERVER_CAPACITY, 200, "one 5 ms query at a time");

    est_inputs in = inputs_with_dau(1000);
    in.db_concurrency = 4;
    in.query_ms = 2;
    r = compute(&in, NUM_DECIMAL);
    /* By hand: 4 x 1,000 / 2 = 2,000. */
    expect_figure(&r, EST_SERVER_CAPACITY, 2000, "4 queries at once, 2 ms each");
}

Test(level2, servers_round_up_to_whole_machines)
{
    /* By hand: 231.48 / 200 = 1.157 -> 2 servers; peak 694.44 / 200 = 3.47 -> 4. */
    est_result r = classic();
    expect_figure(&r, EST_DB_SERVERS, 2, "1.16 servers' worth of reads needs 2 servers");
    expect_figure(&r, EST_PEAK_DB_SERVERS, 4, "3.47 servers' worth at the peak needs 4");
}

Test(level2, exactly_full_servers_are_not_rounded_up)
{
    /* By hand: 17,280,000 users x 1 read / 86,400 = 200 reads/s exactly; no cache;
     * 200 / 200 per server = 1.0 server, so 1, not 2. */
    est_inputs in = inputs_with_dau(17.28e6);
    in.reads_per_user = 1;
    in.cache_hit = 0;
    in.peak = 1;
    est_result r = compute(&in, NUM_DECIMAL);
    expect_figure(&r, EST_DB_READ_QPS, 200, "17.28M reads a day is 200 a second");
    expect_figure(&r, EST_DB_SERVERS, 1, "200 reads/s fill one 200 QPS server exactly");
}

Test(level2, there_is_always_at_least_one_database_server)
{
    est_inputs in = inputs_with_dau(10e6);
    in.cache_hit = 1;
    est_result r = compute(&in, NUM_DECIMAL);
    expect_figure(&r, EST_DB_READ_QPS, 0, "every read hits the cache");
    expect_figure(&r, EST_DB_SERVERS, 1, "the data still lives in one database");
}

Test(level2, a_given_server_capacity_replaces_the_query_time)
{
    /* Worked by hand: 100M DAU x 50 reads = 5e9 reads a day; / 86,400 = 57,870.37
     * reads/s; 5% miss the cache: 2,893.519/s; at 5,000 QPS per server that is
     * 0.579 -> 1 server; the peak (x3) 8,680.56 / 5,000 = 1.74 -> 2. */
    est_inputs in = inputs_with_dau(100e6);
    in.reads_per_user = 50;
    in.cache_hit = 0.95;
    in.server_qps = 5000;
    est_result r = compute(&in, NUM_DECIMAL);
    expect_figure(&r, EST_READ_QPS, 57870.37037, "100M x 50 / 86,400");
    expect_figure(&r, EST_DB_READ_QPS, 2893.518519, "5% of 57,870 reads/s");
    expect_figure(&r, EST_SERVER_CAPACITY, 5000, "--db-qps 5000 wins over --query-ms");
    expect_figure(&r, EST_DB_SERVERS, 1, "2,894 reads/s at 5,000 per server");
    expect_figure(&r, EST_PEAK_DB_SERVERS, 2, "8,681 reads/s at 5,000 per server");
}

Test(level2, worked_example_50m_users_in_binary_units)
{
    /* Derived by hand: 50M DAU, 20 reads, 2 writes, 2 KiB (2,048 B), peak 2,
     * 90% hits, hot set 10%, 10 ms queries, 2 years, 3 copies.
     *   reads/day  = 1e9  -> 1e9 / 86,400 = 11,574.07 /s; peak 23,148.15
     *   writes/day = 1e8  -> 1,157.407 /s
     *   out        = 11,574.07 x 2,048 = 23,703,704 B/s
     *   day        = 1e8 x 2,048 = 2.048e11 B (190.7 GiB)
     *   year       = 2.048e11 x 365 = 7.4752e13 B (67.99 TiB)
     *   kept       = 7.4752e13 x 2 x 3 = 4.48512e14 B (407.9 TiB)
     *   cache      = 0.1 x 1e9 x 2,048 = 2.048e11 B
     *   db reads   = 11,574.07 x 0.1 = 1,157.407 /s; server 1,000/10 = 100 /s
     *   servers    = 11.57 -> 12; peak 23.15 -> 24 */
    est_inputs in = inputs_with_dau(50e6);
    in.reads_per_user = 20, in.writes_per_user = 2, in.payload = 2048, in.peak = 2;
    in.cache_hit = 0.9, in.hot_set = 0.1, in.query_ms = 10, in.years = 2;
    est_result r = compute(&in, NUM_BINARY);
    expect_figure(&r, EST_READ_QPS, 11574.07407, "50M x 20 / 86,400");
    expect_figure(&r, EST_WRITE_QPS, 1157.407407, "50M x 2 / 86,400");
    expect_figure(&r, EST_PEAK_READ_QPS, 23148.14815, "11,574 x 2");
    expect_figure(&r, EST_BANDWIDTH_OUT, 23703703.70, "11,574 reads/s x 2 KiB");
    expect_figure(&r, EST_STORAGE_PER_DAY, 2.048e11, "100M writes x 2 KiB");
    expect_figure(&r, EST_STORAGE_PER_YEAR, 7.4752e13, "a day's 2.048e11 B x 365");
    expect_figure(&r, EST_STORAGE_TOTAL, 4.48512e14, "a year's 7.4752e13 B x 2 years x 3");
    expect_figure(&r, EST_CACHE_MEMORY, 2.048e11, "10% of 1e9 reads x 2 KiB");
    expect_figure(&r, EST_DB_READ_QPS, 1157.407407, "10% of 11,574 reads/s");
    expect_figure(&r, EST_DB_SERVERS, 12, "1,157 reads/s at 100 per server");
    expect_figure(&r, EST_PEAK_DB_SERVERS, 24, "2,315 reads/s at 100 per server");
    expect_spoken(&r, EST_STORAGE_PER_DAY, NUM_BINARY, "about 191 GiB", "190.7 GiB");
    expect_spoken(&r, EST_STORAGE_TOTAL, NUM_BINARY, "about 408 TiB", "407.9 TiB");
    expect_spoken(&r, EST_BANDWIDTH_OUT, NUM_BINARY, "about 22.6 MiB/s (190 Mbit/s)",
                  "23,703,704 B/s is 22.6 MiB/s and 189.6 Mbit/s");
}

Test(level2, worked_example_a_tiny_service_says_small_numbers)
{
    /* Derived by hand: 1,000 DAU x 5 reads = 5,000 a day -> 0.05787 /s;
     * 0.5 writes x 300 B -> 150 kB a day; nobody needs more than 1 server. */
    est_inputs in = inputs_with_dau(1000);
    in.reads_per_user = 5, in.writes_per_user = 0.5, in.payload = 300;
    est_result r = compute(&in, NUM_DECIMAL);
    expect_figure(&r, EST_READ_QPS, 0.05787037037, "5,000 reads a day / 86,400");
    expect_figure(&r, EST_STORAGE_PER_DAY, 150000, "500 writes x 300 B");
    expect_spoken(&r, EST_READ_QPS, NUM_DECIMAL, "about 0.0579 QPS", "5,000 reads a day");
    expect_spoken(&r, EST_STORAGE_PER_DAY, NUM_DECIMAL, "about 150 KB", "150,000 bytes");
    expect_figure(&r, EST_DB_SERVERS, 1, "a tiny load still has its database");
}

Test(level2, the_classic_example_is_said_as_published)
{
    /* The classic write-up: about 1,160 read QPS, 116 write QPS, 3,500 at the
     * peak, 1.1 MB/s, 10 GB a day, 3.65 TB a year, 232 database QPS, 2
     * replicas. The tool computes exactly and says 3 figures: the peak is
     * 3,470 (3,500 with 2 figures, see level 1), the bandwidth 1.16 MB/s
     * (1.10 MiB/s), and the database 231 (the write-up's 232 is 20% of the
     * already rounded 1,160). */
    est_result r = classic();
    expect_spoken(&r, EST_READ_QPS, NUM_DECIMAL, "about 1,160 QPS", "published: 1,160");
    expect_spoken(&r, EST_WRITE_QPS, NUM_DECIMAL, "about 116 QPS", "published: 116");
    expect_spoken(&r, EST_PEAK_READ_QPS, NUM_DECIMAL, "about 3,470 QPS", "published: 3,500");
    expect_spoken(&r, EST_BANDWIDTH_OUT, NUM_DECIMAL, "about 1.16 MB/s (9.26 Mbit/s)",
                  "published: 1.1 MB/s");
    expect_spoken(&r, EST_BANDWIDTH_OUT, NUM_BINARY, "about 1.1 MiB/s (9.26 Mbit/s)",
                  "1,157,407 B/s is 1.10 MiB/s");
    expect_spoken(&r, EST_STORAGE_PER_DAY, NUM_DECIMAL, "about 10 GB", "published: 10 GB");
    expect_spoken(&r, EST_STORAGE_PER_YEAR, NUM_DECIMAL, "about 3.65 TB", "published: 3.65 TB");
    expect_spoken(&r, EST_DB_READ_QPS, NUM_DECIMAL, "about 231 QPS", "published: 232");
    expect_spoken(&r, EST_DB_SERVERS, NUM_DECIMAL, "2 servers", "published: 2 replicas");
}

Test(level2, every_load_figure_doubles_with_the_users)
{
    /* Whatever the formulas, twice the people make twice the traffic, bytes and cache. */
    est_inputs in = inputs_with_dau(10e6);
    est_result one = compute(&in, NUM_DECIMAL);
    in.dau = 20e6;
    est_result two = compute(&in, NUM_DECIMAL);
    for (int id = 0; id < EST_FIGURE_COUNT; id++) {
        if (id == EST_SERVER_CAPACITY || id == EST_DB_SERVERS || id == EST_PEAK_DB_SERVERS)
            continue; /* a server's capacity does not depend on users; counts round */
        cr_expect(close_to(two.figures[id].value, 2 * one.figures[id].value),
                  "%s was %.10g for 10M users and %.10g for 20M, expected exactly twice as much",
                  one.figures[id].label, one.figures[id].value, two.figures[id].value);
    }
}

Test(level2, replication_changes_only_the_every_copy_storage)
{
    est_inputs in = inputs_with_dau(10e6);
    in.replication = 1;
    est_result one = compute(&in, NUM_DECIMAL);
    in.replication = 3;
    est_result three = compute(&in, NUM_DECIMAL);
    for (int id = 0; id < EST_FIGURE_COUNT; id++) {
        bool copies = id == EST_STORAGE_TOTAL || id == EST_STORAGE_PER_DAY_ALL ||
                      id == EST_STORAGE_PER_YEAR_ALL;
        double want = copies ? 3 * one.figures[id].value : one.figures[id].value;
        cr_expect(close_to(three.figures[id].value, want),
                  "%s was %.10g with 1 copy and %.10g with 3, expected %.10g: copies multiply "
                  "the bytes stored with every copy, not the one-copy figures or the traffic",
                  one.figures[id].label, one.figures[id].value, three.figures[id].value, want);
    }
}

Test(level2, units_change_the_working_not_the_values)
{
    est_inputs in = inputs_with_dau(10e6);
    in.payload = 1e6; /* 1 MB: shown as 976.563 KiB in binary units */
    est_result dec = compute(&in, NUM_DECIMAL), bin = compute(&in, NUM_BINARY);
    for (int id = 0; id < EST_FIGURE_COUNT; id++)
        cr_expect(dec.figures[id].value == bin.figures[id].value,
                  "%s was %.10g in decimal units and %.10g in binary: units only change how "
                  "sizes are shown",
                  dec.figures[id].label, dec.figures[id].value, bin.figures[id].value);
    cr_expect(strstr(bin.figures[EST_STORAGE_PER_DAY].working, "KiB") != NULL,
              "in binary units the working %s shows no KiB",
              wb_q(bin.figures[EST_STORAGE_PER_DAY].working));
}

Test(level2, working_shows_the_numbers_put_in)
{
    est_result r = classic();
    static const struct {
        est_figure_id id;
        const char *want;
    } cases[] = {
        { EST_READ_QPS, "10,000,000 × 10 / 86,400" },
        { EST_PEAK_READ_QPS, "1,157.41 × 3" },
        { EST_BANDWIDTH_OUT, "1,157.41/s × 1 KB" },
        { EST_STORAGE_PER_DAY, "10,000,000 × 1 × 1 KB" },
        { EST_STORAGE_PER_YEAR, "10 GB × 365" },
        { EST_STORAGE_TOTAL, "3.65 TB × 1 year × 3 copies" },
        { EST_CACHE_MEMORY, "0.2 × 10,000,000 × 10 × 1 KB" },
        { EST_DB_READ_QPS, "1,157.41 × (1 - 0.8)" },
        { EST_SERVER_CAPACITY, "1 × 1,000 / 5 ms" },
        { EST_DB_SERVERS, "231.481 / 200 = 1.15741, rounded up" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const est_figure *f = &r.figures[cases[i].id];
        cr_expect(strcmp(f->working, cases[i].want) == 0,
                  "the working of %s is %s, expected %s: every step shows the numbers put in",
                  f->label, wb_q(f->working), wb_q(cases[i].want));
    }
}

Test(level2, every_figure_has_a_key_a_label_and_a_formula)
{
    est_result r = classic();
    for (int id = 0; id < EST_FIGURE_COUNT; id++) {
        const est_figure *f = &r.figures[id];
        cr_expect(f->key != NULL && f->label != NULL && f->formula != NULL && f->formula[0],
                  "figure %d has key %s, label %s, formula %s; each needs all three", id,
                  wb_q(f->key), wb_q(f->label), wb_q(f->formula));
    }
}

Test(level2, out_of_range_inputs_are_refused_and_the_result_left_alone)
{
    static const struct {
        est_field field;
        double value;
    } bad[] = {
        { EST_DAU, 0 },
        { EST_DAU, -1 },
        { EST_READS_PER_USER, -1 },
        { EST_PAYLOAD, 0 },
        { EST_PEAK, 0.5 },
        { EST_CACHE_HIT, 1.2 },
        { EST_CACHE_HIT, -0.1 },
        { EST_HOT_SET, 1.5 },
        { EST_QUERY_MS, 0 },
        { EST_DB_CONCURRENCY, 0.5 },
        { EST_SERVER_QPS, -1 },
        { EST_YEARS, 0 },
        { EST_REPLICATION, 0.9 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        est_inputs in = inputs_with_dau(10e6);
        *est_field_of(&in, bad[i].field) = bad[i].value;
        est_result r;
        memset(&r, 0x5a, sizeof r);
        est_status s = est_compute(&in, NUM_DECIMAL, &r);
        cr_expect(s == EST_INVALID, "est_compute with %s = %g returned %d, expected EST_INVALID",
                  est_field_key(bad[i].field), bad[i].value, (int)s);
        const unsigned char *bytes = (const unsigned char *)&r;
        size_t changed = 0;
        for (size_t b = 0; b < sizeof r; b++)
            changed += bytes[b] != 0x5a;
        cr_expect(changed == 0,
                  "est_compute refused %s = %g but changed %zu bytes of the "
                  "result; a refused call must leave it as it was",
                  est_field_key(bad[i].field), bad[i].value, changed);
    }
}

Test(level2, range_edges_are_allowed)
{
    static const struct {
        est_field field;
        double value;
    } good[] = {
        { EST_CACHE_HIT, 0 },       { EST_CACHE_HIT, 1 },
        { EST_HOT_SET, 1 },         { EST_PEAK, 1 },
        { EST_REPLICATION, 1 },     { EST_READS_PER_USER, 0 },
        { EST_WRITES_PER_USER, 0 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *why = est_check_field(good[i].field, good[i].value);
        cr_expect(why == NULL, "est_check_field(%s, %g) refused it (%s); the edge is allowed",
                  est_field_key(good[i].field), good[i].value, why ? why : "");
    }
}
