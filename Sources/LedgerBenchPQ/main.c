// ledger-bench-pq: the PostgreSQL benchmark workloads through libpq directly (no wrapper), on
// a ledger made by runledger's own PostgreSQL migrations. The baseline that
// runledger-bench-postgres (the same workloads through the Swift library) is measured against.
//
// Each statement is the one the library sends, on the same protocol: BEGIN, COMMIT and the
// savepoint as simple queries (PQexec), the run head and the insert prepared once per
// connection and run with text parameters (PQexecPrepared). Scripts/bench.sh checks, with the
// server's log_statement = all, that the library sends these and nothing more per transition.
//
// usage: ledger-bench-pq WORKLOAD --uri URI [options]; prints one JSON object:
//   {"workload": "...", "side": "c", "seconds": S, "operations": N, "peak_rss_kb": K, ...}
//
//   transitions --clients N --operations M --runs R [--prefix P]
//        N threads, each its own connection and its own R runs (P-<client>-<k>, made
//        beforehand in PENDING): M transitions in all, each its own transaction, committed
//        with synchronous_commit on; "seconds" is the wall time from the moment every
//        connection is open until the last commit
//   history --runs N --lookups L --seed S
//        the full history of L random runs fill-<8 digits> below N, each in its own read
//        transaction: "median_seconds" per lookup
//   fill --runs N [--chunk C] [--clients L]
//        N runs fill-00000000.. of job job-<i % 100>, each started and moved through 4
//        transitions (5 history rows), with INSERT ... SELECT through the rules, by L loaders
//        (connections) at once, each its own jobs, C ids a transaction (the rules take an
//        advisory lock per new run, held to the commit: the server's lock table caps C at a
//        few thousand); with --mode bulk, the same ledger made without the rules (fill_bulk).
//        --base T sets the first run's creation time (microseconds), for comparing the two

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *actor = "bench";

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// As the library's Timestamp.now: microseconds since the epoch.
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

static void die(PGconn *conn, const char *what) {
    fprintf(stderr, "ledger-bench-pq: %s: %s\n", what, conn ? PQerrorMessage(conn) : "");
    exit(70);
}

// Runs a statement without parameters; dies unless it succeeds.
static void exec(PGconn *conn, const char *sql) {
    PGresult *r = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) die(conn, sql);
    PQclear(r);
}

// Opens a connection set up as the library sets up its own (Ledger(postgres:) with
// durability .full: synchronous_commit on).
static PGconn *connect_ledger(const char *uri) {
    PGconn *conn = PQconnectdb(uri);
    if (!conn || PQstatus(conn) != CONNECTION_OK) die(conn, "connect");
    exec(conn,
         "SET lock_timeout = 30000; SET synchronous_commit = on; SET default_transaction_isolation = 'read committed'");
    return conn;
}

