/* One text's scan: PII counts and quality attributes (see textscan.h). */
#include <stdlib.h>

#include "ingest/textscan.h"
#include "scan/pii.h"
#include "scan/quality.h"

struct gr_textscan {
	gr_pii_scanner *pii;
	gr_quality_state *q;
};

int gr_textscan_new(gr_textscan **out, const struct gr_pii_db *db)
{
	gr_textscan *t = calloc(1, sizeof *t);
	if (!t)
		return gr_error_set(GR_ENOMEM, "out of memory");
	int rc = gr_pii_scanner_new(&t->pii, db);
	if (!rc)
		rc = gr_quality_state_new(&t->q);
	if (rc) {
		gr_textscan_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void gr_textscan_free(gr_textscan *t)
{
	if (!t)
		return;
	gr_pii_scanner_free(t->pii);
	gr_quality_state_free(t->q);
	free(t);
}

int gr_textscan_run(gr_textscan *t, const char *text, size_t n, gr_scan_row *out)
{
	const gr_pii_span *spans;
	size_t ns;
	uint32_t counts[GR_PII_NTYPES];
	gr_quality q;
	int rc = gr_pii_scan(t->pii, text ? text : "", n, &spans, &ns, counts);
	if (!rc)
		rc = gr_quality_compute(&q, t->q, text, n);
	if (rc)
		return rc;
	_Static_assert(GR_PII_NTYPES == GR_SCAN_NPII, "the catalog keeps one count per PII type");
	for (int i = 0; i < GR_PII_NTYPES; i++)
		out->pii[i] = counts[i];
	out->words = q.words;
	out->lines = q.lines;
	out->mean_word_len = q.mean_word_len;
	out->symbol_ratio = q.symbol_ratio;
	out->punct_line_frac = q.punct_line_frac;
	out->alpha_word_frac = q.alpha_word_frac;
	out->dup_line_frac = q.dup_line_frac;
	out->dup_line_char_frac = q.dup_line_char_frac;
	return 0;
}
