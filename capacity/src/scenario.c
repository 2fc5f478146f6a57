/*
 * scenario.c: the classic designs the calculator knows (see scenario.h).
 *
 * The numbers are the assumptions an interviewer would accept, stated as
 * flags; every figure still comes from the formulas. Read each as "suppose":
 * changing one flag on the command line overrides it.
 */
#include "scenario.h"

#include <string.h>

static const char *const classic[] = {
    "--dau",  "10M", "--reads-per-user", "10",  "--writes-per-user", "1", "--payload", "1KB",
    "--peak", "3",   "--cache-hit",      "0.8", "--query-ms",        "5", NULL,
};

static const char *const url_shortener[] = {
    "--dau",
    "10M",
    "--reads-per-user",
    "1",
    "--writes-per-user",
    "0.1",
    "--payload",
    "1KB",
    "--peak",
    "3",
    "--cache-hit",
    "0.9",
    "--hot-set",
    "0.2",
    "--query-ms",
    "5",
    "--years",
    "5",
    "--replication",
    "3",
    NULL,
};

static const char *const pastebin[] = {
    "--dau",
    "2M",
    "--reads-per-user",
    "2.5",
    "--writes-per-user",
    "0.5",
    "--payload",
    "10KB",
    "--peak",
    "4",
    "--cache-hit",
    "0.7",
    "--hot-set",
    "0.2",
    "--query-ms",
    "10",
    "--years",
    "10",
    "--replication",
    "3",
    NULL,
};

static const char *const news_feed[] = {
    "--dau",
    "200M",
    "--reads-per-user",
    "20",
    "--writes-per-user",
    "0.5",
    "--payload",
    "2KB",
    "--peak",
    "3",
    "--cache-hit",
    "0.9",
    "--hot-set",
    "0.1",
    "--query-ms",
    "2",
    "--db-concurrency",
    "8",
    "--years",
    "5",
    "--replication",
    "3",
    NULL,
};

static const char *const chat[] = {
    "--dau",
    "500M",
    "--reads-per-user",
    "40",
    "--writes-per-user",
    "40",
    "--payload",
    "100B",
    "--peak",
    "2",
    "--cache-hit",
    "0.5",
    "--hot-set",
    "0.05",
    "--query-ms",
    "2",
    "--db-concurrency",
    "100",
    "--years",
    "1",
    "--replication",
    "3",
    NULL,
};

static const char *const photo_sharing[] = {
    "--dau",
    "500M",
    "--reads-per-user",
    "30",
    "--writes-per-user",
    "0.2",
    "--payload",
    "200KB",
    "--peak",
    "2",
    "--cache-hit",
    "0.9",
    "--hot-set",
    "0.05",
    "--db-qps",
    "5000",
    "--years",
    "10",
    "--replication",
    "1.5",
    NULL,
};

static const scn_scenario scenarios[] = {
    { "classic", "the textbook example: 10M users, 10 reads and 1 write each a day",
      "1,160 reads a second sounds like a lot: the cache takes 80% of it and two database "
      "servers the rest (four at the peak). The writes are the surprise: at 5 ms each, one at a "
      "time, the peak's 347 a second are more than one primary can take.",
      classic },
    { "url-shortener", "a link shortener: few new links, ten redirects for each",
      "Storage is small (a few TB over five years); the redirects are the load, and a cache of "
      "the popular links absorbs 90% of them.",
      url_shortener },
    { "pastebin", "a paste site: 10 KB texts, kept for ten years",
      "Payloads ten times larger than a link make storage the figure to watch: tens of TB over "
      "the retention period, before replication.",
      pastebin },
    { "news-feed", "a social timeline: 200M users reading their feed 20 times a day",
      "Tens of thousands of reads a second: even with 90% served from the cache, the database "
      "needs a few servers, twice as many at the peak, and 73 TB of posts arrive every year.",
      news_feed },
    { "chat", "a messenger: 500M users sending and receiving 40 short messages a day",
      "As many writes as reads: a cache cannot absorb writes, so the write path (hundreds of "
      "thousands a second) decides the design, and 2 TB of messages arrive every day.",
      chat },
    { "photo-sharing", "a photo app: 500M users viewing 30 photos and posting one every 5 days",
      "Bandwidth out is the giant (tens of GB/s, more at the peak): a CDN serves the photos, and "
      "erasure coding (1.5 copies instead of 3) halves the storage bill.",
      photo_sharing },
};

size_t scn_count(void)
{
    return sizeof scenarios / sizeof scenarios[0];
}

const scn_scenario *scn_at(size_t i)
{
    return i < scn_count() ? &scenarios[i] : NULL;
}

const scn_scenario *scn_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < scn_count(); i++) {
        if (strcmp(scenarios[i].name, name) == 0)
            return &scenarios[i];
    }
    return NULL;
}
