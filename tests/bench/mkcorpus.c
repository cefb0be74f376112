/*
 * mkcorpus — write a realistic JSONL text corpus for the ingest benchmark.
 *
 *   mkcorpus [-q] OUTPUT MB [DIR...]
 *
 * Walks the directories (default: the Python, Perl, C header and documentation
 * trees of this machine, whichever exist) and writes one JSON line per text file:
 *
 *   {"text": ..., "url": "file:///path", "timestamp": "2023-01-31T12:00:00Z",
 *    "lang": "python", "path": "/path"}
 *
 * until OUTPUT holds at least MB MiB (1 MiB = 1048576 bytes). OUTPUT "-" is stdout.
 *
 * Invariants:
 * - Deterministic: directory entries are visited in byte order (strcmp), directories
 *   are walked depth first, and a directory reached twice (by overlapping roots) is
 *   walked once. Same trees, same bytes out.
 * - Symbolic links are never followed (lstat, O_NOFOLLOW).
 * - Only regular files with a known text extension, 1 byte to 1 MiB, valid UTF-8
 *   (no overlongs, surrogates or NUL bytes) and a UTF-8 path are taken; a file whose
 *   contents equal an earlier one (64-bit hash of length + bytes) is skipped.
 * - OUTPUT is written to OUTPUT.tmp and renamed only when MB was reached, so a
 *   present OUTPUT is always complete. On failure nothing is left behind.
 *
 * Exit status: 0 when MB was reached, 1 when the trees held too little text,
 * 2 on usage or I/O errors. A summary goes to stderr.
 *
 * Uses libc only, so it builds without the library's dependencies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE_BYTES (1u << 20) /* larger files are skipped */
#define MAX_DEPTH      64         /* deeper directories are skipped */
#define MIB            1048576ull

static const char *const default_roots[] = {
    "/usr/lib/python3*", "/usr/share/doc", "/usr/include", "/usr/share/perl*",
    "/root/.pyenv", "/usr/local/lib/python3*", "/usr/share",
};

static const struct {
    const char *ext;
    const char *lang;
} lang_by_ext[] = {
    {".py", "python"}, {".txt", "text"},  {".rst", "rst"},       {".md", "markdown"},
    {".c", "c"},       {".h", "c"},       {".pl", "perl"},       {".pm", "perl"},
    {".html", "html"}, {".css", "css"},   {".js", "javascript"}, {".json", "json"},
    {".sh", "shell"},  {".tcl", "tcl"},
};

/* A growable set of 64-bit keys (open addressing, linear probing). Key 0 is
 * reserved for "empty"; callers map a real 0 to 1. */
struct set64 {
    uint64_t *slot;
    size_t cap; /* power of two */
    size_t len;
};

static bool set64_grow(struct set64 *s)
{
    size_t cap = s->cap ? s->cap * 2 : 4096;
    uint64_t *slot = calloc(cap, sizeof(*slot));
    if (!slot)
        return false;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t k = s->slot[i];
        if (!k)
            continue;
        size_t j = (size_t)(k * 0x9e3779b97f4a7c15ull >> 17) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = k;
    }
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return true;
}

/* Inserts key; returns 1 if it was new, 0 if present, -1 when out of memory. */
static int set64_add(struct set64 *s, uint64_t key)
{
    if (!key)
        key = 1;
    if ((s->len + 1) * 2 > s->cap && !set64_grow(s))
        return -1;
    size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull >> 17) & (s->cap - 1);
    while (s->slot[j]) {
        if (s->slot[j] == key)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = key;
    s->len++;
    return 1;
}

/* 64-bit content hash: 8 bytes per step, multiply-rotate mixing, length folded in.
 * Not cryptographic; good enough to tell ~10^5 distinct files apart. */
static uint64_t hash64(const unsigned char *p, size_t n)
{
    const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
    uint64_t h = k2 ^ (n * k1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w *= k2;
        w = (w << 31) | (w >> 33);
        h ^= w * k1;
        h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
    }
    uint64_t tail = 0;
    for (size_t j = 0; i + j < n; j++)
        tail |= (uint64_t)p[i + j] << (8 * j);
    h ^= tail * k1;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
 * NUL is rejected too: a text file does not contain one. */
static bool utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return false;
        i += len;
    }
    return true;
}

struct out {
    FILE *f;
    unsigned long long bytes;
    bool failed;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, o->f) != n)
        o->failed = true;
    o->bytes += n;
}

/* Writes p as the inside of a JSON string (RFC 8259): quote, backslash and the
 * C0 controls are escaped; valid UTF-8 passes through unchanged. */
