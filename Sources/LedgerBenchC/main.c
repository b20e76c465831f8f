// ledger-bench-c: the benchmark workloads through SQLite's C API directly (prepared
// statements, no wrapper), on a ledger made by runledger's own migrations. The baseline that
// runledger-bench (the same workloads through the Swift library) is measured against.
//
// usage: ledger-bench-c WORKLOAD --db PATH [options]; prints one JSON object:
//   {"workload": "...", "side": "c", "seconds": S, "operations": N, "peak_rss_kb": K, ...}
//
//   w1 --runs N --batch B          start N runs and move each through 4 transitions,
//                                  B operations per transaction (synchronous=NORMAL)
//   w2 --operations N --sync full|normal   N transitions, each its own transaction
//   w3 --lookups N                 the full history of N random runs (by id)
//   w4                             the stats of `runledger stats` over the whole ledger
//   contend --operations N --seed S   compare-and-set transitions on shared runs (W5)
//   fill --runs N                  make a ledger of N runs (5 history rows each), fast

#include <malloc.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlite3 *db;

static void die(const char *what) {
    fprintf(stderr, "ledger-bench-c: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(70);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t now_micros(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

static sqlite3_stmt *prepare(const char *sql) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) die(sql);
    return s;
}

static void exec(const char *sql) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(sql);
}

static void step_done(sqlite3_stmt *s) {
    if (sqlite3_step(s) != SQLITE_DONE) die(sqlite3_sql(s));
    sqlite3_reset(s);
}

static void open_ledger(const char *path, const char *sync) {
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) die("open");
    sqlite3_busy_timeout(db, 30000);
    exec("PRAGMA journal_mode = WAL");
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous = %s", sync);
    exec(pragma);
    exec(getenv("BENCH_NO_FK") ? "PRAGMA foreign_keys = OFF" : "PRAGMA foreign_keys = ON");
}

