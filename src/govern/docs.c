/*
 * govern/docs — the documentation model of a dataset version (docs.h): the
 * field table, setting and checking values, the documentation policy,
 * validation, and the renderings (Hugging Face card, Croissant 1.0 + RAI,
 * Markdown datasheet, JSON data statement, the YAML edit text).
 *
 * Invariants:
 *  1. The table below is the one definition of the fields. The default
 *     policy, the JSON Schemas (gr_doc_schema, equal to the files in schema/) and
 *     every rendering are derived from it.
 *  2. gr_doc_set stores only values that pass the field's check, in
 *     normalised form, and leaves the document untouched on failure.
 *     Validation runs the same check over stored values, so a document
 *     edited elsewhere (the API, the catalog) is judged by the same rules.
 *  3. Renderings never fail on a document that is merely incomplete (they
 *     say what is missing in the output), except Croissant, which refuses
 *     rather than emit a property Croissant 1.0 requires without a value.
 *  4. Every YAML scalar goes through gr_doc_yaml_scalar: plain only when
 *     YAML 1.1 and 1.2 both read it back as the same string.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "govern/docs.h"
#include "govern/spdx.h"

/* ---- allowed values ------------------------------------------------------ */

/* Hugging Face dataset card enums (huggingface_hub DatasetCardData docs). */
static const char *const hf_annotations_creators[] = {
	"found", "crowdsourced", "expert-generated", "machine-generated", "no-annotation", "other", NULL};
static const char *const hf_language_creators[] = {
	"found", "crowdsourced", "expert-generated", "machine-generated", "other", NULL};
static const char *const hf_multilinguality[] = {"monolingual", "multilingual", "translation", "other", NULL};

/* The Hub's task ids: the keys of PIPELINE_DATA in huggingface.js
 * packages/tasks/src/pipelines.ts (commit 0057f404). */
static const char *const hf_task_categories[] = {
	"biology", "text-classification", "token-classification", "table-question-answering",
	"question-answering", "zero-shot-classification", "translation", "summarization",
	"feature-extraction", "text-generation", "text2text-generation", "fill-mask",
	"sentence-similarity", "text-to-speech", "text-to-audio", "automatic-speech-recognition",
	"audio-to-audio", "audio-classification", "audio-text-to-text", "voice-activity-detection",
	"depth-estimation", "image-classification", "object-detection", "image-segmentation",
	"text-to-image", "image-to-text", "image-to-image", "image-to-video",
	"unconditional-image-generation", "video-classification", "reinforcement-learning", "robotics",
	"tabular-classification", "tabular-regression", "tabular-to-text", "table-to-text",
	"multiple-choice", "text-ranking", "text-retrieval", "time-series-forecasting", "text-to-video",
	"image-text-to-text", "visual-question-answering", "document-question-answering",
	"zero-shot-image-classification", "graph-ml", "mask-generation", "zero-shot-object-detection",
	"text-to-3d", "image-to-3d", "image-feature-extraction", "video-text-to-text",
	"keypoint-detection", "visual-document-retrieval", "any-to-any", "other", NULL};

/* Croissant RAI 1.0 rai:dataCollectionType, the recommended values. */
static const char *const rai_collection_types[] = {
	"Surveys", "Secondary Data analysis", "Physical data collection", "Direct measurement",
	"Document analysis", "Manual Human Curator", "Software Collection", "Experiments",
	"Web Scraping", "Web API", "Focus groups", "Self-reporting", "Customer feedback data",
	"User-generated content data", "Passive Data Collection", "Others", NULL};

static const gr_doc_subfield source_sub[] = {
	{"name", GR_DOC_STRING, true, "Name of the source"},
	{"uri", GR_DOC_URL, false, "Where it was retrieved from"},
	{"retrieved", GR_DOC_DATE, true, "Date it was retrieved (YYYY-MM-DD)"},
	{"license", GR_DOC_SPDX, false, "Licence of the source (SPDX expression)"},
};
static const gr_doc_subfield variety_sub[] = {
	{"tag", GR_DOC_BCP47, true, "BCP-47 tag"},
	{"description", GR_DOC_STRING, false, "Prose description of the variety"},
};

/* ---- the field table ----------------------------------------------------- */

#define REQ GR_DOC_F_REQUIRED
#define CARD(key, title, q, type, flags) \
	{"card." key, GR_DOC_PART_CARD, NULL, title, q, type, flags, NULL, NULL, NULL, NULL, 0}
#define CARDV(key, title, q, values) \
	{"card." key, GR_DOC_PART_CARD, NULL, title, q, GR_DOC_STRINGS, 0, NULL, NULL, values, NULL, 0}
#define CORE(id, title, q, type, flags) {id, GR_DOC_PART_CORE, NULL, title, q, type, flags, NULL, NULL, NULL, NULL, 0}
#define DS(sec, key, title, q, fb, fact) \
	{"datasheet." sec "." key, GR_DOC_PART_DATASHEET, sec, title, q, GR_DOC_STRING, 0, fb, fact, NULL, NULL, 0}
#define ST(key, title, q, type, fb, fact) \
	{"statement." key, GR_DOC_PART_STATEMENT, NULL, title, q, type, 0, fb, fact, NULL, NULL, 0}
#define OTHER "Any other comments?"

static const gr_doc_field fields[] = {
	/* card: what the Hugging Face card header and Croissant's core need */
	CARD("name", "Name", "The dataset's short machine-readable name (e.g. web-en).", GR_DOC_STRING, REQ),
	CARD("pretty_name", "Pretty name", "The dataset's human-readable name.", GR_DOC_STRING, 0),
	CARD("summary", "Summary", "One or two sentences: what the dataset is.", GR_DOC_STRING, 0),
	CARD("description", "Description", "What the dataset contains, how it was made and what it is for.",
	     GR_DOC_STRING, REQ),
	CARD("curators", "Curators", "Who curates the dataset: people or organisations (\"Name <e-mail>\").",
	     GR_DOC_STRINGS, REQ),
	CARD("removal_contact", "Removal contact",
	     "Where people send requests to remove their data: an e-mail address or a URL.", GR_DOC_CONTACT, REQ),
	CARD("license", "Licence", "The licence of the dataset as a valid SPDX expression (e.g. CC-BY-4.0).",
	     GR_DOC_SPDX, REQ),
	CARD("license_link", "Licence link",
	     "Where the licence text is, when it has no Hugging Face id (a URL).", GR_DOC_URL, 0),
	CARD("languages", "Languages", "The languages of the data, as BCP-47 tags (e.g. en, de-CH).", GR_DOC_BCP47S,
	     REQ),
	CARDV("task_categories", "Task categories", "Hugging Face task ids the dataset serves (e.g. text-generation).",
	      hf_task_categories),
	CARD("task_ids", "Task ids", "Hugging Face sub-task ids (e.g. language-modeling).", GR_DOC_STRINGS, 0),
	CARD("source_datasets", "Source datasets",
	     "Datasets this one is derived from, as Hugging Face ids (or original, extended|ID).", GR_DOC_STRINGS, 0),
	CARDV("annotations_creators", "Annotations creators", "Who made the annotations.", hf_annotations_creators),
	CARDV("language_creators", "Language creators", "Who wrote the text.", hf_language_creators),
	CARDV("multilinguality", "Multilinguality", "Whether the dataset is monolingual, multilingual or a translation.",
	      hf_multilinguality),
	CARD("tags", "Tags", "Free keywords.", GR_DOC_STRINGS, 0),
	CARD("homepage", "Homepage", "The dataset's web page.", GR_DOC_URL, 0),
	CARD("repository", "Repository", "Where the dataset or the code that made it is kept.", GR_DOC_URL, 0),
	CARD("paper", "Paper", "A paper that describes the dataset.", GR_DOC_URL, 0),
	CARD("citation", "Citation", "How to cite the dataset (BibTeX preferred).", GR_DOC_STRING, 0),
	CARD("date_published", "Date published", "When this version was published (YYYY-MM-DD).", GR_DOC_DATE,
	     GR_DOC_F_NOINHERIT),

	/* core: what the hub's own checks need (governance.md §9.2) */
	{"sources", GR_DOC_PART_CORE, NULL, "Sources",
	 "Where the data comes from: each source with its name, URI, retrieval date and licence.", GR_DOC_OBJECTS, REQ,
	 NULL, NULL, NULL, source_sub, sizeof source_sub / sizeof source_sub[0]},
	CORE("collection.method", "Collection method",
	     "How the data was collected (crawler, API, manual curation...) and with what.", GR_DOC_STRING, REQ),
	{"collection.type", GR_DOC_PART_CORE, NULL, "Collection type",
	 "Kinds of collection, in Croissant RAI's words (e.g. Web Scraping, Web API).", GR_DOC_STRINGS, 0, NULL, NULL,
	 rai_collection_types, NULL, 0},
	CORE("collection.timeframe", "Collection timeframe",
	     "When the data was collected: an ISO 8601 date or interval (e.g. 2023-01/2023-06).", GR_DOC_INTERVAL, REQ),
	CORE("uses.intended", "Intended uses", "What the dataset is meant to be used for.", GR_DOC_STRING, REQ),
	CORE("uses.out_of_scope", "Out-of-scope uses", "Uses the dataset is not suited or not allowed for.",
	     GR_DOC_STRING, REQ),
	CORE("personal_information", "Personal information",
	     "Whether the data holds personal or sensitive information, which kinds, and how it was handled.",
	     GR_DOC_STRING, REQ),

	/* datasheet: Gebru et al., Datasheets for Datasets (CACM 2021), every question */
	DS("motivation", "purpose", "Purpose",
	   "For what purpose was the dataset created? Was there a specific task in mind? Was there a specific gap "
	   "that needed to be filled? Please provide a description.",
	   NULL, NULL),
	DS("motivation", "creators", "Creators",
	   "Who created the dataset (e.g., which team, research group) and on behalf of which entity (e.g., company, "
	   "institution, organization)?",
	   "card.curators", NULL),
	DS("motivation", "funding", "Funding",
	   "Who funded the creation of the dataset? If there is an associated grant, please provide the name of the "
	   "grantor and the grant name and number.",
	   NULL, NULL),
	DS("motivation", "comments", "Other comments", OTHER, NULL, NULL),

	DS("composition", "instances", "Instances",
	   "What do the instances that comprise the dataset represent (e.g., documents, photos, people, countries)? "
	   "Are there multiple types of instances (e.g., movies, users, and ratings; people and interactions between "
	   "them; nodes and edges)?",
	   NULL, NULL),
	DS("composition", "count", "Count", "How many instances are there in total (of each type, if appropriate)?",
	   NULL, "records"),
	DS("composition", "sample", "Sample",
	   "Does the dataset contain all possible instances or is it a sample (not necessarily random) of instances "
	   "from a larger set? If the dataset is a sample, then what is the larger set? Is the sample representative "
	   "of the larger set (e.g., geographic coverage)? If so, please describe how this representativeness was "
	   "validated/verified. If it is not representative of the larger set, please describe why not.",
	   NULL, NULL),
	DS("composition", "data", "Instance data",
	   "What data does each instance consist of? \"Raw\" data (e.g., unprocessed text or images) or features? In "
	   "either case, please provide a description.",
	   NULL, NULL),
	DS("composition", "labels", "Labels",
	   "Is there a label or target associated with each instance? If so, please provide a description.", NULL,
	   NULL),
	DS("composition", "missing", "Missing information",
	   "Is any information missing from individual instances? If so, please provide a description, explaining why "
	   "this information is missing (e.g., because it was unavailable). This does not include intentionally "
	   "removed information, but might include, e.g., redacted text.",
	   NULL, NULL),
	DS("composition", "relationships", "Relationships",
	   "Are relationships between individual instances made explicit (e.g., users' movie ratings, social network "
	   "links)? If so, please describe how these relationships are made explicit.",
	   NULL, NULL),
	DS("composition", "splits", "Splits",
	   "Are there recommended data splits (e.g., training, development/validation, testing)? If so, please "
	   "provide a description of these splits, explaining the rationale behind them.",
	   NULL, NULL),
	DS("composition", "noise", "Errors and noise",
	   "Are there any errors, sources of noise, or redundancies in the dataset? If so, please provide a "
	   "description.",
	   NULL, NULL),
	DS("composition", "external", "External resources",
	   "Is the dataset self-contained, or does it link to or otherwise rely on external resources (e.g., websites, "
	   "tweets, other datasets)? If it links to or relies on external resources, a) are there guarantees that "
	   "they will exist, and remain constant, over time; b) are there official archival versions of the complete "
	   "dataset (i.e., including the external resources as they existed at the time the dataset was created); "
	   "c) are there any restrictions (e.g., licenses, fees) associated with any of the external resources that "
	   "might apply to a dataset consumer?",
	   NULL, NULL),
	DS("composition", "confidential", "Confidential data",
	   "Does the dataset contain data that might be considered confidential (e.g., data that is protected by legal "
	   "privilege or by doctor-patient confidentiality, data that includes the content of individuals' non-public "
	   "communications)? If so, please provide a description.",
	   NULL, NULL),
	DS("composition", "offensive", "Offensive content",
	   "Does the dataset contain data that, if viewed directly, might be offensive, insulting, threatening, or "
	   "might otherwise cause anxiety? If so, please describe why.",
	   NULL, NULL),
	DS("composition", "people", "Relates to people",
	   "Does the dataset relate to people? If not, you may skip the remaining questions in this section.", NULL,
	   NULL),
	DS("composition", "subpopulations", "Subpopulations",
	   "Does the dataset identify any subpopulations (e.g., by age, gender)? If so, please describe how these "
	   "subpopulations are identified and provide a description of their respective distributions within the "
	   "dataset.",
	   NULL, NULL),
	DS("composition", "identifiable", "Identifiable individuals",
	   "Is it possible to identify individuals (i.e., one or more natural persons), either directly or indirectly "
	   "(i.e., in combination with other data) from the dataset? If so, please describe how.",
	   NULL, "pii"),
	DS("composition", "sensitive", "Sensitive data",
	   "Does the dataset contain data that might be considered sensitive in any way (e.g., data that reveals race "
	   "or ethnic origins, sexual orientations, religious beliefs, political opinions or union memberships, or "
	   "locations; financial or health data; biometric or genetic data; forms of government identification, such "
	   "as social security numbers; criminal history)? If so, please provide a description.",
	   "personal_information", NULL),
	DS("composition", "comments", "Other comments", OTHER, NULL, NULL),

	DS("collection", "acquisition", "Acquisition",
	   "How was the data associated with each instance acquired? Was the data directly observable (e.g., raw text, "
	   "movie ratings), reported by subjects (e.g., survey responses), or indirectly inferred/derived from other "
	   "data (e.g., part-of-speech tags, model-based guesses for age or language)? If the data was reported by "
	   "subjects or indirectly inferred/derived from other data, was the data validated/verified? If so, please "
	   "describe how.",
	   NULL, NULL),
	DS("collection", "mechanisms", "Mechanisms",
	   "What mechanisms or procedures were used to collect the data (e.g., hardware apparatuses or sensors, manual "
	   "human curation, software programs, software APIs)? How were these mechanisms or procedures validated?",
	   "collection.method", NULL),
	DS("collection", "sampling_strategy", "Sampling strategy",
	   "If the dataset is a sample from a larger set, what was the sampling strategy (e.g., deterministic, "
	   "probabilistic with specific sampling probabilities)?",
	   NULL, NULL),
	DS("collection", "collectors", "Collectors",
	   "Who was involved in the data collection process (e.g., students, crowdworkers, contractors) and how were "
	   "they compensated (e.g., how much were crowdworkers paid)?",
	   NULL, NULL),
	DS("collection", "timeframe", "Timeframe",
	   "Over what timeframe was the data collected? Does this timeframe match the creation timeframe of the data "
	   "associated with the instances (e.g., recent crawl of old news articles)? If not, please describe the "
	   "timeframe in which the data associated with the instances was created.",
	   "collection.timeframe", NULL),
	DS("collection", "ethical_review", "Ethical review",
	   "Were any ethical review processes conducted (e.g., by an institutional review board)? If so, please "
	   "provide a description of these review processes, including the outcomes, as well as a link or other "
	   "access point to any supporting documentation.",
	   NULL, NULL),
	DS("collection", "people", "Relates to people",
	   "Does the dataset relate to people? If not, you may skip the remaining questions in this section.",
	   "datasheet.composition.people", NULL),
	DS("collection", "third_parties", "Direct or via third parties",
	   "Did you collect the data from the individuals in question directly, or obtain it via third parties or "
	   "other sources (e.g., websites)?",
	   NULL, NULL),
	DS("collection", "notification", "Notification",
	   "Were the individuals in question notified about the data collection? If so, please describe (or show with "
	   "screenshots or other information) how notice was provided, and provide a link or other access point to, or "
	   "otherwise reproduce, the exact language of the notification itself.",
	   NULL, NULL),
	DS("collection", "consent", "Consent",
	   "Did the individuals in question consent to the collection and use of their data? If so, please describe "
	   "(or show with screenshots or other information) how consent was requested and provided, and provide a "
	   "link or other access point to, or otherwise reproduce, the exact language to which the individuals "
	   "consented.",
	   NULL, NULL),
	DS("collection", "revocation", "Revocation",
	   "If consent was obtained, were the consenting individuals provided with a mechanism to revoke their consent "
	   "in the future or for certain uses? If so, please provide a description, as well as a link or other access "
	   "point to the mechanism (if appropriate).",
	   NULL, NULL),
	DS("collection", "impact_analysis", "Impact analysis",
	   "Has an analysis of the potential impact of the dataset and its use on data subjects (e.g., a data "
	   "protection impact analysis) been conducted? If so, please provide a description of this analysis, "
	   "including the outcomes, as well as a link or other access point to any supporting documentation.",
	   NULL, NULL),
	DS("collection", "comments", "Other comments", OTHER, NULL, NULL),

	DS("preprocessing", "done", "Preprocessing done",
	   "Was any preprocessing/cleaning/labeling of the data done (e.g., discretization or bucketing, tokenization, "
	   "part-of-speech tagging, SIFT feature extraction, removal of instances, processing of missing values)? If "
	   "so, please provide a description. If not, you may skip the remaining questions in this section.",
	   NULL, "removals"),
	DS("preprocessing", "raw_saved", "Raw data saved",
	   "Was the \"raw\" data saved in addition to the preprocessed/cleaned/labeled data (e.g., to support "
	   "unanticipated future uses)? If so, please provide a link or other access point to the \"raw\" data.",
	   NULL, NULL),
	DS("preprocessing", "software", "Software",
	   "Is the software that was used to preprocess/clean/label the data available? If so, please provide a link "
	   "or other access point.",
	   NULL, NULL),
	DS("preprocessing", "comments", "Other comments", OTHER, NULL, NULL),

	DS("uses", "prior", "Prior uses",
	   "Has the dataset been used for any tasks already? If so, please provide a description.", NULL, NULL),
	DS("uses", "repository", "Repository of uses",
	   "Is there a repository that links to any or all papers or systems that use the dataset? If so, please "
	   "provide a link or other access point.",
	   NULL, NULL),
	DS("uses", "other_tasks", "Other tasks", "What (other) tasks could the dataset be used for?", "uses.intended",
	   NULL),
	DS("uses", "impact", "Impact on future uses",
	   "Is there anything about the composition of the dataset or the way it was collected and "
	   "preprocessed/cleaned/labeled that might impact future uses? For example, is there anything that a dataset "
	   "consumer might need to know to avoid uses that could result in unfair treatment of individuals or groups "
	   "(e.g., stereotyping, quality of service issues) or other risks or harms (e.g., legal risks, financial "
	   "harms)? If so, please provide a description. Is there anything a dataset consumer could do to mitigate "
	   "these risks or harms?",
	   NULL, NULL),
	DS("uses", "avoid", "Tasks to avoid",
	   "Are there tasks for which the dataset should not be used? If so, please provide a description.",
	   "uses.out_of_scope", NULL),
	DS("uses", "comments", "Other comments", OTHER, NULL, NULL),

	DS("distribution", "third_parties", "Third parties",
	   "Will the dataset be distributed to third parties outside of the entity (e.g., company, institution, "
	   "organization) on behalf of which the dataset was created? If so, please provide a description.",
	   NULL, NULL),
	DS("distribution", "method", "Method",
	   "How will the dataset be distributed (e.g., tarball on website, API, GitHub)? Does the dataset have a "
	   "digital object identifier (DOI)?",
	   NULL, NULL),
	DS("distribution", "date", "Date", "When will the dataset be distributed?", NULL, NULL),
	DS("distribution", "license", "Licence and terms",
	   "Will the dataset be distributed under a copyright or other intellectual property (IP) license, and/or "
	   "under applicable terms of use (ToU)? If so, please describe this license and/or ToU, and provide a link or "
	   "other access point to, or otherwise reproduce, any relevant licensing terms or ToU, as well as any fees "
	   "associated with these restrictions.",
	   "card.license", "licenses"),
	DS("distribution", "third_party_restrictions", "Third-party restrictions",
	   "Have any third parties imposed IP-based or other restrictions on the data associated with the instances? "
	   "If so, please describe these restrictions, and provide a link or other access point to, or otherwise "
	   "reproduce, any relevant licensing terms, as well as any fees associated with these restrictions.",
	   NULL, NULL),
	DS("distribution", "export_controls", "Export controls",
	   "Do any export controls or other regulatory restrictions apply to the dataset or to individual instances? "
	   "If so, please describe these restrictions, and provide a link or other access point to, or otherwise "
	   "reproduce, any supporting documentation.",
	   NULL, NULL),
	DS("distribution", "comments", "Other comments", OTHER, NULL, NULL),

	DS("maintenance", "maintainer", "Maintainer", "Who will be supporting/hosting/maintaining the dataset?",
	   "card.curators", NULL),
	DS("maintenance", "contact", "Contact",
	   "How can the owner/curator/manager of the dataset be contacted (e.g., email address)?",
	   "card.removal_contact", NULL),
	DS("maintenance", "erratum", "Erratum", "Is there an erratum? If so, please provide a link or other access point.",
	   NULL, NULL),
	DS("maintenance", "updates", "Updates",
	   "Will the dataset be updated (e.g., to correct labeling errors, add new instances, delete instances)? If "
	   "so, please describe how often, by whom, and how updates will be communicated to dataset consumers (e.g., "
	   "mailing list, GitHub)?",
	   NULL, NULL),
	DS("maintenance", "retention", "Retention limits",
	   "If the dataset relates to people, are there applicable limits on the retention of the data associated "
	   "with the instances (e.g., were the individuals in question told that their data would be retained for a "
	   "fixed period of time and then deleted)? If so, please describe these limits and explain how they will be "
	   "enforced.",
	   NULL, NULL),
	DS("maintenance", "older_versions", "Older versions",
	   "Will older versions of the dataset continue to be supported/hosted/maintained? If so, please describe how. "
	   "If not, please describe how its obsolescence will be communicated to dataset consumers.",
	   NULL, NULL),
	DS("maintenance", "contributions", "Contributions",
	   "If others want to extend/augment/build on/contribute to the dataset, is there a mechanism for them to do "
	   "so? If so, please provide a description. Will these contributions be validated/verified? If so, please "
	   "describe how. If not, why not? Is there a process for communicating/distributing these contributions to "
	   "dataset consumers? If so, please provide a description.",
	   NULL, NULL),
	DS("maintenance", "comments", "Other comments", OTHER, NULL, NULL),

	/* statement: Bender & Friedman, Data Statements (schema version 2) */
	ST("summary", "Executive summary",
	   "A 60-100 word summary: the curation rationale in one sentence, the language(s), the size.", GR_DOC_STRING,
	   "card.summary", NULL),
	ST("curation_rationale", "Curation rationale",
	   "Why was the dataset created, for what task or research question, and which texts were included (and why) "
	   "in the original selection and any sub-selection?",
	   GR_DOC_STRING, "datasheet.motivation.purpose", NULL),
	ST("source_documentation", "Documentation for source datasets",
	   "A link to the data statement (or the publication) of each source dataset.", GR_DOC_STRING, NULL, "sources"),
	{"statement.language_varieties", GR_DOC_PART_STATEMENT, NULL, "Language varieties",
	 "Each language variety in the data: its BCP-47 tag and a prose description (e.g. en-US: English as spoken in "
	 "Palo Alto, California).",
	 GR_DOC_OBJECTS, 0, "card.languages", "languages", NULL, variety_sub, sizeof variety_sub / sizeof variety_sub[0]},
	ST("speaker_demographic", "Speaker demographic",
	   "Who produced the language: age, gender, race/ethnicity, socioeconomic status, first language(s), "
	   "proficiency, number of speakers, presence of disordered speech.",
	   GR_DOC_STRING, NULL, NULL),
	ST("annotator_demographic", "Annotator demographic",
	   "Who annotated the data (and who wrote the guidelines): the same categories, the number of annotators, "
	   "their relevant training.",
	   GR_DOC_STRING, NULL, NULL),
	ST("speech_situation", "Speech situation",
	   "Time and place, date(s) of collection, modality (spoken, signed, written), scripted/edited or "
	   "spontaneous, synchronous or asynchronous interaction, intended audience.",
	   GR_DOC_STRING, NULL, NULL),
	ST("text_characteristics", "Text characteristics",
	   "Genre, topic, non-linguistic and cultural context of the texts.", GR_DOC_STRING, NULL, NULL),
	ST("preprocessing", "Preprocessing and data formatting",
	   "Every change made to the data other than annotation, including anonymisation, and the tools used.",
	   GR_DOC_STRING, "datasheet.preprocessing.done", NULL),
	ST("capture_quality", "Capture quality", "Quality issues in how the data was captured.", GR_DOC_STRING, NULL,
	   NULL),
	ST("limitations", "Limitations", "Challenges the dataset does not address and the limitations that follow.",
	   GR_DOC_STRING, NULL, NULL),
	ST("metadata", "Metadata",
	   "Licence and copyright permissions, annotation guidelines, the annotation process (annotator anonymity, "
	   "compensation, automated parts), inter-annotator agreement.",
	   GR_DOC_STRING, NULL, NULL),
	ST("disclosures", "Disclosures and ethical review",
	   "Funding sources (and grant numbers), ethical review and consent process, conflicts of interest.",
	   GR_DOC_STRING, "datasheet.motivation.funding", NULL),
	ST("other", "Other", "Anything else the data statement should say.", GR_DOC_STRING, NULL, NULL),
	ST("glossary", "Glossary", "Terms the statement uses and what they mean.", GR_DOC_STRING, NULL, NULL),
	ST("author", "Data statement authors", "Who wrote this data statement.", GR_DOC_STRINGS, NULL, NULL),
};