static void put_json_string(struct out *o, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, p + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
            break;
        }
        put(o, esc, elen);
    }
    put(o, p + run, n - run);
}

/* file:// URL of an absolute path: bytes outside RFC 3986 unreserved and "/"
 * are percent-encoded. */
static void put_file_url(struct out *o, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    put(o, "file://", 7);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            put(o, p, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(o, e, 3);
        }
    }
}

struct walk {
    struct out out;
    unsigned long long target;
    struct set64 content; /* hashes of contents written */
    struct set64 dirs;    /* (dev, ino) of directories walked */
    dev_t out_dev;
    ino_t out_ino;
    unsigned char *buf; /* MAX_FILE_BYTES */
    unsigned long long records, text_bytes, seen, dup, bad_utf8, too_big, unreadable;
    bool done, oom;
};

static const char *lang_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return NULL;
    for (size_t i = 0; i < sizeof(lang_by_ext) / sizeof(lang_by_ext[0]); i++)
        if (strcmp(dot, lang_by_ext[i].ext) == 0)
            return lang_by_ext[i].lang;
    return NULL;
}

/* Reads the whole regular file into w->buf without following a symlink;
 * returns its length, or -1 (unreadable, changed type, or too big). */
static long read_file(struct walk *w, const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    long n = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE_BYTES)
        goto out_close;
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, w->buf + got, MAX_FILE_BYTES + 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto out_close;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > MAX_FILE_BYTES) /* grew while we read */
            goto out_close;
    }
    n = (long)got;
out_close:
    close(fd);
    return n;
}

