/*
 * mkneardup — write a corpus with planted near-duplicates, and its truth.
 *
 *   mkneardup OUT.jsonl TRUTH.tsv [--docs N] [--seed S]
 *
 * OUT.jsonl: one record per line, {"id": "d00000123", "text": "..."}. N base
 * documents (default 10000) of English-looking prose: 150-800 words drawn
 * with Zipf-like frequencies from a fixed vocabulary (about 130 common
 * English words at the top, then ~20,000 made-up words of 1-3 syllables
 * and a few non-ASCII ones such as "café"), in sentences of 5-28 words
 * with capitals, commas, . ? ! and paragraph breaks (the last sentence is
 * finished, so a base may run a few words over 800). About a third of the
 * bases also get 1-3 edited copies, each made by random word substitutions,
 * insertions, deletions and block moves until its exact Jaccard with the
 * base first falls to a target drawn uniformly from [0.3, 0.98]. Records
 * are shuffled, so a copy often comes before its base; ids are "d" and the
 * record's position (8 digits).
 *
 * TRUTH.tsv: a header line "id_a<TAB>id_b<TAB>jaccard", then one line per
 * (base, copy) pair and per (copy, copy) pair of the same base, id_a the
 * earlier record, jaccard the EXACT Jaccard of the two texts' 5-word
 * shingle sets (%.6f). Words and shingles are those of src/dedup/minhash.h:
 * words are maximal runs of ASCII letters/digits and bytes >= 0x80, ASCII
 * lowercased (version 2 also splits at typographic spaces and punctuation
 * such as U+00A0 or U+2014, which this vocabulary does not contain); a shingle is 5 consecutive words (all words when fewer than
 * 5; none without words). The sets are compared as strings (words joined by
 * one space), so the values are exact, not estimates. Unrelated bases
 * share essentially no shingles and are not listed.
 *
 * Invariants:
 *  - Deterministic: the same N and S give the same bytes. The vocabulary
 *    does not depend on S.
 *  - Memory does not grow with the texts: pass 1 builds each family (base
 *    and copies), measures its pairs and keeps only the number of edits of
 *    each copy; pass 2 regenerates each record from its seeds in shuffled
 *    order.
 *  - Both files are written to NAME.tmp and renamed at the end, so a
 *    present file is complete.
 *
 * Exit status 0, or 2 on usage or I/O errors. A summary goes to stderr.
 * Uses libc only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHINGLE 5
#define MIN_WORDS 150
#define MAX_WORDS 800
#define DUP_PERCENT 35 /* bases that get copies */
#define MAX_COPIES 3
#define TARGET_LO 0.30
#define TARGET_HI 0.98
#define VOCAB_SEED 0x766f636162303031ull /* fixed: the language is the same for every --seed */
#define N_MADE_UP 20000

/* ---- random numbers --------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(uint64_t *s, size_t n)
{
	return (size_t)(splitmix(s) % n);
}

static double unit(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

/* A stream seed for (seed, a, b): records are regenerated from these. */
static uint64_t stream(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t s = seed ^ (a * 0xd6e8feb86659fd93ull) ^ (b * 0xa0761d6478bd642full);
	splitmix(&s);
	return s;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "mkneardup: out of memory\n");
		exit(2);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mkneardup: out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- vocabulary --------------------------------------------------------- */

static const char *const common[] = {
	"the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
	"not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
	"you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when",
	"will", "would", "who", "so", "no", "she", "other", "its", "may", "these", "about", "them", "than",
	"some", "him", "time", "into", "only", "do", "could", "new", "any", "then", "first", "two", "also",
	"after", "our", "made", "like", "over", "such", "many", "most", "what", "year", "people", "way",
	"between", "through", "where", "before", "work", "world", "state", "school", "city", "water",
	"market", "system", "data", "local", "report", "family", "health", "public", "service", "company",
	"group", "government", "number", "part", "place", "case", "week", "program", "question", "point",
	"home", "night", "area", "money", "story", "fact", "month", "right", "study", "book", "eye", "job",
	"word", "business", "issue", "side", "kind", "head", "house", "friend", "power", "hour", "game",
	"line", "end", "member", "law", "car", "name", "team", "minute", "idea", "body", "information",
};
static const char *const foreign[] = {
	"café", "naïve", "résumé", "Zürich", "über", "façade", "São", "Paulo", "Ångström", "déjà", "vu",
	"München", "piñata", "crème", "brûlée", "smörgåsbord", "Kraków", "Ελλάδα", "Москва", "東京",
};
static const char *const onsets[] = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
				     "v", "w", "z", "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st",
				     "th", "tr", ""};
