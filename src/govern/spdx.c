/*
 * govern/spdx — SPDX licence expressions (see spdx.h for the grammar, the
 * normalised form and the rules).
 *
 * Invariants:
 *  1. Every node of an expression lives in the expression's arena and is
 *     freed with it; leaf ids point into the static list (canonical ids) or
 *     into the arena (references and unknown ids, as written).
 *  2. An AND or OR node has at least two operands; an operand is never a
 *     node of the same kind that came from the same parenthesis level
 *     (those are gathered into one node), so rendering a tree re-parses to
 *     the same tree.
 *  3. Parsing reads at most GR_SPDX_MAX_INPUT bytes and recurses at most
 *     3 * (GR_SPDX_MAX_DEPTH + 1) frames deep; rendering and the class
 *     walks recurse as deep as the tree, which is no deeper.
 *  4. The licence class table (class_table below) is the only place a
 *     licence's class is written down, apart from two families whose ids
 *     spell their terms (Creative Commons elements, GNU versions), which
 *     are read from the id by cc_class() and gnu_class().
 */
#include "govern/spdx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the list ------------------------------------------------------------ */

#define SPDX_F_DEPRECATED 0x1u
#define SPDX_F_EXCEPTION 0x2u
#define SPDX_F_OSI 0x4u

struct spdx_entry {
	const char *id;
	const char *name;
	unsigned flags;
	const char *rep;      /* successor of a deprecated id */
	const char *rep_plus; /* successor of the deprecated id followed by "+" */
};

#include "govern/spdx_licenses.inc"

#define NTABLE (sizeof spdx_table / sizeof spdx_table[0])

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Compares s[0..n) with the NUL-terminated t, ignoring ASCII case. */
static int cmp_ci(const char *s, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++) {
		int a = lower((unsigned char)s[i]), b = lower((unsigned char)t[i]);
		if (b == 0)
			return 1;
		if (a != b)
			return a < b ? -1 : 1;
	}
	return t[n] ? -1 : 0;
}

static bool prefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && cmp_ci(s, k, prefix) == 0;
}

static const struct spdx_entry *find(const char *s, size_t n)
{
	size_t lo = 0, hi = NTABLE;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ci(s, n, spdx_table[mid].id);
		if (c == 0)
			return &spdx_table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *gr_spdx_list_version(void)
{
	return SPDX_LIST_VERSION;
}

int gr_spdx_lookup(const char *id, gr_spdx_entry *out)
{
	const struct spdx_entry *e = id ? find(id, strlen(id)) : NULL;
	if (!e)
		return gr_error_set(GR_ENOTFOUND, "'%s' is not on the SPDX License List %s", id ? id : "",
				    SPDX_LIST_VERSION);
	out->id = e->id;
	out->name = e->name;
	out->exception = e->flags & SPDX_F_EXCEPTION;
	out->deprecated = e->flags & SPDX_F_DEPRECATED;
	out->osi = e->flags & SPDX_F_OSI;
	out->replaced_by = e->rep;
	return 0;
}

/* ---- licence classes ----------------------------------------------------- */

/*
 * Share-alike licences name the licences an adaptation may be under
 * ("targets", one bit per licence version); permissive licences may name
 * copyleft licences their terms cannot go under ("forbid"). Families whose
 * later versions an "or later" grant (or the licence itself) reaches are
 * the ranges in fam_range.
 */
enum {
	T_GPL1, T_GPL2, T_GPL3,
	T_LGPL20, T_LGPL21, T_LGPL3,
	T_AGPL1, T_AGPL3,
	T_GFDL11, T_GFDL12, T_GFDL13,
	T_BYSA1, T_BYSA2, T_BYSA25, T_BYSA3, T_BYSA4,
	T_BYNCSA1, T_BYNCSA2, T_BYNCSA25, T_BYNCSA3, T_BYNCSA4,
	T_CCSA1,
	T_MPL11, T_MPL2,
	T_EPL1, T_EPL2,
	T_EUPL11, T_EUPL12,
	T_ODBL1, T_CDLAS1, T_OSL3, T_OFL11, T_LGPLLR,
	T_COUNT
};
#define B(t) ((uint64_t)1 << (t))
#define GNU_ALL (B(T_GPL1) | B(T_GPL2) | B(T_GPL3) | B(T_LGPL20) | B(T_LGPL21) | B(T_LGPL3) | \
		 B(T_AGPL1) | B(T_AGPL3))

static const struct {
	uint8_t lo, hi;
} fam_range[] = {
	{T_GPL1, T_GPL3},     {T_LGPL20, T_LGPL3}, {T_AGPL1, T_AGPL3}, {T_GFDL11, T_GFDL13},
	{T_BYSA1, T_BYSA4},   {T_BYNCSA1, T_BYNCSA4}, {T_MPL11, T_MPL2}, {T_EPL1, T_EPL2},
	{T_EUPL11, T_EUPL12},
};

/* Adds, in each family, every version after the lowest one present. */
static uint64_t or_later(uint64_t m)
{
	for (size_t f = 0; f < sizeof fam_range / sizeof fam_range[0]; f++)
		for (unsigned t = fam_range[f].lo; t <= fam_range[f].hi; t++)
			if (m & B(t)) {
				for (unsigned u = t; u <= fam_range[f].hi; u++)
					m |= B(u);
				break;
			}
	return m;
}

/* GPL-3.0 section 13: a GPL-3.0 work may be combined with AGPL-3.0 code. */
static uint64_t gpl3_reach(uint64_t m)
{
	return m & B(T_GPL3) ? m | B(T_AGPL3) : m;
}

#define COM GR_SPDX_SCOPE_COMMERCIAL
#define NC GR_SPDX_SCOPE_NONCOMMERCIAL
#define AT GR_SPDX_ATTRIBUTION
#define SA GR_SPDX_SHARE_ALIKE

struct class_entry {
	const char *id;
	uint8_t scope;
	uint8_t duties;
	uint64_t targets; /* share-alike: where an adaptation may go */
	uint64_t forbid;  /* permissive: copyleft licences it cannot go under */
};

/*
 * Licences classed by reading their texts (the SPDX list's copy at
 * spdx.org/licenses/<id>.html) for three questions: may the licensee use it
 * commercially, must they credit, must adaptations stay under it. Public
 * domain dedications and zero-clause licences have no duties; "notice must
 * be kept" counts as attribution. Ids not here, not Creative Commons
 * (cc_class) and not GNU (gnu_class) are unspecified. No id on the SPDX list
 * restricts use to academic research, so GR_SPDX_SCOPE_ACADEMIC only comes
 * from gr_spdx_set_class (a hub's LicenseRef for a research-only licence).
 * Compatibility facts (targets, forbid) are the FSF's licence list
 * (gnu.org/licenses/license-list.html) and each licence's own upgrade or
 * secondary-licence clause, cited inline.
 */