static void take_file(struct walk *w, const char *path, const struct stat *st, const char *lang)
{
    w->seen++;
    if (st->st_size > (off_t)MAX_FILE_BYTES) {
        w->too_big++;
        return;
    }
    if (st->st_dev == w->out_dev && st->st_ino == w->out_ino)
        return;
    long n = read_file(w, path);
    if (n < 0) {
        w->unreadable++;
        return;
    }
    if (n == 0)
        return;
    if (!utf8_valid(w->buf, (size_t)n)) {
        w->bad_utf8++;
        return;
    }
    int fresh = set64_add(&w->content, hash64(w->buf, (size_t)n));
    if (fresh < 0) {
        w->oom = w->done = true;
        return;
    }
    if (!fresh) {
        w->dup++;
        return;
    }

    char ts[32];
    struct tm tm;
    time_t mtime = st->st_mtime;
    if (!gmtime_r(&mtime, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
        strcpy(ts, "1970-01-01T00:00:00Z");

    struct out *o = &w->out;
    put(o, "{\"text\": \"", 10);
    put_json_string(o, w->buf, (size_t)n);
    put(o, "\", \"url\": \"", 11);
    put_file_url(o, path);
    put(o, "\", \"timestamp\": \"", 17);
    put(o, ts, strlen(ts));
    put(o, "\", \"lang\": \"", 12);
    put(o, lang, strlen(lang));
    put(o, "\", \"path\": \"", 12);
    put_json_string(o, (const unsigned char *)path, strlen(path));
    put(o, "\"}\n", 3);
    w->records++;
    w->text_bytes += (unsigned long long)n;
    if (o->failed || o->bytes >= w->target)
        w->done = true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct walk *w, const char *dir, int depth)
{
    struct stat st;
    if (depth > MAX_DEPTH || lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    /* Fold dev into the key so overlapping roots (/usr/share and /usr/share/doc)
     * are walked once. */
    int fresh = set64_add(&w->dirs, ((uint64_t)st.st_dev * 0x9e3779b97f4a7c15ull) ^ st.st_ino);
    if (fresh <= 0) {
        if (fresh < 0)
            w->oom = w->done = true;
        return;
    }
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                w->oom = w->done = true;
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(de->d_name))) {
            w->oom = w->done = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);

    size_t dlen = strlen(dir);
    bool slash = dlen && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n && !w->done; i++) {
        char *path;
        if (asprintf(&path, "%s%s%s", dir, slash ? "" : "/", names[i]) < 0) {
            w->oom = w->done = true;
            break;
        }
        if (lstat(path, &st) == 0) {
            const char *lang;
            if (S_ISDIR(st.st_mode))
                walk_dir(w, path, depth + 1);
            else if (S_ISREG(st.st_mode) && (lang = lang_of(names[i])) &&
                     utf8_valid((const unsigned char *)path, strlen(path)))
                take_file(w, path, &st, lang);
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void walk_root(struct walk *w, const char *root)
{
    struct stat st;
    if (lstat(root, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        walk_dir(w, root, 0);
    } else if (S_ISREG(st.st_mode)) {
        const char *base = strrchr(root, '/');
        const char *lang = lang_of(base ? base + 1 : root);
        if (lang)
            take_file(w, root, &st, lang);
    }
}

static void usage(void)
{
    fputs("usage: mkcorpus [-q] OUTPUT MB [DIR...]\n"
          "Writes at least MB MiB of JSONL (one line per text file under DIR...) to OUTPUT.\n",
          stderr);
}

int main(int argc, char **argv)
{
    bool quiet = false;
    int argi = 1;
    if (argi < argc && strcmp(argv[argi], "-q") == 0) {
        quiet = true;
        argi++;
    }
    if (argc - argi < 2) {
        usage();
        return 2;
    }
    const char *output = argv[argi];
    char *end;
    errno = 0;
    unsigned long long mb = strtoull(argv[argi + 1], &end, 10);
    if (errno || end == argv[argi + 1] || *end || mb == 0 || mb > (1ull << 30)) {
        usage();
        return 2;
    }
    argi += 2;

    struct walk w = {0};
    w.target = mb * MIB;
    w.buf = malloc(MAX_FILE_BYTES + 1);
    if (!w.buf) {
        fputs("mkcorpus: out of memory\n", stderr);
        return 2;
    }

    bool to_stdout = strcmp(output, "-") == 0;
    char *tmp = NULL;
    if (to_stdout) {
        w.out.f = stdout;
    } else {
        if (asprintf(&tmp, "%s.tmp", output) < 0) {
            fputs("mkcorpus: out of memory\n", stderr);
            return 2;
        }
        w.out.f = fopen(tmp, "wb");
        if (!w.out.f) {
            fprintf(stderr, "mkcorpus: %s: %s\n", tmp, strerror(errno));
            return 2;
        }
    }
    setvbuf(w.out.f, NULL, _IOFBF, 1 << 20);
    struct stat ost;
    if (fstat(fileno(w.out.f), &ost) == 0 && S_ISREG(ost.st_mode)) {
        w.out_dev = ost.st_dev;
        w.out_ino = ost.st_ino;
    }

    if (argi < argc) {
        for (int i = argi; i < argc && !w.done; i++)
            walk_root(&w, argv[i]);
    } else {
        for (size_t r = 0; r < sizeof(default_roots) / sizeof(default_roots[0]) && !w.done; r++) {
            glob_t g;
            if (glob(default_roots[r], GLOB_NOSORT, NULL, &g) != 0)
                continue;
            qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), cmp_names);
            for (size_t i = 0; i < g.gl_pathc && !w.done; i++)
                walk_root(&w, g.gl_pathv[i]);
            globfree(&g);
        }
    }

    int rc = 0;
    if (fflush(w.out.f) != 0 || ferror(w.out.f))
        w.out.failed = true;
    if (!to_stdout && fclose(w.out.f) != 0)
        w.out.failed = true;
    bool reached = w.out.bytes >= w.target;
    if (!quiet || !reached || w.out.failed || w.oom)
        fprintf(stderr,
                "mkcorpus: %llu records, %llu bytes (%.1f MiB of %llu MiB), text bytes %llu; "
                "files seen %llu, duplicates %llu, not UTF-8 %llu, over 1 MiB %llu, "
                "unreadable %llu\n",
                w.records, w.out.bytes, (double)w.out.bytes / MIB, mb, w.text_bytes, w.seen,
                w.dup, w.bad_utf8, w.too_big, w.unreadable);
    if (w.out.failed) {
        fprintf(stderr, "mkcorpus: %s: write failed: %s\n", to_stdout ? "stdout" : tmp,
                strerror(errno));
        rc = 2;
    } else if (w.oom) {
        fputs("mkcorpus: out of memory\n", stderr);
        rc = 2;
    } else if (!reached) {
        fprintf(stderr, "mkcorpus: only %.1f MiB of unique text found, %llu MiB asked\n",
                (double)w.out.bytes / MIB, mb);
        rc = 1;
    }
    if (!to_stdout) {
        if (rc == 0 && rename(tmp, output) != 0) {
            fprintf(stderr, "mkcorpus: rename %s: %s\n", output, strerror(errno));
            rc = 2;
        }
        if (rc != 0)
            unlink(tmp);
    }
    free(tmp);
    free(w.buf);
    free(w.content.slot);
    free(w.dirs.slot);
    return rc;
}
