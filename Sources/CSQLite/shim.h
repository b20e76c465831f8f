#include <sqlite3.h>

/* Extended result codes are macro expressions that Swift does not import
   ("structure not supported"). Re-export, under a CSQLITE_ prefix, the ones runledger uses. */
static const int CSQLITE_CONSTRAINT_TRIGGER = SQLITE_CONSTRAINT_TRIGGER;
static const int CSQLITE_CONSTRAINT_CHECK = SQLITE_CONSTRAINT_CHECK;
static const int CSQLITE_CONSTRAINT_NOTNULL = SQLITE_CONSTRAINT_NOTNULL;
static const int CSQLITE_CONSTRAINT_UNIQUE = SQLITE_CONSTRAINT_UNIQUE;
static const int CSQLITE_CONSTRAINT_PRIMARYKEY = SQLITE_CONSTRAINT_PRIMARYKEY;
static const int CSQLITE_CONSTRAINT_FOREIGNKEY = SQLITE_CONSTRAINT_FOREIGNKEY;
static const int CSQLITE_CONSTRAINT_DATATYPE = SQLITE_CONSTRAINT_DATATYPE;
static const int CSQLITE_BUSY_SNAPSHOT = SQLITE_BUSY_SNAPSHOT;
static const int CSQLITE_BUSY_RECOVERY = SQLITE_BUSY_RECOVERY;
static const int CSQLITE_BUSY_TIMEOUT = SQLITE_BUSY_TIMEOUT;
static const int CSQLITE_READONLY_DBMOVED = SQLITE_READONLY_DBMOVED;
static const int CSQLITE_CANTOPEN_ISDIR = SQLITE_CANTOPEN_ISDIR;

/* sqlite3_db_config() is variadic ("Variadic function is unavailable" in Swift). */
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value) {
    return sqlite3_db_config(db, op, value, (int *)0);
}

/* SQLITE_TRANSIENT is a cast macro that Swift does not import. */
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/* The file system under a path, for the check that SQLite's locking is safe there (network and
   FUSE file systems). Glibc's Swift module does not carry <sys/vfs.h>. Returns statfs's result
   (0 or -1, errno set) and, on success, f_type (Linux) in *magic. */
#ifdef __linux__
#include <sys/vfs.h>
static inline int csqlite_file_system_magic(const char *path, long long *magic) {
    struct statfs answer;
    int code = statfs(path, &answer);
    if (code == 0) *magic = (long long)answer.f_type;
    return code;
}
#endif
