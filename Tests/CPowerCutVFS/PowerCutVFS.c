/*
 * A test-only SQLite VFS that models a disk losing power (the idea of SQLite's own
 * crash-simulation VFS, src/test6.c, written anew for runledger's power-cut suite).
 *
 * It wraps the default VFS. For each file opened through it under a name (main database,
 * -wal, journals), it keeps the file's whole content in memory: reads are served from that
 * image, and each write or truncate is applied to the image and queued. Only xSync writes the
 * queued operations through to the real file, so the real file on disk only ever holds synced
 * content: it *is* the disk after a power loss. A cut discards the queues (in TORN mode the
 * last unsynced write first reaches the disk in part), and from then on every call fails with
 * an I/O error, so SQLite and the library see the machine die. A file the VFS created whose
 * directory entry was never synced is removed at the cut: the unix VFS syncs the directory
 * at the first sync of a journal or WAL it created (unless built with SQLITE_DISABLE_DIRSYNC,
 * which Debian's is not), so such a file's entry becomes durable there; a main database it
 * created is never directory-synced, so its entry never becomes durable. Deletions are taken
 * as durable at once. Temporary files pass through unmodelled. No real fsync is made:
 * durability of the real file towards the real machine is not what is being modelled.
 */
#include "PowerCutVFS.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Op {
    int64_t offset;  /* the write's offset, or a truncate's new size */
    int size;        /* bytes written; -1 for a truncate */
    unsigned char *data;
    struct Op *next;
} Op;

typedef struct Node {
    char *path;
    int fd;  /* the real file, for writing synced operations through */
    int type;
    int refs;
    int entryDurable;
    unsigned char *image;
    int64_t size, capacity;
    Op *head, *tail;
    struct Node *next;
} Node;

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;
    Node *node; /* NULL for a pass-through file */
} PCFile;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3_vfs *parent;
static Node *nodes;
static Node *lastWriteNode; /* the node holding the most recent unsynced write */
static Op *lastWrite;
static int64_t cutAt;
static int cutMode;
static uint64_t prng;
static powercut_stats stats;

