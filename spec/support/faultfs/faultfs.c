/*
 * faultfs: an LD_PRELOAD shim that lets a spec simulate power loss.
 *
 * Every change to a file or directory entry under FAULTFS_DIR is first recorded in an undo
 * journal under FAULTFS_JOURNAL_DIR, written with the real write(2). A killed process leaves its
 * page cache behind, so the journal survives SIGKILL; spec/support/faultfs.ts then rolls every
 * file back to its contents at its last successful fsync/fdatasync, and every directory entry
 * back to its state at its directory's last successful fsync.
 *
 * Journal layout (all integers little-endian, the host order on the machines we run on):
 *   data-<dev>-<ino>-<gen>.undo   undo records for one inode since the fsync that began <gen>
 *   data-<dev>-<ino>-<gen>.lost   a generation whose fsync failed: its data never reached disk
 *   data-<dev>-<ino>-<gen>.synced a generation synced after a lost one (kept for its ranges)
 *   meta.log                      directory-entry operations and directory syncs
 *   keep-<seq>                    hard links that keep unlinked or replaced files restorable
 * An undo record is struct undo_header followed by saved_len old bytes that were at write_off.
 * A meta record is struct meta_header followed by up to three paths (no terminators).
 *
 * Fault injection: FAULTFS_CONTROL names a file read before every tracked operation. While it
 * says "enospc", writes and preallocations of tracked files fail with ENOSPC; while it says
 * "eio-fsync", fsync/fdatasync of tracked files and directories fail with EIO and, as Linux
 * does after a writeback error, the data they should have made durable is treated as lost.
 *
 * Not covered: mmap writes, io_uring, raw syscall(2), stdio (glibc calls itself internally),
 * copy_file_range/sendfile issued through syscall(2), FICLONE, RENAME_EXCHANGE, symlinks that
 * lead into the watched directory from outside, and write(2) races on one shared file offset.
 *
 * Build: cc -shared -fPIC -O2 -o faultfs.so faultfs.c -ldl -lpthread
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FD_LIMIT 65536
#define UNDO_MAGIC 0x52554646u /* "FFUR" */
#define META_MAGIC 0x544d4646u /* "FFMT" */

enum meta_kind {
  META_CREATE = 1,  /* path: a file or link that did not exist */
  META_MKDIR = 2,   /* path: a directory that did not exist */
  META_RENAME = 3,  /* old, new, keep name of the file new replaced (or empty) */
  META_UNLINK = 4,  /* path, keep name of its inode (or empty when it could not be kept) */
  META_RMDIR = 5,   /* path */
  META_DIRSYNC = 6, /* directory path: every entry change in it with a lower seq is durable */
  META_SYNCALL = 7  /* sync(2)/syncfs(2): every change with a lower seq is durable */
};

enum fault { FAULT_NONE, FAULT_ENOSPC, FAULT_EIO_FSYNC };

struct undo_header {
  uint32_t magic;
  uint32_t reserved;
  uint64_t seq;
  uint64_t write_off; /* first byte the operation may change */
  uint64_t write_len; /* bytes it may change from write_off */
  uint64_t old_size;  /* file size before the operation */
  uint64_t saved_len; /* old bytes saved from write_off (those below old_size) */
};

struct meta_header {
  uint32_t magic;
  uint32_t kind;
  uint64_t seq;
  uint32_t len[3];
  uint32_t reserved;
};

/* An undo record whose operation has not returned yet: a concurrent fsync may not cover it. */
struct pending {
  struct pending *prev, *next;
  struct undo_header header;
  unsigned char *old;
};

/* One tracked inode. Never freed: its generation bookkeeping outlives its descriptors. */
struct node {
  dev_t dev;
  ino_t ino;
  int is_dir;
  char *path;
  int refs;        /* tracked descriptors open on it */
  int shadow_fd;   /* plain read-only descriptor for saving old bytes (works beside O_DIRECT) */
  int journal_fd;  /* current generation's undo file, opened on its first record */
  uint64_t gen;
  uint64_t gen_records;
  int lost;        /* generations whose fsync failed */
  uint64_t *unsettled; /* generations rotated out by a sync that has not succeeded or failed yet */
  size_t unsettled_count, unsettled_cap;
  uint64_t sync_all_gen; /* the generation a running sync(2) or syncfs(2) ended */
  struct pending *head, *tail;
  struct node *next_node;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active;
static char watch_real[PATH_MAX], watch_raw[PATH_MAX], journal_dir[PATH_MAX], control_path[PATH_MAX];
static size_t watch_real_len, watch_raw_len;
static struct node *fds[FD_LIMIT];
static struct node *nodes;
static uint64_t seq_counter;
static int meta_fd = -1;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_creat)(const char *, mode_t);
static int (*real_creat64)(const char *, mode_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev64v2)(int, const struct iovec *, int, off64_t, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_fallocate64)(int, int, off64_t, off64_t);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_posix_fallocate64)(int, off64_t, off64_t);
static ssize_t (*real_sendfile)(int, int, off_t *, size_t);
static ssize_t (*real_sendfile64)(int, int, off64_t *, size_t);
static ssize_t (*real_copy_file_range)(int, off64_t *, int, off64_t *, size_t, unsigned);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static void (*real_sync)(void);
static int (*real_syncfs)(int);
static int (*real_close)(int);
static int (*real_dup)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_fcntl)(int, int, ...);
static int (*real_fcntl64)(int, int, ...);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_rmdir)(const char *);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);