#define NFIELDS (sizeof fields / sizeof fields[0])

static const struct {
	const char *id, *title;
} sections[GR_DOC_DATASHEET_SECTIONS] = {
	{"motivation", "Motivation"},
	{"composition", "Composition"},
	{"collection", "Collection process"},
	{"preprocessing", "Preprocessing, cleaning and labeling"},
	{"uses", "Uses"},
	{"distribution", "Distribution"},
	{"maintenance", "Maintenance"},
};

size_t gr_doc_field_count(void)
{
	return NFIELDS;
}

const gr_doc_field *gr_doc_field_at(size_t i)
{
	return i < NFIELDS ? &fields[i] : NULL;
}

const char *gr_doc_section_id(size_t n)
{
	return n < GR_DOC_DATASHEET_SECTIONS ? sections[n].id : NULL;
}

const char *gr_doc_section_title(size_t n)
{
	return n < GR_DOC_DATASHEET_SECTIONS ? sections[n].title : NULL;
}

static const gr_doc_field *find_exact(const char *id)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].id, id))
			return &fields[i];
	return NULL;
}

const gr_doc_field *gr_doc_field_find(const char *id)
{
	if (!id)
		return NULL;
	const gr_doc_field *f = find_exact(id);
	if (f)
		return f;
	static const char *const prefixes[] = {"card.", "datasheet.", "statement."};
	const gr_doc_field *found = NULL;
	size_t n = strlen(id);
	for (size_t i = 0; i < NFIELDS; i++)
		for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
			size_t pl = strlen(prefixes[p]);
			if (!strncmp(fields[i].id, prefixes[p], pl) && strlen(fields[i].id) == pl + n &&
			    !strcmp(fields[i].id + pl, id)) {
				if (found)
					return NULL; /* ambiguous */
				found = &fields[i];
			}
		}
	return found;
}

const char *gr_doc_type_name(gr_doc_type t)
{
	switch (t) {
	case GR_DOC_STRING: return "string";
	case GR_DOC_STRINGS: return "string[]";
	case GR_DOC_DATE: return "date";
	case GR_DOC_INTERVAL: return "interval";
	case GR_DOC_URL: return "url";
	case GR_DOC_CONTACT: return "contact";
	case GR_DOC_SPDX: return "spdx";
	case GR_DOC_BCP47: return "bcp47";
	case GR_DOC_BCP47S: return "bcp47[]";
	case GR_DOC_OBJECTS: return "object[]";
	}
	return "?";
}

static bool is_list(gr_doc_type t)
{
	return t == GR_DOC_STRINGS || t == GR_DOC_BCP47S || t == GR_DOC_OBJECTS;
}

/* ---- paths in a document ------------------------------------------------- */

#define SEG_MAX 64 /* longest path segment in the table, with room */

/* The next segment of a dotted path into seg; *p moves past it. */
static bool next_seg(const char **p, char seg[SEG_MAX], bool *last)
{
	const char *dot = strchr(*p, '.');
	size_t n = dot ? (size_t)(dot - *p) : strlen(*p);
	if (n == 0 || n >= SEG_MAX)
		return false;
	memcpy(seg, *p, n);
	seg[n] = 0;
	*last = !dot;
	*p = dot ? dot + 1 : *p + n;
	return true;
}

static const cJSON *path_get(const cJSON *doc, const char *id)
{
	char seg[SEG_MAX];
	bool last = false;
	const cJSON *o = doc;
	while (o && cJSON_IsObject(o) && next_seg(&id, seg, &last)) {
		o = cJSON_GetObjectItemCaseSensitive(o, seg);
		if (last)
			return o;
	}
	return NULL;
}

/* Deletes the objects along id that the deletion of its leaf left empty. */
static void prune(cJSON *doc, const char *id)
{
	char prefix[256];
	snprintf(prefix, sizeof prefix, "%s", id);
	for (char *dot = strrchr(prefix, '.'); dot; dot = strrchr(prefix, '.')) {
		*dot = 0;
		const cJSON *o = path_get(doc, prefix);
		if (!o || !cJSON_IsObject(o) || o->child)
			return;
		const char *leaf = strrchr(prefix, '.');
		if (leaf) {
			char parent[256];
			snprintf(parent, sizeof parent, "%.*s", (int)(leaf - prefix), prefix);
			cJSON *po = (cJSON *)path_get(doc, parent);
			if (po)
				cJSON_DeleteItemFromObjectCaseSensitive(po, leaf + 1);
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(doc, prefix);
		}
	}
}

/* Puts val (owned; NULL deletes) at id, making the objects on the way. */
static int path_put(cJSON *doc, const char *id, cJSON *val)
{
	char seg[SEG_MAX];
	bool last = false;
	const char *p = id;
	cJSON *o = doc;
	while (next_seg(&p, seg, &last)) {
		if (last) {
			if (!val) {
				cJSON_DeleteItemFromObjectCaseSensitive(o, seg);
				prune(doc, id);
				return 0;
			}
			bool ok = cJSON_GetObjectItemCaseSensitive(o, seg) ? cJSON_ReplaceItemInObjectCaseSensitive(o, seg, val)
									  : cJSON_AddItemToObject(o, seg, val);
			if (!ok) {
				cJSON_Delete(val);
				return gr_error_set(GR_ENOMEM, "out of memory");
			}
			return 0;
		}
		cJSON *next = cJSON_GetObjectItemCaseSensitive(o, seg);
		if (!next || !cJSON_IsObject(next)) {
			if (!val)
				return 0;
			cJSON *obj = cJSON_CreateObject();
			bool ok = obj && (next ? cJSON_ReplaceItemInObjectCaseSensitive(o, seg, obj)
					       : cJSON_AddItemToObject(o, seg, obj));
			if (!ok) {
				cJSON_Delete(obj);
				cJSON_Delete(val);
				return gr_error_set(GR_ENOMEM, "out of memory");
			}
			next = obj;
		}
		o = next;
	}
	cJSON_Delete(val);
	return gr_error_set(GR_EINVAL, "bad field path '%s'", id);
}

/* ---- checking values ----------------------------------------------------- */

/* A value quoted in a message: at most 60 bytes, cut at a UTF-8 boundary. */
static const char *clip(const char *s, size_t n, char buf[80])
{
	size_t k = n < 60 ? n : 60;
	while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	snprintf(buf, 80, "%.*s%s", (int)k, s, k < n ? "..." : "");
	return buf;
}

static bool blank(const char *s)
{
	while (s && *s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

/* Trims ASCII whitespace, turns CRLF and CR into LF, and refuses control
 * characters other than tab and newline and invalid UTF-8. out gets the text
 * (possibly empty). */
static int norm_text(const char *s, size_t n, gr_buf *out)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!gr_utf8_valid(s, n))
		return gr_error_set(GR_EINVAL, "not valid UTF-8");
	gr_buf_reset(out);
	if (gr_buf_grow(out, n))
		return GR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			c = '\n';
		} else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
			return gr_error_set(GR_EINVAL, "control character 0x%02X at byte %zu", c, i);
		}
		out->ptr[out->len++] = (char)c;
	}
	out->ptr[out->len] = 0;
	return 0;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY, YYYY-MM or YYYY-MM-DD (full: only the last), a real calendar date. */
static bool date_ok(const char *s, size_t n, bool full)
{
	if (!(n == 4 || n == 7 || n == 10) || (full && n != 10) || !digits(s, 4))
		return false;
	int y = atoi(s);
	if (y < 1)
		return false;
	if (n == 4)
		return true;
	if (s[4] != '-' || !digits(s + 5, 2))
		return false;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m < 1 || m > 12)
		return false;
	if (n == 7)
		return true;
	if (s[7] != '-' || !digits(s + 8, 2))
		return false;
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return d >= 1 && d <= max;
}

static bool interval_ok(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	if (!slash)
		return date_ok(s, n, false);
	size_t a = (size_t)(slash - s), b = n - a - 1;
	if (!date_ok(s, a, false) || !date_ok(slash + 1, b, false))
		return false;
	/* the same fixed-width form: comparing the common prefix orders them */
	return strncmp(s, slash + 1, a < b ? a : b) <= 0;
}

static bool has_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && !strncasecmp(s, p, k);
}

static bool url_ok(const char *s, size_t n)
{
	size_t k = has_prefix_ci(s, n, "https://") ? 8 : has_prefix_ci(s, n, "http://") ? 7 : 0;
	if (!k || k == n || s[k] == '/' || n > 2048)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7F)
			return false;
	return true;
}

static bool email_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
		return false;
	const char *dom = at + 1;
	size_t dn = n - (size_t)(dom - s);
	const char *dot = memchr(dom, '.', dn);
	if (!dot || dot == dom || dom[dn - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7F || s[i] == '<' || s[i] == '>')
			return false;
	return true;
}

/* ---- BCP-47 -------------------------------------------------------------- */

/* RFC 5646 section 2.2.8, in the registry's case. */
static const char *const bcp47_grandfathered[] = {
	"en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
	"i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban",
	"cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang", NULL};