static const char *const nuclei[] = {"a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou", "y"};
static const char *const codas[] = {"", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck"};

static char **vocab;
static size_t nvocab;
static double *cdf; /* cumulative Zipf weights */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void make_vocab(void)
{
	uint64_t s = VOCAB_SEED;
	nvocab = COUNT(common) + N_MADE_UP + COUNT(foreign);
	vocab = xmalloc(nvocab * sizeof *vocab);
	size_t k = 0;
	for (size_t i = 0; i < COUNT(common); i++)
		vocab[k++] = strcpy(xmalloc(strlen(common[i]) + 1), common[i]);
	for (size_t i = 0; i < N_MADE_UP; i++) {
		char w[64] = "";
		size_t syl = 1 + (below(&s, 2) == 0) + (below(&s, 6) == 0);
		for (size_t j = 0; j < syl; j++) {
			strcat(w, onsets[below(&s, COUNT(onsets))]);
			strcat(w, nuclei[below(&s, COUNT(nuclei))]);
			if (j + 1 == syl || below(&s, 5) == 0)
				strcat(w, codas[below(&s, COUNT(codas))]);
		}
		vocab[k++] = strcpy(xmalloc(strlen(w) + 1), w);
		/* the foreign words sit among the made-up ones at mid ranks */
		if (i % 1000 == 999 && i / 1000 < COUNT(foreign))
			vocab[k++] = strcpy(xmalloc(strlen(foreign[i / 1000]) + 1), foreign[i / 1000]);
	}
	for (size_t i = N_MADE_UP / 1000; i < COUNT(foreign); i++)
		vocab[k++] = strcpy(xmalloc(strlen(foreign[i]) + 1), foreign[i]);
	nvocab = k;
	cdf = xmalloc(nvocab * sizeof *cdf);
	double sum = 0;
	for (size_t i = 0; i < nvocab; i++) {
		sum += 1.0 / ((double)i + 2.7); /* Zipf-Mandelbrot, exponent 1 */
		cdf[i] = sum;
	}
	for (size_t i = 0; i < nvocab; i++)
		cdf[i] /= sum;
}

static int zipf_word(uint64_t *s)
{
	double u = unit(s);
	size_t lo = 0, hi = nvocab - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo;
}

/* ---- documents ---------------------------------------------------------- */

enum { T_CAP = 1, T_COMMA = 2, T_STOP = 4, T_QUESTION = 8, T_BANG = 16, T_PARA = 32 };

typedef struct {
	int word;
	unsigned flags;
} token;

typedef struct {
	token *t;
	size_t n, cap;
} doc;

static void doc_push(doc *d, token t)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->t = xrealloc(d->t, d->cap * sizeof *d->t);
	}
	d->t[d->n++] = t;
}

static void make_base(doc *d, uint64_t s)
{
	size_t words = MIN_WORDS + below(&s, MAX_WORDS - MIN_WORDS + 1);
	size_t in_sentence = 0, sentence_len = 5 + below(&s, 24), sentences = 0, para_len = 3 + below(&s, 5);
	d->n = 0;
	while (d->n < words || in_sentence) {
		token t = {zipf_word(&s), in_sentence ? 0 : T_CAP};
		in_sentence++;
		if (in_sentence == sentence_len) {
			size_t r = below(&s, 20);
			t.flags |= r == 0 ? T_QUESTION : r == 1 ? T_BANG : T_STOP;
			in_sentence = 0;
			sentence_len = 5 + below(&s, 24);
			if (++sentences % para_len == 0) {
				t.flags |= T_PARA;
				para_len = 3 + below(&s, 5);
			}
		} else if (below(&s, 12) == 0) {
			t.flags |= T_COMMA;
		}
		doc_push(d, t);
	}
}