#define RESOLVE(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name)
/* A symbol this libc lacks fails the call as the kernel would for an unknown syscall. */
#define NEED(name)      \
  do {                  \
    init();             \
    if (!real_##name) { \
      errno = ENOSYS;   \
      return -1;        \
    }                   \
  } while (0)

static void say(const char *message, const char *detail) {
  char line[PATH_MAX + 256];
  int n = snprintf(line, sizeof line, "faultfs: %s%s%s\n", message, detail ? " " : "", detail ? detail : "");
  if (n > 0 && real_write) real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* A journal that cannot be written would make the rollback unsound: stop loudly instead. */
static void die(const char *message, const char *detail) {
  say(message, detail);
  abort();
}

static uint64_t next_seq(void) { return __atomic_add_fetch(&seq_counter, 1, __ATOMIC_SEQ_CST); }

/* Lexical normalisation of an absolute path: no ".", "..", empty components or trailing slash. */
static void normalise(const char *in, char *out) {
  size_t len = 0;
  const char *p = in;
  while (*p) {
    while (*p == '/') p++;
    const char *start = p;
    while (*p && *p != '/') p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || (n == 1 && start[0] == '.')) continue;
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      while (len > 0 && out[len - 1] != '/') len--;
      if (len > 0) len--;
      continue;
    }
    if (len + 1 + n >= PATH_MAX) break;
    out[len++] = '/';
    memcpy(out + len, start, n);
    len += n;
  }
  if (len == 0) out[len++] = '/';
  out[len] = 0;
}

static int has_prefix(const char *path, const char *prefix, size_t n) {
  return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* The absolute path (dirfd, path) names, rewritten to start with the real watched directory;
 * 0 when it lies outside it (or inside the journal directory). */
static int resolve(int dirfd, const char *path, char *out) {
  if (!active || !path) return 0;
  char joined[2 * PATH_MAX], norm[PATH_MAX];
  if (path[0] == '/') {
    snprintf(joined, sizeof joined, "%s", path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!getcwd(base, sizeof base)) return 0;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(link, base, sizeof base - 1);
      if (n <= 0) return 0;
      base[n] = 0;
    }
    snprintf(joined, sizeof joined, "%s/%s", base, path);
  }
  normalise(joined, norm);
  if (has_prefix(norm, watch_real, watch_real_len)) {
    snprintf(out, PATH_MAX, "%s", norm);
  } else if (has_prefix(norm, watch_raw, watch_raw_len)) {
    snprintf(out, PATH_MAX, "%s%s", watch_real, norm + watch_raw_len);
  } else {
    return 0;
  }
  return !has_prefix(out, journal_dir, strlen(journal_dir));
}

static void child_after_fork(void) { pthread_mutex_init(&lock, NULL); }
static void lock_before_fork(void) { pthread_mutex_lock(&lock); }
static void unlock_after_fork(void) { pthread_mutex_unlock(&lock); }

static void init_body(void) {
  RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64); RESOLVE(creat); RESOLVE(creat64);
  RESOLVE(write); RESOLVE(pwrite); RESOLVE(pwrite64); RESOLVE(writev); RESOLVE(pwritev);
  RESOLVE(pwritev64); RESOLVE(pwritev2); RESOLVE(pwritev64v2);
  RESOLVE(ftruncate); RESOLVE(ftruncate64); RESOLVE(fallocate); RESOLVE(fallocate64);
  RESOLVE(posix_fallocate); RESOLVE(posix_fallocate64);
  RESOLVE(sendfile); RESOLVE(sendfile64); RESOLVE(copy_file_range);
  RESOLVE(fsync); RESOLVE(fdatasync); RESOLVE(sync); RESOLVE(syncfs);
  RESOLVE(close); RESOLVE(dup); RESOLVE(dup2); RESOLVE(dup3); RESOLVE(fcntl); RESOLVE(fcntl64);
  RESOLVE(rename); RESOLVE(renameat); RESOLVE(renameat2); RESOLVE(unlink); RESOLVE(unlinkat);
  RESOLVE(rmdir); RESOLVE(mkdir); RESOLVE(mkdirat); RESOLVE(link); RESOLVE(linkat);

  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  seq_counter = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
  pthread_atfork(lock_before_fork, unlock_after_fork, child_after_fork);

  const char *watch = getenv("FAULTFS_DIR");
  const char *journal = getenv("FAULTFS_JOURNAL_DIR");
  const char *control = getenv("FAULTFS_CONTROL");
  if (!watch || !*watch || !journal || !*journal) return;
  char cwd[PATH_MAX], joined[2 * PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  snprintf(joined, sizeof joined, "%s/%s", watch[0] == '/' ? "" : cwd, watch);
  normalise(joined, watch_raw);
  if (!realpath(watch_raw, watch_real)) snprintf(watch_real, sizeof watch_real, "%s", watch_raw);
  watch_raw_len = strlen(watch_raw);
  watch_real_len = strlen(watch_real);
  real_mkdir(journal, 0755);
  if (!realpath(journal, journal_dir)) die("cannot open FAULTFS_JOURNAL_DIR", journal);
  if (strlen(journal_dir) > PATH_MAX - 128) die("FAULTFS_JOURNAL_DIR is too long:", journal_dir);
  if (has_prefix(journal_dir, watch_real, watch_real_len))
    die("FAULTFS_JOURNAL_DIR must lie outside FAULTFS_DIR:", journal_dir);
  if (control && *control) snprintf(control_path, sizeof control_path, "%s", control);
  active = 1;
}

