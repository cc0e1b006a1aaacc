/*
 * What each index of the events table costs a bulk append, measured with the
 * SQLite C API alone (no Swift, no hashing): 1,000,000 rows shaped like the
 * log's (≈180-byte JSON payload, time-ordered 16-byte ids, streams of ten
 * events), inserted by one prepared statement in 1,000-row transactions.
 *
 *     Benchmarks/SQLiteIndexCost/run [RUNS]      # builds with cc, prints medians
 *
 * Each variant adds one index to the one before it (the two type-index forms
 * are alternatives: `IN (…)` as format 4 had it, the `=` chain of format 5).
 * `+cols` is an alternative to `+actor` and `+type-or` together: two nullable
 * columns the writer would fill only for non-client actors and decision
 * types, each indexed `WHERE … IS NOT NULL`, so SQLite tests one NULL per
 * index instead of a LIKE and eleven string comparisons at every insert;
 * the schema is the events
 * table of Sources/EventStoreSQLite/Schema.swift.
 *
 * `format6` is the log as format 6 has it: every index, the type index's
 * `=` chain, and the actor index's condition as two comparisons instead of
 * LIKE. ROWS=N in the environment writes N rows per INSERT statement
 * (`INSERT OR FAIL … VALUES (…),(…)`, as the store does); default 1:
 *
 *     Benchmarks/SQLiteIndexCost/run-rows [RUNS]  # format6, 1 vs 32 rows a statement
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *decision_in =
    "type IN ('ExclusionRequested','ChatExcluded','ExclusionDenied','ExclusionRevoked','RefusalFiled',"
    "'RefusalResolved','AntifraudFlagRaised','AntifraudFlagDisputed','AntifraudFlagCleared',"
    "'AntifraudFlagConfirmed','ClientDataErased')";
static const char *decision_or =
    "(type = 'ExclusionRequested' OR type = 'ChatExcluded' OR type = 'ExclusionDenied' OR "
    "type = 'ExclusionRevoked' OR type = 'RefusalFiled' OR type = 'RefusalResolved' OR "
    "type = 'AntifraudFlagRaised' OR type = 'AntifraudFlagDisputed' OR type = 'AntifraudFlagCleared' OR "
    "type = 'AntifraudFlagConfirmed' OR type = 'ClientDataErased')";

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void exec(sqlite3 *db, const char *sql) {
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "SQL failed: %s\n%s\n", message, sql);
        exit(1);
    }
}

static sqlite3_stmt *prepare_insert(sqlite3 *db, int rows, int columns) {
    static char sql[65536];
    snprintf(sql, sizeof sql, "INSERT%s INTO events VALUES ", rows > 1 ? " OR FAIL" : "");
    for (int r = 0; r < rows; r++) {
        strcat(sql, r ? ",(" : "(");
        for (int c = 0; c < columns; c++) strcat(sql, c ? ",?" : "?");
        strcat(sql, ")");
    }
    sqlite3_stmt *statement;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    return statement;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: index_cost VARIANT full|normal PATH\n"
                        "variants: table, +event_id, +stream, +actor, +type-in, +type-or, +cols, format6\n"
                        "ROWS=N (environment): rows per INSERT statement, default 1\n");
        return 64;
    }
    const char *variant = argv[1], *sync = argv[2], *path = argv[3];
    const char *variants[] = {"table", "+event_id", "+stream", "+actor", "+type-in", "+type-or", "+cols", "format6"};
    int level = -1;
    for (int i = 0; i < 8; i++) if (strcmp(variant, variants[i]) == 0) level = i;
    if (level < 0) { fprintf(stderr, "unknown variant %s\n", variant); return 64; }
    int cols = level == 6; /* +stream, then the two column indexes */
    if (cols) level = 2;
    int format6 = level == 7; /* +type-or, with the comparison actor condition */
    if (format6) level = 5;
    int rows = getenv("ROWS") ? atoi(getenv("ROWS")) : 1;
    if (rows < 1 || rows > 1000) { fprintf(stderr, "ROWS must be 1–1000\n"); return 64; }

    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* as the store does */
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(path);
    unlink(wal);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) { fprintf(stderr, "cannot open %s\n", path); return 1; }
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=20000;",
             strcmp(sync, "full") == 0 ? "FULL" : "NORMAL");
    exec(db, pragmas);
    char table[1024];
    snprintf(table, sizeof table,
             "CREATE TABLE events (position INTEGER PRIMARY KEY, event_id BLOB NOT NULL %s, stream_id TEXT NOT NULL, "
             "stream_version INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, "
             "occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, actor TEXT NOT NULL, correlation_id BLOB, "
             "causation_id BLOB, payload TEXT NOT NULL, hash BLOB NOT NULL%s %s)",
             level >= 1 ? "UNIQUE" : "", cols ? ", audit_actor TEXT, decision_type TEXT" : "", level >= 2 ? ", UNIQUE (stream_id, stream_version)" : "");
    exec(db, table);
    if (level >= 3)
        exec(db, format6 ? "CREATE INDEX events_by_actor ON events (actor, position) WHERE (actor < 'client:' OR actor >= 'client;')"
                         : "CREATE INDEX events_by_actor ON events (actor, position) WHERE actor NOT LIKE 'client:%'");
    if (level >= 4) {
        char index[1024];
        snprintf(index, sizeof index, "CREATE INDEX events_by_decision_type ON events (type, position) WHERE %s",
                 level == 4 ? decision_in : decision_or);
        exec(db, index);
    }

    if (cols) {
        exec(db, "CREATE INDEX events_by_actor ON events (audit_actor, position) WHERE audit_actor IS NOT NULL");
        exec(db, "CREATE INDEX events_by_decision_type ON events (decision_type, position) WHERE decision_type IS NOT NULL");
    }
    /* One statement of `rows` rows, and one for the rest of a 1,000-row batch. */
    int columns = cols ? 15 : 13;
    int rest = 1000 % rows;
    sqlite3_stmt *full_insert = prepare_insert(db, rows, columns), *rest_insert = rest ? prepare_insert(db, rest, columns) : NULL;
    char payload[181];
    memset(payload, 'x', 180);
    payload[0] = '{';
    payload[179] = '}';
    payload[180] = 0;
    unsigned char id[16], hash[32];
    memset(hash, 7, sizeof hash);
    srand(1);
    const long total = 1000000;
    double start = now();
    for (long batch = 0; batch < total / 1000; batch++) {
        exec(db, "BEGIN IMMEDIATE");
        for (long i = 0; i < 1000; i++) {
            long n = batch * 1000 + i;
            long ms = 1700000000000L + n; /* UUIDv7: 48-bit time, then random */
            for (int k = 0; k < 6; k++) id[k] = (ms >> (40 - 8 * k)) & 255;
            for (int k = 6; k < 16; k++) id[k] = rand() & 255;
            char stream[32], actor[32];
            snprintf(stream, sizeof stream, "case-c%ld", 1000000 + n / 10);
            snprintf(actor, sizeof actor, "client:k%ld", n / 10);
            sqlite3_stmt *insert = i >= 1000 - rest ? rest_insert : full_insert;
            int o = (int)(i % rows) * columns; /* this row's first parameter, less one */
            sqlite3_bind_int64(insert, o + 1, n + 1);
            sqlite3_bind_blob(insert, o + 2, id, 16, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, o + 3, stream, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(insert, o + 4, n % 10 + 1);
            sqlite3_bind_text(insert, o + 5, n % 10 == 9 ? "ExclusionRequested" : "SessionBooked", -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, o + 6, 1);
            sqlite3_bind_int64(insert, o + 7, n);
            sqlite3_bind_int64(insert, o + 8, n);
            sqlite3_bind_text(insert, o + 9, actor, -1, SQLITE_TRANSIENT);
            sqlite3_bind_null(insert, o + 10);
            sqlite3_bind_null(insert, o + 11);
            sqlite3_bind_text(insert, o + 12, payload, 180, SQLITE_STATIC);
            sqlite3_bind_blob(insert, o + 13, hash, 32, SQLITE_STATIC);
            if (cols) {
                sqlite3_bind_null(insert, o + 14); /* every actor here is a client */
                if (n % 10 == 9) sqlite3_bind_text(insert, o + 15, "ExclusionRequested", -1, SQLITE_STATIC);
                else sqlite3_bind_null(insert, o + 15);
            }
            if (i % rows == rows - 1 || i == 999) {
                if (sqlite3_step(insert) != SQLITE_DONE) { fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)); return 1; }
                sqlite3_reset(insert);
            }
        }
        exec(db, "COMMIT");
    }
    double seconds = now() - start;
    printf("%s %s %.0f %d\n", variant, sync, total / seconds, rows);
    sqlite3_finalize(full_insert);
    if (rest_insert) sqlite3_finalize(rest_insert);
    sqlite3_close(db);
    unlink(path);
    unlink(wal);
    return 0;
}