#define BCP47_MAX 128 /* RFC 5646 4.4.1 asks implementations to take at least 35 */

static bool all_alpha(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)s[i]))
			return false;
	return true;
}

static bool all_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

static int bcp47_bad(const char *tag, const char *why)
{
	char c[80];
	return gr_error_set(GR_EINVAL, "'%s' is not a BCP-47 tag: %s", clip(tag, strlen(tag), c), why);
}

int gr_doc_bcp47(const char *tag, gr_buf *out)
{
	size_t n = strlen(tag);
	if (n == 0)
		return gr_error_set(GR_EINVAL, "empty language tag");
	if (n > BCP47_MAX)
		return bcp47_bad(tag, "longer than 128 characters");
	for (size_t i = 0; bcp47_grandfathered[i]; i++)
		if (!strcasecmp(tag, bcp47_grandfathered[i]))
			return gr_buf_puts(out, bcp47_grandfathered[i]);

	enum { LANG, EXTLANG, SCRIPT, REGION, VARIANT, EXT, EXTBODY, PRIV } st = LANG;
	char res[BCP47_MAX + 1];
	size_t rn = 0, nvar = 0;
	size_t var_at[16], var_len[16];
	int extlangs = 0;
	bool priv_any = false, ext_any = false, singleton_seen[36] = {false};
	const char *p = tag;
	while (*p || p == tag) {
		const char *e = strchr(p, '-');
		size_t k = e ? (size_t)(e - p) : strlen(p);
		if (k == 0 || k > 8 || !all_alnum(p, k))
			return bcp47_bad(tag, "subtags are 1 to 8 letters or digits separated by '-'");
		const char *sub = p;
		p += k;
		if (e)
			p++;
		if (e && !*p)
			return bcp47_bad(tag, "it ends with '-'");
		/* where this subtag goes: try each later state in order */
		int kind = -1; /* 0 lower, 1 title, 2 upper */
		if (st == LANG) {
			if (k == 1 && (sub[0] == 'x' || sub[0] == 'X')) {
				st = PRIV;
				kind = 0;
			} else if (all_alpha(sub, k) && (k == 2 || k == 3)) {
				st = EXTLANG;
				kind = 0;
			} else if (all_alpha(sub, k) && k >= 4) {
				st = SCRIPT;
				kind = 0;
			} else {
				return bcp47_bad(tag, "the language subtag is 2 to 3 or 5 to 8 letters");
			}
		} else if (st == PRIV) {
			priv_any = true;
			kind = 0;
		} else if (st == EXTBODY || st == EXT) {
			if (k == 1 && (sub[0] == 'x' || sub[0] == 'X')) {
				if (st == EXTBODY && !ext_any)
					return bcp47_bad(tag, "an extension singleton needs a subtag after it");
				st = PRIV;
				kind = 0;
			} else if (k == 1) {
				if (st == EXTBODY && !ext_any)
					return bcp47_bad(tag, "an extension singleton needs a subtag after it");
				int c = tolower((unsigned char)sub[0]);
				int idx = isdigit(c) ? c - '0' : 10 + c - 'a';
				if (singleton_seen[idx])
					return bcp47_bad(tag, "an extension singleton appears twice");
				singleton_seen[idx] = true;
				st = EXTBODY;
				ext_any = false;
				kind = 0;
			} else if (st == EXTBODY) {
				ext_any = true;
				kind = 0;
			} else {
				return bcp47_bad(tag, "subtags out of order (language-Script-REGION-variant-extension-x-private)");
			}
		}
		if (kind < 0 && st == EXTLANG) {
			if (k == 3 && all_alpha(sub, k) && extlangs < 3) {
				extlangs++;
				kind = 0;
			} else {
				st = SCRIPT;
			}
		}
		if (kind < 0 && st == SCRIPT) {
			st = REGION;
			if (k == 4 && all_alpha(sub, k))
				kind = 1;
		}
		if (kind < 0 && st == REGION) {
			st = VARIANT;
			if ((k == 2 && all_alpha(sub, k)) || (k == 3 && digits(sub, k)))
				kind = 2;
		}
		if (kind < 0 && st == VARIANT) {
			if (k >= 5 || (k == 4 && isdigit((unsigned char)sub[0]))) {
				for (size_t v = 0; v < nvar; v++)
					if (var_len[v] == k && !strncasecmp(res + var_at[v], sub, k))
						return bcp47_bad(tag, "a variant appears twice");
				if (nvar == sizeof var_at / sizeof var_at[0])
					return bcp47_bad(tag, "too many variants");
				var_at[nvar] = rn + 1;
				var_len[nvar++] = k;
				kind = 0;
			} else if (k == 1) {
				st = EXT;
				/* re-dispatch as a singleton */
				p = sub;
				continue;
			} else {
				return bcp47_bad(tag, "subtags out of order (language-Script-REGION-variant-extension-x-private)");
			}
		}
		if (kind < 0)
			return bcp47_bad(tag, "subtags out of order (language-Script-REGION-variant-extension-x-private)");
		if (rn)
			res[rn++] = '-';
		for (size_t i = 0; i < k; i++) {
			int c = (unsigned char)sub[i];
			res[rn++] = (char)(kind == 2 || (kind == 1 && i == 0) ? toupper(c) : tolower(c));
		}
		if (!*p)
			break;
	}
	if (st == PRIV && !priv_any)
		return bcp47_bad(tag, "'x' needs a private-use subtag after it");
	if (st == EXTBODY && !ext_any)
		return bcp47_bad(tag, "an extension singleton needs a subtag after it");
	return gr_buf_put(out, res, rn);
}

/* ---- values -------------------------------------------------------------- */

/*
 * Checks and normalises one scalar of type t into *out (a cJSON string), or
 * leaves *out NULL for blank input. Errors carry no field name: the caller
 * adds it.
 */
static int scalar(gr_doc_type t, const char *const *values, const char *s, size_t n, cJSON **out)
{
	gr_buf b = GR_BUF_INIT, v = GR_BUF_INIT;
	char c[80];
	int rc = norm_text(s, n, &b);
	*out = NULL;
	if (rc)
		goto out;
	if (b.len == 0)
		goto out;
	const char *x = b.ptr;
	switch (t) {
	case GR_DOC_STRING:
	case GR_DOC_STRINGS:
		break;
	case GR_DOC_DATE:
		if (!date_ok(x, b.len, true))
			rc = gr_error_set(GR_EINVAL, "'%s' is not a date (YYYY-MM-DD)", clip(x, b.len, c));
		break;
	case GR_DOC_INTERVAL:
		if (!interval_ok(x, b.len))
			rc = gr_error_set(GR_EINVAL,
					  "'%s' is not an ISO 8601 date or interval (2023, 2023-01/2023-06, "
					  "2023-01-15/2024-02-01)",
					  clip(x, b.len, c));
		break;
	case GR_DOC_URL:
		if (!url_ok(x, b.len))
			rc = gr_error_set(GR_EINVAL, "'%s' is not an http(s) URL", clip(x, b.len, c));
		break;
	case GR_DOC_CONTACT:
		if (has_prefix_ci(x, b.len, "http://") || has_prefix_ci(x, b.len, "https://")) {
			if (!url_ok(x, b.len))
				rc = gr_error_set(GR_EINVAL, "'%s' is not an http(s) URL", clip(x, b.len, c));
		} else if (!email_ok(has_prefix_ci(x, b.len, "mailto:") ? x + 7 : x,
				     has_prefix_ci(x, b.len, "mailto:") ? b.len - 7 : b.len)) {
			rc = gr_error_set(GR_EINVAL, "'%s' is neither an e-mail address nor an http(s) URL",
					  clip(x, b.len, c));
		}
		break;
	case GR_DOC_SPDX:
		rc = gr_spdx_normalize(x, b.len, 0, &v);
		if (rc == GR_ENOMEM)
			goto out;
		if (rc) {
			char why[512];
			snprintf(why, sizeof why, "%s", gr_error_last());
			rc = gr_error_set(GR_EINVAL, "'%s' is not a valid SPDX expression: %s", clip(x, b.len, c), why);
			goto out;
		}
		x = v.ptr;
		break;
	case GR_DOC_BCP47:
	case GR_DOC_BCP47S:
		rc = gr_doc_bcp47(x, &v);
		if (rc)
			goto out;
		x = v.ptr;
		break;
	case GR_DOC_OBJECTS:
		rc = gr_error_set(GR_EINVAL, "expected an object");
		break;
	}
	if (!rc && values) {
		size_t i = 0;
		while (values[i] && strcmp(values[i], x))
			i++;
		if (!values[i]) {
			char list[400];
			size_t ln = 0;
			list[0] = 0;
			for (i = 0; values[i] && ln < 300; i++)
				ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", i ? ", " : "", values[i]);
			rc = gr_error_set(GR_EINVAL, "'%s' is not one of: %s%s", clip(x, strlen(x), c), list,
					  values[i] ? ", ..." : "");
		}
	}
	if (!rc && !(*out = cJSON_CreateString(x)))
		rc = gr_error_set(GR_ENOMEM, "out of memory");
out:
	gr_buf_free(&b);
	gr_buf_free(&v);
	return rc;
}

/* cJSON reports a syntax error and a failed allocation alike: an
 * allocation that fails right after tells them apart. */
static int parse_failed(const char *what)
{
	void *probe = cJSON_malloc(64);
	if (!probe)
		return gr_error_set(GR_ENOMEM, "out of memory");
	cJSON_free(probe);
	return gr_error_set(GR_EINVAL, "%s", what);
}

static int add_item(cJSON *arr, cJSON *item)
{
	if (cJSON_GetArraySize(arr) >= GR_DOC_MAX_ITEMS) {
		cJSON_Delete(item);
		return gr_error_set(GR_ELIMIT, "more than %d items", GR_DOC_MAX_ITEMS);
	}
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	return 0;
}

/* Whether arr already holds the string s (lists of tags stay free of repeats). */
static bool arr_has(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	}
	return false;
}

/* One object of an object list, checked member by member. */
static int make_object(const gr_doc_field *f, const cJSON *in, size_t idx, cJSON **out)
{
	*out = NULL;
	if (!cJSON_IsObject(in))
		return gr_error_set(GR_EINVAL, "item %zu is not an object", idx + 1);
	const cJSON *m;
	cJSON_ArrayForEach(m, in)
	{
		size_t j = 0;
		while (j < f->nsub && strcmp(f->sub[j].key, m->string))
			j++;
		if (j == f->nsub) {
			char c[80];
			return gr_error_set(GR_EINVAL, "item %zu: unknown member '%s'", idx + 1,
					    clip(m->string, strlen(m->string), c));
		}
	}
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return gr_error_set(GR_ENOMEM, "out of memory");
	for (size_t j = 0; j < f->nsub; j++) {
		const gr_doc_subfield *sf = &f->sub[j];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, sf->key);
		cJSON *nv = NULL;
		if (v && !cJSON_IsNull(v)) {
			int rc = cJSON_IsString(v) ? scalar(sf->type, NULL, v->valuestring, strlen(v->valuestring), &nv)
						   : gr_error_set(GR_EINVAL, "expected a string");
			if (rc) {
				cJSON_Delete(o);
				return gr_error_wrap(rc, "item %zu: %s", idx + 1, sf->key);
			}
		}
		if (!nv) {
			if (sf->required) {
				cJSON_Delete(o);
				return gr_error_set(GR_EINVAL, "item %zu: '%s' is missing (%s)", idx + 1, sf->key, sf->title);
			}
			continue;
		}
		if (!cJSON_AddItemToObject(o, sf->key, nv)) {
			cJSON_Delete(nv);
			cJSON_Delete(o);
			return gr_error_set(GR_ENOMEM, "out of memory");
		}
	}
	*out = o;
	return 0;
}

/*
 * The stored form of text for field f: *out is NULL for blank text (unset).
 * Errors carry no field name.
 */
static int make_value(const gr_doc_field *f, const char *text, bool limit, cJSON **out)
{
	*out = NULL;
	size_t n = strlen(text);
	if (limit && n > GR_DOC_MAX_VALUE)
		return gr_error_set(GR_ELIMIT, "a value of %zu bytes is over the limit of %u", n, GR_DOC_MAX_VALUE);
	if (!is_list(f->type))
		return scalar(f->type, f->values, text, n, out);

	const char *t = text;
	while (isspace((unsigned char)*t))
		t++;
	if (!*t)
		return 0;
	cJSON *in = NULL, *arr = cJSON_CreateArray();
	int rc = 0;
	if (!arr)
		return gr_error_set(GR_ENOMEM, "out of memory");
	if (*t == '[' || (*t == '{' && f->type == GR_DOC_OBJECTS)) {
		in = cJSON_ParseWithOpts(t, NULL, true);
		if (!in) {
			rc = parse_failed("not valid JSON");
			goto out;
		}
		if (cJSON_IsObject(in)) {
			cJSON *wrap = cJSON_CreateArray();
			if (!wrap || !cJSON_AddItemToArray(wrap, in)) {
				cJSON_Delete(wrap);
				rc = gr_error_set(GR_ENOMEM, "out of memory");
				goto out;
			}
			in = wrap;
		}
		if (!cJSON_IsArray(in)) {
			rc = gr_error_set(GR_EINVAL, "expected a JSON array");
			goto out;
		}
		size_t idx = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, in)
		{
			cJSON *v = NULL;
			if (f->type == GR_DOC_OBJECTS)
				rc = make_object(f, it, idx, &v);
			else if (!cJSON_IsString(it))
				rc = gr_error_set(GR_EINVAL, "item %zu is not a string", idx + 1);
			else
				rc = scalar(f->type, f->values, it->valuestring, strlen(it->valuestring), &v);
			if (rc)
				goto out;
			idx++;
			if (v && f->type == GR_DOC_BCP47S && arr_has(arr, v->valuestring))
				cJSON_Delete(v);
			else if (v && (rc = add_item(arr, v)))
				goto out;
		}
	} else if (f->type == GR_DOC_OBJECTS && f->sub[0].type != GR_DOC_BCP47) {
		rc = gr_error_set(GR_EINVAL, "expected a JSON array of objects with %s%s%s%s%s%s%s", f->sub[0].key,
				  f->nsub > 1 ? ", " : "", f->nsub > 1 ? f->sub[1].key : "", f->nsub > 2 ? ", " : "",
				  f->nsub > 2 ? f->sub[2].key : "", f->nsub > 3 ? ", " : "", f->nsub > 3 ? f->sub[3].key : "");
		goto out;
	} else {
		/* "a, b, c"; for language varieties, a list of tags */
		const char *p = t;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t k = comma ? (size_t)(comma - p) : strlen(p);
			cJSON *v = NULL;
			rc = scalar(f->type == GR_DOC_OBJECTS ? GR_DOC_BCP47 : f->type, f->values, p, k, &v);
			if (rc)
				goto out;
			if (v && f->type == GR_DOC_OBJECTS) {
				cJSON *o = cJSON_CreateObject();
				if (!o || !cJSON_AddItemToObject(o, "tag", v)) {
					cJSON_Delete(o);
					cJSON_Delete(v);
					rc = gr_error_set(GR_ENOMEM, "out of memory");
					goto out;
				}
				v = o;
			}
			if (v && f->type == GR_DOC_BCP47S && arr_has(arr, v->valuestring))
				cJSON_Delete(v);
			else if (v && (rc = add_item(arr, v)))
				goto out;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	if (cJSON_GetArraySize(arr) > 0) {
		*out = arr;
		arr = NULL;
	}
out:
	cJSON_Delete(in);
	cJSON_Delete(arr);
	return rc;
}

/* ---- documents ----------------------------------------------------------- */

int gr_doc_new(cJSON **out)
{
	cJSON *d = cJSON_CreateObject();
	if (!d || !cJSON_AddStringToObject(d, "format", GR_DOC_FORMAT)) {
		cJSON_Delete(d);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	*out = d;
	return 0;
}

int gr_doc_inherit(cJSON **out, const cJSON *parent)
{
	if (!parent)
		return gr_doc_new(out);
	if (!cJSON_IsObject(parent))
		return gr_error_set(GR_EINVAL, "the parent's documentation is not a JSON object");
	cJSON *d = cJSON_Duplicate(parent, true);
	if (!d)
		return gr_error_set(GR_ENOMEM, "out of memory");
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].flags & GR_DOC_F_NOINHERIT)
			path_put(d, fields[i].id, NULL);
	*out = d;
	return 0;
}

const cJSON *gr_doc_get(const cJSON *doc, const char *field)
{
	const gr_doc_field *f = gr_doc_field_find(field);
	return f && doc ? path_get(doc, f->id) : NULL;
}

static bool value_filled(const cJSON *v)
{
	if (cJSON_IsString(v))
		return !blank(v->valuestring);
	if (cJSON_IsArray(v))
		return cJSON_GetArraySize(v) > 0;
	return false;
}

bool gr_doc_has(const cJSON *doc, const gr_doc_field *f)
{
	return f && doc && value_filled(path_get(doc, f->id));
}