static void prepare(PGconn *conn, const char *name, const char *sql, int parameters) {
    PGresult *r = PQprepare(conn, name, sql, parameters, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(conn, sql);
    PQclear(r);
}

// The library's statements for a transition (Store.head, Store.insertChange).
// FOR NO KEY UPDATE: on a server the library locks the run as it reads its head (Store.head).
static const char *head_sql = "SELECT num, lifecycle, state, updated_at FROM runs WHERE id = $1 FOR NO KEY UPDATE";
static const char *insert_change_sql =
    "INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)\n"
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq";

// One transition of `id` to `to`, as Ledger.transition does it: its own transaction, the
// run's head read by id, the change inserted inside a savepoint (so that a refused write
// leaves the transaction usable), the key it got read back. Returns 0, or 1 if refused.
static int transition(PGconn *conn, const char *id, const char *to) {
    exec(conn, "BEGIN");
    const char *head_values[1] = {id};
    PGresult *head = PQexecPrepared(conn, "head", 1, head_values, NULL, NULL, 0);
    if (PQresultStatus(head) != PGRES_TUPLES_OK || PQntuples(head) != 1) die(conn, "head");
    char num[32], from[256], at[32];
    snprintf(num, sizeof num, "%s", PQgetvalue(head, 0, 0));
    snprintf(from, sizeof from, "%s", PQgetvalue(head, 0, 2));
    int64_t updated = strtoll(PQgetvalue(head, 0, 3), NULL, 10);
    PQclear(head);
    // Never backwards: the run's last change time if the clock is behind it.
    int64_t now = now_micros();
    snprintf(at, sizeof at, "%lld", (long long)(now > updated ? now : updated));
    exec(conn, "SAVEPOINT runledger_write");
    const char *values[10] = {num, from, to, at, NULL, actor, NULL, NULL, NULL, NULL};
    PGresult *insert = PQexecPrepared(conn, "insert_change", 10, values, NULL, NULL, 0);
    if (PQresultStatus(insert) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ledger-bench-pq: %s", PQerrorMessage(conn));
        PQclear(insert);
        exec(conn, "ROLLBACK TO SAVEPOINT runledger_write; RELEASE SAVEPOINT runledger_write");
        exec(conn, "ROLLBACK");
        return 1;
    }
    int64_t seq = strtoll(PQgetvalue(insert, 0, 0), NULL, 10);
    PQclear(insert);
    if (seq <= 0) die(conn, "no seq returned");
    exec(conn, "RELEASE SAVEPOINT runledger_write");
    exec(conn, "COMMIT");
    return 0;
}

typedef struct {
    const char *uri, *prefix;
    int index, operations, runs, errors;
    double *latencies;
    pthread_barrier_t *ready;
} Client;

static void *run_client(void *argument) {
    Client *client = argument;
    PGconn *conn = connect_ledger(client->uri);
    prepare(conn, "head", head_sql, 1);
    prepare(conn, "insert_change", insert_change_sql, 10);
    pthread_barrier_wait(client->ready);
    char id[96];
    for (int i = 0; i < client->operations; i++) {
        // Run k of this client, flipped PENDING -> RUNNING on the first pass over its runs,
        // back on the second... (the same sequence as the Swift side's).
        snprintf(id, sizeof id, "%s-%d-%d", client->prefix, client->index, i % client->runs);
        const char *to = (i / client->runs) % 2 == 0 ? "RUNNING" : "PENDING";
        double t0 = now_seconds();
        client->errors += transition(conn, id, to);
        client->latencies[i] = now_seconds() - t0;
    }
    PQfinish(conn);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint64_t rng_state = 1;
static uint64_t next_random(void) {
    rng_state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The library's history (Store.historyAfter, inside Ledger.read's transaction).
static double history(const char *uri, int lookups, int runs, long *rows) {
    PGconn *conn = connect_ledger(uri);
    prepare(conn, "history",
            "SELECT c.seq, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason, c.meta, c.outcome, "
            "c.request_key, r.id\n"
            "FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num\n"
            "WHERE r.id = $1 AND c.seq > $2 ORDER BY c.seq",
            2);
    double *times = malloc(sizeof(double) * lookups);
    char id[64];
    for (int i = 0; i < lookups; i++) {
        snprintf(id, sizeof id, "fill-%08d", (int)(next_random() % (uint64_t)runs));
        double t0 = now_seconds();
        exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        const char *values[2] = {id, "0"};
        PGresult *r = PQexecPrepared(conn, "history", 2, values, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) die(conn, "history");
        int n = PQntuples(r);
        if (n == 0) die(conn, "no history");
        // Materialize each row as a client would.
        for (int row = 0; row < n; row++) {
            for (int c = 0; c < 11; c++)
                if (!PQgetisnull(r, row, c)) free(strdup(PQgetvalue(r, row, c)));
        }
        *rows += n;
        PQclear(r);
        exec(conn, "COMMIT");
        times[i] = now_seconds() - t0;
    }
    qsort(times, lookups, sizeof(double), cmp_double);
    double median = times[lookups / 2];
    free(times);
    PQfinish(conn);
    return median;
}

// How far apart the steps of run i are: 1 to 3 ms, varying by run (i, or the run's id r.id).
#define STEP_US "(1000 + (hashint4(substr(r.id, 6)::int) & 2047))"

// Makes the runs fill-<first>.. fill-<first + count - 1> whose job (job-<i % 100>) is one of
// this loader's (i % 100 % loaders = loader), and moves each through the same path as the
// SQLite benchmark's fill (PENDING, RUNNING, PENDING, RUNNING, COMPLETED): one INSERT ...
// SELECT per step, in one transaction. The rules run for each row as for a client's single
// insert (they are row triggers). Steps are 1 to 3 ms apart, varying by run, so that the
// duration histograms fill as in use. Loaders own disjoint jobs, so they never wait for each
// other's job locks or stats rows.
static void fill_chunk(PGconn *conn, long first, long count, int64_t base, int loader, int loaders) {
    static const char *path[] = {"RUNNING", "PENDING", "RUNNING", "COMPLETED"};
    char sql[1024];
    exec(conn, "BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (id, job, lifecycle, state, created_at, created_by)"
             " SELECT 'fill-' || lpad(i::text, 8, '0'), 'job-' || (i %% 100), 'canonical', 'PENDING',"
             " %lld + i * 10, '%s' FROM generate_series(%ld, %ld) AS i WHERE i %% 100 %% %d = %d",
             (long long)base, actor, first, first + count - 1, loaders, loader);
    exec(conn, sql);
    for (int step = 0; step < 4; step++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO state_changes (run_num, from_state, to_state, at, actor)"
                 " SELECT r.num, r.state, '%s', r.updated_at + " STEP_US ", '%s'"
                 " FROM runs AS r WHERE r.id BETWEEN 'fill-%08ld' AND 'fill-%08ld'"
                 " AND substr(r.job, 5)::int %% %d = %d ORDER BY r.num",
                 path[step], actor, first, first + count - 1, loaders, loader);
        exec(conn, sql);
    }
    exec(conn, "COMMIT");
}

// The same ledger as fill_chunk's over every run, made without the rules: the triggers off
// (session_replication_role = replica), the runs inserted in their final state, their five
// history rows, then the stats tables computed from them as the rules keep them. Minutes
// faster on a million runs; Scripts/bench.sh checks on a small ledger that it gives what the
// rules give (the same runs, history and stats), and runs `runledger verify` on the result.
static void fill_bulk(PGconn *conn, long runs, int64_t base) {
    char sql[2048];
    exec(conn, "SET session_replication_role = replica");
    exec(conn, "BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (num, id, job, lifecycle, state, created_at, updated_at, ended_at, created_by)"
             " SELECT nextval('runs_num_seq'), r.id, 'job-' || (i %% 100), 'canonical', 'COMPLETED', %lld + i * 10,"
             " %lld + i * 10 + 4 * " STEP_US ", %lld + i * 10 + 4 * " STEP_US ", '%s'"
             " FROM generate_series(0, %ld) AS i, LATERAL (SELECT 'fill-' || lpad(i::text, 8, '0') AS id) AS r"
             " ORDER BY i",
             (long long)base, (long long)base, (long long)base, actor, runs - 1);
    exec(conn, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO state_changes (seq, run_num, from_state, to_state, at, actor)"
             " SELECT nextval('state_changes_seq_seq'), r.num, s.from_state, s.to_state, r.created_at + s.k * " STEP_US
             ", '%s' FROM runs AS r CROSS JOIN (VALUES (0, NULL, 'PENDING'), (1, 'PENDING', 'RUNNING'),"
             " (2, 'RUNNING', 'PENDING'), (3, 'PENDING', 'RUNNING'), (4, 'RUNNING', 'COMPLETED'))"
             " AS s (k, from_state, to_state) WHERE r.id LIKE 'fill-%%' ORDER BY r.num, s.k",
             actor);
    exec(conn, sql);
    exec(conn,
         "INSERT INTO stats_run_durations (job, lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us)"
         " SELECT job, lifecycle, state, coalesce(outcome, ''), stats_bucket(d), count(*), sum(d), min(d), max(d)"
         " FROM (SELECT *, ended_at - created_at AS d FROM runs WHERE ended_at IS NOT NULL) AS r"
         " GROUP BY 1, 2, 3, 4, 5");
    exec(conn,
         "INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)"
         " SELECT r.job, r.lifecycle, c.from_state, stats_bucket(c.d), count(*), sum(c.d), min(c.d), max(c.d)"
         " FROM (SELECT run_num, from_state, at - lag(at) OVER (PARTITION BY run_num ORDER BY seq) AS d"
         " FROM state_changes) AS c JOIN runs AS r ON r.num = c.run_num WHERE c.from_state IS NOT NULL"
         " GROUP BY 1, 2, 3, 4");
    exec(conn, "COMMIT");
    exec(conn, "SET session_replication_role = origin");
    exec(conn, "ANALYZE");
}

typedef struct {
    const char *uri;
    long runs, chunk;
    int64_t base;
    int loader, loaders;
} Loader;

static void *run_loader(void *argument) {
    Loader *loader = argument;
    PGconn *conn = connect_ledger(loader->uri);
    for (long first = 0; first < loader->runs; first += loader->chunk)
        fill_chunk(conn, first, first + loader->chunk <= loader->runs ? loader->chunk : loader->runs - first,
                   loader->base, loader->loader, loader->loaders);
    PQfinish(conn);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: ledger-bench-pq transitions|history|fill --uri URI [options]\n");
        return 64;
    }
    const char *workload = argv[1], *uri = NULL, *prefix = "pq", *mode = "rules";
    long long base_option = 0;
    int clients = 1, operations = 1000, runs = 100, lookups = 1000;
    long chunk = 1000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--uri")) uri = argv[i + 1];
        else if (!strcmp(argv[i], "--clients")) clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--operations")) operations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lookups")) lookups = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--chunk")) chunk = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--prefix")) prefix = argv[i + 1];
        else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
        else if (!strcmp(argv[i], "--base")) base_option = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (!uri) {
        fprintf(stderr, "--uri is required\n");
        return 64;
    }
    if (clients < 1 || runs < 1 || operations < clients || lookups < 1 || chunk < 1) {
        fprintf(stderr, "sizes must be positive, and at least one operation per client\n");
        return 64;
    }

    double seconds = 0, median = 0;
    long ops = 0;
    int errors = 0;
    if (!strcmp(workload, "transitions")) {
        Client *all = calloc(clients, sizeof(Client));
        pthread_t *threads = calloc(clients, sizeof(pthread_t));
        pthread_barrier_t ready;
        pthread_barrier_init(&ready, NULL, clients + 1);
        for (int c = 0; c < clients; c++) {
            // M transitions in all; the first clients take one more when M is not a multiple of N.
            int share = operations / clients + (c < operations % clients ? 1 : 0);
            all[c] = (Client){uri, prefix, c, share, runs, 0, calloc(share, sizeof(double)), &ready};
            pthread_create(&threads[c], NULL, run_client, &all[c]);
        }
        pthread_barrier_wait(&ready);
        double t0 = now_seconds();
        for (int c = 0; c < clients; c++) pthread_join(threads[c], NULL);
        seconds = now_seconds() - t0;
        double *latencies = malloc(sizeof(double) * operations);
        for (int c = 0; c < clients; c++) {
            memcpy(latencies + ops, all[c].latencies, sizeof(double) * all[c].operations);
            ops += all[c].operations;
            errors += all[c].errors;
            free(all[c].latencies);
        }
        qsort(latencies, ops, sizeof(double), cmp_double);
        median = latencies[ops / 2];
        free(latencies);
        free(all);
        free(threads);
    } else if (!strcmp(workload, "history")) {
        long rows = 0;
        double t0 = now_seconds();
        median = history(uri, lookups, runs, &rows);
        seconds = now_seconds() - t0;
        ops = lookups;
    } else if (!strcmp(workload, "fill")) {
        // Times in the past, so that nothing is "in the future" whatever the clock does.
        int64_t base = base_option ? base_option : now_micros() - (int64_t)runs * 10 - 3600LL * 1000000;
        double t0 = now_seconds();
        if (!strcmp(mode, "bulk")) {
            PGconn *conn = connect_ledger(uri);
            fill_bulk(conn, runs, base);
            PQfinish(conn);
            clients = 0;
        } else if (strcmp(mode, "rules") != 0) {
            fprintf(stderr, "--mode is rules or bulk\n");
            return 64;
        }
        Loader *loaders = calloc(clients, sizeof(Loader));
        pthread_t *threads = calloc(clients, sizeof(pthread_t));
        for (int c = 0; c < clients; c++) {
            loaders[c] = (Loader){uri, runs, chunk, base, c, clients};
            pthread_create(&threads[c], NULL, run_loader, &loaders[c]);
        }
        for (int c = 0; c < clients; c++) pthread_join(threads[c], NULL);
        seconds = now_seconds() - t0;
        ops = (long)runs * 5;
        free(loaders);
        free(threads);
    } else {
        fprintf(stderr, "unknown workload %s\n", workload);
        return 64;
    }
    printf("{\"workload\": \"%s\", \"side\": \"c\", \"seconds\": %.6f, \"operations\": %ld, \"clients\": %d,"
           " \"median_seconds\": %.9f, \"errors\": %d, \"peak_rss_kb\": %ld}\n",
           workload, seconds, ops, !strcmp(workload, "transitions") ? clients : 1, median, errors, peak_rss_kb());
    return errors ? 1 : 0;
}