static const struct class_entry class_table[] = {
	/* public domain dedications, no conditions */
	{"0BSD", COM, 0, 0, 0},
	{"CC-PDDC", COM, 0, 0, 0},
	{"CC-PDM-1.0", COM, 0, 0, 0},
	{"CC0-1.0", COM, 0, 0, 0},
	{"DL-DE-ZERO-2.0", COM, 0, 0, 0},
	{"MIT-0", COM, 0, 0, 0},
	{"PDDL-1.0", COM, 0, 0, 0},
	{"Unlicense", COM, 0, 0, 0},
	{"WTFPL", COM, 0, 0, 0},
	/* permissive: keep the notice / credit the source */
	{"AFL-3.0", COM, AT, 0, GNU_ALL},   /* FSF: incompatible with the GPL */
	{"Apache-2.0", COM, AT, 0, B(T_GPL1) | B(T_GPL2) | B(T_LGPL20) | B(T_LGPL21) | B(T_AGPL1)},
					     /* FSF: compatible with GPL-3.0 only */
	{"Artistic-2.0", COM, AT, 0, 0},
	{"BSD-1-Clause", COM, AT, 0, 0},
	{"BSD-2-Clause", COM, AT, 0, 0},
	{"BSD-2-Clause-Patent", COM, AT, 0, 0},
	{"BSD-2-Clause-Views", COM, AT, 0, 0},
	{"BSD-3-Clause", COM, AT, 0, 0},
	{"BSD-3-Clause-Clear", COM, AT, 0, 0},
	{"BSD-4-Clause", COM, AT, 0, GNU_ALL}, /* FSF: the advertising clause is incompatible */
	{"BSL-1.0", COM, AT, 0, 0},
	{"BlueOak-1.0.0", COM, AT, 0, 0},
	{"CDLA-Permissive-1.0", COM, AT, 0, 0},
	{"CDLA-Permissive-2.0", COM, AT, 0, 0},
	{"DL-DE-BY-2.0", COM, AT, 0, 0},
	{"ECL-2.0", COM, AT, 0, B(T_GPL1) | B(T_GPL2) | B(T_LGPL20) | B(T_LGPL21) | B(T_AGPL1)},
					     /* Apache-2.0 with a changed patent grant */
	{"ISC", COM, AT, 0, 0},
	{"MIT", COM, AT, 0, 0},
	{"NCSA", COM, AT, 0, 0},
	{"NLOD-1.0", COM, AT, 0, 0},
	{"NLOD-2.0", COM, AT, 0, 0},
	{"ODC-By-1.0", COM, AT, 0, 0},
	{"OGL-Canada-2.0", COM, AT, 0, 0},
	{"OGL-UK-1.0", COM, AT, 0, 0},
	{"OGL-UK-2.0", COM, AT, 0, 0},
	{"OGL-UK-3.0", COM, AT, 0, 0},
	{"PSF-2.0", COM, AT, 0, 0},
	{"PostgreSQL", COM, AT, 0, 0},
	{"Python-2.0", COM, AT, 0, 0},
	{"UPL-1.0", COM, AT, 0, 0},
	{"Unicode-3.0", COM, AT, 0, 0},
	{"Unicode-DFS-2016", COM, AT, 0, 0},
	{"X11", COM, AT, 0, 0},
	{"Zlib", COM, AT, 0, 0},
	{"etalab-2.0", COM, AT, 0, 0},
	{"zlib-acknowledgement", COM, AT, 0, 0},
	/* non-commercial */
	{"NCGL-UK-2.0", NC, AT, 0, 0},
	{"PolyForm-Noncommercial-1.0.0", NC, AT, 0, 0},
	/* share-alike (copyleft), with where an adaptation may go */
	{"CDLA-Sharing-1.0", COM, AT | SA, B(T_CDLAS1), 0},
	{"EPL-1.0", COM, AT | SA, B(T_EPL1) | B(T_EPL2), 0}, /* EPL-1.0 s7: later versions */
	{"EPL-2.0", COM, AT | SA, B(T_EPL2), 0},  /* secondary licences only when declared */
	{"EUPL-1.1", COM, AT | SA, B(T_EUPL11) | B(T_EUPL12), 0}, /* its compatible-licence appendix is */
	{"EUPL-1.2", COM, AT | SA, B(T_EUPL12), 0},               /* not modelled: conservative */
	{"LGPLLR", COM, AT | SA, B(T_LGPLLR), 0},
	{"MPL-1.1", COM, AT | SA, B(T_MPL11) | B(T_MPL2), 0}, /* MPL-1.1 s6.2: later versions */
	{"MPL-2.0", COM, AT | SA, B(T_MPL2) | B(T_GPL2) | B(T_GPL3) | B(T_LGPL21) | B(T_LGPL3) | B(T_AGPL3), 0},
					     /* MPL-2.0 s3.3: GPL-2.0+, LGPL-2.1+, AGPL-3.0+ */
	{"MPL-2.0-no-copyleft-exception", COM, AT | SA, B(T_MPL2), 0},
	{"ODbL-1.0", COM, AT | SA, B(T_ODBL1), 0},
	{"OFL-1.1", COM, AT | SA, B(T_OFL11), 0},
	{"OFL-1.1-RFN", COM, AT | SA, B(T_OFL11), 0},
	{"OFL-1.1-no-RFN", COM, AT | SA, B(T_OFL11), 0},
	{"OSL-3.0", COM, AT | SA, B(T_OSL3), 0},
};

static const struct class_entry *class_find(const char *id)
{
	for (size_t i = 0; i < sizeof class_table / sizeof class_table[0]; i++)
		if (strcmp(class_table[i].id, id) == 0)
			return &class_table[i];
	return NULL;
}

/* Internal class: the public one plus share-alike targets and forbids. */
struct lic_info {
	gr_spdx_class cls;
	uint64_t targets, forbid;
};

/*
 * Creative Commons licences (CC-<elements>-<version>[-<port>]): the elements
 * are the licence's terms by Creative Commons' own definition — BY
 * attribution, NC non-commercial, ND no derivatives, SA share-alike. Ports
 * keep their version's terms. BY-SA and BY-NC-SA 2.0 and later allow
 * adaptations under a later version (or a port) with the same elements;
 * 1.0 only under itself; BY-SA-4.0 also under GPL-3.0 (Creative Commons'
 * one-way compatibility declaration of 2015-10-08).
 */