int gr_doc_set(cJSON *doc, const char *field, const char *value)
{
	char name[128];
	if (!doc || !cJSON_IsObject(doc))
		return gr_error_set(GR_EINVAL, "the documentation is not a JSON object");
	size_t fl = field ? strlen(field) : 0;
	bool append = fl && field[fl - 1] == '+';
	if (fl == 0 || fl >= sizeof name)
		return gr_error_set(GR_EINVAL, "no documentation field '%s'", field ? field : "");
	snprintf(name, sizeof name, "%.*s", (int)(fl - append), field);
	const gr_doc_field *f = gr_doc_field_find(name);
	if (!f)
		return gr_error_set(GR_EINVAL, "no documentation field '%s' (granary doc fields lists them)", name);
	if (append && !is_list(f->type))
		return gr_error_set(GR_EINVAL, "%s: '+' appends to lists, and this field is a %s", f->id,
				    gr_doc_type_name(f->type));
	cJSON *v = NULL;
	int rc = value ? make_value(f, value, true, &v) : 0;
	if (rc)
		return gr_error_wrap(rc, "%s", f->id);
	if (append && !v)
		return 0;
	if (append) {
		const cJSON *old = path_get(doc, f->id);
		if (cJSON_IsArray(old) && cJSON_GetArraySize(old) > 0) {
			cJSON *all = cJSON_Duplicate(old, true), *it;
			if (!all) {
				cJSON_Delete(v);
				return gr_error_set(GR_ENOMEM, "out of memory");
			}
			while ((it = cJSON_DetachItemFromArray(v, 0))) {
				if (f->type == GR_DOC_BCP47S && arr_has(all, it->valuestring)) {
					cJSON_Delete(it);
					continue;
				}
				if ((rc = add_item(all, it))) {
					cJSON_Delete(all);
					cJSON_Delete(v);
					return gr_error_wrap(rc, "%s", f->id);
				}
			}
			cJSON_Delete(v);
			v = all;
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(doc, "format") && !cJSON_AddStringToObject(doc, "format", GR_DOC_FORMAT)) {
		cJSON_Delete(v);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	return path_put(doc, f->id, v);
}

/* Checks a stored value as gr_doc_set would have: 0 valid, 1 invalid (why
 * gets the reason), GR_ENOMEM. */
static int value_check(const gr_doc_field *f, const cJSON *v, gr_buf *why)
{
	cJSON *nv = NULL;
	int rc = 0;
	gr_buf_reset(why);
	if (is_list(f->type) ? !cJSON_IsArray(v) : !cJSON_IsString(v)) {
		rc = gr_buf_printf(why, "expected a %s", gr_doc_type_name(f->type));
		return rc ? rc : 1;
	}
	if (is_list(f->type)) {
		char *text = cJSON_PrintUnformatted(v);
		if (!text)
			return gr_error_set(GR_ENOMEM, "out of memory");
		rc = make_value(f, text, false, &nv);
		free(text);
	} else {
		rc = make_value(f, v->valuestring, false, &nv);
	}
	cJSON_Delete(nv);
	if (rc == GR_ENOMEM)
		return rc;
	if (rc) {
		rc = gr_buf_puts(why, gr_error_last());
		return rc ? rc : 1;
	}
	return 0;
}

/* ---- the documentation policy -------------------------------------------- */

static const char *const operations[] = {"release", "export", NULL};

int gr_doc_policy_default(cJSON **out)
{
	cJSON *p = cJSON_CreateObject(), *enforce = NULL, *req = NULL;
	bool ok = p && cJSON_AddStringToObject(p, "format", GR_DOC_POLICY_FORMAT) &&
		  (enforce = cJSON_AddArrayToObject(p, "enforce")) && (req = cJSON_AddArrayToObject(p, "required"));
	/* a release is gated by default; exports too once the hub asks for it
	 * (granary doc policy --enforce export): a hub's first exports are
	 * often how its data gets looked at before anyone documents it */
	ok = ok && cJSON_AddItemToArray(enforce, cJSON_CreateString("release"));
	for (size_t i = 0; ok && i < NFIELDS; i++)
		if (fields[i].flags & GR_DOC_F_REQUIRED)
			ok = cJSON_AddItemToArray(req, cJSON_CreateString(fields[i].id));
	ok = ok && cJSON_AddStringToObject(p, "recommended", "*");
	if (!ok) {
		cJSON_Delete(p);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	*out = p;
	return 0;
}

static bool list_has(const cJSON *arr, const char *s)
{
	return cJSON_IsArray(arr) && arr_has(arr, s);
}

/* A list of field ids: every one known, none twice. */
static int check_ids(const cJSON *arr, const char *key)
{
	if (!cJSON_IsArray(arr))
		return gr_error_set(GR_EINVAL, "documentation policy: '%s' is not a list of field ids", key);
	const cJSON *it, *jt;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it) || !find_exact(it->valuestring))
			return gr_error_set(GR_EINVAL, "documentation policy: %s: no field '%s'", key,
					    cJSON_IsString(it) ? it->valuestring : "(not a string)");
		for (jt = it->next; jt; jt = jt->next)
			if (cJSON_IsString(jt) && !strcmp(jt->valuestring, it->valuestring))
				return gr_error_set(GR_EINVAL, "documentation policy: %s: '%s' appears twice", key,
						    it->valuestring);
	}
	return 0;
}

int gr_doc_policy_check(const cJSON *policy)
{
	if (!cJSON_IsObject(policy))
		return gr_error_set(GR_EINVAL, "documentation policy: not a JSON object");
	const cJSON *m;
	cJSON_ArrayForEach(m, policy)
	{
		if (strcmp(m->string, "format") && strcmp(m->string, "enforce") && strcmp(m->string, "required") &&
		    strcmp(m->string, "recommended"))
			return gr_error_set(GR_EINVAL, "documentation policy: unknown key '%s'", m->string);
	}
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(policy, "format");
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, GR_DOC_POLICY_FORMAT))
		return gr_error_set(GR_EINVAL, "documentation policy: format is not \"%s\"", GR_DOC_POLICY_FORMAT);
	const cJSON *enf = cJSON_GetObjectItemCaseSensitive(policy, "enforce"), *it;
	if (enf) {
		if (!cJSON_IsArray(enf))
			return gr_error_set(GR_EINVAL, "documentation policy: 'enforce' is not a list");
		cJSON_ArrayForEach(it, enf)
		{
			size_t i = 0;
			while (operations[i] && !(cJSON_IsString(it) && !strcmp(it->valuestring, operations[i])))
				i++;
			if (!operations[i])
				return gr_error_set(GR_EINVAL,
						    "documentation policy: enforce: '%s' is not an operation (release, export)",
						    cJSON_IsString(it) ? it->valuestring : "(not a string)");
		}
	}
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(policy, "required");
	int rc = req ? check_ids(req, "required") : 0;
	if (rc)
		return rc;
	const cJSON *rec = cJSON_GetObjectItemCaseSensitive(policy, "recommended");
	if (rec && !(cJSON_IsString(rec) && !strcmp(rec->valuestring, "*"))) {
		if ((rc = check_ids(rec, "recommended")))
			return rc;
		cJSON_ArrayForEach(it, rec)
		{
			if (list_has(req, it->valuestring))
				return gr_error_set(GR_EINVAL, "documentation policy: '%s' is both required and recommended",
						    it->valuestring);
		}
	}
	return 0;
}

int gr_doc_policy_require(cJSON *policy, const char *field, bool required)
{
	int rc = gr_doc_policy_check(policy);
	if (rc)
		return rc;
	const gr_doc_field *f = gr_doc_field_find(field);
	if (!f)
		return gr_error_set(GR_EINVAL, "no documentation field '%s'", field ? field : "");
	cJSON *req = cJSON_GetObjectItemCaseSensitive(policy, "required");
	cJSON *rec = cJSON_GetObjectItemCaseSensitive(policy, "recommended");
	if (!req && !(req = cJSON_AddArrayToObject(policy, "required")))
		return gr_error_set(GR_ENOMEM, "out of memory");
	cJSON *from = required ? rec : req, *to = required ? req : rec;
	if (cJSON_IsArray(from))
		for (int i = cJSON_GetArraySize(from) - 1; i >= 0; i--)
			if (!strcmp(cJSON_GetArrayItem(from, i)->valuestring, f->id))
				cJSON_DeleteItemFromArray(from, i);
	if (cJSON_IsArray(to) && !arr_has(to, f->id) && !cJSON_AddItemToArray(to, cJSON_CreateString(f->id)))
		return gr_error_set(GR_ENOMEM, "out of memory");
	return 0;
}

/* ---- facts --------------------------------------------------------------- */

static const cJSON *fact(const cJSON *facts, const char *key)
{
	const cJSON *v = cJSON_IsObject(facts) ? cJSON_GetObjectItemCaseSensitive(facts, key) : NULL;
	return v && !cJSON_IsNull(v) ? v : NULL;
}

static bool num_u64(const cJSON *v, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble >= 18446744073709551615.0)
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

static bool fact_u64(const cJSON *facts, const char *key, uint64_t *out)
{
	return num_u64(fact(facts, key), out);
}

static const char *fact_str(const cJSON *facts, const char *key)
{
	const cJSON *v = fact(facts, key);
	return cJSON_IsString(v) && !blank(v->valuestring) ? v->valuestring : NULL;
}

/* The version number N from facts.version: N, "vN" or "name@vN"; -1 if none. */
static long fact_version(const cJSON *facts)
{
	const cJSON *v = fact(facts, "version");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9)
		return (long)v->valuedouble;
	if (!cJSON_IsString(v))
		return -1;
	const char *s = v->valuestring, *at = strrchr(s, '@');
	if (at)
		s = at + 1;
	if (*s == 'v' || *s == 'V')
		s++;
	if (!*s || strlen(s) > 9 || !digits(s, strlen(s)))
		return -1;
	return atol(s);
}

/* Whether facts answer a question (an empty PII table is an answer: the
 * scan found none). */
static bool fact_present(const cJSON *facts, const char *key)
{
	return key && fact(facts, key) != NULL;
}

/* ---- validation ---------------------------------------------------------- */

static bool filled(const cJSON *doc, const cJSON *facts, const gr_doc_field *f)
{
	return gr_doc_has(doc, f) || (f->fallback && gr_doc_has(doc, find_exact(f->fallback))) ||
	       fact_present(facts, f->fact);
}

/* Whether some field lives under path (path is an object in the document). */
static bool is_prefix(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strncmp(fields[i].id, path, n) && fields[i].id[n] == '.')
			return true;
	return false;
}

static int add_invalid(cJSON *invalid, const char *field, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "field", field) || !cJSON_AddStringToObject(o, "why", why) ||
	    !cJSON_AddItemToArray(invalid, o)) {
		cJSON_Delete(o);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	return 0;
}

/* Every member of obj (at path) is a field with a valid value or an object
 * holding fields. */
static int check_tree(const cJSON *obj, const char *path, cJSON *invalid, gr_buf *why)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, obj)
	{
		char id[256];
		if (!*path && !strcmp(m->string, "format")) {
			if (!cJSON_IsString(m) || strcmp(m->valuestring, GR_DOC_FORMAT)) {
				int rc = add_invalid(invalid, "format", "not \"" GR_DOC_FORMAT "\"");
				if (rc)
					return rc;
			}
			continue;
		}
		snprintf(id, sizeof id, "%s%s%s", path, *path ? "." : "", m->string);
		const gr_doc_field *f = find_exact(id);
		int rc = 0;
		if (f) {
			rc = value_check(f, m, why);
			if (rc == 1)
				rc = add_invalid(invalid, id, why->ptr ? why->ptr : "invalid");
		} else if (is_prefix(id)) {
			rc = cJSON_IsObject(m) ? check_tree(m, id, invalid, why) : add_invalid(invalid, id, "expected an object");
		} else {
			rc = add_invalid(invalid, id, "unknown field");
		}
		if (rc)
			return rc;
	}
	return 0;
}

int gr_doc_validate(const cJSON *doc, const cJSON *policy, const cJSON *facts, cJSON **out)
{
	cJSON *defpol = NULL, *r = NULL, *missing = NULL, *invalid = NULL, *missing_rec = NULL;
	gr_buf why = GR_BUF_INIT;
	int rc = 0;
	if (!cJSON_IsObject(doc))
		return gr_error_set(GR_EINVAL, "the documentation is not a JSON object");
	if (!policy) {
		if ((rc = gr_doc_policy_default(&defpol)))
			return rc;
		policy = defpol;
	}
	if ((rc = gr_doc_policy_check(policy)))
		goto out;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(policy, "required");
	const cJSON *rec = cJSON_GetObjectItemCaseSensitive(policy, "recommended");
	bool rec_all = !rec || cJSON_IsString(rec);

	r = cJSON_CreateObject();
	if (!r || !cJSON_AddBoolToObject(r, "valid", false) || !(missing = cJSON_AddArrayToObject(r, "missing_required")) ||
	    !(invalid = cJSON_AddArrayToObject(r, "invalid")) ||
	    !(missing_rec = cJSON_AddArrayToObject(r, "missing_recommended"))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_tree(doc, "", invalid, &why)))
		goto out;

	int req_total = 0, req_filled = 0, rec_total = 0, rec_filled = 0;
	for (size_t i = 0; i < NFIELDS && !rc; i++) {
		const gr_doc_field *f = &fields[i];
		bool is_req = list_has(req, f->id);
		bool is_rec = !is_req && (rec_all || list_has(rec, f->id));
		bool ok = filled(doc, facts, f);
		if (!is_req && !is_rec)
			continue;
		*(is_req ? &req_total : &rec_total) += 1;
		if (ok)
			*(is_req ? &req_filled : &rec_filled) += 1;
		else if (!cJSON_AddItemToArray(is_req ? missing : missing_rec, cJSON_CreateString(f->id)))
			rc = gr_error_set(GR_ENOMEM, "out of memory");
	}
	/* floored to one decimal: 99.99% is not shown as 100 */
	double pct = rec_total ? (double)((long long)rec_filled * 1000 / rec_total) / 10.0 : 100.0;
	bool valid = cJSON_GetArraySize(missing) == 0 && cJSON_GetArraySize(invalid) == 0;
	if (rc || !cJSON_ReplaceItemInObjectCaseSensitive(r, "valid", cJSON_CreateBool(valid)) ||
	    !cJSON_AddNumberToObject(r, "required_filled", req_filled) ||
	    !cJSON_AddNumberToObject(r, "required_total", req_total) ||
	    !cJSON_AddNumberToObject(r, "recommended_filled", rec_filled) ||
	    !cJSON_AddNumberToObject(r, "recommended_total", rec_total) ||
	    !cJSON_AddNumberToObject(r, "completeness", pct)) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	cJSON_Delete(r);
	cJSON_Delete(defpol);
	gr_buf_free(&why);
	return rc;
}

/* Appends "a, b, c" from the strings of arr (or the "field" members of its
 * objects) to b, at most max bytes; "and N more" for the rest. */
static void join_ids(gr_buf *b, const cJSON *arr, bool with_why, size_t max)
{
	const cJSON *it;
	int i = 0, n = cJSON_GetArraySize(arr);
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *f = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "field") : it;
		const cJSON *w = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "why") : NULL;
		if (b->len > max) {
			gr_buf_printf(b, " and %d more", n - i);
			return;
		}
		gr_buf_printf(b, "%s%s", i ? ", " : "", cJSON_IsString(f) ? f->valuestring : "?");
		if (with_why && cJSON_IsString(w))
			gr_buf_printf(b, " (%s)", w->valuestring);
		i++;
	}
}

int gr_doc_require(const cJSON *doc, const cJSON *policy, const cJSON *facts, const char *operation)
{
	cJSON *defpol = NULL, *rep = NULL;
	gr_buf msg = GR_BUF_INIT;
	int rc = 0;
	if (!policy) {
		if ((rc = gr_doc_policy_default(&defpol)))
			return rc;
		policy = defpol;
	}
	if ((rc = gr_doc_policy_check(policy)))
		goto out;
	if (!list_has(cJSON_GetObjectItemCaseSensitive(policy, "enforce"), operation ? operation : ""))
		goto out;
	if (!doc) {
		/* no documentation at all: everything required is missing */
		cJSON *empty = NULL;
		if ((rc = gr_doc_new(&empty)))
			goto out;
		rc = gr_doc_validate(empty, policy, facts, &rep);
		cJSON_Delete(empty);
	} else {
		rc = gr_doc_validate(doc, policy, facts, &rep);
	}
	if (rc || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "valid")))
		goto out;
	const cJSON *missing = cJSON_GetObjectItemCaseSensitive(rep, "missing_required");
	const cJSON *invalid = cJSON_GetObjectItemCaseSensitive(rep, "invalid");
	gr_buf_printf(&msg, "cannot %s", operation);
	if (cJSON_GetArraySize(missing)) {
		gr_buf_puts(&msg, ": required documentation missing: ");
		join_ids(&msg, missing, false, 500);
	}
	if (cJSON_GetArraySize(invalid)) {
		gr_buf_puts(&msg, cJSON_GetArraySize(missing) ? "; invalid: " : ": invalid documentation: ");
		join_ids(&msg, invalid, true, 850);
	}
	rc = gr_error_set(GR_EINVAL, "%s", msg.ptr ? msg.ptr : "documentation incomplete");
out:
	cJSON_Delete(rep);
	cJSON_Delete(defpol);
	gr_buf_free(&msg);
	return rc;
}

/* ---- output -------------------------------------------------------------- */

/* A buffer that remembers its first failure, so renderers write straight on
 * and check once at the end. */
typedef struct {
	gr_buf b;
	int rc;
} wr;

static void wput(wr *w, const char *s, size_t n)
{
	if (!w->rc && n)
		w->rc = gr_buf_put(&w->b, s, n);
}

static void wputs(wr *w, const char *s)
{
	wput(w, s, strlen(s));
}