static void init(void) { pthread_once(&init_once, init_body); }

static enum fault current_fault(void) {
  if (!control_path[0]) return FAULT_NONE;
  int fd = real_open64(control_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FAULT_NONE;
  char text[32];
  ssize_t n = read(fd, text, sizeof text - 1);
  real_close(fd);
  if (n <= 0) return FAULT_NONE;
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r')) n--;
  text[n] = 0;
  if (strcmp(text, "enospc") == 0) return FAULT_ENOSPC;
  if (strcmp(text, "eio-fsync") == 0) return FAULT_EIO_FSYNC;
  return FAULT_NONE;
}

static void write_all(int fd, const void *data, size_t len, const char *what) {
  const unsigned char *p = data;
  while (len > 0) {
    ssize_t n = real_write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot write journal", what);
    p += n;
    len -= (size_t)n;
  }
}

/* ---- tracked inodes and descriptors (callers hold the lock unless stated) ---- */

static struct node *tracked(int fd) {
  if (fd < 0 || fd >= FD_LIMIT) return NULL;
  return __atomic_load_n(&fds[fd], __ATOMIC_ACQUIRE);
}

static void node_release(struct node *nd) {
  if (--nd->refs > 0) return;
  if (nd->shadow_fd >= 0) real_close(nd->shadow_fd);
  if (nd->journal_fd >= 0) real_close(nd->journal_fd);
  nd->shadow_fd = nd->journal_fd = -1;
}

static void forget_fd(int fd) {
  struct node *nd = tracked(fd);
  if (!nd) return;
  __atomic_store_n(&fds[fd], NULL, __ATOMIC_RELEASE);
  node_release(nd);
}

static struct node *node_get(dev_t dev, ino_t ino, int is_dir, const char *path) {
  for (struct node *nd = nodes; nd; nd = nd->next_node)
    if (nd->dev == dev && nd->ino == ino) return nd;
  struct node *nd = calloc(1, sizeof *nd);
  if (!nd) die("out of memory", NULL);
  nd->dev = dev;
  nd->ino = ino;
  nd->is_dir = is_dir;
  nd->path = strdup(path);
  nd->shadow_fd = nd->journal_fd = -1;
  nd->gen = next_seq();
  nd->next_node = nodes;
  nodes = nd;
  return nd;
}

static void remember_fd(int fd, struct node *nd) {
  if (fd < 0) return;
  if (fd >= FD_LIMIT) {
    say("descriptor beyond the tracking table, writes through it are not journalled:", nd->path);
    return;
  }
  forget_fd(fd);
  nd->refs++;
  __atomic_store_n(&fds[fd], nd, __ATOMIC_RELEASE);
}

/* Starts tracking a descriptor just opened on a path under the watched directory. */
static void track_opened(int fd, const char *path) {
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return;
  pthread_mutex_lock(&lock);
  remember_fd(fd, node_get(st.st_dev, st.st_ino, S_ISDIR(st.st_mode), path));
  pthread_mutex_unlock(&lock);
}

/* The descriptor's node, checked against the inode it is open on now: a descriptor closed
 * behind the shim's back (glibc-internal closes, close_range) and reused must not be journalled
 * as the old file. Returns NULL (and forgets the descriptor) on a mismatch. */
static struct node *verified(int fd, struct stat *st) {
  struct node *nd = tracked(fd);
  if (!nd) return NULL;
  if (fstat(fd, st) != 0 || st->st_dev != nd->dev || st->st_ino != nd->ino) {
    forget_fd(fd);
    return NULL;
  }
  return nd;
}

static void journal_name(const struct node *nd, uint64_t gen, const char *state, char *out) {
  snprintf(out, PATH_MAX, "%s/data-%llu-%llu-%016llx.%s", journal_dir, (unsigned long long)nd->dev,
           (unsigned long long)nd->ino, (unsigned long long)gen, state);
}

static void journal_append(struct node *nd, const struct pending *p) {
  char name[PATH_MAX];
  journal_name(nd, nd->gen, "undo", name);
  if (nd->journal_fd < 0) {
    nd->journal_fd = real_open64(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (nd->journal_fd < 0) die("cannot open journal", name);
  }
  write_all(nd->journal_fd, &p->header, sizeof p->header, name);
  if (p->header.saved_len) write_all(nd->journal_fd, p->old, p->header.saved_len, name);
  nd->gen_records++;
}

static int shadow(struct node *nd, int fd) {
  if (nd->shadow_fd < 0) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    nd->shadow_fd = real_open64(link, O_RDONLY | O_CLOEXEC);
    if (nd->shadow_fd < 0) die("cannot reopen for reading", nd->path);
  }
  return nd->shadow_fd;
}

/* Saves what an operation on [off, off + len) may overwrite, before it runs. save_bytes is 0
 * for operations that only grow the file (preallocation), whose undo is a truncation. */
static struct pending *capture(struct node *nd, int read_fd, uint64_t off, uint64_t len, uint64_t size,
                               int save_bytes) {
  struct pending *p = calloc(1, sizeof *p);
  if (!p) die("out of memory", NULL);
  uint64_t saved = save_bytes && off < size ? (len < size - off ? len : size - off) : 0;
  p->header = (struct undo_header){UNDO_MAGIC, 0, next_seq(), off, len, size, 0};
  if (saved) {
    p->old = malloc(saved);
    if (!p->old) die("out of memory", NULL);
    uint64_t got = 0;
    while (got < saved) {
      ssize_t n = pread64(read_fd, p->old + got, saved - got, (off64_t)(off + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die("cannot read old bytes of", nd->path);
      if (n == 0) break;
      got += (uint64_t)n;
    }
    saved = got;
  }
  p->header.saved_len = saved;
  journal_append(nd, p);
  p->prev = nd->tail;
  if (nd->tail) nd->tail->next = p; else nd->head = p;
  nd->tail = p;
  return p;
}

static void finish(struct node *nd, struct pending *p) {
  if (!p) return;
  pthread_mutex_lock(&lock);
  if (p->prev) p->prev->next = p->next; else nd->head = p->next;
  if (p->next) p->next->prev = p->prev; else nd->tail = p->prev;
  pthread_mutex_unlock(&lock);
  free(p->old);
  free(p);
}

/* Where an operation lands: at its own offset (pwrite, which O_APPEND overrides on Linux), at
 * the descriptor's position (write), or at its own offset whatever the flags (fallocate). */
enum at { AT_POSITION, AT_CURRENT, AT_POSITION_IGNORING_APPEND };

/* The common prologue of every data-changing call on fd: injects ENOSPC when asked (returns -1
 * with errno set), otherwise journals the range and returns 0 with *out set (NULL when fd is
 * not tracked). */
static int before_change(int fd, enum at at, uint64_t off, uint64_t len, int grows_only, int can_enospc,
                         struct node **node_out, struct pending **out) {
  *out = NULL;
  *node_out = NULL;
  if (!tracked(fd)) return 0;
  if (can_enospc && current_fault() == FAULT_ENOSPC) {
    errno = ENOSPC;
    return -1;
  }
  pthread_mutex_lock(&lock);
  struct stat st;
  struct node *nd = verified(fd, &st);
  if (nd && !nd->is_dir) {
    uint64_t size = (uint64_t)st.st_size;
    int flags = real_fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_APPEND) && at != AT_POSITION_IGNORING_APPEND) off = size;
    else if (at == AT_CURRENT) {
      off64_t cur = lseek64(fd, 0, SEEK_CUR);
      off = cur < 0 ? size : (uint64_t)cur;
    }
    if (len > 0 || off < size) {
      *out = capture(nd, shadow(nd, fd), off, len, size, !grows_only);
      *node_out = nd;
    }
  }
  pthread_mutex_unlock(&lock);
  return 0;
}

static size_t iov_total(const struct iovec *iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count && iov; i++) total += iov[i].iov_len;
  return total;
}

