// LD_PRELOAD shim for failure-injection tests: with ELASTIQ_FAIL_IO="write:N", "fsync:N" or
// "rename:N", the N-th call of that kind in this process (counted from 1; writes to regular files
// only) fails: writes with ENOSPC as on a full disk, fsync and rename with EIO. Without the variable
// every call passes through. ELASTIQ_FAIL_IO_LOG=FILE appends "<pid> <kind> <calls>" at exit, so a
// test knows how many calls a command makes.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* kKinds[] = {"write", "fsync", "rename"};
enum { kWrite, kFsync, kRename, kKindCount };
static long calls[kKindCount];
static int fail_kind = -1;
static long fail_at = 0;

static void report(void) {
  const char* log = getenv("ELASTIQ_FAIL_IO_LOG");
  if (!log) return;
  FILE* f = fopen(log, "a");
  if (!f) return;
  for (int k = 0; k < kKindCount; ++k) fprintf(f, "%d %s %ld\n", (int)getpid(), kKinds[k], calls[k]);
  fclose(f);
}

__attribute__((constructor)) static void setup(void) {
  const char* spec = getenv("ELASTIQ_FAIL_IO");
  if (spec) {
    for (int k = 0; k < kKindCount; ++k) {
      const size_t n = strlen(kKinds[k]);
      if (strncmp(spec, kKinds[k], n) == 0 && spec[n] == ':') {
        fail_kind = k;
        fail_at = atol(spec + n + 1);
      }
    }
  }
  atexit(report);
}

// Counts a call of `kind`; nonzero when this one must fail.
static int should_fail(int kind) { return ++calls[kind] == fail_at && fail_kind == kind; }

static int regular_file(int fd) {
  struct stat st;
  return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buf, size_t n) {
  if (regular_file(fd) && should_fail(kWrite)) return errno = ENOSPC, -1;
  return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  if (regular_file(fd) && should_fail(kWrite)) return errno = ENOSPC, -1;
  return NEXT(pwrite)(fd, buf, n, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  if (regular_file(fd) && should_fail(kWrite)) return errno = ENOSPC, -1;
  return NEXT(pwrite64)(fd, buf, n, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (regular_file(fd) && should_fail(kWrite)) return errno = ENOSPC, -1;
  return NEXT(writev)(fd, iov, count);
}

int fsync(int fd) {
  if (should_fail(kFsync)) return errno = EIO, -1;
  return NEXT(fsync)(fd);
}

int fdatasync(int fd) {
  if (should_fail(kFsync)) return errno = EIO, -1;
  return NEXT(fdatasync)(fd);
}

int rename(const char* from, const char* to) {
  if (should_fail(kRename)) return errno = EIO, -1;
  return NEXT(rename)(from, to);
}