static void wprintf(wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wprintf(wr *w, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	if (w->rc)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->rc = gr_error_set(GR_EINVAL, "bad format");
		return;
	}
	if ((size_t)n < sizeof tmp) {
		wput(w, tmp, (size_t)n);
		return;
	}
	if ((w->rc = gr_buf_grow(&w->b, (size_t)n)))
		return;
	va_start(ap, fmt);
	vsnprintf(w->b.ptr + w->b.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w->b.len += (size_t)n;
}

/* Appends what was written to out (unchanged on failure) and frees it. */
static int wfinish(wr *w, gr_buf *out)
{
	int rc = w->rc;
	if (!rc && w->b.len)
		rc = gr_buf_put(out, w->b.ptr, w->b.len);
	gr_buf_free(&w->b);
	return rc;
}

static void put_count(wr *w, uint64_t n)
{
	char d[24], o[32];
	int k = snprintf(d, sizeof d, "%llu", (unsigned long long)n), j = 0;
	for (int i = 0; i < k; i++) {
		if (i && (k - i) % 3 == 0)
			o[j++] = ',';
		o[j++] = d[i];
	}
	wput(w, o, (size_t)j);
}

static void put_bytes(wr *w, uint64_t b)
{
	static const char *const unit[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
	if (b < 1000) {
		wprintf(w, "%llu B", (unsigned long long)b);
		return;
	}
	double v = (double)b;
	int i = -1;
	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	wprintf(w, "%.1f %s", v, unit[i]);
}

/* ---- YAML scalars -------------------------------------------------------- */

/* Plain when it starts with a letter (so no number, date, timestamp or
 * sexagesimal reading), holds only characters that mean nothing inside a
 * block-context plain scalar, and is not a word YAML 1.1 reads as a boolean
 * or null. Everything else is double-quoted. */
static bool yaml_plain_ok(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", NULL};
	size_t n = strlen(s);
	if (!n || !isalpha((unsigned char)s[0]) || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* ':' only inside a word ("https://x"): ": " and a final ':' mark a key */
		if (c == ':' && i + 1 < n && s[i + 1] != ' ')
			continue;
		if (!isalnum(c) && !strchr(" -_./+<>()',;!?&=%@$~^*", c))
			return false;
	}
	for (size_t i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return false;
	return true;
}

/* A double-quoted scalar with escapes both JSON and YAML read: ", \, C0 and
 * C1 controls, DEL, the line and paragraph separators and the BOM (which
 * YAML 1.1 readers treat as breaks or refuse), and invalid UTF-8 (as
 * U+FFFD). */
static void put_dq(wr *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	wputs(w, "\"");
	while (*p) {
		unsigned c = *p;
		if (c < 0x80) {
			switch (c) {
			case '"': wputs(w, "\\\""); break;
			case '\\': wputs(w, "\\\\"); break;
			case '\n': wputs(w, "\\n"); break;
			case '\t': wputs(w, "\\t"); break;
			case '\r': wputs(w, "\\r"); break;
			default:
				if (c < 0x20 || c == 0x7F)
					wprintf(w, "\\u%04X", c);
				else
					wput(w, (const char *)p, 1);
			}
			p++;
			continue;
		}
		size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
		bool ok = len > 0;
		for (size_t i = 1; ok && i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				ok = false;
			else
				cp = cp << 6 | (p[i] & 0x3F);
		}
		if (ok)
			ok = (len == 2 && cp >= 0x80) || (len == 3 && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) ||
			     (len == 4 && cp >= 0x10000 && cp <= 0x10FFFF);
		if (!ok) {
			wputs(w, "\\uFFFD");
			p++;
			continue;
		}
		if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
			wprintf(w, "\\u%04X", (unsigned)cp);
		else
			wput(w, (const char *)p, len);
		p += len;
	}
	wputs(w, "\"");
}

static void put_yaml(wr *w, const char *s)
{
	if (yaml_plain_ok(s))
		wputs(w, s);
	else
		put_dq(w, s);
}

int gr_doc_yaml_scalar(gr_buf *out, const char *s)
{
	wr w = {GR_BUF_INIT, 0};
	put_yaml(&w, s ? s : "");
	return wfinish(&w, out);
}

const char *gr_doc_size_category(uint64_t n)
{
	static const char *const cat[] = {"n<1K",       "1K<n<10K",   "10K<n<100K", "100K<n<1M",
					  "1M<n<10M",   "10M<n<100M", "100M<n<1B",  "1B<n<10B",
					  "10B<n<100B", "100B<n<1T",  "n>1T"};
	size_t i = 0;
	for (uint64_t lim = 1000; i < 10 && n >= lim; lim *= 10)
		i++;
	return cat[i];
}

/* ---- reading the document for output ------------------------------------- */

static const char *str_at(const cJSON *doc, const char *id)
{
	const cJSON *v = path_get(doc, id);
	return cJSON_IsString(v) && !blank(v->valuestring) ? v->valuestring : NULL;
}

static const cJSON *list_at(const cJSON *doc, const char *id)
{
	const cJSON *v = path_get(doc, id);
	return cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0 ? v : NULL;
}

static const char *member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *dataset_name(const cJSON *doc, const cJSON *facts)
{
	const char *s = str_at(doc, "card.name");
	return s ? s : fact_str(facts, "dataset");
}

/* The hub's name of the dataset (facts.dataset), which version names
 * ("web@v3"), file names and URNs use; the card's name when there are no
 * facts. */
static const char *hub_name(const cJSON *doc, const cJSON *facts)
{
	const char *s = fact_str(facts, "dataset");
	return s ? s : str_at(doc, "card.name");
}

static const char *pretty_name(const cJSON *doc, const cJSON *facts)
{
	const char *s = str_at(doc, "card.pretty_name");
	return s ? s : dataset_name(doc, facts);
}

/* A Markdown table cell: one line, '|' escaped. */
static void put_cell(wr *w, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			wputs(w, "\\|");
		else if (*s == '\n' || *s == '\t')
			wputs(w, " ");
		else
			wput(w, s, 1);
	}
}

/* A stored value as Markdown, or as plain text (md false). */
static void md_value_as(wr *w, const cJSON *v, bool md)
{
	const cJSON *it;
	int i = 0;
	if (cJSON_IsString(v)) {
		wputs(w, v->valuestring);
		return;
	}
	cJSON_ArrayForEach(it, v)
	{
		if (cJSON_IsString(it)) {
			wprintf(w, "%s%s", i++ ? ", " : "", it->valuestring);
			continue;
		}
		const char *name = member(it, "name"), *tag = member(it, "tag");
		wputs(w, i++ ? "\n- " : "- ");
		if (name) {
			const char *uri = member(it, "uri"), *ret = member(it, "retrieved"), *lic = member(it, "license");
			wprintf(w, md ? "**%s**" : "%s", name);
			if (uri)
				wprintf(w, md ? ": <%s>" : ": %s", uri);
			if (ret || lic)
				wprintf(w, " (%s%s%s%s%s)", ret ? "retrieved " : "", ret ? ret : "", ret && lic ? "; " : "",
					lic ? "licence " : "", lic ? lic : "");
		} else if (tag) {
			const char *d = member(it, "description");
			wprintf(w, md ? "`%s`%s%s" : "%s%s%s", tag, d ? ": " : "", d ? d : "");
		}
	}
}

static void md_value(wr *w, const cJSON *v)
{
	md_value_as(w, v, true);
}

/* "a: 12 records, b: 3 records" (sep ": ") from an object of counts. */
static void put_counts(wr *w, const cJSON *obj, const char *sep)
{
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, obj)
	{
		uint64_t n = 0;
		wprintf(w, "%s%s", i++ ? ", " : "", it->string);
		if (num_u64(it, &n)) {
			wputs(w, sep);
			put_count(w, n);
			wputs(w, n == 1 ? " record" : " records");
		}
	}
}

/* What Granary knows for a question, as one sentence. */
static void fact_text(wr *w, const cJSON *facts, const char *key)
{
	const cJSON *v = fact(facts, key);
	uint64_t n = 0, b = 0;
	if (!strcmp(key, "records") && num_u64(v, &n)) {
		put_count(w, n);
		wputs(w, n == 1 ? " record" : " records");
		if (fact_u64(facts, "bytes", &b)) {
			wputs(w, ", ");
			put_bytes(w, b);
		}
	} else if (!strcmp(key, "pii") && cJSON_IsObject(v)) {
		if (!v->child)
			wputs(w, "Granary's scan for personal information found none");
		else {
			wputs(w, "Granary's scan for personal information found ");
			put_counts(w, v, " in ");
		}
	} else if (!strcmp(key, "removals") && num_u64(v, &n)) {
		put_count(w, n);
		wputs(w, n == 1 ? " removal request applied" : " removal requests applied");
	} else if (!strcmp(key, "licenses") && cJSON_IsObject(v)) {
		wputs(w, "Licences of the records: ");
		put_counts(w, v, ": ");
	} else if (!strcmp(key, "languages") && cJSON_IsObject(v)) {
		wputs(w, "Languages of the records: ");
		put_counts(w, v, ": ");
	} else if (!strcmp(key, "sources") && cJSON_IsArray(v)) {
		const cJSON *it;
		int i = 0;
		wputs(w, "Sources of the records: ");
		cJSON_ArrayForEach(it, v)
		{
			const char *name = member(it, "name"), *lic = member(it, "license");
			wprintf(w, "%s%s", i++ ? ", " : "", name ? name : "?");
			if (num_u64(cJSON_GetObjectItemCaseSensitive(it, "records"), &n) || lic) {
				wputs(w, " (");
				if (num_u64(cJSON_GetObjectItemCaseSensitive(it, "records"), &n)) {
					put_count(w, n);
					wputs(w, n == 1 ? " record" : " records");
				}
				wprintf(w, "%s%s)", lic && n ? ", " : "", lic ? lic : "");
			}
		}
	} else {
		wputs(w, "(see the facts)");
	}
	wputs(w, " (filled by Granary)");
}

/* The answer to f: typed, else its fallback's; then Granary's facts.
 * Whether anything was written. */
static bool md_answer(wr *w, const cJSON *doc, const cJSON *facts, const gr_doc_field *f)
{
	const cJSON *v = path_get(doc, f->id);
	bool any = false;
	if (!value_filled(v) && f->fallback)
		v = path_get(doc, f->fallback);
	if (value_filled(v)) {
		md_value(w, v);
		any = true;
	}
	if (fact_present(facts, f->fact)) {
		wputs(w, any ? "\n\n" : "");
		fact_text(w, facts, f->fact);
		any = true;
	}
	return any;
}

/* A card section's text: the answer to field id or HF's placeholder, then
 * end. */
static void md_field(wr *w, const cJSON *doc, const cJSON *facts, const char *id, const char *end)
{
	if (!md_answer(w, doc, facts, find_exact(id)))
		wputs(w, "[More Information Needed]");
	wputs(w, end);
}

static void md_datasheet(wr *w, const cJSON *doc, const cJSON *facts, int level)
{
	for (size_t s = 0; s < GR_DOC_DATASHEET_SECTIONS; s++) {
		wprintf(w, "%.*s %zu. %s\n\n", level, "######", s + 1, sections[s].title);
		for (size_t i = 0; i < NFIELDS; i++) {
			const gr_doc_field *f = &fields[i];
			if (f->part != GR_DOC_PART_DATASHEET || strcmp(f->section, sections[s].id))
				continue;
			wprintf(w, "**%s**\n\n", f->question);
			if (!md_answer(w, doc, facts, f))
				wputs(w, "_not answered_");
			wputs(w, "\n\n");
		}
	}
}

/* ---- the Hugging Face card ----------------------------------------------- */

/* A licence name HF accepts for license_name: lower case, [a-z0-9.-]. */
static void put_slug(wr *w, const char *s)
{
	bool dash = false, any = false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '.') {
			if (dash && any)
				wputs(w, "-");
			char l = (char)tolower(c);
			wput(w, &l, 1);
			dash = false;
			any = true;
		} else {
			dash = true;
		}
	}
	if (!any)
		wputs(w, "custom");
}

static void y_list(wr *w, const char *key, const cJSON *arr)
{
	const cJSON *it;
	if (!arr)
		return;
	wprintf(w, "%s:\n", key);
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			continue;
		wputs(w, "- ");
		put_yaml(w, it->valuestring);
		wputs(w, "\n");
	}
}

/* The language tags of the document, else the languages of the facts. */
static cJSON *language_tags(const cJSON *doc, const cJSON *facts)
{
	const cJSON *l = list_at(doc, "card.languages"), *it;
	if (l)
		return cJSON_Duplicate(l, true);
	cJSON *a = cJSON_CreateArray();
	const cJSON *fl = fact(facts, "languages");
	if (a && cJSON_IsObject(fl))
		cJSON_ArrayForEach(it, fl)
		{
			if (!cJSON_AddItemToArray(a, cJSON_CreateString(it->string))) {
				cJSON_Delete(a);
				return NULL;
			}
		}
	return a;
}