/* ---- fsync and friends ---- */

static void meta_append(uint32_t kind, uint64_t seq, const char *a, const char *b, const char *c) {
  const char *parts[3] = {a ? a : "", b ? b : "", c ? c : ""};
  struct meta_header h = {META_MAGIC, kind, seq, {0, 0, 0}, 0};
  for (int i = 0; i < 3; i++) h.len[i] = (uint32_t)strlen(parts[i]);
  char name[PATH_MAX];
  snprintf(name, sizeof name, "%s/meta.log", journal_dir);
  if (meta_fd < 0) {
    meta_fd = real_open64(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (meta_fd < 0) die("cannot open journal", name);
  }
  /* One write per record, so a kill cannot interleave half of it with another. */
  size_t total = sizeof h + h.len[0] + h.len[1] + h.len[2];
  unsigned char *buf = malloc(total);
  if (!buf) die("out of memory", NULL);
  memcpy(buf, &h, sizeof h);
  size_t at = sizeof h;
  for (int i = 0; i < 3; i++) {
    memcpy(buf + at, parts[i], h.len[i]);
    at += h.len[i];
  }
  write_all(meta_fd, buf, total, name);
  free(buf);
}

/* Starts a new generation for a sync that begins now, and returns the one it ends. Operations
 * still in flight may or may not be covered by that sync, so their records are copied to the
 * front of the new generation. */
static uint64_t rotate(struct node *nd) {
  uint64_t old = nd->gen;
  if (nd->gen_records > 0) {
    if (nd->unsettled_count == nd->unsettled_cap) {
      nd->unsettled_cap = nd->unsettled_cap ? 2 * nd->unsettled_cap : 4;
      nd->unsettled = realloc(nd->unsettled, nd->unsettled_cap * sizeof *nd->unsettled);
      if (!nd->unsettled) die("out of memory", NULL);
    }
    nd->unsettled[nd->unsettled_count++] = old;
  }
  if (nd->journal_fd >= 0) real_close(nd->journal_fd);
  nd->journal_fd = -1;
  nd->gen = next_seq();
  nd->gen_records = 0;
  for (struct pending *p = nd->head; p; p = p->next) journal_append(nd, p);
  if (nd->refs == 0 && nd->journal_fd >= 0) {
    real_close(nd->journal_fd);
    nd->journal_fd = -1;
  }
  return old;
}

/* Settles every generation up to `upto` once a sync that began after them has returned: gone
 * when the sync made them durable, kept as lost when it failed (Linux does not retry a failed
 * writeback), kept as synced when an older one was lost (the rollback needs their ranges). */
static void settle(struct node *nd, uint64_t upto, int ok) {
  size_t kept = 0;
  for (size_t i = 0; i < nd->unsettled_count; i++) {
    uint64_t gen = nd->unsettled[i];
    if (gen > upto) {
      nd->unsettled[kept++] = gen;
      continue;
    }
    char from[PATH_MAX], to[PATH_MAX];
    journal_name(nd, gen, "undo", from);
    if (ok && nd->lost == 0) {
      real_unlink(from);
      continue;
    }
    journal_name(nd, gen, ok ? "synced" : "lost", to);
    real_rename(from, to);
    if (!ok) nd->lost++;
  }
  nd->unsettled_count = kept;
}

static int sync_common(int fd, int data_only) {
  init();
  int (*call)(int) = data_only ? real_fdatasync : real_fsync;
  struct node *nd = tracked(fd);
  if (!nd) return call(fd);
  enum fault fault = current_fault();
  pthread_mutex_lock(&lock);
  struct stat st;
  nd = verified(fd, &st);
  uint64_t start = next_seq(), gen = 0;
  if (nd && !nd->is_dir) gen = rotate(nd);
  pthread_mutex_unlock(&lock);
  if (!nd) return call(fd);

  int rc, err;
  if (fault == FAULT_EIO_FSYNC) {
    rc = -1;
    err = EIO;
  } else {
    rc = call(fd);
    err = errno;
  }
  int failed_writeback = rc != 0 && err != EBADF && err != EINVAL && err != EROFS && err != EINTR;
  pthread_mutex_lock(&lock);
  if (nd->is_dir) {
    if (rc == 0) meta_append(META_DIRSYNC, start, nd->path, NULL, NULL);
  } else if (rc == 0 || failed_writeback) {
    settle(nd, gen, rc == 0);
  }
  /* A sync refused before it started (EBADF, EINVAL, EINTR) settles nothing: its generations
   * stay unsynced until a later sync settles them. */
  pthread_mutex_unlock(&lock);
  errno = err;
  return rc;
}

int fsync(int fd) { return sync_common(fd, 0); }
int fdatasync(int fd) { return sync_common(fd, 1); }

/* sync(2) and syncfs(2) make everything durable (the watched directory is on one filesystem). */
static int sync_everything(int (*call)(int), int fd) {
  pthread_mutex_lock(&lock);
  uint64_t start = next_seq();
  /* Nodes are only ever prepended, so the ones that exist now are the list from `first` on. */
  struct node *first = nodes;
  for (struct node *nd = first; nd; nd = nd->next_node) nd->sync_all_gen = nd->is_dir ? 0 : rotate(nd);
  pthread_mutex_unlock(&lock);
  int rc = 0;
  if (call) rc = call(fd); else real_sync();
  pthread_mutex_lock(&lock);
  for (struct node *nd = first; nd; nd = nd->next_node)
    if (!nd->is_dir) settle(nd, nd->sync_all_gen, rc == 0);
  if (rc == 0) meta_append(META_SYNCALL, start, NULL, NULL, NULL);
  pthread_mutex_unlock(&lock);
  return rc;
}

void sync(void) {
  init();
  if (!real_sync) return;
  if (!active) {
    real_sync();
    return;
  }
  (void)sync_everything(NULL, -1);
}

int syncfs(int fd) {
  NEED(syncfs);
  if (!active) return real_syncfs(fd);
  return sync_everything(real_syncfs, fd);
}

/* ---- writes ---- */

ssize_t write(int fd, const void *buf, size_t n) {
  NEED(write);
  struct node *nd;
  struct pending *p;
  if (before_change(fd, AT_CURRENT, 0, n, 0, 1, &nd, &p) != 0) return -1;
  ssize_t r = real_write(fd, buf, n);
  int e = errno;
  finish(nd, p);
  errno = e;
  return r;
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
  NEED(writev);
  struct node *nd;
  struct pending *p;
  if (before_change(fd, AT_CURRENT, 0, iov_total(iov, count), 0, 1, &nd, &p) != 0) return -1;
  ssize_t r = real_writev(fd, iov, count);
  int e = errno;
  finish(nd, p);
  errno = e;
  return r;
}

#define POSITIONAL(ret_call, off, len)                                                        \
  struct node *nd;                                                                            \
  struct pending *p;                                                                          \
  if (before_change(fd, (off) < 0 ? AT_CURRENT : AT_POSITION, (uint64_t)(off), (len), 0, 1, &nd, &p) != 0) \
    return -1;                                                                                \
  ssize_t r = ret_call;                                                                       \
  int e = errno;                                                                              \
  finish(nd, p);                                                                              \
  errno = e;                                                                                  \
  return r

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  NEED(pwrite);
  POSITIONAL(real_pwrite(fd, buf, n, off), off, n);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
  NEED(pwrite64);
  POSITIONAL(real_pwrite64(fd, buf, n, off), off, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t off) {
  NEED(pwritev);
  POSITIONAL(real_pwritev(fd, iov, count, off), off, iov_total(iov, count));
}

ssize_t pwritev64(int fd, const struct iovec *iov, int count, off64_t off) {
  NEED(pwritev64);
  POSITIONAL(real_pwritev64(fd, iov, count, off), off, iov_total(iov, count));
}

/* pwritev2 with offset -1 writes at the current position; RWF_APPEND at the end (as O_APPEND). */
ssize_t pwritev2(int fd, const struct iovec *iov, int count, off_t off, int flags) {
  NEED(pwritev2);
  POSITIONAL(real_pwritev2(fd, iov, count, off, flags), off, iov_total(iov, count));
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int count, off64_t off, int flags) {
  NEED(pwritev64v2);
  POSITIONAL(real_pwritev64v2(fd, iov, count, off, flags), off, iov_total(iov, count));
}

ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
  NEED(sendfile);
  int fd = out_fd;
  POSITIONAL(real_sendfile(out_fd, in_fd, offset, count), -1, count);
}

ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count) {
  NEED(sendfile64);
  int fd = out_fd;
  POSITIONAL(real_sendfile64(out_fd, in_fd, offset, count), -1, count);
}