/* One random edit of d. */
static void edit_once(doc *d, uint64_t *s)
{
	size_t r = below(s, 20), p = below(s, d->n);
	if (r < 8 || d->n < 60) { /* substitute */
		d->t[p].word = zipf_word(s);
	} else if (r < 13) { /* insert */
		doc_push(d, d->t[0]);
		memmove(d->t + p + 1, d->t + p, (d->n - 1 - p) * sizeof *d->t);
		d->t[p] = (token){zipf_word(s), 0};
	} else if (r < 18) { /* delete */
		memmove(d->t + p, d->t + p + 1, (d->n - p - 1) * sizeof *d->t);
		d->n--;
	} else { /* move a block of 5-40 words elsewhere */
		size_t len = 5 + below(s, 36);
		if (len > d->n / 3)
			len = d->n / 3;
		size_t from = below(s, d->n - len + 1), to = below(s, d->n - len + 1);
		token tmp[40];
		memcpy(tmp, d->t + from, len * sizeof *tmp);
		memmove(d->t + from, d->t + from + len, (d->n - from - len) * sizeof *d->t);
		memmove(d->t + to + len, d->t + to, (d->n - len - to) * sizeof *d->t);
		memcpy(d->t + to, tmp, len * sizeof *tmp);
	}
}

/* Appends the text of d to *buf (resized as needed); returns its length. */
static size_t render(const doc *d, char **buf, size_t *cap)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		const char *w = vocab[d->t[i].word];
		size_t l = strlen(w);
		if (n + l + 8 > *cap) {
			*cap = 2 * (n + l + 8);
			*buf = xrealloc(*buf, *cap);
		}
		char *o = *buf + n;
		memcpy(o, w, l);
		if ((d->t[i].flags & T_CAP) && o[0] >= 'a' && o[0] <= 'z')
			o[0] = (char)(o[0] - 32);
		n += l;
		unsigned f = d->t[i].flags;
		if (f & T_COMMA)
			(*buf)[n++] = ',';
		if (f & T_STOP)
			(*buf)[n++] = '.';
		if (f & T_QUESTION)
			(*buf)[n++] = '?';
		if (f & T_BANG)
			(*buf)[n++] = '!';
		if (i + 1 < d->n) {
			if (f & T_PARA) {
				(*buf)[n++] = '\n';
				(*buf)[n++] = '\n';
			} else {
				(*buf)[n++] = ' ';
			}
		}
	}
	return n;
}

/* ---- exact shingle sets ------------------------------------------------- */

/* A shingle: its string in the arena, and a hash of it that orders the set
 * quickly; equal hashes are told apart by the strings, so sets are exact. */
typedef struct {
	uint64_t h;
	size_t off;
} shingle;

typedef struct {
	char *arena; /* the shingle strings, NUL-terminated, back to back */
	size_t alen, acap;
	shingle *sh; /* sorted by (hash, string), distinct */
	size_t n, cap;
	size_t *wstart, *wlen, wcap; /* scratch: the words of the text */
	char *lower;                 /* scratch: the text, ASCII lowercased */
	size_t lcap;
} shingles;

static bool word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static const char *sort_arena;
static int cmp_sh(const shingle *x, const char *ax, const shingle *y, const char *ay)
{
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return strcmp(ax + x->off, ay + y->off);
}
static int cmp_sort(const void *a, const void *b)
{
	return cmp_sh(a, sort_arena, b, sort_arena);
}

/* The set of 5-word shingles of text[0..n) (the minhash.h definition). */
static void shingle_set(shingles *s, const char *text, size_t n)
{
	if (n + 1 > s->lcap) {
		s->lcap = 2 * (n + 1);
		s->lower = xrealloc(s->lower, s->lcap);
	}
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		if (!word_byte((unsigned char)text[i])) {
			i++;
			continue;
		}
		if (nw == s->wcap) {
			s->wcap = s->wcap ? 2 * s->wcap : 1024;
			s->wstart = xrealloc(s->wstart, s->wcap * sizeof *s->wstart);
			s->wlen = xrealloc(s->wlen, s->wcap * sizeof *s->wlen);
		}
		s->wstart[nw] = i;
		for (; i < n && word_byte((unsigned char)text[i]); i++) {
			char c = text[i];
			s->lower[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		s->wlen[nw] = i - s->wstart[nw];
		nw++;
	}
	size_t nsh = nw >= SHINGLE ? nw - SHINGLE + 1 : nw > 0, k = nw >= SHINGLE ? SHINGLE : nw;
	s->alen = 0;
	s->n = 0;
	for (size_t j = 0; j < nsh; j++) {
		size_t need = k; /* spaces and the NUL */
		for (size_t w = j; w < j + k; w++)
			need += s->wlen[w];
		if (s->alen + need > s->acap) {
			s->acap = 2 * (s->alen + need);
			s->arena = xrealloc(s->arena, s->acap);
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 1024;
			s->sh = xrealloc(s->sh, s->cap * sizeof *s->sh);
		}
		size_t start = s->alen;
		for (size_t w = j; w < j + k; w++) {
			memcpy(s->arena + s->alen, s->lower + s->wstart[w], s->wlen[w]);
			s->alen += s->wlen[w];
			s->arena[s->alen++] = w + 1 < j + k ? ' ' : '\0';
		}
		s->sh[s->n++] = (shingle){str_hash(s->arena + start), start};
	}
	sort_arena = s->arena;
	qsort(s->sh, s->n, sizeof *s->sh, cmp_sort);
	size_t u = 0;
	for (size_t j = 0; j < s->n; j++)
		if (u == 0 || cmp_sh(&s->sh[j], s->arena, &s->sh[u - 1], s->arena) != 0)
			s->sh[u++] = s->sh[j];
	s->n = u;
}

static double jaccard(const shingles *a, const shingles *b)
{
	if (a->n == 0 || b->n == 0)
		return 0.0;
	size_t i = 0, j = 0, both = 0;
	while (i < a->n && j < b->n) {
		int c = cmp_sh(&a->sh[i], a->arena, &b->sh[j], b->arena);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			both++;
			i++;
			j++;
		}
	}
	return (double)both / (double)(a->n + b->n - both);
}

