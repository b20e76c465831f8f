/* A test-only SQLite VFS that models a disk losing power: see PowerCutVFS.c. */
#ifndef POWERCUT_VFS_H
#define POWERCUT_VFS_H

#include <stdint.h>

/* How a cut treats the writes not yet synced. */
enum {
    /* Every unsynced write is lost. */
    POWERCUT_DROP = 0,
    /* Every unsynced write is lost, except the last one, of which only a prefix reaches the
       disk (a whole number of 512-byte sectors or any number of bytes, chosen at random). */
    POWERCUT_TORN = 1,
};

/* What the VFS has done since the last powercut_reset. */
typedef struct {
    int64_t events;          /* writes, truncates and syncs on modelled files */
    int64_t syncs;
    int64_t droppedWrites;   /* unsynced writes lost at the cut */
    int64_t tornBytes;       /* bytes of the torn write that reached the disk */
    int64_t lostFiles;       /* files created, never synced with their directory, removed at the cut */
    int32_t isCut;
    int32_t openFiles;       /* handles still open */
    int32_t modelledFiles;   /* files opened through the VFS since the reset */
} powercut_stats;

/* Registers the VFS under the name "powercut" (not as the default); idempotent. Returns an
   SQLite result code. */
int powercut_register(void);

/* Whether this SQLite takes "file:" names as URIs without SQLITE_OPEN_URI (SQLITE_USE_URI), so
   that a name "file:PATH?vfs=powercut" given to the library picks this VFS. */
int powercut_uri_names_enabled(void);

/* Forgets every modelled file and powers the disk on again. Every handle must be closed;
   returns the number still open (0 on success, in which case the reset happened). */
int powercut_reset(void);

/* Arms a cut: the power fails during the `event`-th write, truncate or sync from now on
   (counting from 1; 0 disarms), in the given mode, with `seed` for the torn length. */
void powercut_arm(int64_t event, int mode, uint64_t seed);

/* Cuts the power now, in the given mode. */
void powercut_cut_now(int mode, uint64_t seed);

/* The counters. */
powercut_stats powercut_get_stats(void);

/* Runs `sql` on a connection of its own opened through the VFS (busy timeout 5 s), for what
   the library does not offer, such as PRAGMA wal_checkpoint. Returns an SQLite result code. */
int powercut_exec(const char *path, const char *sql);

#endif