ssize_t copy_file_range(int in_fd, off64_t *in_off, int out_fd, off64_t *out_off, size_t len, unsigned flags) {
  NEED(copy_file_range);
  int fd = out_fd;
  off64_t off = out_off ? *out_off : -1;
  POSITIONAL(real_copy_file_range(in_fd, in_off, out_fd, out_off, len, flags), off, len);
}

/* A size change journals the bytes a shrink cuts off, or the old size a growth extends. */
static int truncate_common(int fd, off64_t length, int is64) {
  init();
  struct stat st;
  struct node *nd = NULL;
  struct pending *p = NULL;
  if (tracked(fd) && length >= 0) {
    pthread_mutex_lock(&lock);
    nd = verified(fd, &st);
    if (nd && !nd->is_dir) {
      uint64_t size = (uint64_t)st.st_size, len = (uint64_t)length;
      uint64_t from = len < size ? len : size, span = len < size ? size - len : len - size;
      if (span) p = capture(nd, shadow(nd, fd), from, span, size, 1);
    }
    pthread_mutex_unlock(&lock);
  }
  int r = is64 ? real_ftruncate64(fd, length) : real_ftruncate(fd, (off_t)length);
  int e = errno;
  finish(nd, p);
  errno = e;
  return r;
}

int ftruncate(int fd, off_t length) {
  NEED(ftruncate);
  return truncate_common(fd, length, 0);
}

