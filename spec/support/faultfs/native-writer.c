/*
 * A native program for faultfs.spec.ts: it changes files in the directory given as argv[1]
 * through the calls Rust's std makes (open64, pwrite64, pwritev, ftruncate64, fallocate,
 * fdatasync, fsync, renameat, unlinkat, dup) and O_DIRECT, prints "ready", and waits to be
 * killed. What it made durable before the first "unsynced" comment must survive the rollback;
 * nothing after it may.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define KIB 1024
#define MIB (1024 * 1024)

static void check(int ok, const char *what) {
  if (!ok) {
    perror(what);
    exit(1);
  }
}

static void fill(int fd, char c, size_t len, off_t off) {
  char *buf = malloc(len);
  memset(buf, c, len);
  check(pwrite64(fd, buf, len, off) == (ssize_t)len, "pwrite64");
  free(buf);
}

int main(int argc, char **argv) {
  check(argc == 2, "usage: native-writer DIR");
  int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
  check(dir >= 0, "open dir");
  char path[4096];

  snprintf(path, sizeof path, "%s/seg", argv[1]);
  int seg = open64(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  check(seg >= 0, "open64 seg");
  check(fallocate(seg, 0, 0, MIB) == 0, "fallocate");
  fill(seg, 'S', 4 * KIB, 0);
  check(fdatasync(seg) == 0, "fdatasync seg");

  int kept = openat64(dir, "kept", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  check(kept >= 0, "openat64 kept");
  check(write(kept, "kept contents\n", 14) == 14, "write kept");
  check(fsync(kept) == 0, "fsync kept");
  check(close(kept) == 0, "close kept");
  check(fsync(dir) == 0, "fsync dir");

  int direct = open64(path, O_RDWR | O_DIRECT | O_CLOEXEC);
  check(direct >= 0, "open64 O_DIRECT");
  void *aligned;
  check(posix_memalign(&aligned, 4 * KIB, 4 * KIB) == 0, "posix_memalign");
  memset(aligned, 'D', 4 * KIB);
  check(pwrite64(direct, aligned, 4 * KIB, 4 * KIB) == 4 * KIB, "pwrite64 O_DIRECT");
  check(fdatasync(direct) == 0, "fdatasync O_DIRECT");

  /* unsynced from here on */
  memset(aligned, 'E', 4 * KIB);
  check(pwrite64(direct, aligned, 4 * KIB, 8 * KIB) == 4 * KIB, "pwrite64 O_DIRECT unsynced");
  char x[100], y[100];
  memset(x, 'X', sizeof x);
  memset(y, 'Y', sizeof y);
  struct iovec iov[2] = {{x, sizeof x}, {y, sizeof y}};
  check(pwritev(seg, iov, 2, 0) == 200, "pwritev");
  check(ftruncate64(seg, 2 * MIB) == 0, "ftruncate64");
  int copy = dup(seg);
  check(copy >= 0, "dup");
  check(close(seg) == 0, "close seg");
  fill(copy, 'Z', 1, 500 * KIB);

  int fresh = openat64(dir, "new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  check(fresh >= 0, "openat64 new");
  check(write(fresh, "hello", 5) == 5, "write new");
  check(fdatasync(fresh) == 0, "fdatasync new");
  check(renameat(dir, "new", dir, "renamed") == 0, "renameat");
  check(unlinkat(dir, "kept", 0) == 0, "unlinkat kept");

  check(write(1, "ready\n", 6) == 6, "write ready");
  for (;;) pause();
}
