/*
 * wtr_wal: the write-ahead log of we-trust-redis, a C ABI over the Rust crate in native/src.
 * The on-disk format and the recovery rules are in docs/wal-format.md.
 *
 * Conventions
 * - Integers are native-endian in registers; buffers the library fills are little-endian.
 * - Status codes (int32_t, and the negative values of int64_t returns):
 *       0                  success
 *       -1 .. -4095        the negated errno the OS reported (-EIO, -ENOSPC, ...), or -EINVAL
 *                          for a bad argument or a call the log's state refuses
 *       WTR_WAL_ECORRUPT   corruption before the tail (strict recovery), or a segment that
 *                          changed on disk since it was opened
 *       WTR_WAL_EPANIC     an internal error; the handle must only be closed
 *   After a failing call on a handle, wtr_wal_last_error returns its message.
 * - Thread safety: every function may be called from any thread. Calls on one handle are
 *   serialised by a mutex inside it; wtr_wal_stats, wtr_wal_report and wtr_wal_last_error never
 *   wait for disk work in progress. wtr_wal_close must not overlap any other call on the same
 *   handle, and the handle must not be used after it.
 * - Blocking: open, read, append, sync, checkpoint and close touch the disk (call them off the
 *   event loop); the other functions are CPU only.
 * - Memory: the library never keeps a caller's pointer after a call returns, and never frees
 *   one. A handle is freed only by wtr_wal_close.
 */
#ifndef WTR_WAL_H
#define WTR_WAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WTR_WAL_ABI_VERSION 1

#define WTR_WAL_ECORRUPT (-10001)
#define WTR_WAL_EPANIC (-10002)

/* wtr_wal_open flags */
#define WTR_WAL_DIRECT_IO 1u /* O_DIRECT writes, 4096-aligned */
#define WTR_WAL_STRICT 2u    /* refuse to open on corruption before the tail (else drop it) */

/* wtr_wal_inject_failure operations */
#define WTR_WAL_FAIL_APPEND 1
#define WTR_WAL_FAIL_SYNC 2

/* Number of uint64_t values wtr_wal_stats writes. */
#define WTR_WAL_STATS_FIELDS 5

typedef struct wtr_wal wtr_wal;

/* The ABI version this library implements (WTR_WAL_ABI_VERSION). */
uint32_t wtr_wal_abi_version(void);

/*
 * Opens the log in `dir` (created if missing; locked with flock on dir/LOCK until close),
 * recovers it (scans and validates every segment, cuts a torn tail, and with truncate recovery
 * drops a corrupt record and everything after it, durably), and starts the thread that
 * preallocates the next segment. `segment_bytes` is rounded up to a multiple of 4096.
 *
 * Returns the handle, or NULL with the status code written to `err_code` (4 bytes,
 * little-endian int32) and a NUL-terminated message to `err_buf` (at most `err_cap` bytes,
 * truncated). Either may be NULL. A second open of a locked directory fails with -EAGAIN.
 */
wtr_wal *wtr_wal_open(const char *dir, uint64_t segment_bytes, uint32_t flags,
                      uint8_t *err_code, char *err_buf, uint64_t err_cap);

/*
 * What recovery found, as JSON:
 *   {"segments":N,"records":N,"lastLsn":N,
 *    "tornTail":{"file":"<path>","offset":N,"bytes":N},                 (only when cut)
 *    "truncatedCorruption":{"file":"<path>","offset":N,"detail":"..."}} (only when dropped)
 * Copies at most `cap` bytes to `buf` (no NUL) and returns the full length; call again with a
 * larger buffer when the length exceeds `cap`. Negative: a status code.
 */
int64_t wtr_wal_report(wtr_wal *wal, char *buf, uint64_t cap);

/*
 * Replay: fills `buf` with the next records in LSN order, skipping those with lsn <= `after`
 * (pass the same value on every call). Each record is
 *   uint32 payload length | uint32 zero | uint64 LSN | payload bytes
 * back to back, without padding. Returns
 *   0 .. cap   bytes filled; 0 means the end of the log
 *   > cap      the next record alone needs this many bytes: call again with a buffer that big
 *   < 0        a status code (-EINVAL once anything was appended: replay comes first)
 */
int64_t wtr_wal_read(wtr_wal *wal, uint64_t after, uint8_t *buf, uint64_t cap);