int ftruncate64(int fd, off64_t length) {
  NEED(ftruncate64);
  return truncate_common(fd, length, 1);
}

/* Preallocation only grows a file (undone by truncation); hole punching and zeroing change its
 * bytes; collapsing or inserting a range moves everything after it. */
static int allocate_common(int fd, int mode, off64_t off, off64_t len, int (*call)(int, int, off64_t, off64_t),
                           int posix) {
  if (!tracked(fd) || off < 0 || len <= 0) return call(fd, mode, off, len);
  int moves = mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE);
  int changes = mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE);
  struct node *nd;
  struct pending *p;
  uint64_t span = (uint64_t)len;
  if (moves) {
    struct stat st;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size > (uint64_t)off) span = (uint64_t)st.st_size - (uint64_t)off + (uint64_t)len;
  }
  if (before_change(fd, AT_POSITION_IGNORING_APPEND, (uint64_t)off, span, !(moves || changes),
                    !(mode & FALLOC_FL_PUNCH_HOLE), &nd, &p) != 0)
    return posix ? ENOSPC : -1;
  int r = call(fd, mode, off, len);
  int e = errno;
  finish(nd, p);
  errno = e;
  return r;
}

static int call_fallocate(int fd, int mode, off64_t off, off64_t len) { return real_fallocate(fd, mode, (off_t)off, (off_t)len); }
static int call_fallocate64(int fd, int mode, off64_t off, off64_t len) { return real_fallocate64(fd, mode, off, len); }
static int call_posix_fallocate(int fd, int mode, off64_t off, off64_t len) {
  (void)mode;
  return real_posix_fallocate(fd, (off_t)off, (off_t)len);
}
static int call_posix_fallocate64(int fd, int mode, off64_t off, off64_t len) {
  (void)mode;
  return real_posix_fallocate64(fd, off, len);
}

int fallocate(int fd, int mode, off_t off, off_t len) {
  NEED(fallocate);
  return allocate_common(fd, mode, off, len, call_fallocate, 0);
}

int fallocate64(int fd, int mode, off64_t off, off64_t len) {
  NEED(fallocate64);
  return allocate_common(fd, mode, off, len, call_fallocate64, 0);
}