/* HF's language: ISO 639 codes, the primary subtags of the BCP-47 tags. */
static cJSON *iso639(const cJSON *tags, bool *details)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *it;
	*details = false;
	cJSON_ArrayForEach(it, tags)
	{
		if (!cJSON_IsString(it))
			continue;
		const char *t = it->valuestring, *dash = strchr(t, '-');
		size_t k = dash ? (size_t)(dash - t) : strlen(t);
		char code[4];
		if (dash)
			*details = true;
		if (k < 2 || k > 3 || !all_alpha(t, k))
			continue;
		for (size_t i = 0; i < k; i++)
			code[i] = (char)tolower((unsigned char)t[i]);
		code[k] = 0;
		if (a && !arr_has(a, code) && !cJSON_AddItemToArray(a, cJSON_CreateString(code))) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static void card_header(wr *w, const cJSON *doc, const cJSON *facts)
{
	const char *pretty = pretty_name(doc, facts), *lic = str_at(doc, "card.license");
	wputs(w, "---\n");
	if (pretty) {
		wputs(w, "pretty_name: ");
		put_yaml(w, pretty);
		wputs(w, "\n");
	}
	gr_spdx_expr *e = NULL;
	const char *hf = "unknown";
	if (lic)
		hf = gr_spdx_parse(&e, lic, strlen(lic), 0) == 0 ? gr_spdx_expr_hf_license(e) : "other";
	wputs(w, "license: ");
	put_yaml(w, hf);
	wputs(w, "\n");
	if (!strcmp(hf, "other")) {
		const char *link = str_at(doc, "card.license_link");
		const gr_spdx_node *r = e ? gr_spdx_root(e) : NULL;
		wputs(w, "license_name: ");
		put_slug(w, lic);
		wputs(w, "\nlicense_link: ");
		if (link)
			put_yaml(w, link);
		else if (r && r->op == GR_SPDX_LICENSE && !(r->flags & (GR_SPDX_LEAF_REF | GR_SPDX_LEAF_UNKNOWN))) {
			wr u = {GR_BUF_INIT, 0};
			wprintf(&u, "https://spdx.org/licenses/%s.html", r->id);
			put_yaml(w, u.rc ? "LICENSE" : u.b.ptr);
			gr_buf_free(&u.b);
		} else
			wputs(w, "LICENSE");
		wputs(w, "\n");
	}
	gr_spdx_free(e);

	cJSON *tags = language_tags(doc, facts);
	bool details = false;
	cJSON *langs = tags ? iso639(tags, &details) : NULL;
	if (!tags || !langs)
		w->rc = w->rc ? w->rc : gr_error_set(GR_ENOMEM, "out of memory");
	y_list(w, "language", langs && cJSON_GetArraySize(langs) ? langs : NULL);
	y_list(w, "language_details", details ? tags : NULL);
	const cJSON *multi = list_at(doc, "card.multilinguality");
	if (multi)
		y_list(w, "multilinguality", multi);
	else if (langs && cJSON_GetArraySize(langs))
		wprintf(w, "multilinguality:\n- %s\n", cJSON_GetArraySize(langs) > 1 ? "multilingual" : "monolingual");
	cJSON_Delete(tags);
	cJSON_Delete(langs);

	uint64_t records;
	if (fact_u64(facts, "records", &records)) {
		wputs(w, "size_categories:\n- ");
		put_yaml(w, gr_doc_size_category(records));
		wputs(w, "\n");
	}
	y_list(w, "task_categories", list_at(doc, "card.task_categories"));
	y_list(w, "task_ids", list_at(doc, "card.task_ids"));
	y_list(w, "annotations_creators", list_at(doc, "card.annotations_creators"));
	y_list(w, "language_creators", list_at(doc, "card.language_creators"));
	y_list(w, "source_datasets", list_at(doc, "card.source_datasets"));
	y_list(w, "tags", list_at(doc, "card.tags"));
	const cJSON *exp = fact(facts, "export");
	const char *file = cJSON_IsObject(exp) ? member(exp, "name") : NULL;
	if (file && !blank(file)) {
		wputs(w, "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: ");
		put_yaml(w, file);
		wputs(w, "\n");
	}
	wputs(w, "---\n");
}

static void card_body(wr *w, const cJSON *doc, const cJSON *facts)
{
	const char *pretty = pretty_name(doc, facts), *s;
	const cJSON *l;
	uint64_t n;
	wprintf(w, "\n# Dataset Card for %s\n\n", pretty ? pretty : "[More Information Needed]");
	if ((s = str_at(doc, "card.summary")))
		wprintf(w, "%s\n\n", s);
	wputs(w, "## Dataset Details\n\n### Dataset Description\n\n");
	md_field(w, doc, facts, "card.description", "\n\n");
	wputs(w, "- **Curated by:** ");
	md_field(w, doc, facts, "card.curators", "\n");
	wputs(w, "- **Funded by:** ");
	md_field(w, doc, facts, "datasheet.motivation.funding", "\n");
	wputs(w, "- **Language(s) (NLP):** ");
	md_field(w, doc, facts, "card.languages", "\n");
	wputs(w, "- **License:** ");
	md_field(w, doc, facts, "card.license", "\n\n");
	long ver = fact_version(facts);
	if (ver >= 0 && hub_name(doc, facts))
		wprintf(w, "This card documents version %s@v%ld.\n\n", hub_name(doc, facts), ver);

	wputs(w, "### Dataset Sources\n\n");
	bool any = false;
	static const char *const links[][2] = {
		{"card.homepage", "Homepage"}, {"card.repository", "Repository"}, {"card.paper", "Paper"}};
	for (size_t i = 0; i < 3; i++)
		if ((s = str_at(doc, links[i][0]))) {
			wprintf(w, "- **%s:** %s\n", links[i][1], s);
			any = true;
		}
	wputs(w, any ? "\n" : "[More Information Needed]\n\n");

	wputs(w, "## Uses\n\n### Direct Use\n\n");
	md_field(w, doc, facts, "uses.intended", "\n\n");
	wputs(w, "### Out-of-Scope Use\n\n");
	md_field(w, doc, facts, "uses.out_of_scope", "\n\n");

	wputs(w, "## Dataset Structure\n\n"
		 "JSON Lines, one record per line (Granary's export format, version 1): `id` (16 hex digits), "
		 "`text`, then `url`, `timestamp` and `source` when the record has them, then the record's "
		 "original fields.\n\n");
	if (fact_u64(facts, "records", &n)) {
		wputs(w, "- **Records:** ");
		put_count(w, n);
		wputs(w, "\n");
		if (fact_u64(facts, "bytes", &n)) {
			wputs(w, "- **Size:** ");
			put_bytes(w, n);
			wputs(w, "\n");
		}
		wputs(w, "\n");
	}

	wputs(w, "## Dataset Creation\n\n### Curation Rationale\n\n");
	md_field(w, doc, facts, "statement.curation_rationale", "\n\n");
	wputs(w, "### Source Data\n\n");
	if ((l = list_at(doc, "sources"))) {
		const cJSON *it;
		wputs(w, "| Source | Retrieved | Licence | URI |\n|---|---|---|---|\n");
		cJSON_ArrayForEach(it, l)
		{
			wputs(w, "| ");
			put_cell(w, member(it, "name"));
			wputs(w, " | ");
			put_cell(w, member(it, "retrieved"));
			wputs(w, " | ");
			put_cell(w, member(it, "license"));
			wputs(w, " | ");
			put_cell(w, member(it, "uri"));
			wputs(w, " |\n");
		}
		wputs(w, "\n");
	}
	if (fact_present(facts, "sources")) {
		fact_text(w, facts, "sources");
		wputs(w, "\n\n");
	}
	wputs(w, "#### Data Collection and Processing\n\n");
	md_field(w, doc, facts, "collection.method", "\n\n");
	if ((s = str_at(doc, "collection.timeframe")))
		wprintf(w, "- **Collection timeframe:** %s\n", s);
	if ((l = list_at(doc, "collection.type"))) {
		wputs(w, "- **Collection type:** ");
		md_value(w, l);
		wputs(w, "\n");
	}
	wputs(w, "- **Preprocessing:** ");
	md_field(w, doc, facts, "datasheet.preprocessing.done", "\n\n");
	wputs(w, "#### Who are the source data producers?\n\n");
	md_field(w, doc, facts, "statement.speaker_demographic", "\n\n");
	wputs(w, "### Annotations\n\n#### Annotation process\n\n");
	md_field(w, doc, facts, "datasheet.composition.labels", "\n\n");
	wputs(w, "#### Who are the annotators?\n\n");
	md_field(w, doc, facts, "statement.annotator_demographic", "\n\n");
	wputs(w, "#### Personal and Sensitive Information\n\n");
	md_field(w, doc, facts, "personal_information", "\n\n");
	if (fact_present(facts, "pii")) {
		fact_text(w, facts, "pii");
		wputs(w, ".\n\n");
	}

	wputs(w, "## Bias, Risks, and Limitations\n\n");
	md_field(w, doc, facts, "statement.limitations", "\n\n");
	wputs(w, "### Recommendations\n\n");
	md_field(w, doc, facts, "datasheet.uses.impact", "\n\n");
	if ((s = str_at(doc, "card.citation")))
		wprintf(w, "## Citation\n\n```\n%s\n```\n\n", s);

	wputs(w, "## Datasheet\n\nThe questions of *Datasheets for Datasets* (Gebru et al., 2021), answered.\n\n");
	md_datasheet(w, doc, facts, 3);

	wputs(w, "## Dataset Card Authors\n\n");
	md_field(w, doc, facts, "card.curators", "\n\n");
	wputs(w, "## Dataset Card Contact\n\n");
	if ((s = str_at(doc, "card.removal_contact")))
		wprintf(w, "Questions, and requests to remove data about you: %s\n", s);
	else
		wputs(w, "[More Information Needed]\n");
}

/* ---- the data statement -------------------------------------------------- */

/* A new object at the end of arr; NULL when out of memory. */
static cJSON *push_object(cJSON *arr)
{
	cJSON *o = cJSON_CreateObject();
	if (o && !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}


static bool add_str(cJSON *o, const char *key, const char *s)
{
	return !s || cJSON_AddStringToObject(o, key, s);
}

static bool add_copy(cJSON *o, const char *key, const cJSON *v)
{
	cJSON *c;
	if (!v)
		return true;
	if (!(c = cJSON_Duplicate(v, true)))
		return false;
	if (!cJSON_AddItemToObject(o, key, c)) {
		cJSON_Delete(c);
		return false;
	}
	return true;
}

/* The answer to a statement field in its own type into *out (NULL: not
 * answered). 0 or GR_ENOMEM. */
static int statement_value(const cJSON *doc, const cJSON *facts, const gr_doc_field *f, cJSON **out)
{
	const cJSON *v = path_get(doc, f->id), *it;
	cJSON *r = NULL;
	bool ok = true;
	*out = NULL;
	if (!value_filled(v) && f->fallback)
		v = path_get(doc, f->fallback);
	if (value_filled(v)) {
		if (f->type == GR_DOC_OBJECTS && cJSON_IsString(cJSON_GetArrayItem(v, 0))) {
			/* language varieties from the card's tags */
			ok = (r = cJSON_CreateArray()) != NULL;
			cJSON_ArrayForEach(it, v)
			{
				cJSON *o = ok ? push_object(r) : NULL;
				ok = o && cJSON_AddStringToObject(o, "tag", it->valuestring);
			}
		} else if (f->type == GR_DOC_STRING && cJSON_IsArray(v)) {
			wr t = {GR_BUF_INIT, 0};
			md_value(&t, v);
			ok = !t.rc && (r = cJSON_CreateString(t.b.ptr ? t.b.ptr : ""));
			gr_buf_free(&t.b);
		} else {
			ok = (r = cJSON_Duplicate(v, true)) != NULL;
		}
	} else if (fact_present(facts, f->fact) && f->type == GR_DOC_OBJECTS && !strcmp(f->fact, "languages")) {
		const cJSON *fl = fact(facts, "languages");
		uint64_t n;
		ok = (r = cJSON_CreateArray()) != NULL;
		cJSON_ArrayForEach(it, fl)
		{
			char d[64];
			snprintf(d, sizeof d, "%llu records (filled by Granary)",
				 num_u64(it, &n) ? (unsigned long long)n : 0ULL);
			cJSON *o = ok ? push_object(r) : NULL;
			ok = o && cJSON_AddStringToObject(o, "tag", it->string) && cJSON_AddStringToObject(o, "description", d);
		}
	} else if (fact_present(facts, f->fact)) {
		wr t = {GR_BUF_INIT, 0};
		fact_text(&t, facts, f->fact);
		ok = !t.rc && (r = cJSON_CreateString(t.b.ptr));
		gr_buf_free(&t.b);
	}
	if (!ok) {
		cJSON_Delete(r);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

static int render_statement(const cJSON *doc, const cJSON *facts, wr *w)
{
	cJSON *o = cJSON_CreateObject(), *h = NULL, *un = NULL;
	bool ok = o && cJSON_AddStringToObject(o, "format", GR_DOC_STATEMENT_FORMAT) &&
		  (h = cJSON_AddObjectToObject(o, "header"));
	char ver[320] = "";
	long v = fact_version(facts);
	const char *name = dataset_name(doc, facts);
	uint64_t n;
	if (v >= 0 && hub_name(doc, facts))
		snprintf(ver, sizeof ver, "%.280s@v%ld", hub_name(doc, facts), v);
	ok = ok && add_str(h, "dataset_title", pretty_name(doc, facts)) && add_str(h, "dataset_name", name) &&
	     add_str(h, "dataset_version", *ver ? ver : NULL) && add_copy(h, "curators", list_at(doc, "card.curators")) &&
	     add_str(h, "dataset_citation", str_at(doc, "card.citation")) &&
	     add_copy(h, "statement_authors", list_at(doc, "statement.author"));
	if (ok && fact_u64(facts, "records", &n))
		ok = cJSON_AddNumberToObject(h, "records", (double)n) != NULL;
	ok = ok && add_copy(o, "source_datasets", list_at(doc, "sources"));
	for (size_t i = 0; ok && i < NFIELDS; i++) {
		const gr_doc_field *f = &fields[i];
		if (f->part != GR_DOC_PART_STATEMENT || !strcmp(f->id, "statement.author"))
			continue;
		cJSON *val = NULL;
		const char *key = f->id + strlen("statement.");
		if (statement_value(doc, facts, f, &val)) {
			ok = false;
		} else if (val) {
			if (!cJSON_AddItemToObject(o, key, val)) {
				cJSON_Delete(val);
				ok = false;
			}
		} else {
			ok = (un || (un = cJSON_CreateArray())) && cJSON_AddItemToArray(un, cJSON_CreateString(key));
		}
	}
	if (un && (!ok || !cJSON_AddItemToObject(o, "unanswered", un))) {
		cJSON_Delete(un);
		ok = false;
	}
	char *text = ok ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return gr_error_set(GR_ENOMEM, "out of memory");
	wputs(w, text);
	wputs(w, "\n");
	free(text);
	return w->rc;
}

/* ---- Croissant ----------------------------------------------------------- */

/* The JSON-LD context mlcroissant writes for Croissant 1.0, with rai:. */
static cJSON *croissant_context(void)
{
	static const char *const pairs[][2] = {
		{"@language", "en"},
		{"@vocab", "https://schema.org/"},
		{"citeAs", "cr:citeAs"},
		{"column", "cr:column"},
		{"conformsTo", "dct:conformsTo"},
		{"cr", "http://mlcommons.org/croissant/"},
		{"rai", "http://mlcommons.org/croissant/RAI/"},
		{"data", NULL},
		{"dataType", NULL},
		{"dct", "http://purl.org/dc/terms/"},
		{"examples", NULL},
		{"extract", "cr:extract"},
		{"field", "cr:field"},
		{"fileProperty", "cr:fileProperty"},
		{"fileObject", "cr:fileObject"},
		{"fileSet", "cr:fileSet"},
		{"format", "cr:format"},
		{"includes", "cr:includes"},
		{"isLiveDataset", "cr:isLiveDataset"},
		{"jsonPath", "cr:jsonPath"},
		{"key", "cr:key"},
		{"md5", "cr:md5"},
		{"parentField", "cr:parentField"},
		{"path", "cr:path"},
		{"recordSet", "cr:recordSet"},
		{"references", "cr:references"},
		{"regex", "cr:regex"},
		{"repeated", "cr:repeated"},
		{"replace", "cr:replace"},
		{"sc", "https://schema.org/"},
		{"separator", "cr:separator"},
		{"source", "cr:source"},
		{"subField", "cr:subField"},
		{"transform", "cr:transform"},
	};
	cJSON *c = cJSON_CreateObject();
	bool ok = c != NULL;
	for (size_t i = 0; ok && i < sizeof pairs / sizeof pairs[0]; i++) {
		if (pairs[i][1]) {
			ok = cJSON_AddStringToObject(c, pairs[i][0], pairs[i][1]) != NULL;
			continue;
		}
		cJSON *t = cJSON_AddObjectToObject(c, pairs[i][0]);
		const char *id = !strcmp(pairs[i][0], "data")	  ? "cr:data"
				 : !strcmp(pairs[i][0], "dataType") ? "cr:dataType"
								    : "cr:examples";
		ok = t && cJSON_AddStringToObject(t, "@id", id) &&
		     cJSON_AddStringToObject(t, "@type", strcmp(pairs[i][0], "dataType") ? "@json" : "@vocab");
	}
	if (!ok) {
		cJSON_Delete(c);
		return NULL;
	}
	return c;
}

/* "Name <e-mail>" as a schema.org Person. */
static cJSON *person(const char *s)
{
	cJSON *p = cJSON_CreateObject();
	const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	bool ok = p && cJSON_AddStringToObject(p, "@type", "sc:Person");
	if (ok && lt && gt && gt > lt + 1) {
		size_t k = (size_t)(lt - s);
		while (k && s[k - 1] == ' ')
			k--;
		char *name = gr_strndup(s, k), *mail = gr_strndup(lt + 1, (size_t)(gt - lt - 1));
		ok = name && mail && cJSON_AddStringToObject(p, "name", *name ? name : mail) &&
		     cJSON_AddStringToObject(p, "email", mail);
		free(name);
		free(mail);
	} else {
		ok = ok && cJSON_AddStringToObject(p, "name", s);
	}
	if (!ok) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

/* Adds rai:KEY with the answers of the given fields joined, when any. */
static bool rai_text(cJSON *o, const char *key, const cJSON *doc, const cJSON *facts, const char *const *ids)
{
	wr t = {GR_BUF_INIT, 0};
	for (size_t i = 0; ids[i]; i++) {
		size_t before = t.b.len;
		if (before)
			wputs(&t, "\n\n");
		const gr_doc_field *f = find_exact(ids[i]);
		if (ids[1]) /* several answers: say which is which */
			wprintf(&t, "%s: ", f->title);
		if (!md_answer(&t, doc, facts, f) && !t.rc) {
			t.b.len = before; /* drop the separator */
			if (t.b.ptr)
				t.b.ptr[before] = 0;
		}
	}
	bool ok = !t.rc && (!t.b.len || cJSON_AddStringToObject(o, key, t.b.ptr));
	gr_buf_free(&t.b);
	return ok;
}

static int croissant_missing(const char *what, const char *from)
{
	return gr_error_set(GR_EINVAL, "croissant: %s is not set (Croissant 1.0 requires %s)", from, what);
}

static int render_croissant(const cJSON *doc, const cJSON *facts, wr *w)
{
	const char *name = dataset_name(doc, facts);
	const char *desc = str_at(doc, "card.description");
	const char *lic = str_at(doc, "card.license");
	const cJSON *curators = list_at(doc, "card.curators"), *it;
	const char *published = str_at(doc, "card.date_published");
	if (!published)
		published = fact_str(facts, "published");
	if (!published)
		published = fact_str(facts, "created");
	if (!name)
		return croissant_missing("name", "card.name");
	if (!desc)
		return croissant_missing("description", "card.description");
	if (!lic)
		return croissant_missing("license", "card.license");
	if (!curators)
		return croissant_missing("creator", "card.curators");
	if (!published)
		return croissant_missing("datePublished", "card.date_published (or the facts' creation date)");

	long ver = fact_version(facts);
	const char *hub = hub_name(doc, facts);
	char file[256], fileid[256], semver[32], urn[300];
	const cJSON *exp = fact(facts, "export");
	const char *fname = cJSON_IsObject(exp) ? member(exp, "name") : NULL;
	if (ver >= 0)
		snprintf(file, sizeof file, "%.200s-v%ld.jsonl", hub, ver);
	else
		snprintf(file, sizeof file, "%.200s.jsonl", hub);
	snprintf(fileid, sizeof fileid, "%s", fname && !blank(fname) ? fname : file);
	const char *curl = cJSON_IsObject(exp) ? member(exp, "url") : NULL;
	const char *sha = cJSON_IsObject(exp) ? member(exp, "sha256") : NULL;
	uint64_t size = 0;
	bool has_size = cJSON_IsObject(exp) && num_u64(cJSON_GetObjectItemCaseSensitive(exp, "bytes"), &size);
	snprintf(semver, sizeof semver, "%ld.0.0", ver >= 0 ? ver : 0);
	const char *url = str_at(doc, "card.homepage");
	if (!url)
		url = str_at(doc, "card.repository");
	if (!url)
		url = fact_str(facts, "url");
	if (!url) {
		/* no web page: a URN names the dataset version (schema.org wants a URL here) */
		if (ver >= 0)
			snprintf(urn, sizeof urn, "urn:granary:%.200s:v%ld", hub, ver);
		else
			snprintf(urn, sizeof urn, "urn:granary:%.200s", hub);
		url = urn;
	}

	/* the licence: the SPDX page of a single listed licence, else the expression */
	gr_spdx_expr *e = NULL;
	char licurl[200] = "";
	if (gr_spdx_parse(&e, lic, strlen(lic), 0) == 0) {
		const gr_spdx_node *r = gr_spdx_root(e);
		if (r->op == GR_SPDX_LICENSE && !r->exception && !r->or_later &&
		    !(r->flags & (GR_SPDX_LEAF_REF | GR_SPDX_LEAF_UNKNOWN)))
			snprintf(licurl, sizeof licurl, "https://spdx.org/licenses/%s.html", r->id);
		gr_spdx_free(e);
	}

	cJSON *o = cJSON_CreateObject(), *ctx = croissant_context(), *a, *fo, *rs, *fl;
	bool ok = o && ctx && cJSON_AddItemToObject(o, "@context", ctx);
	if (!ok)
		cJSON_Delete(ctx);
	ok = ok && cJSON_AddStringToObject(o, "@type", "sc:Dataset") && cJSON_AddStringToObject(o, "name", name) &&
	     cJSON_AddStringToObject(o, "conformsTo", GR_DOC_CROISSANT_VERSION) &&
	     cJSON_AddStringToObject(o, "description", desc) &&
	     cJSON_AddStringToObject(o, "license", *licurl ? licurl : lic) && cJSON_AddStringToObject(o, "url", url);
	ok = ok && (a = cJSON_AddArrayToObject(o, "creator"));
	if (ok)
		cJSON_ArrayForEach(it, curators)
		{
			cJSON *p = cJSON_IsString(it) ? person(it->valuestring) : NULL;
			if (!p || !cJSON_AddItemToArray(a, p)) {
				cJSON_Delete(p);
				ok = false;
				break;
			}
		}
	ok = ok && cJSON_AddStringToObject(o, "datePublished", published);
	if (ok && ver >= 0)
		ok = cJSON_AddStringToObject(o, "version", semver) != NULL;
	if (ok && fact_str(facts, "created"))
		ok = cJSON_AddStringToObject(o, "dateCreated", fact_str(facts, "created")) != NULL;
	ok = ok && add_str(o, "citeAs", str_at(doc, "card.citation")) &&
	     add_str(o, "alternateName", str_at(doc, "card.pretty_name"));
	ok = ok && add_copy(o, "inLanguage", list_at(doc, "card.languages")) &&
	     add_copy(o, "keywords", list_at(doc, "card.tags"));
	if (ok && str_at(doc, "card.repository") && url != str_at(doc, "card.repository"))
		ok = cJSON_AddStringToObject(o, "sameAs", str_at(doc, "card.repository")) != NULL;

	/* distribution: the export file */
	ok = ok && (a = cJSON_AddArrayToObject(o, "distribution")) && (fo = push_object(a));
	ok = ok && cJSON_AddStringToObject(fo, "@type", "cr:FileObject") && cJSON_AddStringToObject(fo, "@id", fileid) &&
	     cJSON_AddStringToObject(fo, "name", fileid) &&
	     cJSON_AddStringToObject(fo, "description", "The records of this version, as Granary exports them.") &&
	     cJSON_AddStringToObject(fo, "contentUrl", curl && !blank(curl) ? curl : fileid) &&
	     cJSON_AddStringToObject(fo, "encodingFormat", "application/jsonlines");
	if (ok && has_size) {
		char cs[40];
		snprintf(cs, sizeof cs, "%llu B", (unsigned long long)size);
		ok = cJSON_AddStringToObject(fo, "contentSize", cs) != NULL;
	}
	if (ok && sha && !blank(sha))
		ok = cJSON_AddStringToObject(fo, "sha256", sha) != NULL;

	/* recordSet: the export format's fields */
	static const char *const cols[][3] = {
		{"id", "sc:Text", "The record's id in the hub (16 hex digits)."},
		{"text", "sc:Text", "The record's text."},
		{"url", "sc:URL", "Where the record was found, when known."},
		{"timestamp", "sc:Text", "When the record was captured, when known."},
		{"source", "sc:Text", "The source the record was ingested from, when known."},
	};
	ok = ok && (a = cJSON_AddArrayToObject(o, "recordSet")) && (rs = push_object(a));
	ok = ok && cJSON_AddStringToObject(rs, "@type", "cr:RecordSet") && cJSON_AddStringToObject(rs, "@id", "records") &&
	     cJSON_AddStringToObject(rs, "name", "records") &&
	     cJSON_AddStringToObject(rs, "description", "One record per line of the export.");
	cJSON *key = ok ? cJSON_AddObjectToObject(rs, "key") : NULL;
	ok = ok && key && cJSON_AddStringToObject(key, "@id", "records/id") && (fl = cJSON_AddArrayToObject(rs, "field"));
	for (size_t i = 0; ok && i < sizeof cols / sizeof cols[0]; i++) {
		char fid[32];
		snprintf(fid, sizeof fid, "records/%s", cols[i][0]);
		cJSON *f = push_object(fl), *src = NULL, *ref = NULL, *ex = NULL;
		ok = f && cJSON_AddStringToObject(f, "@type", "cr:Field") &&
		     cJSON_AddStringToObject(f, "@id", fid) && cJSON_AddStringToObject(f, "name", cols[i][0]) &&
		     cJSON_AddStringToObject(f, "description", cols[i][2]) &&
		     cJSON_AddStringToObject(f, "dataType", cols[i][1]) && (src = cJSON_AddObjectToObject(f, "source")) &&
		     (ref = cJSON_AddObjectToObject(src, "fileObject")) && cJSON_AddStringToObject(ref, "@id", fileid) &&
		     (ex = cJSON_AddObjectToObject(src, "extract")) && cJSON_AddStringToObject(ex, "column", cols[i][0]);
	}

	/* Croissant RAI */
	static const char *const collection[] = {"collection.method", "datasheet.collection.acquisition", NULL};
	static const char *const missing[] = {"datasheet.composition.missing", NULL};
	static const char *const preproc[] = {"datasheet.preprocessing.done", "statement.preprocessing", NULL};
	static const char *const sensitive[] = {"personal_information", "datasheet.composition.identifiable", NULL};
	static const char *const usecases[] = {"uses.intended", NULL};
	static const char *const limits[] = {"statement.limitations", "uses.out_of_scope", NULL};
	static const char *const biases[] = {"datasheet.uses.impact", NULL};
	static const char *const social[] = {"datasheet.collection.impact_analysis", NULL};
	static const char *const annot[] = {"statement.annotator_demographic", NULL};
	static const char *const maint[] = {"datasheet.maintenance.updates", "datasheet.maintenance.older_versions",
					    "datasheet.maintenance.retention", "datasheet.maintenance.contact", NULL};
	ok = ok && rai_text(o, "rai:dataCollection", doc, facts, collection);
	ok = ok && add_copy(o, "rai:dataCollectionType", list_at(doc, "collection.type"));
	ok = ok && add_str(o, "rai:dataCollectionTimeframe", str_at(doc, "collection.timeframe"));
	if (ok && list_at(doc, "sources")) {
		wr t = {GR_BUF_INIT, 0};
		md_value_as(&t, list_at(doc, "sources"), false);
		ok = !t.rc && cJSON_AddStringToObject(o, "rai:dataCollectionRawData", t.b.ptr ? t.b.ptr : "");
		gr_buf_free(&t.b);
	}
	ok = ok && rai_text(o, "rai:dataCollectionMissingData", doc, facts, missing);
	ok = ok && rai_text(o, "rai:dataPreprocessingProtocol", doc, facts, preproc);
	ok = ok && rai_text(o, "rai:personalSensitiveInformation", doc, facts, sensitive);
	ok = ok && rai_text(o, "rai:dataUseCases", doc, facts, usecases);
	ok = ok && rai_text(o, "rai:dataLimitations", doc, facts, limits);
	ok = ok && rai_text(o, "rai:dataBiases", doc, facts, biases);
	ok = ok && rai_text(o, "rai:dataSocialImpact", doc, facts, social);
	ok = ok && rai_text(o, "rai:annotatorDemographics", doc, facts, annot);
	ok = ok && rai_text(o, "rai:dataReleaseMaintenancePlan", doc, facts, maint);

	char *text = ok ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return gr_error_set(GR_ENOMEM, "out of memory");
	wputs(w, text);
	wputs(w, "\n");
	free(text);
	return w->rc;
}

int gr_doc_render(const cJSON *doc, const cJSON *facts, const char *format, gr_buf *out)
{
	wr w = {GR_BUF_INIT, 0};
	int rc = 0;
	if (!cJSON_IsObject(doc))
		return gr_error_set(GR_EINVAL, "the documentation is not a JSON object");
	if (facts && !cJSON_IsObject(facts))
		return gr_error_set(GR_EINVAL, "the facts are not a JSON object");
	if (!format)
		format = "";
	if (!strcmp(format, "card")) {
		card_header(&w, doc, facts);
		card_body(&w, doc, facts);
	} else if (!strcmp(format, "datasheet")) {
		const char *pretty = pretty_name(doc, facts);
		long v = fact_version(facts);
		wprintf(&w, "# Datasheet for %s\n\n", pretty ? pretty : "an unnamed dataset");
		if (v >= 0 && hub_name(doc, facts))
			wprintf(&w, "Version: %s@v%ld\n\n", hub_name(doc, facts), v);
		wputs(&w, "The questions of *Datasheets for Datasets* (Gebru et al., Communications of the ACM, 2021), "
			  "in its seven sections.\n\n");
		md_datasheet(&w, doc, facts, 2);
	} else if (!strcmp(format, "statement")) {
		rc = render_statement(doc, facts, &w);
	} else if (!strcmp(format, "croissant")) {
		rc = render_croissant(doc, facts, &w);
	} else {
		return gr_error_set(GR_EINVAL, "no documentation format '%s' (card, croissant, datasheet, statement)",
				    format);
	}
	if (rc) {
		gr_buf_free(&w.b);
		return rc;
	}
	return wfinish(&w, out);
}

/* ---- the edit text ------------------------------------------------------- */

/* text as "# " comment lines of at most width bytes (longer words stay whole). */
static void put_comment(wr *w, const char *text, size_t width)
{
	const char *p = text;
	while (*p) {
		size_t n = strlen(p), k = n;
		if (n > width) {
			k = width;
			while (k > 0 && p[k] != ' ')
				k--;
			if (k == 0) {
				const char *sp = strchr(p, ' ');
				k = sp ? (size_t)(sp - p) : n;
			}
		}
		wprintf(w, "# %.*s\n", (int)k, p);
		p += k;
		while (*p == ' ')
			p++;
	}
}

/* Any value as YAML flow, which is also JSON: strings double-quoted. */
static void put_flow(wr *w, const cJSON *v)
{
	const cJSON *it;
	int i = 0;
	if (cJSON_IsString(v)) {
		put_dq(w, v->valuestring);
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		wputs(w, cJSON_IsArray(v) ? "[" : "{");
		cJSON_ArrayForEach(it, v)
		{
			wputs(w, i++ ? ", " : "");
			if (cJSON_IsObject(v)) {
				put_dq(w, it->string);
				wputs(w, ": ");
			}
			put_flow(w, it);
		}
		wputs(w, cJSON_IsArray(v) ? "]" : "}");
	} else if (cJSON_IsNumber(v)) {
		wprintf(w, "%.17g", v->valuedouble);
	} else {
		wputs(w, cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null");
	}
}

/* Whether s reads back unchanged as a YAML literal block: no characters
 * YAML takes for line breaks besides LF, no controls, no leading space. */
static bool block_ok(const char *s)
{
	if (*s == ' ' || *s == '\t')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F)
			return false;
		if (*p == 0xC2 && (p[1] == 0x85 || (p[1] >= 0x80 && p[1] <= 0x9F)))
			return false; /* NEL and the other C1 controls */
		if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
			return false; /* U+2028, U+2029 */
		if (*p == 0xEF && ((p[1] == 0xBB && p[2] == 0xBF) || (p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))))
			return false; /* BOM, U+FFFE, U+FFFF */
	}
	return true;
}

static const char *type_hint(const gr_doc_field *f, char buf[400])
{
	size_t n = 0;
	switch (f->type) {
	case GR_DOC_STRING: return NULL;
	case GR_DOC_STRINGS:
		if (!f->values)
			return "a list: [\"a\", \"b\"] or a, b";
		for (size_t i = 0; f->values[i]; i++)
			if (i == 12) {
				snprintf(buf, 400, "one or more of Hugging Face's ids (%s, %s, ...)", f->values[0], f->values[1]);
				return buf;
			}
		n = (size_t)snprintf(buf, 400, "one or more of: ");
		for (size_t i = 0; f->values[i] && n < 360; i++)
			n += (size_t)snprintf(buf + n, 400 - n, "%s%s", i ? ", " : "", f->values[i]);
		return buf;
	case GR_DOC_DATE: return "a date: YYYY-MM-DD";
	case GR_DOC_INTERVAL: return "an ISO 8601 date or interval: 2023-01/2023-06";
	case GR_DOC_URL: return "an http(s) URL";
	case GR_DOC_CONTACT: return "an e-mail address or an http(s) URL";
	case GR_DOC_SPDX: return "an SPDX licence expression: CC-BY-4.0, MIT OR Apache-2.0, LicenseRef-my-terms";
	case GR_DOC_BCP47:
	case GR_DOC_BCP47S: return "BCP-47 tags: [\"en\", \"de-CH\"] or en, de-CH";
	case GR_DOC_OBJECTS:
		n = (size_t)snprintf(buf, 400, "a list of objects: [{");
		for (size_t i = 0; i < f->nsub; i++)
			n += (size_t)snprintf(buf + n, 400 - n, "%s\"%s\": %s%s", i ? ", " : "", f->sub[i].key,
					      gr_doc_type_name(f->sub[i].type), f->sub[i].required ? "" : " (optional)");
		snprintf(buf + n, 400 - n, "}]");
		return buf;
	}
	return NULL;
}

int gr_doc_edit_text(const cJSON *doc, const cJSON *policy, gr_buf *out)
{
	cJSON *defpol = NULL;
	wr w = {GR_BUF_INIT, 0};
	int rc = 0;
	if (doc && !cJSON_IsObject(doc))
		return gr_error_set(GR_EINVAL, "the documentation is not a JSON object");
	if (!policy) {
		if ((rc = gr_doc_policy_default(&defpol)))
			return rc;
		policy = defpol;
	}
	if ((rc = gr_doc_policy_check(policy)))
		goto out;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(policy, "required");
	const char *name = doc ? str_at(doc, "card.name") : NULL;
	wprintf(&w, "# Documentation of %s (%s).\n", name ? name : "this dataset", GR_DOC_FORMAT);
	put_comment(&w,
		    "Change the values, save and quit: the text is read back and checked. An empty value clears a "
		    "field; a field left out stays as it was. Lists are [\"a\", \"b\"] or a, b. Text over several "
		    "lines: write |- after the colon and indent the lines below by two spaces. [required] marks what "
		    "the documentation policy asks before a release or an export.",
		    76);
	char heading[96] = "";
	for (size_t i = 0; i < NFIELDS; i++) {
		const gr_doc_field *f = &fields[i];
		char h[96];
		snprintf(h, sizeof h, "%s",
			 f->part == GR_DOC_PART_CARD	     ? "Card"
			 : f->part == GR_DOC_PART_CORE	     ? "Sources, collection, uses, personal information"
			 : f->part == GR_DOC_PART_STATEMENT ? "Data statement (Bender & Friedman)"
							     : "");
		for (size_t s = 0; f->part == GR_DOC_PART_DATASHEET && s < GR_DOC_DATASHEET_SECTIONS; s++)
			if (!strcmp(f->section, sections[s].id))
				snprintf(h, sizeof h, "Datasheet %zu: %s", s + 1, sections[s].title);
		if (strcmp(heading, h)) {
			wprintf(&w, "\n# ==== %s ====\n", h);
			memcpy(heading, h, sizeof heading);
		}
		char line[600], hint[400];
		const char *th = type_hint(f, hint);
		snprintf(line, sizeof line, "%s%s: %s%s%s", f->title, list_has(req, f->id) ? " [required]" : "",
			 f->question, th ? " -- " : "", th ? th : "");
		wputs(&w, "\n");
		put_comment(&w, line, 76);
		wputs(&w, f->id);
		wputs(&w, ":");
		const cJSON *v = doc ? path_get(doc, f->id) : NULL;
		if (!v || !value_filled(v)) {
			wputs(&w, "\n");
		} else if (cJSON_IsString(v) && strchr(v->valuestring, '\n') && block_ok(v->valuestring)) {
			wputs(&w, " |-\n");
			for (const char *p = v->valuestring; *p;) {
				const char *nl = strchr(p, '\n');
				size_t k = nl ? (size_t)(nl - p) : strlen(p);
				if (k)
					wputs(&w, "  ");
				wput(&w, p, k);
				wputs(&w, "\n");
				p += k + (nl ? 1 : 0);
			}
		} else {
			wputs(&w, " ");
			if (cJSON_IsString(v))
				put_yaml(&w, v->valuestring);
			else
				put_flow(&w, v);
			wputs(&w, "\n");
		}
	}
	rc = wfinish(&w, out);
out:
	gr_buf_free(&w.b);
	cJSON_Delete(defpol);
	return rc;
}

/* Where a line ends: its length without the newline (and a CR before it). */
static size_t line_len(const char *p, size_t left, size_t *next)
{
	const char *nl = memchr(p, '\n', left);
	size_t k = nl ? (size_t)(nl - p) : left;
	*next = nl ? k + 1 : k;
	if (k && p[k - 1] == '\r')
		k--;
	return k;
}

static bool rest_blank(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	return n == 0 || *p == '#';
}

struct edit {
	const char *text;
	size_t n, pos; /* pos: start of the next unread line */
	int line;      /* number of the last line read */
	gr_buf errs;
	int nerr;
};

static void edit_err(struct edit *e, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void edit_err(struct edit *e, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e->nerr < 20)
		gr_buf_printf(&e->errs, "%sline %d: %s", e->nerr ? "; " : "", line, msg);
	else if (e->nerr == 20)
		gr_buf_puts(&e->errs, "; ...");
	e->nerr++;
}

/* A literal block after "key: |": the lines indented more than the key
 * that follow, less the first one's indentation; trailing empty lines are
 * dropped (gr_doc_set trims them anyway). */
static int edit_block(struct edit *e, gr_buf *val)
{
	size_t indent = 0;
	int pending = 0, rc = 0; /* newlines owed before the next content line */
	bool any = false;
	while (e->pos < e->n) {
		const char *p = e->text + e->pos;
		size_t next, k = line_len(p, e->n - e->pos, &next), sp = 0;
		while (sp < k && p[sp] == ' ')
			sp++;
		bool empty = sp == k && !(indent && k > indent);
		if (!empty) {
			if (!indent) {
				if (sp == 0)
					break;
				indent = sp;
			} else if (sp < indent) {
				break;
			}
		}
		e->pos += next;
		e->line++;
		if (empty) {
			pending++;
			continue;
		}
		if (any)
			pending++;
		for (; pending > 0 && !rc; pending--)
			rc = gr_buf_putc(val, '\n');
		pending = 0;
		if (!rc)
			rc = gr_buf_put(val, p + indent, k - indent);
		any = true;
	}
	if (!rc && !val->ptr)
		rc = gr_buf_puts(val, "");
	return rc;
}

/* A JSON value (a flow list or object) starting at p, possibly continued
 * on the indented lines after it; val gets it printed compactly. */
static int edit_flow(struct edit *e, const char *p, size_t k, int line, gr_buf *val)
{
	gr_buf acc = GR_BUF_INIT;
	int rc = gr_buf_put(&acc, p, k);
	for (;;) {
		const char *end = NULL;
		cJSON *v = rc ? NULL : cJSON_ParseWithLengthOpts(acc.ptr, acc.len, &end, false);
		if (v) {
			if (!rest_blank(end, acc.len - (size_t)(end - acc.ptr))) {
				cJSON_Delete(v);
				edit_err(e, line, "text after the list");
				break;
			}
			char *s = cJSON_PrintUnformatted(v);
			cJSON_Delete(v);
			rc = s ? gr_buf_puts(val, s) : GR_ENOMEM;
			free(s);
			gr_buf_free(&acc);
			return rc ? rc : 1;
		}
		if (!rc && parse_failed("") == GR_ENOMEM)
			rc = GR_ENOMEM;
		/* not complete: take the next line if it is indented */
		const char *q = e->text + e->pos;
		size_t next, qk = e->pos < e->n ? line_len(q, e->n - e->pos, &next) : 0;
		if (rc || e->pos >= e->n || qk == 0 || (q[0] != ' ' && q[0] != '\t')) {
			if (!rc)
				edit_err(e, line, "not a valid JSON list (lists are [\"a\", \"b\"], objects {\"key\": \"value\"})");
			break;
		}
		rc = gr_buf_putc(&acc, '\n');
		if (!rc)
			rc = gr_buf_put(&acc, q, qk);
		e->pos += next;
		e->line++;
	}
	gr_buf_free(&acc);
	return rc;
}

int gr_doc_edit_apply(cJSON **out, const cJSON *doc, const char *text, size_t n)
{
	struct edit e = {text, n, 0, 0, GR_BUF_INIT, 0};
	gr_buf val = GR_BUF_INIT;
	cJSON *copy = NULL;
	bool seen[sizeof fields / sizeof fields[0]] = {false};
	int rc = 0;
	if (n > GR_DOC_MAX_EDIT)
		return gr_error_set(GR_ELIMIT, "the edited text is %zu bytes, over the limit of %u", n, GR_DOC_MAX_EDIT);
	if (memchr(text, 0, n))
		return gr_error_set(GR_EINVAL, "the edited text holds a NUL byte");
	if (doc && !cJSON_IsObject(doc))
		return gr_error_set(GR_EINVAL, "the documentation is not a JSON object");
	if ((rc = doc ? ((copy = cJSON_Duplicate(doc, true)) ? 0 : gr_error_set(GR_ENOMEM, "out of memory"))
		      : gr_doc_new(&copy)))
		return rc;
	while (e.pos < e.n && !rc) {
		const char *p = text + e.pos;
		size_t next, k = line_len(p, e.n - e.pos, &next);
		e.pos += next;
		int line = ++e.line;
		if (rest_blank(p, k) && (k == 0 || p[0] == '#' || p[0] == ' ' || p[0] == '\t'))
			continue;
		if (p[0] == ' ' || p[0] == '\t') {
			edit_err(&e, line, "unexpected indentation (a field starts at the beginning of a line)");
			continue;
		}
		size_t kl = 0;
		while (kl < k && (isalnum((unsigned char)p[kl]) || p[kl] == '_' || p[kl] == '.'))
			kl++;
		if (kl == 0 || kl >= k || p[kl] != ':' || (kl + 1 < k && p[kl + 1] != ' ' && p[kl + 1] != '\t')) {
			edit_err(&e, line, "expected 'field: value'");
			continue;
		}
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)(kl < 127 ? kl : 127), p);
		const char *r = p + kl + 1;
		size_t rk = k - kl - 1;
		while (rk && (*r == ' ' || *r == '\t'))
			r++, rk--;
		bool unset = false;
		gr_buf_reset(&val);
		if (rk == 0 || (rk == 1 && *r == '~') || (rk == 4 && !memcmp(r, "null", 4)) || *r == '#') {
			unset = true;
		} else if (*r == '|') {
			size_t ik = 1;
			if (ik < rk && (r[ik] == '-' || r[ik] == '+'))
				ik++;
			if (!rest_blank(r + ik, rk - ik)) {
				edit_err(&e, line, "after '|' the text goes on the next lines, indented");
				continue;
			}
			rc = edit_block(&e, &val);
		} else if (*r == '>') {
			edit_err(&e, line, "folded text ('>') is not read here: use '|'");
			continue;
		} else if (*r == '"') {
			size_t q = 1;
			while (q < rk && r[q] != '"')
				q += r[q] == '\\' ? 2 : 1;
			cJSON *s = q < rk ? cJSON_ParseWithLength(r, q + 1) : NULL;
			if (!s && q < rk && parse_failed("") == GR_ENOMEM) {
				rc = GR_ENOMEM;
				break;
			}
			if (!cJSON_IsString(s) || !rest_blank(r + q + 1, rk - q - 1)) {
				cJSON_Delete(s);
				edit_err(&e, line, "a quoted value must end on its line and use JSON escapes (\\n, \\\", \\u00e9)");
				continue;
			}
			rc = gr_buf_puts(&val, s->valuestring);
			cJSON_Delete(s);
		} else if (*r == '\'') {
			size_t q = 1;
			for (; q < rk; q++) {
				if (r[q] == '\'' && q + 1 < rk && r[q + 1] == '\'')
					rc = rc ? rc : gr_buf_putc(&val, r[q++]);
				else if (r[q] == '\'')
					break;
				else
					rc = rc ? rc : gr_buf_putc(&val, r[q]);
			}
			if (q >= rk || !rest_blank(r + q + 1, rk - q - 1)) {
				edit_err(&e, line, "a quoted value must end on its line");
				continue;
			}
		} else if (*r == '[' || *r == '{') {
			rc = edit_flow(&e, r, rk, line, &val);
			if (rc == 0)
				continue; /* error noted */
			rc = rc == 1 ? 0 : rc;
		} else {
			/* plain: up to a " #" comment */
			size_t vk = 0;
			while (vk < rk && !(r[vk] == '#' && vk && (r[vk - 1] == ' ' || r[vk - 1] == '\t')))
				vk++;
			rc = gr_buf_put(&val, r, vk);
		}
		if (rc)
			break;
		const gr_doc_field *f = gr_doc_field_find(key);
		if (!f) {
			edit_err(&e, line, "no documentation field '%s'", key);
			continue;
		}
		size_t fi = (size_t)(f - fields);
		if (seen[fi]) {
			edit_err(&e, line, "%s appears twice", f->id);
			continue;
		}
		seen[fi] = true;
		int src = gr_doc_set(copy, f->id, unset ? NULL : (val.ptr ? val.ptr : ""));
		if (src == GR_ENOMEM) {
			rc = src;
			break;
		}
		if (src)
			edit_err(&e, line, "%s", gr_error_last());
	}
	if (!rc && e.nerr)
		rc = gr_error_set(GR_EINVAL, "%s", e.errs.ptr ? e.errs.ptr : "the edited text has errors");
	if (!rc) {
		*out = copy;
		copy = NULL;
	}
	cJSON_Delete(copy);
	gr_buf_free(&val);
	gr_buf_free(&e.errs);
	return rc;
}

/* ---- JSON Schema ----------------------------------------------------------- */

#define PAT_DATE "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#define PAT_DATEP "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
#define PAT_INTERVAL "^" PAT_DATEP "(/" PAT_DATEP ")?$"
#define PAT_URL "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/]"
#define PAT_CONTACT "^([Hh][Tt][Tt][Pp][Ss]?://[^\\s/]|([Mm][Aa][Ii][Ll][Tt][Oo]:)?[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+$)"
#define PAT_BCP47 "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"

static bool put_s(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* The JSON Schema of one value of type t. */
static cJSON *type_schema(gr_doc_type t, const char *const *values, const gr_doc_subfield *sub, size_t nsub)
{
	cJSON *s = cJSON_CreateObject(), *items = NULL;
	bool ok = s != NULL;
	switch (t) {
	case GR_DOC_STRING: ok = ok && put_s(s, "type", "string") && cJSON_AddNumberToObject(s, "minLength", 1); break;
	case GR_DOC_DATE:
		ok = ok && put_s(s, "type", "string") && put_s(s, "format", "date") && put_s(s, "pattern", PAT_DATE);
		break;
	case GR_DOC_INTERVAL: ok = ok && put_s(s, "type", "string") && put_s(s, "pattern", PAT_INTERVAL); break;
	case GR_DOC_URL:
		ok = ok && put_s(s, "type", "string") && put_s(s, "format", "uri") && put_s(s, "pattern", PAT_URL);
		break;
	case GR_DOC_CONTACT: ok = ok && put_s(s, "type", "string") && put_s(s, "pattern", PAT_CONTACT); break;
	case GR_DOC_SPDX: ok = ok && put_s(s, "type", "string") && cJSON_AddNumberToObject(s, "minLength", 1); break;
	case GR_DOC_BCP47: ok = ok && put_s(s, "type", "string") && put_s(s, "pattern", PAT_BCP47); break;
	case GR_DOC_STRINGS:
	case GR_DOC_BCP47S:
	case GR_DOC_OBJECTS:
		ok = ok && put_s(s, "type", "array") && cJSON_AddNumberToObject(s, "minItems", 1) &&
		     cJSON_AddNumberToObject(s, "maxItems", GR_DOC_MAX_ITEMS);
		if (t == GR_DOC_OBJECTS) {
			cJSON *props = NULL, *req = NULL;
			ok = ok && (items = cJSON_AddObjectToObject(s, "items")) && put_s(items, "type", "object") &&
			     cJSON_AddFalseToObject(items, "additionalProperties") &&
			     (req = cJSON_AddArrayToObject(items, "required")) &&
			     (props = cJSON_AddObjectToObject(items, "properties"));
			for (size_t i = 0; ok && i < nsub; i++) {
				cJSON *p = type_schema(sub[i].type, NULL, NULL, 0);
				ok = p && cJSON_AddItemToObject(props, sub[i].key, p) && put_s(p, "title", sub[i].title) &&
				     put_s(p, "x-granary-type", gr_doc_type_name(sub[i].type)) &&
				     (!sub[i].required || cJSON_AddItemToArray(req, cJSON_CreateString(sub[i].key)));
				if (!ok && p && !cJSON_GetObjectItemCaseSensitive(props, sub[i].key))
					cJSON_Delete(p);
			}
		} else {
			cJSON *it = type_schema(t == GR_DOC_BCP47S ? GR_DOC_BCP47 : GR_DOC_STRING, NULL, NULL, 0);
			ok = ok && it && cJSON_AddItemToObject(s, "items", it);
			if (!ok && it && !cJSON_GetObjectItemCaseSensitive(s, "items"))
				cJSON_Delete(it);
			if (ok && values) {
				cJSON *en = cJSON_AddArrayToObject(it, "enum");
				ok = en != NULL;
				for (size_t i = 0; ok && values[i]; i++)
					ok = cJSON_AddItemToArray(en, cJSON_CreateString(values[i]));
			}
		}
		break;
	}
	if (!ok) {
		cJSON_Delete(s);
		return NULL;
	}
	return s;
}

/* The object schema for path prefix in root's properties, made on demand. */
static cJSON *schema_object(cJSON *props, const char *key, const char *title)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(props, key);
	if (o)
		return cJSON_GetObjectItemCaseSensitive(o, "properties");
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToObject(props, key, o)) {
		cJSON_Delete(o);
		return NULL;
	}
	if ((title && !put_s(o, "title", title)) || !put_s(o, "type", "object") ||
	    !cJSON_AddFalseToObject(o, "additionalProperties"))
		return NULL;
	return cJSON_AddObjectToObject(o, "properties");
}