static bool cc_class(const char *id, struct lic_info *out)
{
	if (strncmp(id, "CC-", 3) != 0)
		return false;
	const char *p = id + 3;
	bool by = false, nc = false, nd = false, sa = false;
	while (*p && !(*p >= '0' && *p <= '9')) {
		size_t k = strcspn(p, "-");
		if (k == 2 && !strncmp(p, "BY", 2))
			by = true;
		else if (k == 2 && !strncmp(p, "NC", 2))
			nc = true;
		else if (k == 2 && !strncmp(p, "ND", 2))
			nd = true;
		else if (k == 2 && !strncmp(p, "SA", 2))
			sa = true;
		else
			return false;
		p += k;
		if (*p != '-')
			return false;
		p++;
	}
	int v; /* version index: 1.0, 2.0 (and 2.1 ports), 2.5, 3.0, 4.0 */
	if (!strncmp(p, "1.0", 3))
		v = 0;
	else if (!strncmp(p, "2.0", 3) || !strncmp(p, "2.1", 3))
		v = 1;
	else if (!strncmp(p, "2.5", 3))
		v = 2;
	else if (!strncmp(p, "3.0", 3))
		v = 3;
	else if (!strncmp(p, "4.0", 3))
		v = 4;
	else
		return false;
	if (p[3] != '\0' && p[3] != '-')
		return false;
	if (nd && sa)
		return false;
	out->cls.scope = nc ? GR_SPDX_SCOPE_NONCOMMERCIAL : GR_SPDX_SCOPE_COMMERCIAL;
	out->cls.duties = (by ? GR_SPDX_ATTRIBUTION : 0) | (sa ? GR_SPDX_SHARE_ALIKE : 0) |
			  (nd ? GR_SPDX_NO_DERIVATIVES : 0);
	out->cls.known = true;
	out->targets = 0;
	out->forbid = 0;
	if (sa) {
		if (!by)
			out->targets = B(T_CCSA1); /* CC-SA-1.0 */
		else {
			uint64_t t = B((nc ? T_BYNCSA1 : T_BYSA1) + v);
			out->targets = v >= 1 ? or_later(t) : t;
			if (!nc && v == 4)
				out->targets = gpl3_reach(out->targets | B(T_GPL3));
		}
	}
	return true;
}

/*
 * GNU licences: GPL, LGPL, AGPL, GFDL as <name>-<version>[-invariants |
 * -no-invariants]-only / -or-later (the deprecated bare ids were replaced at
 * parse). All are commercial, attribution (notices), share-alike. Targets:
 * the version, later ones for -or-later; LGPL-2.0/2.1 may also go under
 * GPL-2.0 or later (section 3 of each), LGPL-3.0 under GPL-3.0 (it is
 * GPL-3.0 plus additional permissions, which GPL-3.0 s7 lets a licensee
 * remove); GPL-3.0 reaches AGPL-3.0 (GPL-3.0 s13). AGPL-1.0 counts AGPL-3.0
 * as its later version (Affero Inc. named it so).
 */
static bool gnu_class(const char *id, struct lic_info *out)
{
	static const struct {
		const char *name;
		int bit;
	} v[] = {
		{"GPL-1.0", T_GPL1},	 {"GPL-2.0", T_GPL2},	  {"GPL-3.0", T_GPL3},
		{"LGPL-2.0", T_LGPL20},	 {"LGPL-2.1", T_LGPL21},  {"LGPL-3.0", T_LGPL3},
		{"AGPL-1.0", T_AGPL1},	 {"AGPL-3.0", T_AGPL3},	  {"GFDL-1.1", T_GFDL11},
		{"GFDL-1.2", T_GFDL12},	 {"GFDL-1.3", T_GFDL13},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t k = strlen(v[i].name);
		if (strncmp(id, v[i].name, k) != 0)
			continue;
		const char *rest = id + k;
		if (v[i].bit >= T_GFDL11) {
			if (!strncmp(rest, "-invariants", 11))
				rest += 11;
			else if (!strncmp(rest, "-no-invariants", 14))
				rest += 14;
		}
		bool later;
		if (!strcmp(rest, "-only"))
			later = false;
		else if (!strcmp(rest, "-or-later"))
			later = true;
		else
			return false;
		uint64_t t = B(v[i].bit);
		if (later)
			t = or_later(t);
		if (t & (B(T_LGPL20) | B(T_LGPL21)))
			t |= B(T_GPL2) | B(T_GPL3);
		if (t & B(T_LGPL3))
			t |= B(T_GPL3);
		out->cls = (gr_spdx_class){GR_SPDX_SCOPE_COMMERCIAL, GR_SPDX_ATTRIBUTION | GR_SPDX_SHARE_ALIKE, true};
		out->targets = gpl3_reach(t);
		out->forbid = 0;
		return true;
	}
	return false;
}

static const struct lic_info unclassified = {{GR_SPDX_SCOPE_UNSPECIFIED, 0, false}, 0, 0};

/* The class of a canonical id (the list's spelling, successors applied). */
static struct lic_info info_of(const char *id, bool plus)
{
	struct lic_info in = unclassified;
	const struct class_entry *c = class_find(id);
	if (c) {
		in.cls = (gr_spdx_class){(gr_spdx_scope)c->scope, c->duties, true};
		in.targets = c->targets;
		in.forbid = c->forbid;
	} else if (!cc_class(id, &in) && !gnu_class(id, &in)) {
		return unclassified;
	}
	if (plus && in.targets)
		in.targets = gpl3_reach(or_later(in.targets));
	return in;
}

gr_spdx_class gr_spdx_license_class(const char *id)
{
	const struct spdx_entry *e = id ? find(id, strlen(id)) : NULL;
	if (!e || (e->flags & SPDX_F_EXCEPTION))
		return unclassified.cls;
	return info_of(e->rep ? e->rep : e->id, false).cls;
}

const char *gr_spdx_scope_name(gr_spdx_scope s)
{
	switch (s) {
	case GR_SPDX_SCOPE_COMMERCIAL: return "commercial";
	case GR_SPDX_SCOPE_NONCOMMERCIAL: return "non-commercial";
	case GR_SPDX_SCOPE_ACADEMIC: return "academic";
	case GR_SPDX_SCOPE_UNSPECIFIED: return "unspecified";
	}
	return "?";
}

static const char *const use_names[] = {"commercial", "research", "academic"};

const char *gr_spdx_use_name(gr_spdx_use u)
{
	return (unsigned)u < 3 ? use_names[u] : "?";
}

int gr_spdx_use_parse(const char *name, gr_spdx_use *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (name && cmp_ci(name, strlen(name), use_names[i]) == 0) {
			*out = (gr_spdx_use)i;
			return 0;
		}
	return gr_error_set(GR_EINVAL, "unknown use '%s' (commercial, research, academic)", name ? name : "");
}

/* ---- expressions: storage ------------------------------------------------ */

