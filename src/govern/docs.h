/*
 * govern/docs — the documentation of a dataset version: its model (one cJSON
 * document per version), the table of every field, the documentation policy
 * (which fields a release or an export needs), validation and completeness,
 * and the renderings: a Hugging Face dataset card, Croissant 1.0 JSON-LD
 * with the RAI vocabulary, a Markdown datasheet (Gebru et al.), a JSON data
 * statement (Bender & Friedman), and a YAML text to edit the document in.
 *
 * Pure functions: no catalog, no files, no clock. The caller stores the
 * document and the policy, computes the facts, and prints.
 *
 * The document (format "granary-doc/1"; schema/datasheet.schema.json and
 * schema/data-statement.schema.json are its written form, kept equal to the
 * field table by tests/unit/test_docs.c):
 *
 *   {"format": "granary-doc/1",
 *    "card":      {"name", "pretty_name", "summary", "description", "curators": [..],
 *                  "removal_contact", "license" (SPDX), "languages": [BCP-47], ...},
 *    "sources":   [{"name", "uri", "retrieved" (YYYY-MM-DD), "license" (SPDX)}],
 *    "collection": {"method", "type": [..], "timeframe" (ISO 8601 interval)},
 *    "uses":      {"intended", "out_of_scope"},
 *    "personal_information": "...",
 *    "datasheet": {"motivation": {"purpose", ...}, "composition": {...}, ...},
 *    "statement": {"curation_rationale", "language_varieties": [{"tag", "description"}], ...}}
 *
 * A field is named by its dotted path ("card.license",
 * "datasheet.motivation.purpose", "statement.capture_quality"); the part
 * prefix may be left out where that is unambiguous ("license",
 * "motivation.purpose"). Unset fields are absent. Values are stored
 * normalised: strings trimmed (CRLF as LF), SPDX expressions in the form
 * gr_spdx_render gives, BCP-47 tags in their conventional case.
 *
 * A question may have a fallback (another field that answers it when it is
 * not typed: the datasheet's "who maintains the dataset" falls back to the
 * card's curators) and a fact (what Granary computes: record count, licence
 * mix, PII counts, languages, removals). A question answered either way
 * counts as filled for completeness, and the renderings show it.
 *
 * Facts (a cJSON object the caller computes; NULL for none; every key
 * optional): {"dataset": name, "version": N | "vN", "records": n,
 * "bytes": n, "sources": [{"name", "records", "license"}],
 * "licenses": {expr: records}, "languages": {code: records},
 * "pii": {TYPE: records}, "removals": n, "created": date, "published": date,
 * "url": dataset page, "export": {"name", "url", "sha256", "bytes"}}.
 *
 * Errors: GR_EINVAL with a message naming the field and what is wrong,
 * GR_ELIMIT past the limits below, GR_ENOMEM.
 */
#ifndef GR_GOVERN_DOCS_H
#define GR_GOVERN_DOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util/util.h"

#define GR_DOC_FORMAT "granary-doc/1"
#define GR_DOC_POLICY_FORMAT "granary-doc-policy/1"
#define GR_DOC_STATEMENT_FORMAT "granary-data-statement/1"
#define GR_DOC_CROISSANT_VERSION "http://mlcommons.org/croissant/1.0"

/* Limits (STYLE.md rule 7): bytes of one value as given to gr_doc_set, items
 * in one list, bytes of an edit text. */
#define GR_DOC_MAX_VALUE (64u * 1024)
#define GR_DOC_MAX_ITEMS 1024
#define GR_DOC_MAX_EDIT (4u * 1024 * 1024)

/* ---- the field table ----------------------------------------------------- */

typedef enum {
	GR_DOC_STRING,   /* text (Markdown allowed) */
	GR_DOC_STRINGS,  /* list of strings; "a, b" or a JSON array */
	GR_DOC_DATE,     /* YYYY-MM-DD */
	GR_DOC_INTERVAL, /* ISO 8601 date or interval: 2020, 2020-03/2021-06-30 */
	GR_DOC_URL,      /* http:// or https:// */
	GR_DOC_CONTACT,  /* an e-mail address, mailto: or an http(s) URL */
	GR_DOC_SPDX,     /* an SPDX licence expression (govern/spdx.h) */
	GR_DOC_BCP47,    /* one BCP-47 language tag (only inside objects) */
	GR_DOC_BCP47S,   /* list of BCP-47 tags */
	GR_DOC_OBJECTS,  /* list of objects with the subfields below; a JSON array */
} gr_doc_type;