static void shingles_free(shingles *s)
{
	free(s->arena);
	free(s->sh);
	free(s->wstart);
	free(s->wlen);
	free(s->lower);
}

/* ---- the corpus -------------------------------------------------------- */

typedef struct {
	uint32_t base;
	uint8_t copy;    /* 0: the base itself; 1..: copy number */
	uint32_t nedits; /* copies: edits applied to the base */
	uint32_t pos;    /* position in the output */
} record;

typedef struct {
	uint32_t a, b; /* record indices */
	double j;
} pair;

/* Makes record r's document in d (the base, then the copy's edits). */
static void make_record(doc *d, const record *r, uint64_t seed)
{
	make_base(d, stream(seed, r->base, 0));
	uint64_t s = stream(seed, r->base, r->copy);
	for (uint32_t e = 0; e < r->nedits; e++)
		edit_once(d, &s);
}

static bool put_json_string(FILE *f, const char *s, size_t n)
{
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	return putc('"', f) != EOF;
}

static FILE *open_tmp(const char *path, char **tmp)
{
	*tmp = xmalloc(strlen(path) + 5);
	sprintf(*tmp, "%s.tmp", path);
	FILE *f = fopen(*tmp, "w");
	if (!f)
		fprintf(stderr, "mkneardup: %s: %s\n", *tmp, strerror(errno));
	return f;
}