static uint64_t rng_state = 1;
static uint64_t next_random(void) {
    rng_state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The statements the library runs for start and transition.
static sqlite3_stmt *insert_run, *head, *insert_change;

static void prepare_writes(void) {
    insert_run = prepare(
        "INSERT INTO runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt, parent_id, meta,"
        " max_retries, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, NULL, NULL)");
    head = prepare("SELECT num, lifecycle, state, updated_at FROM runs WHERE id = ?");
    insert_change = prepare(
        "INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)"
        " VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL)");
}

static void start_run(const char *id, const char *job, const char *state, int64_t at) {
    sqlite3_bind_text(insert_run, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_run, 2, job, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_run, 3, "canonical", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_run, 4, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert_run, 5, at);
    sqlite3_bind_null(insert_run, 6);
    sqlite3_bind_null(insert_run, 7);
    step_done(insert_run);
}

// Looks the run up by id (as a client with only the id must), then appends the change.
// Returns 0 on success, 1 if `expected` is given and the run is elsewhere.
static int transition(const char *id, const char *to, const char *expected, int64_t at) {
    sqlite3_bind_text(head, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(head) != SQLITE_ROW) die("no such run");
    int64_t num = sqlite3_column_int64(head, 0);
    char from[64];
    snprintf(from, sizeof from, "%s", (const char *)sqlite3_column_text(head, 2));
    int64_t updated = sqlite3_column_int64(head, 3);
    sqlite3_reset(head);
    if (expected && strcmp(expected, from) != 0) return 1;
    sqlite3_bind_int64(insert_change, 1, num);
    sqlite3_bind_text(insert_change, 2, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_change, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert_change, 4, at > updated ? at : updated);
    step_done(insert_change);
    return 0;
}

static const char *path_of_run[] = {"RUNNING", "PENDING", "RUNNING", "COMPLETED"};

static void w1(int runs, int batch, const char *job_prefix) {
    prepare_writes();
    int ops = 0;
    char id[64], job[64];
    exec("BEGIN IMMEDIATE");
    for (int r = 0; r < runs; r++) {
        snprintf(id, sizeof id, "%s-%08d", job_prefix, r);
        snprintf(job, sizeof job, "job-%d", r % 100);
        int64_t at = now_micros();
        start_run(id, job, "PENDING", at);
        if (++ops % batch == 0) { exec("COMMIT"); exec("BEGIN IMMEDIATE"); }
        for (int t = 0; t < 4; t++) {
            transition(id, path_of_run[t], NULL, now_micros());
            if (++ops % batch == 0) { exec("COMMIT"); exec("BEGIN IMMEDIATE"); }
        }
    }
    exec("COMMIT");
}

static void w2(int operations) {
    prepare_writes();
    // The template has runs w2-0 .. w2-999 in PENDING; each transition flips one.
    char id[64];
    for (int i = 0; i < operations; i++) {
        snprintf(id, sizeof id, "w2-%d", i % 1000);
        const char *to = (i / 1000) % 2 == 0 ? "RUNNING" : "PENDING";
        exec("BEGIN IMMEDIATE");
        transition(id, to, NULL, now_micros());
        exec("COMMIT");
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double w3(int lookups, int runs) {
    sqlite3_stmt *history = prepare(
        "SELECT c.seq, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason, c.meta, c.outcome, c.request_key"
        " FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num WHERE r.id = ? AND c.seq > ? ORDER BY c.seq");
    double *times = malloc(sizeof(double) * lookups);
    char id[64];
    long rows = 0;
    for (int i = 0; i < lookups; i++) {
        snprintf(id, sizeof id, "fill-%08d", (int)(next_random() % (uint64_t)runs));
        double t0 = now_seconds();
        exec("BEGIN");
        sqlite3_bind_text(history, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(history, 2, 0);
        while (sqlite3_step(history) == SQLITE_ROW) {
            // Materialize each row as a client would.
            for (int c = 1; c < 10; c++) {
                const unsigned char *text = sqlite3_column_text(history, c);
                if (text) { char *copy = strdup((const char *)text); free(copy); }
            }
            rows++;
        }
        sqlite3_reset(history);
        exec("COMMIT");
        times[i] = now_seconds() - t0;
    }
    qsort(times, lookups, sizeof(double), cmp_double);
    double median = times[lookups / 2];
    free(times);
    if (rows == 0) die("no history rows read");
    return median;
}

// Histograms by text key: what w4 needs to do the same work as the library (percentiles
// per job, mean and p95 per job, lifecycle and state, from histogram buckets).
typedef struct { int64_t key, count, total, min, max; } Bucket;
typedef struct { char *key; Bucket *buckets; long count, cap; } Group;
typedef struct { Group *slots; long size, used; } Groups;

static uint64_t hash_text(const char *text) {
    uint64_t h = 1469598103934665603ULL;
    for (; *text; text++) h = (h ^ (unsigned char)*text) * 1099511628211ULL;
    return h;
}

static Group *group_for(Groups *groups, const char *key) {
    if (groups->used * 2 >= groups->size) {
        Groups bigger = {calloc(groups->size ? groups->size * 2 : 64, sizeof(Group)), groups->size ? groups->size * 2 : 64, 0};
        for (long i = 0; i < groups->size; i++) {
            if (!groups->slots[i].key) continue;
            long j = (long)(hash_text(groups->slots[i].key) % (uint64_t)bigger.size);
            while (bigger.slots[j].key) j = (j + 1) % bigger.size;
            bigger.slots[j] = groups->slots[i];
            bigger.used++;
        }
        free(groups->slots);
        *groups = bigger;
    }
    long j = (long)(hash_text(key) % (uint64_t)groups->size);
    while (groups->slots[j].key && strcmp(groups->slots[j].key, key) != 0) j = (j + 1) % groups->size;
    if (!groups->slots[j].key) { groups->slots[j].key = strdup(key); groups->used++; }
    return &groups->slots[j];
}

// Adds the histogram row of `statement` whose bucket key is column `column`.
static void add_bucket(Group *group, sqlite3_stmt *statement, int column) {
    if (group->count == group->cap) {
        group->cap = group->cap ? group->cap * 2 : 16;
        group->buckets = realloc(group->buckets, sizeof(Bucket) * group->cap);
    }
    Bucket *b = &group->buckets[group->count++];
    b->key = sqlite3_column_int64(statement, column);
    b->count = sqlite3_column_int64(statement, column + 1);
    b->total = sqlite3_column_int64(statement, column + 2);
    b->min = sqlite3_column_int64(statement, column + 3);
    b->max = sqlite3_column_int64(statement, column + 4);
}

static int cmp_bucket(const void *a, const void *b) {
    int64_t x = ((const Bucket *)a)->key, y = ((const Bucket *)b)->key;
    return x < y ? -1 : x > y;
}

// The value of rank `rank` (from 1) of sorted buckets, interpolated in its bucket as the
// library does (without the clamp to the bucket's range, which costs the same).
static double rank_value(const Bucket *buckets, long n, int64_t rank) {
    int64_t before = 0;
    for (long i = 0; i < n; i++) {
        if (before + buckets[i].count >= rank) {
            const Bucket *b = &buckets[i];
            if (b->count <= 1) return (double)b->min;
            return (double)b->min + (double)(b->max - b->min) * (double)(rank - before - 1) / (double)(b->count - 1);
        }
        before += buckets[i].count;
    }
    return (double)buckets[n - 1].max;
}

/// Sorts each group's buckets and takes its mean, p50, p95 and max; returns a checksum.
static double summarize(Groups *groups) {
    double check = 0;
    for (long i = 0; i < groups->size; i++) {
        Group *g = &groups->slots[i];
        if (!g->key) continue;
        qsort(g->buckets, g->count, sizeof(Bucket), cmp_bucket);
        int64_t n = 0, total = 0, max = 0;
        for (long k = 0; k < g->count; k++) {
            n += g->buckets[k].count;
            total += g->buckets[k].total;
            if (g->buckets[k].max > max) max = g->buckets[k].max;
        }
        if (n > 0)
            check += (double)total / n + rank_value(g->buckets, g->count, (n * 50 + 99) / 100)
                + rank_value(g->buckets, g->count, (n * 95 + 99) / 100) + (double)max;
        free(g->buckets);
        free(g->key);
    }
    free(groups->slots);
    return check;
}

// Reads every row of a query, copying its second column's text as a client would.
static void read_texts(const char *sql) {
    sqlite3_stmt *rows = prepare(sql);
    while (sqlite3_step(rows) == SQLITE_ROW) free(strdup((const char *)sqlite3_column_text(rows, 1)));
    sqlite3_finalize(rows);
}

// Whether the row's first n text columns equal `previous` (never on the first row); if not,
// copies them there. Rows of one key come together (the tables' order), so a key's texts
// are read once per run of rows, as the library does.
static int same_key(sqlite3_stmt *row, int n, char previous[][200], int first) {
    int same = !first;
    for (int c = 0; c < n && same; c++) same = strcmp((const char *)sqlite3_column_text(row, c), previous[c]) == 0;
    if (!same)
        for (int c = 0; c < n; c++) snprintf(previous[c], 200, "%s", (const char *)sqlite3_column_text(row, c));
    return same;
}

static void w4(void) {
    // The queries of `runledger stats` (grouped by job), and the same arithmetic.
    long groups = 0;
    read_texts("SELECT lifecycle, state, canonical_type, is_terminal FROM lifecycle_states");
    read_texts("SELECT lifecycle, outcome, canonical_type FROM lifecycle_outcomes");
    sqlite3_stmt *active = prepare(
        "SELECT r.job, r.lifecycle, r.state, count(*) FROM runs AS r WHERE 1 AND r.ended_at IS NULL GROUP BY 1, 2, 3");
    while (sqlite3_step(active) == SQLITE_ROW) groups++;
    sqlite3_finalize(active);

    // Runs are counted per job, lifecycle, state and outcome (for the counts per state and
    // canonical type), durations per job.
    Groups durations = {0};
    sqlite3_stmt *ended = prepare(
        "SELECT r.job, r.lifecycle, r.state, r.outcome, r.bucket, r.runs, r.total_us, r.min_us, r.max_us"
        " FROM stats_run_durations AS r WHERE 1");
    char key[512] = "", previous[4][200] = {"", "", "", ""};
    Group *group = NULL;
    int64_t runs_of_key = 0;
    double counted = 0;
    while (sqlite3_step(ended) == SQLITE_ROW) {
        int job_changed = group == NULL || strcmp((const char *)sqlite3_column_text(ended, 0), previous[0]) != 0;
        if (!same_key(ended, 4, previous, group == NULL)) {
            if (job_changed) group = group_for(&durations, previous[0]);
            counted += (double)runs_of_key;
            runs_of_key = 0;
            groups++;
        }
        runs_of_key += sqlite3_column_int64(ended, 5);
        add_bucket(group, ended, 4);
    }
    counted += (double)runs_of_key;
    if (counted < 0) die("stats");
    sqlite3_finalize(ended);
    double check = summarize(&durations);

    Groups stays = {0};
    sqlite3_stmt *rows = prepare(
        "SELECT r.job, r.lifecycle, r.state, r.bucket, r.stays, r.total_us, r.min_us, r.max_us"
        " FROM stats_state_durations AS r WHERE 1");
    group = NULL;
    while (sqlite3_step(rows) == SQLITE_ROW) {
        if (!same_key(rows, 3, previous, group == NULL)) {
            snprintf(key, sizeof key, "%s|%s|%s", previous[0], previous[1], previous[2]);
            group = group_for(&stays, key);
        }
        add_bucket(group, rows, 3);
    }
    sqlite3_finalize(rows);
    check += summarize(&stays);
    if (groups == 0 || check < 0) die("stats");
}

static int contend(int operations, int runs) {
    prepare_writes();
    static const char *next[][2] = {{"PENDING", "RUNNING"}, {"RUNNING", "PENDING"}};
    char id[64];
    int errors = 0;
    for (int i = 0; i < operations; i++) {
        snprintf(id, sizeof id, "w5-%d", (int)(next_random() % (uint64_t)runs));
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) { errors++; continue; }
        sqlite3_bind_text(head, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(head) != SQLITE_ROW) die("no such run");
        const char *state = (const char *)sqlite3_column_text(head, 2);
        const char *to = strcmp(state, next[0][0]) == 0 ? next[0][1] : next[1][1];
        sqlite3_reset(head);
        transition(id, to, NULL, now_micros());
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) errors++;
    }
    return errors;
}

int main(int argc, char **argv) {
    // glibc returns freed heap to the system eagerly (thousands of brk calls, each followed
    // by page faults); the Swift runtime's process does not. Keep the heap, as it does.
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    if (argc < 2) { fprintf(stderr, "usage: ledger-bench-c w1|w2|w3|w4|contend|fill --db PATH [options]\n"); return 64; }
    const char *workload = argv[1], *path = NULL, *sync = "NORMAL";
    int runs = 100000, batch = 1000, operations = 5000, lookups = 10000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db")) path = argv[i + 1];
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--operations")) operations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lookups")) lookups = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--sync")) sync = !strcmp(argv[i + 1], "full") ? "FULL" : "NORMAL";
        else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[i + 1], NULL, 10);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 64; }
    }
    if (!path) { fprintf(stderr, "--db is required\n"); return 64; }
    open_ledger(path, sync);
    double t0 = now_seconds(), extra = 0;
    long ops = 0;
    int errors = 0;
    if (!strcmp(workload, "w1")) { w1(runs, batch, "w1"); ops = (long)runs * 5; }
    else if (!strcmp(workload, "fill")) { w1(runs, 10000, "fill"); ops = (long)runs * 5; }
    else if (!strcmp(workload, "w2")) { w2(operations); ops = operations; }
    else if (!strcmp(workload, "w3")) { extra = w3(lookups, runs); ops = lookups; }
    else if (!strcmp(workload, "w4")) { w4(); ops = 1; }
    else if (!strcmp(workload, "contend")) { errors = contend(operations, 16); ops = operations; }
    else { fprintf(stderr, "unknown workload %s\n", workload); return 64; }
    double seconds = now_seconds() - t0;
    printf("{\"workload\": \"%s\", \"side\": \"c\", \"seconds\": %.6f, \"operations\": %ld, \"median_seconds\": %.9f,"
           " \"errors\": %d, \"peak_rss_kb\": %ld}\n", workload, seconds, ops, extra, errors, peak_rss_kb());
    sqlite3_close(db);
    return 0;
}