typedef enum {
	GR_DOC_PART_CARD,      /* card.*: what a Hugging Face card and Croissant carry */
	GR_DOC_PART_CORE,      /* sources, collection.*, uses.*, personal_information */
	GR_DOC_PART_DATASHEET, /* datasheet.SECTION.QUESTION: Gebru et al.'s 59 prompts */
	GR_DOC_PART_STATEMENT, /* statement.*: Bender & Friedman's data statement */
} gr_doc_part;

typedef struct {
	const char *key;
	gr_doc_type type;
	bool required; /* every object must have it */
	const char *title;
} gr_doc_subfield;

/* Field flags. */
#define GR_DOC_F_REQUIRED 0x1u  /* required by the default policy */
#define GR_DOC_F_NOINHERIT 0x2u /* not copied to a child version (publication date) */

typedef struct {
	const char *id;       /* dotted path: "card.license" */
	gr_doc_part part;
	const char *section;  /* datasheet: "motivation" ... "maintenance"; else NULL */
	const char *title;    /* short label */
	const char *question; /* the question, as asked in the datasheet or statement */
	gr_doc_type type;
	unsigned flags;       /* GR_DOC_F_* */
	const char *fallback; /* id of the field that answers this one when unset, or NULL */
	const char *fact;     /* key of facts that fills it, or NULL */
	const char *const *values;   /* allowed values (NULL-terminated) of a string list, or NULL */
	const gr_doc_subfield *sub;  /* GR_DOC_OBJECTS: the members */
	size_t nsub;
} gr_doc_field;

/* The table, in rendering order. Pointers are static. */
size_t gr_doc_field_count(void);
const gr_doc_field *gr_doc_field_at(size_t i);
/* By id, or by id without its part prefix when one field alone matches
 * ("license" -> card.license; "motivation.purpose" ->
 * datasheet.motivation.purpose). NULL when none does. */
const gr_doc_field *gr_doc_field_find(const char *id);
/* "string", "string[]", "date", "interval", "url", "contact", "spdx",
 * "bcp47", "bcp47[]", "object[]". */
const char *gr_doc_type_name(gr_doc_type t);

/* The datasheet's seven sections in order: id ("motivation") and heading
 * ("Motivation"). n in [0, 7). */
#define GR_DOC_DATASHEET_SECTIONS 7
const char *gr_doc_section_id(size_t n);
const char *gr_doc_section_title(size_t n);

/* ---- documents ----------------------------------------------------------- */

/* An empty document {"format": "granary-doc/1"}. Free with cJSON_Delete. */
int gr_doc_new(cJSON **out);
/* The document a new version starts with: a copy of its parent's (NULL: a
 * new document) without the fields flagged GR_DOC_F_NOINHERIT. */
int gr_doc_inherit(cJSON **out, const cJSON *parent);

/*
 * Sets one field from text, checked and normalised for its type; value NULL
 * or blank unsets it. Lists: a JSON array, or items separated by commas
 * ("en, de-CH"). Object lists: a JSON array of objects or one object;
 * statement.language_varieties also takes a list of tags. A field name
 * ending in "+" appends to a list instead of replacing it. GR_EINVAL with a
 * message naming the field ("card.languages: 'en_US' is not a BCP-47 tag
 * ..."), GR_ELIMIT past GR_DOC_MAX_VALUE or GR_DOC_MAX_ITEMS; doc is
 * unchanged then.
 */
int gr_doc_set(cJSON *doc, const char *field, const char *value);
/* The stored value (borrowed), or NULL when unset or unknown. */
const cJSON *gr_doc_get(const cJSON *doc, const char *field);
/* Whether f has a value in doc (a non-blank string, a non-empty list), not
 * counting fallbacks or facts. */
bool gr_doc_has(const cJSON *doc, const gr_doc_field *f);

/* ---- the documentation policy -------------------------------------------- */

/*
 * A policy (format "granary-doc-policy/1"; schema/doc-policy.json is the
 * default one):
 *   {"format": "granary-doc-policy/1",
 *    "enforce": ["release", "export"],      operations refused while required fields are missing
 *    "required": [field ids],
 *    "recommended": "*" | [field ids]}      "*": every field not required
 * Completeness is the share of the recommended fields that are filled.
 */
int gr_doc_policy_default(cJSON **out);
/* 0, or GR_EINVAL naming what is wrong (unknown field or key, a field both
 * required and recommended, an unknown operation). */
int gr_doc_policy_check(const cJSON *policy);
/* Makes field required (required = true) or recommended. */
int gr_doc_policy_require(cJSON *policy, const char *field, bool required);