static const char *part_title(const char *key)
{
	static const char *const t[][2] = {{"card", "Card: what a Hugging Face card and Croissant carry"},
					   {"collection", "Collection"},
					   {"uses", "Uses"},
					   {"datasheet", "Datasheet (Gebru et al., Datasheets for Datasets)"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i][0], key))
			return t[i][1];
	for (size_t i = 0; i < GR_DOC_DATASHEET_SECTIONS; i++)
		if (!strcmp(sections[i].id, key))
			return sections[i].title;
	return NULL;
}

/* Adds f's leaf schema under props at the path rel (f's id, or its part of it). */
static bool schema_leaf(cJSON *props, const gr_doc_field *f, const char *rel)
{
	char seg[SEG_MAX];
	bool last = false;
	while (props && next_seg(&rel, seg, &last)) {
		if (!last) {
			props = schema_object(props, seg, part_title(seg));
			continue;
		}
		cJSON *leaf = type_schema(f->type, f->values, f->sub, f->nsub);
		if (!leaf)
			return false;
		if (!cJSON_AddItemToObject(props, seg, leaf)) {
			cJSON_Delete(leaf);
			return false;
		}
		return put_s(leaf, "title", f->title) && put_s(leaf, "description", f->question) &&
		       put_s(leaf, "x-granary-type", gr_doc_type_name(f->type)) &&
		       (!f->fallback || put_s(leaf, "x-granary-fallback", f->fallback)) &&
		       (!f->fact || put_s(leaf, "x-granary-fact", f->fact)) &&
		       (!(f->flags & GR_DOC_F_REQUIRED) || cJSON_AddTrueToObject(leaf, "x-granary-default-required"));
	}
	return false;
}