int posix_fallocate(int fd, off_t off, off_t len) {
  init();
  if (!real_posix_fallocate) return ENOSYS;
  return allocate_common(fd, 0, off, len, call_posix_fallocate, 1);
}

int posix_fallocate64(int fd, off64_t off, off64_t len) {
  init();
  if (!real_posix_fallocate64) return ENOSYS;
  return allocate_common(fd, 0, off, len, call_posix_fallocate64, 1);
}

/* ---- opening, closing, duplicating ---- */

enum open_kind { OPEN, OPEN64, OPENAT, OPENAT64 };

static int call_open(enum open_kind kind, int dirfd, const char *path, int flags, mode_t mode) {
  switch (kind) {
    case OPEN: return real_open(path, flags, mode);
    case OPEN64: return real_open64(path, flags, mode);
    case OPENAT: return real_openat(dirfd, path, flags, mode);
    default: return real_openat64(dirfd, path, flags, mode);
  }
}

/* O_TRUNC on an existing file journals its whole contents before the open empties it. */
static void capture_truncation(int dirfd, const char *path, const char *abs, const struct stat *st) {
  int fd = real_openat64(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  pthread_mutex_lock(&lock);
  struct node *nd = node_get(st->st_dev, st->st_ino, 0, abs);
  struct pending *p = capture(nd, fd, 0, (uint64_t)st->st_size, (uint64_t)st->st_size, 1);
  if (p->prev) p->prev->next = NULL; else nd->head = NULL;
  nd->tail = p->prev;
  if (nd->refs == 0 && nd->journal_fd >= 0) {
    real_close(nd->journal_fd);
    nd->journal_fd = -1;
  }
  pthread_mutex_unlock(&lock);
  real_close(fd);
  free(p->old);
  free(p);
}

static int open_common(enum open_kind kind, int dirfd, const char *path, int flags, mode_t mode) {
  char abs[PATH_MAX];
  if (!resolve(kind == OPEN || kind == OPEN64 ? AT_FDCWD : dirfd, path, abs))
    return call_open(kind, dirfd, path, flags, mode);
  int at = kind == OPEN || kind == OPEN64 ? AT_FDCWD : dirfd;
  struct stat st;
  int existed = fstatat(at, path, &st, 0) == 0;
  if (existed && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && S_ISREG(st.st_mode) && st.st_size > 0)
    capture_truncation(at, path, abs, &st);
  int fd = call_open(kind, dirfd, path, flags, mode);
  if (fd < 0) return fd;
  int e = errno;
  track_opened(fd, abs);
  if ((flags & O_CREAT) && !existed) {
    pthread_mutex_lock(&lock);
    meta_append(META_CREATE, next_seq(), abs, NULL, NULL);
    pthread_mutex_unlock(&lock);
  }
  errno = e;
  return fd;
}

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
  NEED(open);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(OPEN, AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
  NEED(open64);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(OPEN64, AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
  NEED(openat);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(OPENAT, dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
  NEED(openat64);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(OPENAT64, dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode) {
  NEED(open);
  return open_common(OPEN, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int creat64(const char *path, mode_t mode) {
  NEED(open64);
  return open_common(OPEN64, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int close(int fd) {
  NEED(close);
  if (tracked(fd)) {
    pthread_mutex_lock(&lock);
    forget_fd(fd);
    pthread_mutex_unlock(&lock);
  }
  return real_close(fd);
}

static int copy_tracking(int from, int to) {
  if (to < 0) return to;
  int e = errno;
  struct node *nd = tracked(from);
  if (nd || tracked(to)) {
    pthread_mutex_lock(&lock);
    forget_fd(to);
    if (nd) remember_fd(to, nd);
    pthread_mutex_unlock(&lock);
  }
  errno = e;
  return to;
}

int dup(int fd) {
  NEED(dup);
  return copy_tracking(fd, real_dup(fd));
}

int dup2(int fd, int to) {
  NEED(dup2);
  if (fd == to) return real_dup2(fd, to);
  return copy_tracking(fd, real_dup2(fd, to));
}

int dup3(int fd, int to, int flags) {
  NEED(dup3);
  return copy_tracking(fd, real_dup3(fd, to, flags));
}

static int fcntl_common(int (*call)(int, int, ...), int fd, int cmd, void *arg) {
  int r = call(fd, cmd, arg);
  if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0) copy_tracking(fd, r);
  return r;
}

int fcntl(int fd, int cmd, ...) {
  NEED(fcntl);
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  return fcntl_common(real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  NEED(fcntl64);
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  return fcntl_common(real_fcntl64, fd, cmd, arg);
}

/* ---- directory entries ---- */

/* Keeps an inode that an unlink or a replacing rename is about to drop, so the rollback can
 * bring it back: a hard link in the journal directory, or a copy when linking fails. */
static int keep(const char *abs, char *name) {
  struct stat st;
  if (lstat(abs, &st) != 0 || S_ISDIR(st.st_mode)) return 0;
  snprintf(name, PATH_MAX, "%s/keep-%016llx", journal_dir, (unsigned long long)next_seq());
  if (real_linkat(AT_FDCWD, abs, AT_FDCWD, name, 0) == 0) return 1;
  if (!S_ISREG(st.st_mode)) return 0;
  int in = real_open64(abs, O_RDONLY | O_CLOEXEC);
  int out = real_open64(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  int ok = in >= 0 && out >= 0;
  char buf[65536];
  ssize_t n;
  while (ok && (n = read(in, buf, sizeof buf)) > 0) write_all(out, buf, (size_t)n, name);
  if (in >= 0) real_close(in);
  if (out >= 0) real_close(out);
  return ok;
}

static void forget_kept(int kept, const char *name) {
  if (kept) real_unlink(name);
}

static int rename_common(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags,
                         int kind) {
  char from[PATH_MAX], to[PATH_MAX], kept_name[PATH_MAX] = "";
  int from_in = resolve(olddirfd, oldpath, from), to_in = resolve(newdirfd, newpath, to);
  int call_rc;
#define CALL_RENAME()                                                                   \
  (kind == 0   ? real_rename(oldpath, newpath)                                          \
   : kind == 1 ? real_renameat(olddirfd, oldpath, newdirfd, newpath)                    \
               : real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags))
  if ((!from_in && !to_in) || (flags & RENAME_EXCHANGE)) return CALL_RENAME();
  pthread_mutex_lock(&lock);
  int replaced = to_in && !(flags & RENAME_NOREPLACE) && strcmp(from, to) != 0 && keep(to, kept_name);
  int kept_from = 0;
  if (from_in && !to_in) kept_from = keep(from, kept_name);
  pthread_mutex_unlock(&lock);
  call_rc = CALL_RENAME();
  int e = errno;
  pthread_mutex_lock(&lock);
  if (call_rc != 0) {
    forget_kept(replaced || kept_from, kept_name);
  } else if (from_in && to_in) {
    meta_append(META_RENAME, next_seq(), from, to, replaced ? kept_name : NULL);
  } else if (to_in) {
    meta_append(META_CREATE, next_seq(), to, NULL, NULL);
  } else {
    meta_append(META_UNLINK, next_seq(), from, kept_from ? kept_name : NULL, NULL);
  }
  pthread_mutex_unlock(&lock);
  errno = e;
  return call_rc;
#undef CALL_RENAME
}

int rename(const char *oldpath, const char *newpath) {
  NEED(rename);
  return rename_common(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0, 0);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
  NEED(renameat);
  return rename_common(olddirfd, oldpath, newdirfd, newpath, 0, 1);
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
  NEED(renameat2);
  return rename_common(olddirfd, oldpath, newdirfd, newpath, flags, 2);
}

static int unlink_common(int dirfd, const char *path, int flags, int kind) {
  char abs[PATH_MAX], kept_name[PATH_MAX] = "";
#define CALL_UNLINK() \
  (kind == 0 ? real_unlink(path) : kind == 1 ? real_unlinkat(dirfd, path, flags) : real_rmdir(path))
  if (!resolve(kind == 1 ? dirfd : AT_FDCWD, path, abs)) return CALL_UNLINK();
  int is_dir = kind == 2 || (flags & AT_REMOVEDIR);
  pthread_mutex_lock(&lock);
  int kept = !is_dir && keep(abs, kept_name);
  pthread_mutex_unlock(&lock);
  int rc = CALL_UNLINK();
  int e = errno;
  pthread_mutex_lock(&lock);
  if (rc != 0) forget_kept(kept, kept_name);
  else if (is_dir) meta_append(META_RMDIR, next_seq(), abs, NULL, NULL);
  else meta_append(META_UNLINK, next_seq(), abs, kept ? kept_name : NULL, NULL);
  pthread_mutex_unlock(&lock);
  errno = e;
  return rc;
#undef CALL_UNLINK
}

int unlink(const char *path) {
  NEED(unlink);
  return unlink_common(AT_FDCWD, path, 0, 0);
}

int unlinkat(int dirfd, const char *path, int flags) {
  NEED(unlinkat);
  return unlink_common(dirfd, path, flags, 1);
}

int rmdir(const char *path) {
  NEED(rmdir);
  return unlink_common(AT_FDCWD, path, 0, 2);
}

static int record_new_entry(int dirfd, const char *path, int rc, uint32_t kind) {
  char abs[PATH_MAX];
  if (rc != 0 || !resolve(dirfd, path, abs)) return rc;
  int e = errno;
  pthread_mutex_lock(&lock);
  meta_append(kind, next_seq(), abs, NULL, NULL);
  pthread_mutex_unlock(&lock);
  errno = e;
  return rc;
}

int mkdir(const char *path, mode_t mode) {
  NEED(mkdir);
  return record_new_entry(AT_FDCWD, path, real_mkdir(path, mode), META_MKDIR);
}

int mkdirat(int dirfd, const char *path, mode_t mode) {
  NEED(mkdirat);
  return record_new_entry(dirfd, path, real_mkdirat(dirfd, path, mode), META_MKDIR);
}

int link(const char *oldpath, const char *newpath) {
  NEED(link);
  return record_new_entry(AT_FDCWD, newpath, real_link(oldpath, newpath), META_CREATE);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags) {
  NEED(linkat);
  return record_new_entry(newdirfd, newpath, real_linkat(olddirfd, oldpath, newdirfd, newpath, flags), META_CREATE);
}