static uint64_t next_random(void) {
    /* splitmix64 */
    uint64_t z = (prng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void free_ops(Node *node) {
    Op *op = node->head;
    while (op) {
        Op *next = op->next;
        free(op);
        op = next;
    }
    node->head = node->tail = NULL;
    if (lastWriteNode == node) { lastWriteNode = NULL; lastWrite = NULL; }
}

static int write_through(int fd, const unsigned char *data, int64_t size, int64_t offset) {
    while (size > 0) {
        ssize_t n = pwrite(fd, data, (size_t)size, (off_t)offset);
        if (n <= 0) return SQLITE_IOERR_WRITE;
        data += n;
        size -= n;
        offset += n;
    }
    return SQLITE_OK;
}

/* The power fails: queued operations are lost (the last write torn in TORN mode), files whose
   entry never became durable vanish. */
static void cut_locked(int mode) {
    if (stats.isCut) return;
    if (mode == POWERCUT_TORN && lastWrite && lastWrite->size > 1) {
        int64_t n = lastWrite->size;
        int64_t part;
        if (n > 512 && (next_random() & 1)) part = 512 * (1 + (int64_t)(next_random() % (uint64_t)((n - 1) / 512)));
        else part = 1 + (int64_t)(next_random() % (uint64_t)(n - 1));
        if (part >= n) part = n - 1;
        if (write_through(lastWriteNode->fd, lastWrite->data, part, lastWrite->offset) == SQLITE_OK)
            stats.tornBytes += part;
        stats.droppedWrites -= 1; /* counted below, but it partly landed */
    }
    for (Node *node = nodes; node; node = node->next) {
        for (Op *op = node->head; op; op = op->next)
            if (op->size >= 0) stats.droppedWrites += 1;
        free_ops(node);
        if (!node->entryDurable && node->path) {
            unlink(node->path);
            stats.lostFiles += 1;
            node->entryDurable = 1;
        }
    }
    stats.isCut = 1;
}

/* Counts one event; cuts the power if it is the armed one. Returns nonzero if the power is off. */
static int event_locked(void) {
    if (stats.isCut) return 1;
    stats.events += 1;
    if (cutAt > 0 && stats.events == cutAt) {
        cut_locked(cutMode);
        return 1;
    }
    return 0;
}

static int reserve(Node *node, int64_t size) {
    if (size <= node->capacity) return SQLITE_OK;
    int64_t capacity = node->capacity ? node->capacity : 65536;
    while (capacity < size) capacity *= 2;
    unsigned char *image = realloc(node->image, (size_t)capacity);
    if (!image) return SQLITE_NOMEM;
    memset(image + node->capacity, 0, (size_t)(capacity - node->capacity));
    node->image = image;
    node->capacity = capacity;
    return SQLITE_OK;
}

static void set_size(Node *node, int64_t size) {
    if (size < node->size) memset(node->image + size, 0, (size_t)(node->size - size));
    node->size = size;
}

static Op *queue(Node *node, int64_t offset, const void *data, int size) {
    Op *op = malloc(sizeof(Op) + (size > 0 ? (size_t)size : 0));
    if (!op) return NULL;
    op->offset = offset;
    op->size = size;
    op->data = (unsigned char *)(op + 1);
    if (size > 0) memcpy(op->data, data, (size_t)size);
    op->next = NULL;
    if (node->tail) node->tail->next = op;
    else node->head = op;
    node->tail = op;
    return op;
}

// MARK: - File methods

static int pcClose(sqlite3_file *file) {
    PCFile *p = (PCFile *)file;
    int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
    sqlite3_free(p->real);
    pthread_mutex_lock(&lock);
    if (p->node) p->node->refs -= 1;
    stats.openFiles -= 1;
    int isCut = stats.isCut;
    pthread_mutex_unlock(&lock);
    return isCut ? SQLITE_OK : rc;
}

static int pcRead(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset) {
    PCFile *p = (PCFile *)file;
    pthread_mutex_lock(&lock);
    if (stats.isCut) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_READ; }
    if (!p->node) {
        pthread_mutex_unlock(&lock);
        return p->real->pMethods->xRead(p->real, buffer, amount, offset);
    }
    Node *node = p->node;
    int64_t available = node->size - offset;
    if (available < 0) available = 0;
    int64_t n = available < amount ? available : amount;
    if (n > 0) memcpy(buffer, node->image + offset, (size_t)n);
    pthread_mutex_unlock(&lock);
    if (n < amount) {
        memset((char *)buffer + n, 0, (size_t)(amount - n));
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int pcWrite(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset) {
    PCFile *p = (PCFile *)file;
    pthread_mutex_lock(&lock);
    if (!p->node) {
        int isCut = stats.isCut;
        pthread_mutex_unlock(&lock);
        return isCut ? SQLITE_IOERR_WRITE : p->real->pMethods->xWrite(p->real, buffer, amount, offset);
    }
    Node *node = p->node;
    if (stats.isCut) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_WRITE; }
    if (cutAt > 0 && stats.events + 1 == cutAt) {
        /* The power fails during this write: it is the last unsynced write. */
        Op *op = queue(node, offset, buffer, amount);
        if (op) { lastWrite = op; lastWriteNode = node; }
    }
    if (event_locked()) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_WRITE; }
    int rc = reserve(node, offset + amount);
    Op *op = rc == SQLITE_OK ? queue(node, offset, buffer, amount) : NULL;
    if (!op) { pthread_mutex_unlock(&lock); return SQLITE_NOMEM; }
    memcpy(node->image + offset, buffer, (size_t)amount);
    if (offset + amount > node->size) node->size = offset + amount;
    lastWrite = op;
    lastWriteNode = node;
    pthread_mutex_unlock(&lock);
    return SQLITE_OK;
}

static int pcTruncate(sqlite3_file *file, sqlite3_int64 size) {
    PCFile *p = (PCFile *)file;
    pthread_mutex_lock(&lock);
    if (!p->node) {
        int isCut = stats.isCut;
        pthread_mutex_unlock(&lock);
        return isCut ? SQLITE_IOERR_TRUNCATE : p->real->pMethods->xTruncate(p->real, size);
    }
    if (event_locked()) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_TRUNCATE; }
    Node *node = p->node;
    int rc = reserve(node, size);
    if (rc == SQLITE_OK && !queue(node, size, NULL, -1)) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) set_size(node, size);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int pcSync(sqlite3_file *file, int flags) {
    PCFile *p = (PCFile *)file;
    pthread_mutex_lock(&lock);
    if (!p->node) {
        int isCut = stats.isCut;
        pthread_mutex_unlock(&lock);
        return isCut ? SQLITE_IOERR_FSYNC : p->real->pMethods->xSync(p->real, flags);
    }
    if (event_locked()) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_FSYNC; }
    Node *node = p->node;
    int rc = SQLITE_OK;
    for (Op *op = node->head; op && rc == SQLITE_OK; op = op->next) {
        if (op->size >= 0) rc = write_through(node->fd, op->data, op->size, op->offset);
        else if (ftruncate(node->fd, (off_t)op->offset) != 0) rc = SQLITE_IOERR_TRUNCATE;
    }
    free_ops(node);
    stats.syncs += 1;
    /* The unix VFS fsyncs the directory at the first sync of a journal or WAL it created. */
    if (node->type == SQLITE_OPEN_WAL || node->type == SQLITE_OPEN_MAIN_JOURNAL
        || node->type == SQLITE_OPEN_SUPER_JOURNAL)
        node->entryDurable = 1;
    pthread_mutex_unlock(&lock);
    return rc;
}