int gr_doc_schema(const char *which, cJSON **out)
{
	bool ds = which && !strcmp(which, "datasheet"), st = which && !strcmp(which, "statement");
	if (!ds && !st)
		return gr_error_set(GR_EINVAL, "no documentation schema '%s' (datasheet, statement)", which ? which : "");
	cJSON *s = cJSON_CreateObject(), *props = NULL, *fmt = NULL;
	bool ok = s && put_s(s, "$schema", "https://json-schema.org/draft/2020-12/schema") &&
		  put_s(s, "$id", ds ? "urn:granary:schema:datasheet:1" : "urn:granary:schema:data-statement:1") &&
		  put_s(s, "title",
			ds ? "Granary dataset documentation (" GR_DOC_FORMAT ")"
			   : "Granary data statement (Bender & Friedman, schema version 2)") &&
		  put_s(s, "description",
			ds ? "The documentation of one dataset version: the card, sources, collection, uses, personal "
			     "information, and the datasheet (Gebru et al.: every question is a field). The statement "
			     "part is described by data-statement.schema.json. Generated from the field table in "
			     "src/govern/docs.c; tests/unit/test_docs.c checks that the two agree."
			   : "The statement part of a Granary document, and the JSON data statement `granary doc export "
			     "--format statement` writes, which adds format, header, source_datasets and unanswered. "
			     "Generated from the field table in src/govern/docs.c; tests/unit/test_docs.c checks that "
			     "the two agree.") &&
		  put_s(s, "type", "object") && cJSON_AddFalseToObject(s, "additionalProperties") &&
		  (props = cJSON_AddObjectToObject(s, "properties")) && (fmt = cJSON_AddObjectToObject(props, "format")) &&
		  put_s(fmt, "const", ds ? GR_DOC_FORMAT : GR_DOC_STATEMENT_FORMAT);
	if (ok && st) {
		static const char *const hs[][2] = {{"dataset_title", "string"},   {"dataset_name", "string"},
						    {"dataset_version", "string"}, {"curators", "string[]"},
						    {"dataset_citation", "string"}, {"statement_authors", "string[]"},
						    {"records", "integer"}};
		cJSON *h = NULL, *hp = NULL, *src = NULL, *un = NULL, *ui = NULL;
		ok = (h = cJSON_AddObjectToObject(props, "header")) && put_s(h, "title", "Header (exports only)") &&
		     put_s(h, "type", "object") && cJSON_AddFalseToObject(h, "additionalProperties") &&
		     (hp = cJSON_AddObjectToObject(h, "properties"));
		for (size_t i = 0; ok && i < sizeof hs / sizeof hs[0]; i++) {
			cJSON *p = cJSON_AddObjectToObject(hp, hs[i][0]), *pi = NULL;
			if (!strcmp(hs[i][1], "string[]"))
				ok = p && put_s(p, "type", "array") && (pi = cJSON_AddObjectToObject(p, "items")) &&
				     put_s(pi, "type", "string");
			else
				ok = p && put_s(p, "type", hs[i][1]) &&
				     (strcmp(hs[i][1], "integer") || cJSON_AddNumberToObject(p, "minimum", 0));
		}
		src = ok ? type_schema(GR_DOC_OBJECTS, NULL, source_sub, sizeof source_sub / sizeof source_sub[0]) : NULL;
		ok = ok && src && cJSON_AddItemToObject(props, "source_datasets", src);
		if (!ok && src && !cJSON_GetObjectItemCaseSensitive(props, "source_datasets"))
			cJSON_Delete(src);
		ok = ok && put_s(src, "title", "Source datasets (exports only: the document's sources)") &&
		     (un = cJSON_AddObjectToObject(props, "unanswered")) &&
		     put_s(un, "title", "Statement fields without an answer (exports only)") &&
		     put_s(un, "type", "array") && (ui = cJSON_AddObjectToObject(un, "items")) &&
		     put_s(ui, "type", "string");
	}
	for (size_t i = 0; ok && i < NFIELDS; i++) {
		const gr_doc_field *f = &fields[i];
		if ((f->part == GR_DOC_PART_STATEMENT) != st)
			continue;
		ok = schema_leaf(props, f, st ? f->id + strlen("statement.") : f->id);
	}
	if (ok && ds) {
		cJSON *sp = cJSON_AddObjectToObject(props, "statement");
		ok = sp && put_s(sp, "title", "Data statement (Bender & Friedman)") && put_s(sp, "type", "object") &&
		     put_s(sp, "description", "Described by data-statement.schema.json.");
	}
	if (!ok) {
		cJSON_Delete(s);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}
