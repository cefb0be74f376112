/*
 * api/audit_html — the audit report (granary-audit/1, made by src/api/audit.c)
 * as one self-contained HTML5 page with charts: the verdict and its checks,
 * the lineage graph, records per licence, records holding each type of
 * personal data, the length histogram and the top domains.
 *
 *   int gr_api_audit_html(const cJSON *audit, gr_buf *out);
 *
 * What the page keeps, whatever the report holds:
 *  - self-contained: all CSS in one <style>, charts as inline SVG, no <script>
 *    and nothing the browser would fetch (no src, no external href, no url());
 *    a Content-Security-Policy meta forbids scripts and loads in case anything
 *    ever slipped through;
 *  - every string from the report (names, URLs, messages: user data) is
 *    escaped (& < > " ') and cut with an ellipsis (AH_LABEL_MAX columns in
 *    charts, AH_CELL_MAX in tables; East Asian wide characters count two);
 *    control characters become U+FFFD;
 *    report strings never become element names, attribute names, ids or
 *    classes;
 *  - bounded: at most AH_BARS_MAX bars per chart (the rest summed into one
 *    bar), AH_ROWS_MAX rows per table, AH_LIST_MAX items per list,
 *    AH_NODES_MAX versions in the lineage graph, AH_ROW_MAX boxes side by side;
 *  - a section that is missing, null or of the wrong type reads "not
 *    available"; each chart keeps its id (chart-lineage, chart-licences,
 *    chart-pii, chart-lengths, chart-domains) either way.
 * The report is only read; out is appended to only on success (0), else it
 * is unchanged and the result is GR_ENOMEM.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

/* Declared in api/api.h too; repeated so that this file stands on its own. */
int gr_api_audit_html(const cJSON *audit, gr_buf *out);

#define AH_BARS_MAX 20     /* bars in one chart; more are summed into the last */
#define AH_ROWS_MAX 200    /* rows in one table */
#define AH_LIST_MAX 100    /* items of a list shown in one table cell */
#define AH_NODES_MAX 48    /* versions drawn in the lineage graph */
#define AH_ROW_MAX 4       /* boxes side by side; a wider layer takes more rows */
#define AH_LABEL_MAX 24    /* columns of a label in a chart */
#define AH_NODE_LABEL_MAX 26 /* columns of a version's name in the graph */
#define AH_CELL_MAX 200    /* columns of a table cell */
#define AH_TITLE_MAX 500   /* columns of a tooltip */
#define AH_WRAP_AT 32      /* longer strings may break anywhere in a table cell */

/* Chart geometry (SVG user units; the page scales charts down to fit). */
#define BAR_W 720
#define BAR_LABEL_W 200
#define BAR_SPAN 420
#define BAR_ROW 24
#define BAR_H 16
#define NODE_W 210
#define NODE_H 52
#define NODE_GAP_X 28
#define NODE_GAP_Y 44
#define GRAPH_PAD 12

/* The page being written: the first failure sticks and later writes are skipped. */
typedef struct {
	gr_buf b;
	int rc;
} ah;

static void put(ah *h, const char *s)
{
	if (!h->rc)
		h->rc = gr_buf_puts(&h->b, s);
}

static void putf(ah *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(ah *h, const char *fmt, ...)
{
	if (h->rc)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->rc = gr_error_set(GR_ENOMEM, "audit html: format");
		return;
	}
	if ((h->rc = gr_buf_grow(&h->b, (size_t)n)))
		return;
	va_start(ap, fmt);
	vsnprintf(h->b.ptr + h->b.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	h->b.len += (size_t)n;
}

/* The display width of the character at p (2 for East Asian wide ones and
 * emoji, else 1) and its length in bytes (*len; a malformed sequence ends at
 * the first byte that does not continue it). */
static int char_width(const unsigned char *p, size_t *len)
{
	uint32_t c = p[0];
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	c &= n == 1 ? 0xFF : 0x7F >> n;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*len = i;
			return 1;
		}
		c = c << 6 | (p[i] & 0x3F);
	}
	*len = n;
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
			       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
			       (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD)
		       ? 2
		       : 1;
}

/* s as HTML text or attribute value: escaped, control characters as U+FFFD,
 * tabs and line breaks as spaces; when wider than max columns, as much of it
 * as fits in max - 1 and an ellipsis. */
static void esc(ah *h, const char *s, size_t max)
{
	if (h->rc)
		return;
	if (!s)
		s = "";
	const unsigned char *u = (const unsigned char *)s;
	size_t width = 0, fits = 0, end = 0, len;
	bool over = false;
	while (u[end]) {
		size_t w = (size_t)char_width(u + end, &len);
		if (width + w > max) {
			over = true;
			break;
		}
		width += w;
		end += len;
		if (width < max)
			fits = end; /* leaves a column for the ellipsis */
	}
	if (over)
		end = fits;
	for (size_t i = 0; i < end && !h->rc; i++) {
		switch (u[i]) {
		case '&': h->rc = gr_buf_puts(&h->b, "&amp;"); break;
		case '<': h->rc = gr_buf_puts(&h->b, "&lt;"); break;
		case '>': h->rc = gr_buf_puts(&h->b, "&gt;"); break;
		case '"': h->rc = gr_buf_puts(&h->b, "&quot;"); break;
		case '\'': h->rc = gr_buf_puts(&h->b, "&#39;"); break;
		case '\t':
		case '\n':
		case '\r': h->rc = gr_buf_putc(&h->b, ' '); break;
		default:
			if (u[i] < 0x20 || u[i] == 0x7f)
				h->rc = gr_buf_puts(&h->b, "\xEF\xBF\xBD");
			else
				h->rc = gr_buf_putc(&h->b, (char)u[i]);
		}
	}
	if (over)
		put(h, "\xE2\x80\xA6");
}