static bool close_rename(FILE *f, const char *tmp, const char *path)
{
	bool ok = !ferror(f);
	ok &= fclose(f) == 0; /* always closed, even after a write error */
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "mkneardup: writing %s: %s\n", path, strerror(errno));
		remove(tmp);
		return false;
	}
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: mkneardup OUT.jsonl TRUTH.tsv [--docs N] [--seed S]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *out_path = NULL, *truth_path = NULL;
	unsigned long long ndocs = 10000, seed = 1;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--docs") && i + 1 < argc) {
			ndocs = strtoull(argv[++i], &end, 10);
			if (*end || ndocs == 0 || ndocs > 100000000)
				return usage();
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], &end, 10);
			if (*end)
				return usage();
		} else if (argv[i][0] == '-') {
			return usage();
		} else if (!out_path) {
			out_path = argv[i];
		} else if (!truth_path) {
			truth_path = argv[i];
		} else {
			return usage();
		}
	}
	if (!truth_path)
		return usage();
	make_vocab();

	/* pass 1: families, their copies' edit counts, their pairs */
	record *recs = NULL;
	pair *pairs = NULL;
	size_t nrec = 0, rcap = 0, npairs = 0, pcap = 0;
	doc base = {0}, copy = {0};
	shingles sb = {0}, fam[MAX_COPIES] = {{0}};
	char *text = NULL;
	size_t tcap = 0;
	for (uint32_t b = 0; b < ndocs; b++) {
		uint64_t fs = stream(seed, b, 255);
		size_t ncopies = below(&fs, 100) < DUP_PERCENT ? 1 + below(&fs, MAX_COPIES) : 0;
		if (nrec + 1 + ncopies > rcap) {
			rcap = 2 * (nrec + 1 + ncopies);
			recs = xrealloc(recs, rcap * sizeof *recs);
		}
		size_t first = nrec;
		recs[nrec++] = (record){b, 0, 0, 0};
		if (!ncopies)
			continue;
		make_base(&base, stream(seed, b, 0));
		shingle_set(&sb, text, render(&base, &text, &tcap));
		for (size_t c = 0; c < ncopies; c++) {
			double target = TARGET_LO + (TARGET_HI - TARGET_LO) * unit(&fs);
			record r = {b, (uint8_t)(c + 1), 0, 0};
			copy.n = 0;
			for (size_t i = 0; i < base.n; i++)
				doc_push(&copy, base.t[i]);
			uint64_t s = stream(seed, b, c + 1);
			double j = 1.0;
			/* edit in steps sized to the distance left (an edit costs about
			 * 10/words of Jaccard), re-measuring after each step */
			while (j > target) {
				size_t step = (size_t)((j - target) * (double)base.n / 20);
				for (size_t e = 0; e < (step ? step : 1); e++, r.nedits++)
					edit_once(&copy, &s);
				shingle_set(&fam[c], text, render(&copy, &text, &tcap));
				j = jaccard(&sb, &fam[c]);
			}
			recs[nrec++] = r;
			if (npairs + 1 + c > pcap) {
				pcap = 2 * (npairs + 1 + c) + 64;
				pairs = xrealloc(pairs, pcap * sizeof *pairs);
			}
			pairs[npairs++] = (pair){(uint32_t)first, (uint32_t)(first + 1 + c), j};
			for (size_t o = 0; o < c; o++)
				pairs[npairs++] = (pair){(uint32_t)(first + 1 + o), (uint32_t)(first + 1 + c),
							 jaccard(&fam[o], &fam[c])};
		}
	}

	/* pass 2: shuffled output */
	uint32_t *order = xmalloc(nrec * sizeof *order);
	for (size_t i = 0; i < nrec; i++)
		order[i] = (uint32_t)i;
	uint64_t ss = stream(seed, UINT32_MAX, 254);
	for (size_t i = nrec - 1; i > 0; i--) {
		size_t k = below(&ss, i + 1);
		uint32_t t = order[i];
		order[i] = order[k];
		order[k] = t;
	}
	int rc = 2;
	char *out_tmp = NULL, *truth_tmp = NULL;
	FILE *out = open_tmp(out_path, &out_tmp);
	if (!out)
		goto out;
	size_t bytes = 0;
	for (size_t p = 0; p < nrec; p++) {
		record *r = &recs[order[p]];
		r->pos = (uint32_t)p;
		make_record(&copy, r, seed);
		size_t n = render(&copy, &text, &tcap);
		bytes += n;
		fprintf(out, "{\"id\": \"d%08zu\", \"text\": ", p);
		put_json_string(out, text, n);
		fputs("}\n", out);
	}
	if (!close_rename(out, out_tmp, out_path))
		goto out;

	FILE *truth = open_tmp(truth_path, &truth_tmp);
	if (!truth)
		goto out;
	size_t hist[10] = {0};
	fputs("id_a\tid_b\tjaccard\n", truth);
	for (size_t i = 0; i < npairs; i++) {
		uint32_t pa = recs[pairs[i].a].pos, pb = recs[pairs[i].b].pos;
		if (pa > pb) {
			uint32_t t = pa;
			pa = pb;
			pb = t;
		}
		fprintf(truth, "d%08u\td%08u\t%.6f\n", pa, pb, pairs[i].j);
		int bin = (int)(pairs[i].j * 10);
		hist[bin > 9 ? 9 : bin]++;
	}
	if (!close_rename(truth, truth_tmp, truth_path))
		goto out;

	fprintf(stderr, "mkneardup: %zu records (%llu bases), %.1f MB of text, %zu pairs; Jaccard histogram:", nrec,
		ndocs, (double)bytes / 1e6, npairs);
	for (int i = 0; i < 10; i++)
		fprintf(stderr, " %.1f:%zu", i / 10.0, hist[i]);
	fputc('\n', stderr);
	rc = 0;
out:
	free(base.t);
	free(copy.t);
	shingles_free(&sb);
	for (int i = 0; i < MAX_COPIES; i++)
		shingles_free(&fam[i]);
	free(text);
	free(recs);
	free(pairs);
	free(order);
	free(out_tmp);
	free(truth_tmp);
	for (size_t i = 0; i < nvocab; i++)
		free(vocab[i]);
	free(vocab);
	free(cdf);
	return rc;
}