/* ---- validation ---------------------------------------------------------- */

/*
 * Checks doc against policy (NULL: the default) and the field types; facts
 * (may be NULL) fill questions that Granary answers. *out (cJSON_Delete) is
 *   {"valid": bool,                         no required field missing, nothing invalid
 *    "missing_required": [ids],
 *    "invalid": [{"field": id, "why": text}], wrong type, malformed value, unknown key
 *    "required_filled": n, "required_total": m,
 *    "recommended_filled": n, "recommended_total": m,
 *    "completeness": percent of the recommended fields filled (one decimal),
 *    "missing_recommended": [ids]}
 * Returns 0 whatever the verdict; GR_EINVAL when doc is not an object or
 * the policy is malformed.
 */
int gr_doc_validate(const cJSON *doc, const cJSON *policy, const cJSON *facts, cJSON **out);

/*
 * The gate before an operation ("release" or "export"): 0 when the policy
 * does not enforce that operation or the document is valid; otherwise
 * GR_EINVAL with the message "cannot OP: required documentation missing:
 * card.license, sources; invalid: card.languages (...)".
 */
int gr_doc_require(const cJSON *doc, const cJSON *policy, const cJSON *facts, const char *operation);

/* ---- renderings ---------------------------------------------------------- */

/*
 * Appends doc rendered in format to out (out unchanged on failure):
 *   "card"       Hugging Face dataset card: README.md, a YAML header between
 *                "---" lines (pretty_name, license as HF's id: "other" with
 *                license_name and license_link when the SPDX expression has
 *                none, language, language_details, multilinguality,
 *                size_categories from facts.records, task_categories,
 *                task_ids, annotations_creators, language_creators,
 *                source_datasets, tags, configs) then the card template's
 *                Markdown sections and the datasheet.
 *   "croissant"  Croissant 1.0 JSON-LD with the RAI vocabulary. Every
 *                property Croissant 1.0 requires is emitted: @context,
 *                @type sc:Dataset, conformsTo, name, description, license,
 *                url, creator, datePublished, distribution (a cr:FileObject
 *                for the export). GR_EINVAL naming the field when the
 *                document and the facts have no value for one of them.
 *   "datasheet"  Markdown: the seven sections, every question with its
 *                answer, its fallback's, Granary's facts, or "_not answered_".
 *   "statement"  the data statement as JSON (format granary-data-statement/1).
 * GR_EINVAL for another format.
 */
int gr_doc_render(const cJSON *doc, const cJSON *facts, const char *format, gr_buf *out);

/*
 * The text `granary doc edit` opens in $EDITOR: YAML, one "field: value"
 * line per field (a block "|-" for text over several lines, JSON for lists),
 * each under its question as a comment, fields the policy (NULL: default)
 * requires marked. Appends to out.
 */
int gr_doc_edit_text(const cJSON *doc, const cJSON *policy, gr_buf *out);
/*
 * Reads an edited text back: *out (cJSON_Delete) is a copy of doc with each
 * field the text names set through gr_doc_set (an empty value unsets it);
 * fields the text leaves out stay as they were. GR_EINVAL with every
 * problem found, each with its line ("line 12: card.languages: ..."), and
 * *out untouched; GR_ELIMIT past GR_DOC_MAX_EDIT.
 */
int gr_doc_edit_apply(cJSON **out, const cJSON *doc, const char *text, size_t n);

/* ---- pieces, for the renderings' callers and tests ----------------------- */

/* Hugging Face's size_categories bucket for a record count: "n<1K" (n <
 * 1000), "1K<n<10K" (1000 <= n < 10000), ..., "100B<n<1T", "n>1T". */
const char *gr_doc_size_category(uint64_t records);
/* Appends s as one YAML scalar: plain when that reads back as the same
 * string under YAML 1.1 and 1.2 (PyYAML, the Hub), else double-quoted with
 * JSON-compatible escapes. */
int gr_doc_yaml_scalar(gr_buf *out, const char *s);
/* Checks a BCP-47 tag (RFC 5646 well-formed, grandfathered tags included,
 * no repeated variant or extension singleton) and appends it in the
 * conventional case (language lower, Script title, REGION upper) to out.
 * GR_EINVAL with the reason. */
int gr_doc_bcp47(const char *tag, gr_buf *out);
/* The JSON Schema of the document ("datasheet") or of the data statement
 * ("statement"), made from the field table: what schema/ holds. */
int gr_doc_schema(const char *which, cJSON **out);

#endif