/* A number for people: integers with thousands separators, else 4 significant digits. */
static void fmt_num(char out[48], double v)
{
	if (!isfinite(v)) {
		snprintf(out, 48, "-");
		return;
	}
	double r = round(v);
	if (fabs(v - r) < 1e-9 && fabs(r) < 1e15) {
		char t[24];
		snprintf(t, sizeof t, "%.0f", fabs(r));
		size_t len = strlen(t), j = 0;
		if (r < 0)
			out[j++] = '-';
		for (size_t i = 0; i < len; i++) {
			if (i && (len - i) % 3 == 0)
				out[j++] = ',';
			out[j++] = t[i];
		}
		out[j] = '\0';
	} else {
		snprintf(out, 48, "%.4g", v);
	}
}

static void num(ah *h, double v)
{
	char t[48];
	fmt_num(t, v);
	put(h, t);
}

/* ---- reading the report: every accessor takes NULL or the wrong type ---- */

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double dbl(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

/* The class for a status or verdict string: one of a fixed set, never the string itself. */
static const char *status_class(const char *s)
{
	if (!s)
		return "unknown";
	if (!strcmp(s, "pass"))
		return "pass";
	if (!strcmp(s, "warn") || !strcmp(s, "pass-with-warnings"))
		return "warn";
	if (!strcmp(s, "fail"))
		return "fail";
	return "unknown";
}

static void na(ah *h, const char *what)
{
	put(h, "<p class=\"na\">");
	esc(h, what, AH_CELL_MAX);
	put(h, ": not available</p>\n");
}

/* One JSON value in a table cell. */
static void value(ah *h, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		esc(h, v->valuestring, AH_CELL_MAX);
	} else if (cJSON_IsNumber(v)) {
		num(h, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		put(h, cJSON_IsTrue(v) ? "yes" : "no");
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		int n = 0, total = cJSON_GetArraySize(v);
		const cJSON *e;
		if (!total)
			put(h, "<span class=\"mute\">none</span>");
		cJSON_ArrayForEach(e, v)
		{
			if (n == AH_LIST_MAX) {
				putf(h, ", &#8230; (%d more)", total - n);
				break;
			}
			if (n++)
				put(h, ", ");
			if (cJSON_IsObject(v) && e->string) {
				esc(h, e->string, AH_LABEL_MAX);
				put(h, ": ");
			}
			if (cJSON_IsArray(e) || cJSON_IsObject(e))
				put(h, "&#8230;");
			else
				value(h, e);
		}
	} else {
		put(h, "<span class=\"mute\">-</span>");
	}
}

/* A cell's start tag: numbers right-aligned, long strings free to break anywhere. */
static void td(ah *h, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		put(h, "<td class=\"n\">");
	else if (cJSON_IsString(v) && strlen(v->valuestring) > AH_WRAP_AT)
		put(h, "<td class=\"w\">");
	else
		put(h, "<td>");
}

/* A two-column table of the members keys of an object (those it has), headed labels. */
static void kv_table(ah *h, const cJSON *o, const char *const *keys, const char *const *labels)
{
	put(h, "<table class=\"kv\">\n");
	for (size_t i = 0; keys[i]; i++) {
		const cJSON *v = get(o, keys[i]);
		if (!v)
			continue;
		put(h, "<tr><th>");
		esc(h, labels[i], AH_CELL_MAX);
		put(h, "</th>");
		td(h, v);
		value(h, v);
		put(h, "</td></tr>\n");
	}
	put(h, "</table>\n");
}

/* A table of an array of objects: one column per key; absent: what a missing
 * or null member reads as. Commit ids are cut to 12 hex digits. */
static void rows_table(ah *h, const cJSON *arr, const char *const *keys, const char *const *heads, const char *what,
		       const char *absent)
{
	if (!cJSON_IsArray(arr)) {
		na(h, what);
		return;
	}
	int total = cJSON_GetArraySize(arr), n = 0;
	if (!total) {
		put(h, "<p class=\"mute\">");
		esc(h, what, AH_CELL_MAX);
		put(h, ": none</p>\n");
		return;
	}
	put(h, "<table>\n<tr>");
	for (size_t i = 0; keys[i]; i++) {
		put(h, "<th>");
		esc(h, heads[i], AH_CELL_MAX);
		put(h, "</th>");
	}
	put(h, "</tr>\n");
	const cJSON *r;
	cJSON_ArrayForEach(r, arr)
	{
		if (n++ == AH_ROWS_MAX)
			break;
		put(h, "<tr>");
		for (size_t i = 0; keys[i]; i++) {
			const cJSON *v = get(r, keys[i]);
			td(h, v);
			if (!v || cJSON_IsNull(v))
				esc(h, absent, AH_LABEL_MAX);
			else if (cJSON_IsString(v) && !strcmp(keys[i], "commit"))
				esc(h, v->valuestring, 13);
			else
				value(h, v);
			put(h, "</td>");
		}
		put(h, "</tr>\n");
	}
	put(h, "</table>\n");
	if (total > AH_ROWS_MAX)
		putf(h, "<p class=\"mute\">%d more rows not shown.</p>\n", total - AH_ROWS_MAX);
}

/* ---- horizontal bar charts ---- */

struct bar {
	const char *label;
	double value;
	const char *cls; /* a fixed class: n, ok, bad, warn, pii, dom */
	size_t order;
};

static int bar_cmp(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return (x->order > y->order) - (x->order < y->order);
}

/* A chart of n bars (bars may be reordered): when there are more than
 * AH_BARS_MAX, the largest (sorted) or the first (!sorted) AH_BARS_MAX - 1 and one
 * bar summing the rest. missing: the data is not in the report. */
static void bar_chart(ah *h, const char *id, const char *caption, struct bar *bars, size_t n, bool sorted,
		      bool missing)
{
	char others[64];
	struct bar rest = {others, 0, "n", 0};
	for (size_t i = 0; i < n; i++) /* sums may have overflowed */
		if (!isfinite(bars[i].value))
			bars[i].value = bars[i].value > 0 ? DBL_MAX : 0;
	if (n > AH_BARS_MAX) {
		if (sorted)
			qsort(bars, n, sizeof *bars, bar_cmp);
		for (size_t i = AH_BARS_MAX - 1; i < n; i++)
			rest.value += bars[i].value;
		if (!isfinite(rest.value))
			rest.value = DBL_MAX;
		snprintf(others, sizeof others, "%zu others", n - (AH_BARS_MAX - 1));
	}
	size_t shown = n > AH_BARS_MAX ? AH_BARS_MAX : n;
	double max = 0;
	for (size_t i = 0; i < shown; i++) {
		const struct bar *b = i == AH_BARS_MAX - 1 && n > AH_BARS_MAX ? &rest : &bars[i];
		if (b->value > max)
			max = b->value;
	}
	put(h, "<figure>\n<figcaption>");
	esc(h, caption, AH_CELL_MAX);
	put(h, "</figcaption>\n");
	int height = shown ? (int)shown * BAR_ROW + 12 : 40;
	putf(h, "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", id,
	     BAR_W, height, BAR_W, height);
	esc(h, caption, AH_CELL_MAX);
	put(h, "\">\n");
	if (!shown) {
		putf(h, "<text x=\"8\" y=\"24\" class=\"na\">%s</text>\n", missing ? "not available" : "no records");
	}
	for (size_t i = 0; i < shown; i++) {
		const struct bar *b = i == AH_BARS_MAX - 1 && n > AH_BARS_MAX ? &rest : &bars[i];
		int y = 6 + (int)i * BAR_ROW;
		double v = b->value > 0 ? b->value : 0;
		double w = max > 0 ? v / max * BAR_SPAN : 0;
		if (v > 0 && w < 2)
			w = 2; /* a bar that is there stays visible */
		put(h, "<g><title>");
		esc(h, b->label, AH_TITLE_MAX);
		put(h, ": ");
		num(h, b->value);
		putf(h, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", BAR_LABEL_W - 8, y + 13);
		esc(h, b->label, AH_LABEL_MAX);
		putf(h, "</text><rect class=\"bar %s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\"/>", b->cls,
		     BAR_LABEL_W, y, w, BAR_H);
		putf(h, "<text x=\"%.1f\" y=\"%d\" class=\"val\">", BAR_LABEL_W + w + 6, y + 13);
		num(h, b->value);
		put(h, "</text></g>\n");
	}
	put(h, "</svg>\n</figure>\n");
}

/* Bars from an array of objects: label and value members. */
static struct bar *bars_from_rows(ah *h, const cJSON *arr, const char *lk, const char *vk, const char *null_label,
				  const char *cls, size_t *n)
{
	*n = 0;
	int total = cJSON_GetArraySize(arr);
	if (h->rc || !cJSON_IsArray(arr) || total <= 0)
		return NULL;
	struct bar *bars = gr_malloc((size_t)total * sizeof *bars);
	if (!bars) {
		h->rc = GR_ENOMEM;
		return NULL;
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, arr)
	{
		const char *l = str(r, lk);
		bars[*n] = (struct bar){l ? l : null_label, dbl(r, vk), cls, *n};
		(*n)++;
	}
	return bars;
}

/* ---- the lineage graph ---- */

struct node {
	const cJSON *v;
	const char *name;
	int parents[AH_NODES_MAX]; /* indexes, each once */
	int np;
	int depth, layer, col;
	int x, y;
};

static const char *op_class(const char *op)
{
	static const char *const known[] = {"ingest", "filter", "dedup", "remove"};
	for (size_t i = 0; op && i < sizeof known / sizeof *known; i++)
		if (!strcmp(op, known[i]))
			return known[i];
	return "other";
}

/* Boxes per version (from provenance.lineage, whose first entry is the audited
 * one), arrows from parent to child. A version's layer is its longest
 * distance from the audited version (breadth first, then relaxed: a parent is
 * always a layer above its child, so every arrow points down), roots on top;
 * the distances relax at most n times and stay below n, so even a malformed,
 * cyclic lineage ends and stays in bounds. */
static void lineage_graph(ah *h, const cJSON *lin)
{
	put(h, "<figure>\n<figcaption>Lineage: parents above, the audited version at the bottom</figcaption>\n");
	int total = cJSON_GetArraySize(lin);
	if (!cJSON_IsArray(lin) || total <= 0) {
		put(h, "<svg id=\"chart-lineage\" class=\"chart\" viewBox=\"0 0 720 40\" width=\"720\" height=\"40\" "
		       "role=\"img\" aria-label=\"Lineage\"><text x=\"8\" y=\"24\" class=\"na\">not available</text></svg>\n"
		       "</figure>\n");
		return;
	}
	int n = total > AH_NODES_MAX ? AH_NODES_MAX : total, unknown_parents = 0;
	struct node *nd = gr_malloc((size_t)n * sizeof *nd);
	if (!nd) {
		h->rc = GR_ENOMEM;
		return;
	}
	memset(nd, 0, (size_t)n * sizeof *nd);
	const cJSON *v;
	int i = 0;
	cJSON_ArrayForEach(v, lin)
	{
		if (i == n)
			break;
		nd[i].v = v;
		nd[i].name = str(v, "version");
		i++;
	}
	for (i = 0; i < n; i++) {
		const cJSON *p;
		cJSON_ArrayForEach(p, get(nd[i].v, "parents"))
		{
			int j = 0;
			while (j < n && !(cJSON_IsString(p) && nd[j].name && !strcmp(nd[j].name, p->valuestring)))
				j++;
			bool dup = false;
			for (int k = 0; k < nd[i].np && !dup; k++)
				dup = nd[i].parents[k] == j;
			if (j == n)
				unknown_parents++;
			else if (j != i && !dup)
				nd[i].parents[nd[i].np++] = j;
		}
	}
	bool changed = true;
	for (int pass = 0; changed && pass < n; pass++) {
		changed = false;
		for (i = 0; i < n; i++)
			for (int k = 0; k < nd[i].np; k++)
				if (nd[nd[i].parents[k]].depth < nd[i].depth + 1 && nd[i].depth + 1 < n) {
					nd[nd[i].parents[k]].depth = nd[i].depth + 1;
					changed = true;
				}
	}
	/* layers top down; a layer of more than AH_ROW_MAX boxes wraps onto more rows */
	int maxd = 0, in_layer[AH_NODES_MAX] = {0}, first_row[AH_NODES_MAX + 1] = {0}, widest = 1;
	for (i = 0; i < n; i++)
		if (nd[i].depth > maxd)
			maxd = nd[i].depth;
	for (i = 0; i < n; i++) {
		nd[i].layer = maxd - nd[i].depth;
		nd[i].col = in_layer[nd[i].layer]++;
	}
	for (int l = 0; l <= maxd; l++) {
		first_row[l + 1] = first_row[l] + (in_layer[l] + AH_ROW_MAX - 1) / AH_ROW_MAX;
		if (in_layer[l] > widest)
			widest = in_layer[l] > AH_ROW_MAX ? AH_ROW_MAX : in_layer[l];
	}
	int width = 2 * GRAPH_PAD + widest * (NODE_W + NODE_GAP_X) - NODE_GAP_X;
	int height = 2 * GRAPH_PAD + first_row[maxd + 1] * (NODE_H + NODE_GAP_Y) - NODE_GAP_Y;
	if (width < 300)
		width = 300;
	for (i = 0; i < n; i++) {
		int l = nd[i].layer, sub = nd[i].col / AH_ROW_MAX;
		int in_row = in_layer[l] - sub * AH_ROW_MAX;
		if (in_row > AH_ROW_MAX)
			in_row = AH_ROW_MAX;
		int row_w = in_row * (NODE_W + NODE_GAP_X) - NODE_GAP_X;
		nd[i].x = (width - row_w) / 2 + nd[i].col % AH_ROW_MAX * (NODE_W + NODE_GAP_X);
		nd[i].y = GRAPH_PAD + (first_row[l] + sub) * (NODE_H + NODE_GAP_Y);
	}
	putf(h, "<svg id=\"chart-lineage\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		"aria-label=\"Lineage graph\">\n",
	     width, height, width, height);
	for (i = 0; i < n; i++)
		for (int k = 0; k < nd[i].np; k++) {
			const struct node *p = &nd[nd[i].parents[k]];
			int x1 = p->x + NODE_W / 2, y1 = p->y + NODE_H, x2 = nd[i].x + NODE_W / 2, y2 = nd[i].y;
			int bend = (y2 - y1) / 2;
			putf(h, "<path class=\"edge\" d=\"M%d %d C%d %d %d %d %d %d\"/>", x1, y1, x1, y1 + bend, x2, y2 - bend, x2,
			     y2 - 7);
			putf(h, "<polygon class=\"arrow\" points=\"%d,%d %d,%d %d,%d\"/>\n", x2 - 5, y2 - 9, x2 + 5, y2 - 9, x2, y2);
		}
	for (i = 0; i < n; i++) {
		const char *op = str(nd[i].v, "operation");
		putf(h, "<g class=\"node op-%s%s\"><title>", op_class(op), i == 0 ? " head" : "");
		esc(h, nd[i].name ? nd[i].name : "?", AH_TITLE_MAX);
		put(h, " (");
		esc(h, op ? op : "?", AH_LABEL_MAX);
		put(h, ")");
		const char *created = str(nd[i].v, "created"), *msg = str(nd[i].v, "message");
		if (created) {
			put(h, ", ");
			esc(h, created, AH_LABEL_MAX);
		}
		if (msg) {
			put(h, ": ");
			esc(h, msg, AH_TITLE_MAX);
		}
		putf(h, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>", nd[i].x, nd[i].y, NODE_W, NODE_H);
		putf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"vname\">", nd[i].x + NODE_W / 2, nd[i].y + 21);
		esc(h, nd[i].name ? nd[i].name : "?", AH_NODE_LABEL_MAX);
		putf(h, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", nd[i].x + NODE_W / 2, nd[i].y + 40);
		esc(h, op ? op : "?", 12);
		put(h, " \xC2\xB7 ");
		num(h, dbl(nd[i].v, "records"));
		put(h, " records</text></g>\n");
	}
	put(h, "</svg>\n</figure>\n");
	if (total > n)
		putf(h, "<p class=\"mute\">%d older versions not drawn.</p>\n", total - n);
	if (unknown_parents)
		putf(h, "<p class=\"mute\">%d parent link(s) lead outside the versions drawn.</p>\n", unknown_parents);
	free(nd);
}

/* ---- sections ---- */

static const char css[] =
	":root{--ok:#15803d;--warn:#b45309;--bad:#b91c1c;--ink:#1f2937;--mute:#6b7280;--line:#e5e7eb}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.45 system-ui,\"Segoe UI\",Roboto,\"DejaVu Sans\",\"Liberation Sans\",sans-serif;"
	"color:var(--ink);background:#fff}\n"
	"main{max-width:1040px;margin:0 auto;padding:24px}\n"
	"h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}\n"
	"h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}\n"
	"h3{font-size:15px;margin:18px 0 6px}\n"
	".sub,.mute,.na{color:var(--mute)}\n"
	"nav{margin:8px 0}nav a{margin-right:14px;color:#1d4ed8;text-decoration:none}\n"
	".banner{border-radius:8px;padding:16px 20px;margin:16px 0;color:#fff;background:#4b5563}\n"
	".banner.pass{background:var(--ok)}.banner.warn{background:var(--warn)}.banner.fail{background:var(--bad)}\n"
	".banner .big{display:block;font-size:26px;font-weight:700}\n"
	"table{border-collapse:collapse;margin:6px 0 14px;width:100%}\n"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"td.w{overflow-wrap:anywhere}\n"
	"th{background:#f3f4f6;font-weight:600}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"table.kv{width:auto;min-width:50%}table.kv th{background:none;font-weight:500;color:var(--mute);white-space:nowrap}table.kv td{text-align:left}\n"
	".st{display:inline-block;min-width:48px;text-align:center;border-radius:4px;padding:0 6px;color:#fff;"
	"font-weight:600;font-size:12px;background:#4b5563}\n"
	".st.pass{background:var(--ok)}.st.warn{background:var(--warn)}.st.fail{background:var(--bad)}\n"
	"figure{margin:10px 0 18px}figcaption{font-weight:600;margin-bottom:4px}\n"
	"svg.chart{display:block;max-width:100%;height:auto}\n"
	"svg text{font:12px system-ui,\"DejaVu Sans\",\"Liberation Sans\",sans-serif;fill:#1f2937}\n"
	"svg text.na{fill:#6b7280}svg text.vname{font-weight:700}\n"
	".bar{fill:#2563eb}.bar.ok{fill:#16a34a}.bar.bad{fill:#dc2626}.bar.warn{fill:#d97706}"
	".bar.pii{fill:#7c3aed}.bar.dom{fill:#0d9488}\n"
	".node rect{fill:#f8fafc;stroke:#64748b;stroke-width:1.5}\n"
	".node.op-ingest rect{fill:#dbeafe;stroke:#2563eb}.node.op-filter rect,.node.op-dedup rect{fill:#ede9fe;"
	"stroke:#7c3aed}\n"
	".node.op-remove rect{fill:#fee2e2;stroke:#dc2626}.node.head rect{stroke-width:3}\n"
	".edge{fill:none;stroke:#64748b;stroke-width:1.5}.arrow{fill:#64748b}\n"
	"details summary{cursor:pointer;color:var(--mute)}\n"
	"code{font:12px ui-monospace,\"DejaVu Sans Mono\",monospace}\n"
	"footer{margin-top:32px;color:var(--mute);font-size:12px}\n"
	"@media print{main{max-width:none;padding:0}nav{display:none}h2{break-after:avoid}figure{break-inside:avoid}}\n";

static void head(ah *h, const cJSON *a)
{
	const char *ver = str(a, "version"), *use = str(a, "use");
	put(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	       "<meta name=\"generator\" content=\"Granary\">\n<title>Audit of ");
	esc(h, ver ? ver : "?", AH_CELL_MAX);
	put(h, " for ");
	esc(h, use ? use : "?", AH_LABEL_MAX);
	put(h, " use</title>\n<style>\n");
	put(h, css);
	put(h, "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Audit of ");
	esc(h, ver ? ver : "?", AH_CELL_MAX);
	put(h, " for ");
	esc(h, use ? use : "?", AH_LABEL_MAX);
	put(h, " use</h1>\n<p class=\"sub\">Audited ");
	esc(h, str(a, "audited") ? str(a, "audited") : "at an unknown time", AH_LABEL_MAX);
	put(h, " by Granary &#183; report format ");
	esc(h, str(a, "format") ? str(a, "format") : "unknown", AH_LABEL_MAX);
	put(h, "</p>\n<nav><a href=\"#verdict\">Verdict</a><a href=\"#provenance\">Provenance</a>"
	       "<a href=\"#licences\">Licences</a><a href=\"#consent\">Consent</a>"
	       "<a href=\"#personal-data\">Personal data</a><a href=\"#quality\">Quality</a>"
	       "<a href=\"#documentation\">Documentation</a></nav>\n</header>\n");
}

static void verdict(ah *h, const cJSON *a)
{
	const cJSON *vd = get(a, "verdict");
	const char *res = str(vd, "result");
	put(h, "<section id=\"verdict\">\n");
	putf(h, "<div class=\"banner %s\"><span class=\"big\">Verdict: ", status_class(res));
	esc(h, res ? res : "not available", AH_LABEL_MAX);
	put(h, "</span>");
	const cJSON *failing = get(vd, "failing");
	int nf = cJSON_IsArray(failing) ? cJSON_GetArraySize(failing) : 0;
	if (nf) {
		putf(h, "%d check%s failed: ", nf, nf == 1 ? "" : "s");
		value(h, failing);
	} else if (!strcmp(status_class(res), "pass")) {
		put(h, "Every check passed.");
	} else if (!strcmp(status_class(res), "warn")) {
		put(h, "No check failed; some warn.");
	}
	put(h, "</div>\n");
	const cJSON *checks = get(vd, "checks");
	if (!cJSON_IsArray(checks)) {
		na(h, "Checks");
	} else {
		put(h, "<table id=\"checks\">\n<tr><th>Check</th><th>Result</th><th>Detail</th></tr>\n");
		const cJSON *c;
		int n = 0;
		cJSON_ArrayForEach(c, checks)
		{
			if (n++ == AH_ROWS_MAX)
				break;
			const char *st = str(c, "status");
			put(h, "<tr><td>");
			esc(h, str(c, "check"), AH_CELL_MAX);
			putf(h, "</td><td><span class=\"st %s\">", status_class(st));
			esc(h, st ? st : "?", 12);
			put(h, "</span></td><td>");
			esc(h, str(c, "detail"), AH_CELL_MAX);
			put(h, "</td></tr>\n");
		}
		put(h, "</table>\n");
	}
	const cJSON *sum = get(a, "summary");
	if (cJSON_IsObject(sum)) {
		static const char *const k[] = {"version", "operation", "message", "created", "author", "records", "bytes",
						"digest", "commit", NULL};
		static const char *const l[] = {"Version", "Made by", "Message", "Created", "Author", "Records", "Text bytes",
						"Digest", "history.git commit", NULL};
		put(h, "<h3>The version</h3>\n");
		kv_table(h, sum, k, l);
	}
	put(h, "</section>\n");
}

static void provenance(ah *h, const cJSON *a)
{
	const cJSON *p = get(a, "provenance");
	put(h, "<section id=\"provenance\">\n<h2>Provenance</h2>\n");
	const cJSON *lin = get(p, "lineage");
	lineage_graph(h, lin);
	if (cJSON_IsArray(lin)) {
		static const char *const k[] = {"version", "operation", "created", "author", "records", "message", "commit", NULL};
		static const char *const l[] = {"Version", "Operation", "Created", "Author", "Records", "Message", "Commit",
						NULL};
		rows_table(h, lin, k, l, "Versions", "-");
	}
	put(h, "<h3>Sources</h3>\n");
	static const char *const sk[] = {"name", "records", "license", "retrieved", NULL};
	static const char *const sl[] = {"Source", "Records", "Licence", "Retrieved", NULL};
	rows_table(h, get(p, "sources"), sk, sl, "Sources", "unknown");
	put(h, "</section>\n");
}

static void licences(ah *h, const cJSON *a)
{
	const cJSON *lic = get(a, "licenses");
	put(h, "<section id=\"licences\">\n<h2>Licences</h2>\n");
	const cJSON *arr = get(lic, "licenses");
	size_t n;
	struct bar *bars = bars_from_rows(h, arr, "license", "records", "no licence known", "n", &n);
	if (bars) {
		size_t i = 0;
		const cJSON *r;
		cJSON_ArrayForEach(r, arr)
		bars[i++].cls = cJSON_IsTrue(get(r, "allowed")) ? "ok" : "bad";
	}
	const char *use = str(lic, "use");
	put(h, "<p class=\"mute\">Green: cleared for ");
	esc(h, use ? use : "the", AH_LABEL_MAX);
	put(h, " use; red: not cleared.</p>\n");
	bar_chart(h, "chart-licences", "Records per licence", bars, n, true, !cJSON_IsArray(arr));
	free(bars);
	if (!cJSON_IsObject(lic)) {
		na(h, "Licences");
	} else {
		static const char *const k[] = {"allowed", "records_not_allowed", "bytes_not_allowed", "records_without_license",
						"declared", NULL};
		static const char *const l[] = {"Cleared for the use", "Records not cleared", "Bytes not cleared",
						"Records without a known licence", "Declared licence", NULL};
		kv_table(h, lic, k, l);
		static const char *const lk[] = {"license", "records", "bytes", "class", "attribution", "share_alike",
						 "no_derivatives", "allowed", NULL};
		static const char *const ll[] = {"Licence", "Records", "Bytes", "Class", "Attribution", "Share-alike",
						 "No derivatives", "Allowed", NULL};
		rows_table(h, arr, lk, ll, "Licences", "unknown");
		put(h, "<h3>Conflicts</h3>\n");
		static const char *const ck[] = {"a", "b", "why", NULL};
		static const char *const cl[] = {"Licence", "Against", "Why", NULL};
		rows_table(h, get(lic, "conflicts"), ck, cl, "Conflicts", "-");
	}
	put(h, "</section>\n");
}

static void consent(ah *h, const cJSON *a)
{
	const cJSON *c = get(a, "consent");
	put(h, "<section id=\"consent\">\n<h2>Consent</h2>\n");
	if (!cJSON_IsObject(c)) {
		na(h, "Consent");
	} else {
		static const char *const k[] = {"tdm_reservation", "noai", "noimageai", "records_matching_removals",
						"records_matching_pending_requests", "requests_pending", "requests_overdue",
						"removals_applied_since", "removals_unfinished", "removals_with_traces", NULL};
		static const char *const l[] = {"Records reserving TDM rights", "Records saying noai", "Records saying noimageai",
						"Records an applied removal covers", "Records a pending request covers",
						"Requests pending", "Requests overdue", "Removals applied since this version",
						"Removals cut short after their commit", "Removals whose check found a trace",
						NULL};
		kv_table(h, c, k, l);
		put(h, "<h3>Removal requests</h3>\n");
		static const char *const rk[] = {"id", "kind", "selector_hint", "basis", "received", "deadline", "status",
						 "overdue", "unfinished", "records_in_version", NULL};
		static const char *const rl[] = {"Id", "Kind", "Covers", "Basis", "Received", "Deadline", "Status", "Overdue",
						 "Unfinished", "Records here", NULL};
		rows_table(h, get(c, "requests"), rk, rl, "Removal requests", "-");
		put(h, "<h3>Records an applied removal still matches</h3>\n");
		static const char *const mk[] = {"id", "matched", NULL};
		static const char *const ml[] = {"Record", "Matched by", NULL};
		rows_table(h, get(c, "matching_examples"), mk, ml, "Matching records", "-");
	}
	put(h, "</section>\n");
}

static void personal_data(ah *h, const cJSON *a)
{
	const cJSON *pd = get(a, "personal_data"), *by = get(pd, "records_by_type");
	put(h, "<section id=\"personal-data\">\n<h2>Personal data</h2>\n");
	int total = cJSON_IsObject(by) ? cJSON_GetArraySize(by) : 0;
	struct bar *bars = total > 0 ? gr_malloc((size_t)total * sizeof *bars) : NULL;
	size_t n = 0;
	if (total > 0 && !bars)
		h->rc = GR_ENOMEM;
	if (bars) {
		const cJSON *e;
		cJSON_ArrayForEach(e, by)
		{
			if (!e->string || !cJSON_IsNumber(e))
				continue;
			bool unscanned = !strcmp(e->string, "unscanned");
			bars[n] = (struct bar){unscanned ? "not scanned" : e->string,
					       isfinite(e->valuedouble) ? e->valuedouble : 0, unscanned ? "warn" : "pii", n};
			n++;
		}
	}
	bar_chart(h, "chart-pii", "Records holding each type of personal data", bars, n, false, !cJSON_IsObject(by));
	free(bars);
	if (!cJSON_IsObject(pd)) {
		na(h, "Personal data");
	} else {
		put(h, "<table class=\"kv\">\n<tr><th>Bytes in records holding personal data</th><td>");
		num(h, dbl(pd, "bytes_affected"));
		putf(h, " (%.2f%% of the text bytes)</td></tr>\n", 100 * dbl(pd, "share_of_bytes"));
		put(h, "<tr><th>Records not scanned</th><td>");
		num(h, dbl(pd, "records_unscanned"));
		put(h, "</td></tr>\n<tr><th>Scanned completely</th><td>");
		value(h, get(pd, "scanned_completely"));
		put(h, "</td></tr>\n</table>\n");
	}
	put(h, "</section>\n");
}

static void quality(ah *h, const cJSON *a)
{
	const cJSON *q = get(a, "quality");
	put(h, "<section id=\"quality\">\n<h2>Quality</h2>\n");
	if (!cJSON_IsObject(q)) {
		na(h, "Quality");
	} else {
		static const char *const k[] = {"records", "exact_duplicates", "exact_duplicate_rate", "min_length", "max_length",
						"mean_length", "domains", "time_range", "languages", NULL};
		static const char *const l[] = {"Records", "Exact duplicates", "Exact duplicate rate", "Shortest (bytes)",
						"Longest (bytes)", "Mean length (bytes)", "Domains", "Time range", "Languages",
						NULL};
		kv_table(h, q, k, l);
	}
	/* the histogram's buckets in their order, the empty ones too (audit.c names them) */
	static const char *const buckets[] = {"<100", "100-999", "1K-10K", "10K-100K", ">=100K"};
	const size_t nb = sizeof buckets / sizeof *buckets;
	const cJSON *hist = get(q, "length_histogram");
	size_t n = 0;
	struct bar *bars = bars_from_rows(h, hist, "bucket", "records", "?", "n", &n);
	struct bar *all = NULL;
	size_t na_ = 0;
	if (!h->rc && cJSON_IsArray(hist) && (all = gr_malloc((nb + n) * sizeof *all)) == NULL)
		h->rc = GR_ENOMEM;
	if (all) {
		for (size_t i = 0; i < nb; i++) {
			all[na_] = (struct bar){buckets[i], 0, "n", na_};
			for (size_t j = 0; j < n; j++)
				if (bars[j].label && !strcmp(bars[j].label, buckets[i]))
					all[na_].value += bars[j].value;
			na_++;
		}
		for (size_t j = 0; j < n; j++) {
			size_t i = 0;
			while (i < nb && strcmp(bars[j].label, buckets[i]))
				i++;
			if (i == nb) {
				all[na_] = (struct bar){bars[j].label, bars[j].value, "n", na_};
				na_++;
			}
		}
	}
	bar_chart(h, "chart-lengths", "Records by text length (bytes)", all, na_, false, !cJSON_IsArray(hist));
	free(all);
	free(bars);
	const cJSON *dom = get(q, "top_domains");
	bars = bars_from_rows(h, dom, "domain", "records", "(no domain)", "dom", &n);
	bar_chart(h, "chart-domains", "Top domains by records", bars, n, true, !cJSON_IsArray(dom));
	free(bars);
	const cJSON *attr = get(q, "attributes");
	if (cJSON_IsArray(attr) && cJSON_IsObject(cJSON_GetArrayItem(attr, 0))) {
		static const char *const k[] = {"mean_words", "mean_word_len", "symbol_ratio", "alpha_word_frac", "dup_line_frac",
						NULL};
		static const char *const l[] = {"Mean words per record", "Mean word length", "Symbol ratio",
						"Share of alphabetic words", "Share of duplicate lines", NULL};
		put(h, "<h3>Mean quality attributes</h3>\n");
		kv_table(h, cJSON_GetArrayItem(attr, 0), k, l);
	}
	const cJSON *nd = get(q, "near_duplicates");
	if (cJSON_IsObject(nd)) {
		static const char *const k[] = {"measured", "threshold", "texts", "texts_with_signature", "near_duplicate_texts",
						"near_duplicate_rate", "why", NULL};
		static const char *const l[] = {"Measured", "Threshold (Jaccard)", "Distinct texts", "Texts with a signature",
						"Near-duplicate texts", "Near-duplicate rate", "Why not (all)", NULL};
		put(h, "<h3>Near duplicates</h3>\n");
		kv_table(h, nd, k, l);
	}
	put(h, "</section>\n");
}

static void documentation(ah *h, const cJSON *a)
{
	const cJSON *d = get(a, "documentation");
	put(h, "<section id=\"documentation\">\n<h2>Documentation</h2>\n");
	if (!cJSON_IsObject(d)) {
		na(h, "Documentation");
	} else {
		put(h, "<table class=\"kv\">\n<tr><th>Valid against the policy</th><td>");
		value(h, get(d, "valid"));
		put(h, "</td></tr>\n<tr><th>Required fields filled</th><td>");
		num(h, dbl(d, "required_filled"));
		put(h, " of ");
		num(h, dbl(d, "required_total"));
		put(h, "</td></tr>\n<tr><th>Recommended fields filled</th><td>");
		num(h, dbl(d, "recommended_filled"));
		put(h, " of ");
		num(h, dbl(d, "recommended_total"));
		put(h, "</td></tr>\n<tr><th>Completeness</th><td>");
		num(h, dbl(d, "completeness"));
		put(h, "%</td></tr>\n<tr><th>Required fields missing</th><td>");
		value(h, get(d, "missing_required"));
		put(h, "</td></tr>\n<tr><th>Invalid fields</th><td>");
		value(h, get(d, "invalid"));
		put(h, "</td></tr>\n</table>\n");
		const cJSON *lc = get(d, "last_change");
		if (cJSON_IsObject(lc)) {
			static const char *const k[] = {"updated", "by", "version", NULL};
			static const char *const l[] = {"Documents last written", "By", "On version", NULL};
			kv_table(h, lc, k, l);
		}
		const cJSON *rec = get(d, "missing_recommended");
		if (cJSON_IsArray(rec) && cJSON_GetArraySize(rec)) {
			putf(h, "<details><summary>%d recommended fields missing</summary>\n<p>", cJSON_GetArraySize(rec));
			value(h, rec);
			put(h, "</p></details>\n");
		}
	}
	put(h, "</section>\n");
}

int gr_api_audit_html(const cJSON *audit, gr_buf *out)
{
	ah h = {GR_BUF_INIT, 0};
	head(&h, audit);
	if (!cJSON_IsObject(audit))
		na(&h, "The report");
	verdict(&h, audit);
	provenance(&h, audit);
	licences(&h, audit);
	consent(&h, audit);
	personal_data(&h, audit);
	quality(&h, audit);
	documentation(&h, audit);
	put(&h, "<footer>Made by Granary from its granary-audit/1 report; the same report as JSON: "
		"<code>granary audit VERSION --use USE --format json</code>.</footer>\n</main>\n</body>\n</html>\n");
	if (!h.rc)
		h.rc = gr_buf_put(out, h.b.ptr, h.b.len);
	gr_buf_free(&h.b);
	return h.rc ? GR_ENOMEM : 0;
}