static int pcFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    PCFile *p = (PCFile *)file;
    pthread_mutex_lock(&lock);
    int isCut = stats.isCut;
    if (p->node && !isCut) *size = p->node->size;
    pthread_mutex_unlock(&lock);
    if (isCut) return SQLITE_IOERR_FSTAT;
    return p->node ? SQLITE_OK : p->real->pMethods->xFileSize(p->real, size);
}

static int is_cut(void) {
    pthread_mutex_lock(&lock);
    int isCut = stats.isCut;
    pthread_mutex_unlock(&lock);
    return isCut;
}

static int pcLock(sqlite3_file *file, int level) {
    PCFile *p = (PCFile *)file;
    return is_cut() ? SQLITE_IOERR_LOCK : p->real->pMethods->xLock(p->real, level);
}

/* A dead machine holds no locks: unlocking always goes through. */
static int pcUnlock(sqlite3_file *file, int level) {
    PCFile *p = (PCFile *)file;
    return p->real->pMethods->xUnlock(p->real, level);
}

static int pcCheckReservedLock(sqlite3_file *file, int *out) {
    PCFile *p = (PCFile *)file;
    return is_cut() ? SQLITE_IOERR_CHECKRESERVEDLOCK : p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int pcFileControl(sqlite3_file *file, int op, void *arg) {
    PCFile *p = (PCFile *)file;
    if (p->node) {
        /* Hints that would make the unix VFS extend or map the real file behind the model. */
        if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;
        if (op == SQLITE_FCNTL_MMAP_SIZE) { *(sqlite3_int64 *)arg = 0; return SQLITE_OK; }
    }
    if (is_cut()) return SQLITE_IOERR;
    return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int pcSectorSize(sqlite3_file *file) {
    PCFile *p = (PCFile *)file;
    return p->real->pMethods->xSectorSize(p->real);
}

static int pcDeviceCharacteristics(sqlite3_file *file) {
    PCFile *p = (PCFile *)file;
    return p->real->pMethods->xDeviceCharacteristics(p->real);
}

/* The WAL index (-shm) is shared memory, not durable content: passed through. */
static int pcShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    PCFile *p = (PCFile *)file;
    if (is_cut()) return SQLITE_IOERR_SHMMAP;
    return p->real->pMethods->xShmMap(p->real, region, size, extend, out);
}

static int pcShmLock(sqlite3_file *file, int offset, int n, int flags) {
    PCFile *p = (PCFile *)file;
    if ((flags & SQLITE_SHM_LOCK) && is_cut()) return SQLITE_IOERR_SHMLOCK;
    return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void pcShmBarrier(sqlite3_file *file) {
    PCFile *p = (PCFile *)file;
    p->real->pMethods->xShmBarrier(p->real);
}

static int pcShmUnmap(sqlite3_file *file, int deleteFlag) {
    PCFile *p = (PCFile *)file;
    return p->real->pMethods->xShmUnmap(p->real, is_cut() ? 0 : deleteFlag);
}

/* Version 2: no xFetch, so SQLite never memory-maps the real file past the model. */
static const sqlite3_io_methods methods = {
    2, pcClose, pcRead, pcWrite, pcTruncate, pcSync, pcFileSize, pcLock, pcUnlock, pcCheckReservedLock,
    pcFileControl, pcSectorSize, pcDeviceCharacteristics, pcShmMap, pcShmLock, pcShmBarrier, pcShmUnmap,
    NULL, NULL,
};

// MARK: - VFS methods

static Node *node_for(const char *path, int type, int existed, int *rc) {
    for (Node *node = nodes; node; node = node->next)
        if (strcmp(node->path, path) == 0) return node;
    Node *node = calloc(1, sizeof(Node));
    if (!node) { *rc = SQLITE_NOMEM; return NULL; }
    node->path = strdup(path);
    node->fd = open(path, O_RDWR | O_CLOEXEC);
    node->type = type;
    node->entryDurable = existed;
    struct stat status;
    if (!node->path || node->fd < 0 || fstat(node->fd, &status) != 0) {
        if (node->fd >= 0) close(node->fd);
        free(node->path);
        free(node);
        *rc = SQLITE_CANTOPEN;
        return NULL;
    }
    int64_t size = (int64_t)status.st_size;
    if (reserve(node, size) != SQLITE_OK) { close(node->fd); free(node->path); free(node); *rc = SQLITE_NOMEM; return NULL; }
    int64_t done = 0;
    while (done < size) {
        ssize_t n = pread(node->fd, node->image + done, (size_t)(size - done), (off_t)done);
        if (n <= 0) break;
        done += n;
    }
    node->size = done;
    node->next = nodes;
    nodes = node;
    stats.modelledFiles += 1;
    return node;
}

static int pcOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    PCFile *p = (PCFile *)file;
    memset(p, 0, sizeof(*p));
    if (is_cut()) return SQLITE_CANTOPEN;
    int type = flags & 0x0FFFFF00;
    int modelled = name != NULL && !(flags & SQLITE_OPEN_DELETEONCLOSE)
        && (type == SQLITE_OPEN_MAIN_DB || type == SQLITE_OPEN_WAL || type == SQLITE_OPEN_MAIN_JOURNAL
            || type == SQLITE_OPEN_SUPER_JOURNAL);
    int existed = name != NULL && access(name, F_OK) == 0;
    p->real = sqlite3_malloc(parent->szOsFile);
    if (!p->real) return SQLITE_NOMEM;
    memset(p->real, 0, (size_t)parent->szOsFile);
    int rc = parent->xOpen(parent, name, p->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        sqlite3_free(p->real);
        p->real = NULL;
        return rc;
    }
    pthread_mutex_lock(&lock);
    if (modelled) {
        p->node = node_for(name, type, existed, &rc);
        if (p->node) p->node->refs += 1;
    }
    if (rc == SQLITE_OK) stats.openFiles += 1;
    pthread_mutex_unlock(&lock);
    if (rc != SQLITE_OK) {
        p->real->pMethods->xClose(p->real);
        sqlite3_free(p->real);
        p->real = NULL;
        return rc;
    }
    p->base.pMethods = &methods;
    return SQLITE_OK;
}

static int pcDelete(sqlite3_vfs *vfs, const char *path, int syncDir) {
    (void)vfs;
    pthread_mutex_lock(&lock);
    if (stats.isCut) { pthread_mutex_unlock(&lock); return SQLITE_IOERR_DELETE; }
    for (Node **link = &nodes; *link; link = &(*link)->next) {
        Node *node = *link;
        if (strcmp(node->path, path) == 0 && node->refs == 0) {
            free_ops(node);
            close(node->fd);
            *link = node->next;
            free(node->image);
            free(node->path);
            free(node);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return parent->xDelete(parent, path, syncDir);
}

static int pcAccess(sqlite3_vfs *vfs, const char *path, int flags, int *out) {
    (void)vfs;
    if (is_cut()) return SQLITE_IOERR_ACCESS;
    return parent->xAccess(parent, path, flags, out);
}

static int pcFullPathname(sqlite3_vfs *vfs, const char *path, int n, char *out) {
    (void)vfs;
    return parent->xFullPathname(parent, path, n, out);
}

static void *pcDlOpen(sqlite3_vfs *vfs, const char *path) { (void)vfs; return parent->xDlOpen(parent, path); }
static void pcDlError(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; parent->xDlError(parent, n, out); }
static void (*pcDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return parent->xDlSym(parent, handle, symbol);
}
static void pcDlClose(sqlite3_vfs *vfs, void *handle) { (void)vfs; parent->xDlClose(parent, handle); }
static int pcRandomness(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; return parent->xRandomness(parent, n, out); }
static int pcSleep(sqlite3_vfs *vfs, int microseconds) { (void)vfs; return parent->xSleep(parent, microseconds); }
static int pcCurrentTime(sqlite3_vfs *vfs, double *out) { (void)vfs; return parent->xCurrentTime(parent, out); }
static int pcGetLastError(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    return parent->xGetLastError(parent, n, out);
}
static int pcCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return parent->xCurrentTimeInt64(parent, out);
}

static sqlite3_vfs vfs = {
    2, 0, 0, NULL, "powercut", NULL, pcOpen, pcDelete, pcAccess, pcFullPathname, pcDlOpen, pcDlError, pcDlSym,
    pcDlClose, pcRandomness, pcSleep, pcCurrentTime, pcGetLastError, pcCurrentTimeInt64, NULL, NULL, NULL,
};

// MARK: - Control

int powercut_register(void) {
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (!parent) {
        parent = sqlite3_vfs_find(NULL);
        if (!parent) rc = SQLITE_ERROR;
        else {
            vfs.szOsFile = (int)sizeof(PCFile);
            vfs.mxPathname = parent->mxPathname;
            rc = sqlite3_vfs_register(&vfs, 0);
            if (rc != SQLITE_OK) parent = NULL;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int powercut_uri_names_enabled(void) { return sqlite3_compileoption_used("SQLITE_USE_URI"); }

int powercut_reset(void) {
    pthread_mutex_lock(&lock);
    int open = stats.openFiles;
    if (open == 0) {
        while (nodes) {
            Node *node = nodes;
            nodes = node->next;
            free_ops(node);
            close(node->fd);
            free(node->image);
            free(node->path);
            free(node);
        }
        memset(&stats, 0, sizeof(stats));
        cutAt = 0;
        lastWrite = NULL;
        lastWriteNode = NULL;
    }
    pthread_mutex_unlock(&lock);
    return open;
}

void powercut_arm(int64_t event, int mode, uint64_t seed) {
    pthread_mutex_lock(&lock);
    cutAt = event > 0 ? stats.events + event : 0;
    cutMode = mode;
    prng = seed;
    pthread_mutex_unlock(&lock);
}

void powercut_cut_now(int mode, uint64_t seed) {
    pthread_mutex_lock(&lock);
    prng = seed;
    cut_locked(mode);
    pthread_mutex_unlock(&lock);
}

powercut_stats powercut_get_stats(void) {
    pthread_mutex_lock(&lock);
    powercut_stats copy = stats;
    pthread_mutex_unlock(&lock);
    return copy;
}

int powercut_exec(const char *path, const char *sql) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "powercut");
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close_v2(db);
    return rc;
}