struct node {
	gr_spdx_node pub; /* first: a gr_spdx_node * is a struct node * */
	uint64_t targets, forbid;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct gr_spdx_expr {
	struct chunk *chunks;
	struct node *root;
	size_t nleaves;
};

static void *arena_alloc(gr_spdx_expr *e, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct chunk *c = e->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 8192 ? n : 8192;
		c = gr_malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = e->chunks;
		c->used = 0;
		c->cap = cap;
		e->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(gr_spdx_expr *e, const char *s, size_t n)
{
	char *p = arena_alloc(e, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void gr_spdx_free(gr_spdx_expr *e)
{
	if (!e)
		return;
	for (struct chunk *c = e->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(e);
}

const gr_spdx_node *gr_spdx_root(const gr_spdx_expr *e)
{
	return &e->root->pub;
}

/* ---- expressions: parsing ------------------------------------------------ */

enum tok { TK_END, TK_LPAR, TK_RPAR, TK_AND, TK_OR, TK_WITH, TK_WORD };

struct parser {
	const char *s;
	size_t n, pos;
	unsigned flags;
	gr_spdx_expr *e;
	int depth;
	enum tok tok; /* the current token, at s[at..at+len) */
	size_t at, len;
};

#define PERR(...) gr_error_set(GR_EINVAL, "licence expression: " __VA_ARGS__)

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_idchar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.';
}

static bool is_idstring(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_idchar((unsigned char)s[i]))
			return false;
	return true;
}

/* What the current token is, for messages ("'MIT'", "'('", "the end"). */
static const char *tok_desc(struct parser *p, char *buf, size_t cap)
{
	if (p->tok == TK_END)
		return "the end";
	int len = p->len > 40 ? 40 : (int)p->len;
	snprintf(buf, cap, "'%.*s%s'", len, p->s + p->at, p->len > 40 ? "..." : "");
	return buf;
}

static int next(struct parser *p)
{
	while (p->pos < p->n && is_space((unsigned char)p->s[p->pos]))
		p->pos++;
	p->at = p->pos;
	if (p->pos == p->n) {
		p->tok = TK_END;
		p->len = 0;
		return 0;
	}
	char c = p->s[p->pos];
	if (c == '(' || c == ')') {
		p->tok = c == '(' ? TK_LPAR : TK_RPAR;
		p->len = 1;
		p->pos++;
		return 0;
	}
	size_t end = p->pos;
	while (end < p->n && !is_space((unsigned char)p->s[end]) && p->s[end] != '(' && p->s[end] != ')') {
		unsigned char ch = (unsigned char)p->s[end];
		if (!is_idchar(ch) && ch != '+' && ch != ':') {
			if (ch >= 0x21 && ch < 0x7f)
				return PERR("invalid character '%c' at byte %zu", ch, end);
			return PERR("invalid byte 0x%02x at byte %zu", ch, end);
		}
		end++;
	}
	p->len = end - p->pos;
	p->pos = end;
	static const struct {
		const char *up, *low;
		enum tok tok;
	} ops[] = {{"AND", "and", TK_AND}, {"OR", "or", TK_OR}, {"WITH", "with", TK_WITH}};
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(ops[i].up);
		if (p->len != k || cmp_ci(p->s + p->at, k, ops[i].low) != 0)
			continue;
		if (memcmp(p->s + p->at, ops[i].up, k) && memcmp(p->s + p->at, ops[i].low, k))
			return PERR("operator '%.*s' at byte %zu must be all upper or all lower case (%s)",
				    (int)k, p->s + p->at, p->at, ops[i].up);
		p->tok = ops[i].tok;
		return 0;
	}
	p->tok = TK_WORD;
	return 0;
}

/* s[0..n) is [DocumentRef-idstring:]<kind>-idstring (kind "LicenseRef" or
 * "AdditionRef"; prefixes in any case). */
static bool is_ref(const char *s, size_t n, const char *kind)
{
	if (prefix_ci(s, n, "DocumentRef-")) {
		const char *colon = memchr(s, ':', n);
		if (!colon || !is_idstring(s + 12, (size_t)(colon - s) - 12))
			return false;
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	size_t k = strlen(kind);
	return prefix_ci(s, n, kind) && is_idstring(s + k, n - k);
}

static bool looks_like_ref(const char *s, size_t n)
{
	return prefix_ci(s, n, "LicenseRef-") || prefix_ci(s, n, "DocumentRef-") || prefix_ci(s, n, "AdditionRef-");
}

static struct node *new_node(struct parser *p)
{
	struct node *nd = arena_alloc(p->e, sizeof *nd);
	if (nd)
		memset(nd, 0, sizeof *nd);
	return nd;
}

/* The exception after WITH (current token: the word after WITH). */
static int parse_exception(struct parser *p, struct node *nd)
{
	char d[64];
	const char *w = p->s + p->at;
	size_t n = p->len;
	if (p->tok != TK_WORD)
		return PERR("expected an exception id after WITH at byte %zu, found %s", p->at,
			    tok_desc(p, d, sizeof d));
	if (memchr(w, '+', n))
		return PERR("'+' at byte %zu: only a licence id takes '+'",
			    p->at + (size_t)((const char *)memchr(w, '+', n) - w));
	if (looks_like_ref(w, n)) {
		if (!is_ref(w, n, "AdditionRef-"))
			return PERR("expected an exception id or AdditionRef-... after WITH at byte %zu, found "
				       "'%.*s'", p->at, (int)n, w);
		if (!(nd->pub.exception = arena_strndup(p->e, w, n)))
			return GR_ENOMEM;
		nd->pub.flags |= GR_SPDX_LEAF_EXC_REF;
		return 0;
	}
	if (!is_idstring(w, n))
		return PERR("':' at byte %zu outside a DocumentRef", p->at + (size_t)((const char *)memchr(w, ':', n) - w));
	const struct spdx_entry *e = find(w, n);
	if (e && !(e->flags & SPDX_F_EXCEPTION))
		return PERR("'%s' at byte %zu is a licence, not an exception (only exceptions follow WITH)",
			    e->id, p->at);
	if (!e) {
		if (!(p->flags & GR_SPDX_ALLOW_UNKNOWN))
			return PERR("unknown exception id '%.*s' at byte %zu (not on the SPDX License List %s)",
				    (int)n, w, p->at, SPDX_LIST_VERSION);
		if (!(nd->pub.exception = arena_strndup(p->e, w, n)))
			return GR_ENOMEM;
		nd->pub.flags |= GR_SPDX_LEAF_EXC_UNKNOWN;
		return 0;
	}
	if ((e->flags & SPDX_F_DEPRECATED) && (p->flags & GR_SPDX_NO_DEPRECATED))
		return PERR("exception id '%s' at byte %zu is deprecated", e->id, p->at);
	nd->pub.exception = e->id;
	return 0;
}

/* A leaf (current token: a word). Leaves the token after it current. */
static int parse_leaf(struct parser *p, struct node **out)
{
	const char *w = p->s + p->at;
	size_t n = p->len, at = p->at;
	struct node *nd = new_node(p);
	if (!nd)
		return GR_ENOMEM;
	nd->pub.op = GR_SPDX_LICENSE;
	bool plus = n > 0 && w[n - 1] == '+';
	size_t body = plus ? n - 1 : n;
	const char *pl = memchr(w, '+', body);
	if (pl)
		return PERR("'+' at byte %zu must end a licence id", at + (size_t)(pl - w));
	if (looks_like_ref(w, body)) {
		if (!is_ref(w, body, "LicenseRef-"))
			return PERR("malformed reference '%.*s' at byte %zu (expected [DocumentRef-id:]LicenseRef-id)",
				    (int)body, w, at);
		if (plus)
			return PERR("'+' at byte %zu: a LicenseRef takes no '+'", at + body);
		if (!(nd->pub.id = arena_strndup(p->e, w, body)))
			return GR_ENOMEM;
		nd->pub.flags |= GR_SPDX_LEAF_REF;
	} else {
		if (body == 0)
			return PERR("'+' at byte %zu must follow a licence id", at);
		const char *colon = memchr(w, ':', body);
		if (colon)
			return PERR("':' at byte %zu outside a DocumentRef", at + (size_t)(colon - w));
		const struct spdx_entry *e = find(w, body);
		if (e && (e->flags & SPDX_F_EXCEPTION))
			return PERR("'%s' at byte %zu is a licence exception, not a licence (exceptions follow "
				       "WITH)", e->id, at);
		if (!e) {
			if (!(p->flags & GR_SPDX_ALLOW_UNKNOWN))
				return PERR("unknown licence id '%.*s' at byte %zu (not on the SPDX License List %s)",
					    (int)body, w, at, SPDX_LIST_VERSION);
			if (!(nd->pub.id = arena_strndup(p->e, w, body)))
				return GR_ENOMEM;
			nd->pub.flags |= GR_SPDX_LEAF_UNKNOWN;
		} else if (e->flags & SPDX_F_DEPRECATED) {
			if (p->flags & GR_SPDX_NO_DEPRECATED)
				return PERR("licence id '%s' at byte %zu is deprecated%s%s", e->id, at,
					    e->rep ? "; use " : "", e->rep ? e->rep : "");
			if (plus && e->rep_plus) {
				nd->pub.id = e->rep_plus;
				plus = false;
				nd->pub.flags |= GR_SPDX_LEAF_REPLACED;
			} else if (e->rep) {
				nd->pub.id = e->rep;
				nd->pub.flags |= GR_SPDX_LEAF_REPLACED;
			} else {
				nd->pub.id = e->id;
				nd->pub.flags |= GR_SPDX_LEAF_DEPRECATED;
			}
		} else {
			nd->pub.id = e->id;
		}
	}
	nd->pub.or_later = plus;
	if (!(nd->pub.flags & (GR_SPDX_LEAF_REF | GR_SPDX_LEAF_UNKNOWN))) {
		struct lic_info in = info_of(nd->pub.id, plus);
		nd->pub.cls = in.cls;
		nd->targets = in.targets;
		nd->forbid = in.forbid;
	} else {
		nd->pub.cls = unclassified.cls;
	}
	int rc = next(p);
	if (rc == 0 && p->tok == TK_WITH) {
		if ((rc = next(p)) == 0 && (rc = parse_exception(p, nd)) == 0)
			rc = next(p);
	}
	if (rc)
		return rc;
	p->e->nleaves++;
	*out = nd;
	return 0;
}

static int parse_or(struct parser *p, struct node **out);

static int parse_primary(struct parser *p, struct node **out)
{
	char d[64];
	if (p->tok == TK_WORD)
		return parse_leaf(p, out);
	if (p->tok != TK_LPAR)
		return PERR("expected a licence id or '(' at byte %zu, found %s", p->at, tok_desc(p, d, sizeof d));
	size_t open = p->at;
	if (++p->depth > GR_SPDX_MAX_DEPTH)
		return gr_error_set(GR_ELIMIT, "licence expression: parentheses nested deeper than %d at byte %zu",
				    GR_SPDX_MAX_DEPTH, open);
	int rc = next(p);
	if (rc == 0)
		rc = parse_or(p, out);
	if (rc)
		return rc;
	if (p->tok != TK_RPAR)
		return PERR("expected AND, OR or ')' at byte %zu to close the '(' at byte %zu, found %s", p->at,
			    open, tok_desc(p, d, sizeof d));
	p->depth--;
	return next(p);
}

/* Operands of one operator at one level: primary *(op primary). */
static int parse_list(struct parser *p, enum tok op, struct node **out)
{
	struct node *first, **kids = NULL;
	size_t n = 0, cap = 0;
	int rc = op == TK_AND ? parse_primary(p, &first) : parse_list(p, TK_AND, &first);
	while (rc == 0 && p->tok == op) {
		if (n == 0) {
			if ((rc = gr_array_reserve(&kids, &cap, n, sizeof *kids)))
				break;
			kids[n++] = first;
		}
		struct node *k;
		if ((rc = next(p)) || (rc = op == TK_AND ? parse_primary(p, &k) : parse_list(p, TK_AND, &k)))
			break;
		if ((rc = gr_array_reserve(&kids, &cap, n, sizeof *kids)))
			break;
		kids[n++] = k;
	}
	if (rc == 0 && n == 0)
		*out = first;
	if (rc == 0 && n > 0) {
		struct node *nd = new_node(p);
		const gr_spdx_node **arr = arena_alloc(p->e, n * sizeof *arr);
		if (!nd || !arr) {
			rc = GR_ENOMEM;
		} else {
			for (size_t i = 0; i < n; i++)
				arr[i] = &kids[i]->pub;
			nd->pub.op = op == TK_AND ? GR_SPDX_AND : GR_SPDX_OR;
			nd->pub.n = n;
			nd->pub.kids = arr;
			*out = nd;
		}
	}
	free(kids);
	return rc;
}

static int parse_or(struct parser *p, struct node **out)
{
	return parse_list(p, TK_OR, out);
}

int gr_spdx_parse(gr_spdx_expr **out, const char *s, size_t n, unsigned flags)
{
	if (n > GR_SPDX_MAX_INPUT)
		return gr_error_set(GR_ELIMIT, "licence expression: longer than %d bytes", GR_SPDX_MAX_INPUT);
	gr_spdx_expr *e = gr_malloc(sizeof *e);
	if (!e)
		return GR_ENOMEM;
	memset(e, 0, sizeof *e);
	struct parser p = {.s = s, .n = n, .flags = flags, .e = e};
	char d[64];
	int rc = next(&p);
	if (rc == 0 && p.tok == TK_END)
		rc = PERR("empty");
	if (rc == 0)
		rc = parse_or(&p, &e->root);
	if (rc == 0 && p.tok != TK_END) {
		if (p.tok == TK_RPAR)
			rc = PERR("')' at byte %zu has no '('", p.at);
		else if (p.tok == TK_WITH)
			rc = PERR("WITH at byte %zu must follow a single licence id", p.at);
		else
			rc = PERR("expected AND, OR or the end at byte %zu, found %s", p.at, tok_desc(&p, d, sizeof d));
	}
	if (rc) {
		if (rc == GR_ENOMEM)
			gr_error_set(GR_ENOMEM, "out of memory");
		gr_spdx_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* ---- rendering ----------------------------------------------------------- */

static int render_leaf(const gr_spdx_node *nd, gr_buf *b)
{
	int rc = gr_buf_puts(b, nd->id);
	if (rc == 0 && nd->or_later)
		rc = gr_buf_putc(b, '+');
	if (rc == 0 && nd->exception) {
		if ((rc = gr_buf_puts(b, " WITH ")) == 0)
			rc = gr_buf_puts(b, nd->exception);
	}
	return rc;
}

static int render_node(const gr_spdx_node *nd, gr_buf *b)
{
	if (nd->op == GR_SPDX_LICENSE)
		return render_leaf(nd, b);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nd->n; i++) {
		const gr_spdx_node *k = nd->kids[i];
		if (i && (rc = gr_buf_puts(b, nd->op == GR_SPDX_AND ? " AND " : " OR ")))
			break;
		if (k->op == GR_SPDX_LICENSE) {
			rc = render_leaf(k, b);
		} else if ((rc = gr_buf_putc(b, '(')) == 0 && (rc = render_node(k, b)) == 0) {
			rc = gr_buf_putc(b, ')');
		}
	}
	return rc;
}

int gr_spdx_render(const gr_spdx_expr *e, gr_buf *out)
{
	size_t old = out->len;
	int rc = render_node(&e->root->pub, out);
	if (rc && out->ptr) {
		out->len = old;
		out->ptr[old] = '\0';
	}
	return rc;
}

int gr_spdx_normalize(const char *s, size_t n, unsigned flags, gr_buf *out)
{
	gr_spdx_expr *e;
	int rc = gr_spdx_parse(&e, s, n, flags);
	if (rc)
		return rc;
	rc = gr_spdx_render(e, out);
	gr_spdx_free(e);
	return rc;
}

static size_t set_class(gr_spdx_node *nd, const char *id, const gr_spdx_class *cls)
{
	if (nd->op != GR_SPDX_LICENSE) {
		size_t c = 0;
		for (size_t i = 0; i < nd->n; i++)
			c += set_class((gr_spdx_node *)nd->kids[i], id, cls);
		return c;
	}
	bool same = (nd->flags & (GR_SPDX_LEAF_REF | GR_SPDX_LEAF_UNKNOWN)) ? strcmp(nd->id, id) == 0
									   : cmp_ci(id, strlen(id), nd->id) == 0;
	if (!same)
		return 0;
	struct node *in = (struct node *)nd;
	nd->cls = *cls;
	/* The caller's class has no share-alike targets: such a leaf is only
	 * compatible with leaves of the same id (see check_choice). */
	in->targets = 0;
	in->forbid = 0;
	return 1;
}

size_t gr_spdx_set_class(gr_spdx_expr *e, const char *id, const gr_spdx_class *cls)
{
	return id && cls ? set_class(&e->root->pub, id, cls) : 0;
}

/* ---- uses and classes ---------------------------------------------------- */

/* The duty sets (as a bit mask over the 8 combinations) reachable by the
 * ways of satisfying nd whose licences all have at least scope need. */
static unsigned reach(const gr_spdx_node *nd, gr_spdx_scope need)
{
	if (nd->op == GR_SPDX_LICENSE)
		return nd->cls.scope >= need ? 1u << (nd->cls.duties & 7u) : 0;
	unsigned m = nd->op == GR_SPDX_AND ? 1u : 0u;
	for (size_t i = 0; i < nd->n; i++) {
		unsigned k = reach(nd->kids[i], need);
		if (nd->op == GR_SPDX_OR) {
			m |= k;
			continue;
		}
		unsigned r = 0;
		for (unsigned a = 0; a < 8; a++)
			for (unsigned b = 0; b < 8; b++)
				if ((m >> a & 1u) && (k >> b & 1u))
					r |= 1u << (a | b);
		if (!(m = r))
			break;
	}
	return m;
}

static unsigned lowest(unsigned m)
{
	unsigned d = 0;
	while (!(m >> d & 1u))
		d++;
	return d;
}

static gr_spdx_scope use_scope(gr_spdx_use use)
{
	switch (use) {
	case GR_SPDX_USE_COMMERCIAL: return GR_SPDX_SCOPE_COMMERCIAL;
	case GR_SPDX_USE_RESEARCH: return GR_SPDX_SCOPE_NONCOMMERCIAL;
	case GR_SPDX_USE_ACADEMIC: return GR_SPDX_SCOPE_ACADEMIC;
	}
	return GR_SPDX_SCOPE_COMMERCIAL + 1; /* unknown use: nothing allows it */
}

bool gr_spdx_allows(const gr_spdx_expr *e, gr_spdx_use use, unsigned *duties)
{
	unsigned m = reach(&e->root->pub, use_scope(use));
	if (duties)
		*duties = m ? lowest(m) : 0;
	return m != 0;
}

static bool all_known(const gr_spdx_node *nd)
{
	if (nd->op == GR_SPDX_LICENSE)
		return nd->cls.known;
	for (size_t i = 0; i < nd->n; i++)
		if (!all_known(nd->kids[i]))
			return false;
	return true;
}

gr_spdx_class gr_spdx_expr_class(const gr_spdx_expr *e)
{
	const gr_spdx_node *root = &e->root->pub;
	gr_spdx_class c = {GR_SPDX_SCOPE_UNSPECIFIED, 0, all_known(root)};
	for (int s = GR_SPDX_SCOPE_COMMERCIAL; s >= GR_SPDX_SCOPE_UNSPECIFIED; s--) {
		unsigned m = reach(root, (gr_spdx_scope)s);
		if (m) {
			c.scope = (gr_spdx_scope)s;
			c.duties = lowest(m);
			break;
		}
	}
	return c;
}

/* ---- conflicts ----------------------------------------------------------- */

/* The ways of satisfying an expression: terms, each a run of leaves in
 * slots[off[i] .. off[i] + len[i]). */
struct terms {
	const struct node **slots;
	size_t nslots, slotcap;
	size_t *off, *len;
	size_t n, cap;
};

#define MAX_SLOTS ((size_t)1 << 16)

static void terms_free(struct terms *t)
{
	free(t->slots);
	free(t->off);
	free(t->len);
	memset(t, 0, sizeof *t);
}

/* Appends a term made of a's term i followed by b's term j (b may be NULL). */
static int terms_add(struct terms *t, const struct terms *a, size_t i, const struct terms *b, size_t j)
{
	size_t la = a->len[i], lb = b ? b->len[j] : 0;
	if (t->n >= GR_SPDX_MAX_CHOICES || t->nslots + la + lb > MAX_SLOTS)
		return gr_error_set(GR_ELIMIT, "licence expressions: more than %d ways to satisfy them (or %zu "
					       "licences in them)", GR_SPDX_MAX_CHOICES, MAX_SLOTS);
	size_t cap = t->cap;
	if (gr_array_reserve(&t->off, &cap, t->n, sizeof *t->off))
		return GR_ENOMEM;
	cap = t->cap;
	if (gr_array_reserve(&t->len, &cap, t->n, sizeof *t->len))
		return GR_ENOMEM;
	t->cap = cap;
	while (t->slotcap < t->nslots + la + lb) {
		size_t nc = t->slotcap ? t->slotcap * 2 : 64;
		const struct node **s = gr_realloc(t->slots, nc * sizeof *s);
		if (!s)
			return GR_ENOMEM;
		t->slots = s;
		t->slotcap = nc;
	}
	t->off[t->n] = t->nslots;
	t->len[t->n] = la + lb;
	memcpy(t->slots + t->nslots, a->slots + a->off[i], la * sizeof *t->slots);
	if (lb)
		memcpy(t->slots + t->nslots + la, b->slots + b->off[j], lb * sizeof *t->slots);
	t->nslots += la + lb;
	t->n++;
	return 0;
}

static int terms_of(const gr_spdx_node *nd, struct terms *out)
{
	int rc = 0;
	memset(out, 0, sizeof *out);
	if (nd->op == GR_SPDX_LICENSE) {
		const struct node *leaf = (const struct node *)nd;
		struct terms one = {.slots = &leaf, .nslots = 1, .off = &(size_t){0}, .len = &(size_t){1}, .n = 1};
		return terms_add(out, &one, 0, NULL, 0);
	}
	for (size_t k = 0; rc == 0 && k < nd->n; k++) {
		struct terms kid;
		if ((rc = terms_of(nd->kids[k], &kid)))
			break;
		if (nd->op == GR_SPDX_OR || k == 0) {
			for (size_t j = 0; rc == 0 && j < kid.n; j++)
				rc = terms_add(out, &kid, j, NULL, 0);
		} else {
			struct terms prod = {0};
			for (size_t i = 0; rc == 0 && i < out->n; i++)
				for (size_t j = 0; rc == 0 && j < kid.n; j++)
					rc = terms_add(&prod, out, i, &kid, j);
			terms_free(out);
			*out = prod;
		}
		terms_free(&kid);
	}
	if (rc)
		terms_free(out);
	return rc;
}

static void leaf_name(const struct node *l, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", l->pub.id, l->pub.or_later ? "+" : "", l->pub.exception ? " WITH " : "",
		 l->pub.exception ? l->pub.exception : "");
}

static bool unclear(const struct node *l)
{
	return !l->pub.cls.known || l->pub.cls.scope == GR_SPDX_SCOPE_UNSPECIFIED;
}

/* The rules of gr_spdx_conflict for one choice of leaves; why gets the
 * sentence for a conflict or an undecided choice. */
static gr_spdx_verdict check_choice(const struct node *const *L, size_t n, gr_buf *why)
{
	char a[160], b[160];
	const struct node *undecided = NULL;
	/* 1. no derivatives */
	for (size_t i = 0; i < n; i++)
		if (L[i]->pub.cls.known && (L[i]->pub.cls.duties & GR_SPDX_NO_DERIVATIVES)) {
			leaf_name(L[i], a, sizeof a);
			gr_buf_printf(why, "%s does not allow adaptations to be shared (no derivatives)", a);
			return GR_SPDX_CONFLICT;
		}
	/* 2. a share-alike licence cannot take on a narrower scope */
	for (size_t i = 0; i < n; i++) {
		if (!L[i]->pub.cls.known || !(L[i]->pub.cls.duties & GR_SPDX_SHARE_ALIKE))
			continue;
		for (size_t j = 0; j < n; j++) {
			if (L[j]->pub.cls.scope >= L[i]->pub.cls.scope)
				continue;
			if (unclear(L[j])) {
				undecided = undecided ? undecided : L[j];
				continue;
			}
			leaf_name(L[i], a, sizeof a);
			leaf_name(L[j], b, sizeof b);
			gr_buf_printf(why, "%s is share-alike: an adaptation must stay under it, which does not allow "
					   "adding the %s restriction of %s", a, gr_spdx_scope_name(L[j]->pub.cls.scope), b);
			return GR_SPDX_CONFLICT;
		}
	}
	/* 3. the share-alike licences need a licence in common */
	uint64_t common = ~(uint64_t)0, forbid = 0;
	const struct node *first_sa = NULL, *custom = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct node *l = L[i];
		if (!l->pub.cls.known)
			continue;
		forbid |= l->forbid;
		if (!(l->pub.cls.duties & GR_SPDX_SHARE_ALIKE))
			continue;
		if (!l->targets) { /* a caller's share-alike class: same id only */
			if (custom && strcmp(custom->pub.id, l->pub.id) != 0) {
				leaf_name(custom, a, sizeof a);
				leaf_name(l, b, sizeof b);
				gr_buf_printf(why, "%s and %s are different share-alike licences", a, b);
				return GR_SPDX_CONFLICT;
			}
			custom = custom ? custom : l;
			continue;
		}
		if (first_sa && !(common & l->targets)) {
			/* name a pair without a common licence */
			const struct node *o = first_sa;
			for (size_t j = 0; j < i; j++)
				if (L[j]->pub.cls.known && L[j]->targets && !(L[j]->targets & l->targets)) {
					o = L[j];
					break;
				}
			leaf_name(o, a, sizeof a);
			leaf_name(l, b, sizeof b);
			gr_buf_printf(why, "%s and %s are share-alike licences with no licence in common that an "
					   "adaptation could be under", a, b);
			return GR_SPDX_CONFLICT;
		}
		common &= l->targets;
		first_sa = first_sa ? first_sa : l;
	}
	if (custom && first_sa) {
		leaf_name(custom, a, sizeof a);
		leaf_name(first_sa, b, sizeof b);
		gr_buf_printf(why, "%s and %s are different share-alike licences", a, b);
		return GR_SPDX_CONFLICT;
	}
	if (first_sa && !(common & ~forbid)) {
		const struct node *f = NULL;
		for (size_t i = 0; i < n && !f; i++)
			if (L[i]->pub.cls.known && (L[i]->forbid & common))
				f = L[i];
		leaf_name(f ? f : first_sa, a, sizeof a);
		leaf_name(first_sa, b, sizeof b);
		gr_buf_printf(why, "%s cannot go under %s (the FSF counts the two incompatible)", a, b);
		return GR_SPDX_CONFLICT;
	}
	for (size_t i = 0; i < n && !undecided; i++)
		if (unclear(L[i]))
			undecided = L[i];
	if (undecided) {
		leaf_name(undecided, a, sizeof a);
		gr_buf_printf(why, "%s is not classified (its terms are unknown here), so a conflict cannot be "
				   "ruled out", a);
		return GR_SPDX_UNDECIDED;
	}
	return GR_SPDX_COMPATIBLE;
}

int gr_spdx_conflict(gr_spdx_verdict *out, const gr_spdx_expr *a, const gr_spdx_expr *b, unsigned flags,
		     gr_buf *why)
{
	if (flags & GR_SPDX_COLLECTION) {
		*out = GR_SPDX_COMPATIBLE;
		return 0;
	}
	struct terms ta, tb, all = {0};
	int rc = terms_of(&a->root->pub, &ta);
	if (rc)
		return rc;
	if (b) {
		if ((rc = terms_of(&b->root->pub, &tb)) == 0) {
			for (size_t i = 0; rc == 0 && i < ta.n; i++)
				for (size_t j = 0; rc == 0 && j < tb.n; j++)
					rc = terms_add(&all, &ta, i, &tb, j);
			terms_free(&tb);
		}
		terms_free(&ta);
	} else {
		all = ta;
	}
	if (rc) {
		terms_free(&all);
		return rc;
	}
	gr_buf first_conflict = GR_BUF_INIT, first_undecided = GR_BUF_INIT, tmp = GR_BUF_INIT;
	gr_spdx_verdict v = GR_SPDX_CONFLICT;
	bool any_undecided = false;
	for (size_t i = 0; i < all.n; i++) {
		gr_buf_reset(&tmp);
		gr_spdx_verdict c = check_choice(all.slots + all.off[i], all.len[i], &tmp);
		if (c == GR_SPDX_COMPATIBLE) {
			v = c;
			break;
		}
		if (c == GR_SPDX_UNDECIDED && !any_undecided) {
			any_undecided = true;
			gr_buf_puts(&first_undecided, tmp.ptr ? tmp.ptr : "");
		}
		if (c == GR_SPDX_CONFLICT && !first_conflict.len)
			gr_buf_puts(&first_conflict, tmp.ptr ? tmp.ptr : "");
	}
	if (v != GR_SPDX_COMPATIBLE && any_undecided)
		v = GR_SPDX_UNDECIDED;
	if (why && v != GR_SPDX_COMPATIBLE) {
		const gr_buf *src = v == GR_SPDX_UNDECIDED ? &first_undecided : &first_conflict;
		if (all.n > 1)
			gr_buf_puts(why, v == GR_SPDX_UNDECIDED ? "no choice of licences is clear; e.g. "
								 : "every choice of licences conflicts; e.g. ");
		gr_buf_puts(why, src->ptr ? src->ptr : "");
	}
	gr_buf_free(&first_conflict);
	gr_buf_free(&first_undecided);
	gr_buf_free(&tmp);
	terms_free(&all);
	*out = v;
	return 0;
}

/* ---- Hugging Face -------------------------------------------------------- */

/* SPDX id -> the hub's id, from huggingface/hub-docs
 * docs/hub/repositories-licenses.md (the table between its "region
 * licenses" comments). Hub ids with no SPDX counterpart (openrail and the
 * other RAIL licences, llama2, gemma, deepfloyd-if-license) are reached
 * only through a caller's own mapping of its LicenseRefs. */
static const struct {
	const char *spdx, *hf;
} hf_table[] = {
	{"AFL-3.0", "afl-3.0"},
	{"AGPL-3.0-only", "agpl-3.0"},
	{"AGPL-3.0-or-later", "agpl-3.0"},
	{"Apache-2.0", "apache-2.0"},
	{"Artistic-2.0", "artistic-2.0"},
	{"BSD-2-Clause", "bsd-2-clause"},
	{"BSD-3-Clause", "bsd-3-clause"},
	{"BSD-3-Clause-Clear", "bsd-3-clause-clear"},
	{"BSL-1.0", "bsl-1.0"},
	{"C-UDA-1.0", "c-uda"},
	{"CC-BY-2.0", "cc-by-2.0"},
	{"CC-BY-2.5", "cc-by-2.5"},
	{"CC-BY-3.0", "cc-by-3.0"},
	{"CC-BY-4.0", "cc-by-4.0"},
	{"CC-BY-NC-2.0", "cc-by-nc-2.0"},
	{"CC-BY-NC-3.0", "cc-by-nc-3.0"},
	{"CC-BY-NC-4.0", "cc-by-nc-4.0"},
	{"CC-BY-NC-ND-3.0", "cc-by-nc-nd-3.0"},
	{"CC-BY-NC-ND-4.0", "cc-by-nc-nd-4.0"},
	{"CC-BY-NC-SA-2.0", "cc-by-nc-sa-2.0"},
	{"CC-BY-NC-SA-3.0", "cc-by-nc-sa-3.0"},
	{"CC-BY-NC-SA-4.0", "cc-by-nc-sa-4.0"},
	{"CC-BY-ND-4.0", "cc-by-nd-4.0"},
	{"CC-BY-SA-3.0", "cc-by-sa-3.0"},
	{"CC-BY-SA-4.0", "cc-by-sa-4.0"},
	{"CC0-1.0", "cc0-1.0"},
	{"CDLA-Permissive-1.0", "cdla-permissive-1.0"},
	{"CDLA-Permissive-2.0", "cdla-permissive-2.0"},
	{"CDLA-Sharing-1.0", "cdla-sharing-1.0"},
	{"ECL-2.0", "ecl-2.0"},
	{"EPL-1.0", "epl-1.0"},
	{"EPL-2.0", "epl-2.0"},
	{"EUPL-1.1", "eupl-1.1"},
	{"GPL-2.0-only", "gpl-2.0"},
	{"GPL-2.0-or-later", "gpl-2.0"},
	{"GPL-3.0-only", "gpl-3.0"},
	{"GPL-3.0-or-later", "gpl-3.0"},
	{"ISC", "isc"},
	{"LGPL-2.1-only", "lgpl-2.1"},
	{"LGPL-2.1-or-later", "lgpl-2.1"},
	{"LGPL-3.0-only", "lgpl-3.0"},
	{"LGPL-3.0-or-later", "lgpl-3.0"},
	{"LGPLLR", "lgpl-lr"},
	{"LPPL-1.3c", "lppl-1.3c"},
	{"MIT", "mit"},
	{"MPL-2.0", "mpl-2.0"},
	{"MS-PL", "ms-pl"},
	{"NCSA", "ncsa"},
	{"ODC-By-1.0", "odc-by"},
	{"ODbL-1.0", "odbl"},
	{"OFL-1.1", "ofl-1.1"},
	{"OSL-3.0", "osl-3.0"},
	{"PDDL-1.0", "pddl"},
	{"PostgreSQL", "postgresql"},
	{"Unlicense", "unlicense"},
	{"WTFPL", "wtfpl"},
	{"Zlib", "zlib"},
	{"etalab-2.0", "etalab-2.0"},
};

const char *gr_spdx_hf_license(const char *spdx_id)
{
	const struct spdx_entry *e = spdx_id ? find(spdx_id, strlen(spdx_id)) : NULL;
	if (!e || (e->flags & SPDX_F_EXCEPTION))
		return "other";
	const char *id = e->rep ? e->rep : e->id;
	for (size_t i = 0; i < sizeof hf_table / sizeof hf_table[0]; i++)
		if (strcmp(hf_table[i].spdx, id) == 0)
			return hf_table[i].hf;
	/* the hub's family ids */
	static const struct {
		const char *prefix, *hf;
	} fam[] = {{"BSD-", "bsd"}, {"CC-", "cc"}, {"CC0-", "cc"}, {"GPL-", "gpl"}, {"LGPL-", "lgpl"}, {"GFDL-", "gfdl"}};
	for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
		if (strncmp(id, fam[i].prefix, strlen(fam[i].prefix)) == 0)
			return fam[i].hf;
	return "other";
}

const char *gr_spdx_expr_hf_license(const gr_spdx_expr *e)
{
	const gr_spdx_node *r = &e->root->pub;
	if (r->op != GR_SPDX_LICENSE || r->exception || (r->flags & (GR_SPDX_LEAF_REF | GR_SPDX_LEAF_UNKNOWN)))
		return "other";
	return gr_spdx_hf_license(r->id);
}