/*
 * Appends one record (one group-commit batch) and, when `sync` is non-zero, fdatasyncs it (and
 * every earlier unsynced write, and the directory after a new segment) before returning.
 * `lsn` must be the last LSN + 1, or any LSN >= 1 while the log holds no record. `payload` is
 * read during the call only; it may be NULL when `len` is 0.
 *
 * On failure nothing after the last successful sync is trusted: the last LSN falls back to the
 * synced LSN, and the next append (with synced LSN + 1) starts a new segment whose header
 * supersedes any record with that LSN or higher in earlier segments. A failed fdatasync is never
 * retried as if the data had reached the disk.
 */
int32_t wtr_wal_append(wtr_wal *wal, uint64_t lsn, const uint8_t *payload, uint64_t len,
                       int32_t sync);

/*
 * Sets the completion word: once wtr_wal_append has succeeded, as the last thing before it
 * returns, it stores the record's LSN there as an IEEE-754 double (an atomic 64-bit store), so a
 * thread that polls the word learns of the append's success before the call's return reaches it.
 * A failed append leaves the word alone. `word` must be 8 bytes, 8-byte aligned, and stay valid
 * until the handle is closed or another word (or NULL, to stop) is set. Returns 0 or -EINVAL.
 */
int32_t wtr_wal_watch(wtr_wal *wal, uint8_t *word, uint64_t len);

/*
 * Starts the appender thread and returns the file descriptor of the Unix socket it reports on
 * (the caller reads and closes it), or a negative status (-EINVAL if it already runs). For each
 * appended record the thread writes 16 bytes: the LSN (uint64 LE), the status of the append
 * (int32 LE, as wtr_wal_append returns it) and 4 zero bytes. wtr_wal_close stops the thread
 * after the records queued.
 */
int32_t wtr_wal_committer_start(wtr_wal *wal);

/*
 * Queues wtr_wal_append(wal, lsn, address, len, sync) for the appender thread and returns at once:
 * 0, or -EINVAL when the thread is not running. The `len` bytes at `address` must stay unchanged
 * until the record's report (or the completion word showing its LSN).
 */
int32_t wtr_wal_submit(wtr_wal *wal, uint64_t lsn, uint64_t address, uint64_t len, int32_t sync);

/* The address of `buf` as an integer, for wtr_wal_submit. */
uint64_t wtr_wal_address(const uint8_t *buf);

/* fdatasyncs everything appended so far. Failure: as wtr_wal_append. */
int32_t wtr_wal_sync(wtr_wal *wal);

/*
 * Records up to and including `lsn` are stored elsewhere: every segment other than the one being
 * appended to whose live records all have LSN <= `lsn` is recycled (renamed to free-<seq>.wal
 * for reuse, or deleted beyond a pool of 4), with the directory synced after each.
 */
int32_t wtr_wal_checkpoint(wtr_wal *wal, uint64_t lsn);

/*
 * Writes WTR_WAL_STATS_FIELDS little-endian uint64 values to `out` (`cap` >= 40 bytes):
 *   segment files in use, free preallocated files, bytes appended since the last checkpoint,
 *   last LSN, synced LSN.
 * Returns the number of values written, or a status code.
 */
int32_t wtr_wal_stats(wtr_wal *wal, uint8_t *out, uint64_t cap);

/*
 * The message of the last failing call on this handle (UTF-8, no NUL), as wtr_wal_report
 * copies its JSON. Empty before any failure.
 */
int64_t wtr_wal_last_error(wtr_wal *wal, char *buf, uint64_t cap);

/*
 * For tests of callers: the next operation `op` (WTR_WAL_FAIL_APPEND or WTR_WAL_FAIL_SYNC)
 * fails with -`errno_value` as if the OS had reported it. An injected append failure strikes
 * after the record's bytes were written, as a real write error can.
 */
int32_t wtr_wal_inject_failure(wtr_wal *wal, int32_t op, int32_t errno_value);

/*
 * Syncs what was appended, stops the preallocation thread, releases the lock and frees the
 * handle, even when the final sync fails (its status is returned).
 */
int32_t wtr_wal_close(wtr_wal *wal);

/* CRC-32C (Castagnoli) of `len` bytes, chained from `seed` (0 to start). CPU only. */
uint32_t wtr_wal_crc32c(const uint8_t *buf, uint64_t len, uint32_t seed);

/* The same on the table-driven path, whatever the CPU has (for testing the two agree). */
uint32_t wtr_wal_crc32c_portable(const uint8_t *buf, uint64_t len, uint32_t seed);

/* 1 when wtr_wal_crc32c runs on the CPU's CRC instruction (SSE4.2), else 0. */
int32_t wtr_wal_crc32c_hardware(void);

#ifdef __cplusplus
}
#endif

#endif /* WTR_WAL_H */
