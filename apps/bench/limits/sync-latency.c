/*
 * The floor for apps/bench's native/sync-latency suite: the same loop as the JS
 * implementations, written straight against the syscalls, timed around each operation with
 * CLOCK_MONOTONIC. Nothing here is faster than the kernel and the disk allow, so the gap between
 * a JS row and this row is what Node, N-API and our addon add.
 *
 * usage: sync-latency <msync|fdatasync> <path> <file-bytes> <fill-chunk-bytes> <warmup-ms>
 *                     <time-ms> <min-samples> <max-samples>
 *
 * It creates <path>, preallocates it (posix_fallocate), writes zeros over it in pwrites of
 * <fill-chunk-bytes> (0: no fill, the extents stay unwritten as in a fresh annal segment) and
 * fsyncs, exactly as the JS side does. After a fill every measured sync flushes data only; without
 * one, each first write to a block also converts its extent (a journal commit). The chunk size
 * matters for msync: on Linux 6.18 ext4 caches a file in folios as large as the writes that
 * filled it, and msync writes back whole folios, so one dirty 4 KiB page costs a 1 MiB write
 * after 1 MiB fills. Then, operation i touches the
 * 4 KiB page i mod (file-bytes / 4096):
 *   msync:     memcpy 4 KiB into the MAP_SHARED mapping (pre-faulted for writing), then
 *              msync(MS_SYNC) of that page;
 *   fdatasync: pwrite 4 KiB at that offset, then fdatasync.
 * It warms up for <warmup-ms>, then measures until both <time-ms> have passed and
 * <min-samples> were taken (at most <max-samples>), and prints {"samplesNs":[...]} on stdout.
 * The caller removes <path>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14+; older headers lack the name */
#endif

enum { PAGE_BYTES = 4096, MAX_FILL_CHUNK_BYTES = 1 << 20 };

static void die(const char *what) {
  fprintf(stderr, "sync-latency: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static long long parse_count(const char *text, const char *name) {
  char *end = NULL;
  long long value = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value < 0) {
    fprintf(stderr, "sync-latency: %s must be a non-negative integer, got '%s'\n", name, text);
    exit(2);
  }
  return value;
}

static void prepare_file(int fd, size_t file_bytes, size_t fill_chunk_bytes) {
  int rc = posix_fallocate(fd, 0, (off_t)file_bytes);
  if (rc != 0) {
    errno = rc;
    die("posix_fallocate");
  }
  static unsigned char zeros[MAX_FILL_CHUNK_BYTES];
  for (size_t offset = 0; fill_chunk_bytes > 0 && offset < file_bytes;) {
    size_t length = file_bytes - offset < fill_chunk_bytes ? file_bytes - offset : fill_chunk_bytes;
    ssize_t written = pwrite(fd, zeros, length, (off_t)offset);
    if (written < 0) die("pwrite zeros");
    offset += (size_t)written;
  }
  if (fsync(fd) != 0) die("fsync");
}

struct loop {
  int fd;
  unsigned char *mapping; /* NULL in fdatasync mode */
  size_t page_count;
  unsigned char page[PAGE_BYTES];
};

/* One measured operation on page `index`; the caller times it. */
static void run_operation(struct loop *loop, size_t index) {
  size_t offset = (index % loop->page_count) * PAGE_BYTES;
  if (loop->mapping != NULL) {
    memcpy(loop->mapping + offset, loop->page, PAGE_BYTES);
    if (msync(loop->mapping + offset, PAGE_BYTES, MS_SYNC) != 0) die("msync");
  } else {
    if (pwrite(loop->fd, loop->page, PAGE_BYTES, (off_t)offset) != PAGE_BYTES) die("pwrite");
    if (fdatasync(loop->fd) != 0) die("fdatasync");
  }
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr,
            "usage: sync-latency <msync|fdatasync> <path> <file-bytes> <fill-chunk-bytes> "
            "<warmup-ms> <time-ms> <min-samples> <max-samples>\n");
    return 2;
  }
  const char *mode = argv[1];
  const char *path = argv[2];
  size_t file_bytes = (size_t)parse_count(argv[3], "file-bytes");
  size_t fill_chunk_bytes = (size_t)parse_count(argv[4], "fill-chunk-bytes");
  int64_t warmup_ns = parse_count(argv[5], "warmup-ms") * 1000000;
  int64_t time_ns = parse_count(argv[6], "time-ms") * 1000000;
  long long min_samples = parse_count(argv[7], "min-samples");
  long long max_samples = parse_count(argv[8], "max-samples");
  int use_msync = strcmp(mode, "msync") == 0;
  if (!use_msync && strcmp(mode, "fdatasync") != 0) {
    fprintf(stderr, "sync-latency: unknown mode '%s'\n", mode);
    return 2;
  }
  if (file_bytes < PAGE_BYTES || file_bytes % PAGE_BYTES != 0 || max_samples < 1 ||
      fill_chunk_bytes > MAX_FILL_CHUNK_BYTES) {
    fprintf(stderr,
            "sync-latency: file-bytes must be a multiple of 4096, fill-chunk-bytes within 0..1 MiB "
            "and max-samples >= 1\n");
    return 2;
  }

  static struct loop loop;
  loop.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (loop.fd < 0) die("open");
  prepare_file(loop.fd, file_bytes, fill_chunk_bytes);
  loop.page_count = file_bytes / PAGE_BYTES;
  memset(loop.page, 0xa5, sizeof loop.page);
  if (use_msync) {
    void *mapping = mmap(NULL, file_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, loop.fd, 0);
    if (mapping == MAP_FAILED) die("mmap");
    loop.mapping = mapping;
    /* MAP_POPULATE maps shared pages read-only; fault them in for writing as the addon's
     * prefaultAsync does, touching each page where the kernel lacks MADV_POPULATE_WRITE. */
    if (madvise(mapping, file_bytes, MADV_POPULATE_WRITE) != 0) {
      for (size_t offset = 0; offset < file_bytes; offset += PAGE_BYTES) {
        ((volatile unsigned char *)loop.mapping)[offset] = 0;
      }
    }
  }

  int64_t *samples = malloc((size_t)max_samples * sizeof *samples);
  if (samples == NULL) die("malloc");
  size_t index = 0;
  int64_t warmup_end = now_ns() + warmup_ns;
  do {
    run_operation(&loop, index++);
  } while (now_ns() < warmup_end);

  long long count = 0;
  int64_t start = now_ns();
  while (count < max_samples && (count < min_samples || now_ns() - start < time_ns)) {
    int64_t before = now_ns();
    run_operation(&loop, index++);
    samples[count++] = now_ns() - before;
  }

  fputs("{\"samplesNs\":[", stdout);
  for (long long i = 0; i < count; i++) printf(i == 0 ? "%lld" : ",%lld", (long long)samples[i]);
  fputs("]}\n", stdout);

  if (loop.mapping != NULL && munmap(loop.mapping, file_bytes) != 0) die("munmap");
  if (close(loop.fd) != 0) die("close");
  free(samples);
  return 0;
}
