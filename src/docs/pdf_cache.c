/*
 * pdf_cache.c: the rendered PDFs kept, keyed by the digest of what they were made from (pdf_cache.h).
 *
 * The key writes every input the renderers read (pdf.h, docs/model.h), each field in turn: a string as a tag
 * (absent or present) with its length and bytes, a number as 8 bytes, an array as its length and its members.
 * A field added to a model struct must be added here too (its renderer would read it, so two sources that
 * differ only there would share a key): the structs are listed in the order of docs/model.h.
 */
#include "docs/pdf_cache.h"

#include "base/arena.h"
#include "crypto/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* the layout of the key itself: change it when the serialisation changes */
#define KEY_VERSION 1

static void k_int(struct sm3_ctx *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    sm3_update(h, b, sizeof b);
}

static void k_str(struct sm3_ctx *h, const char *s)
{
    k_int(h, s ? 1 : 0);
    if (!s)
        return;
    size_t n = strlen(s);
    k_int(h, (int64_t)n);
    sm3_update(h, s, n);
}

static void k_seal(struct sm3_ctx *h, const struct doc_seal *s)
{
    k_int(h, s != NULL);
    if (!s)
        return;
    k_str(h, s->unit);
    k_str(h, s->signer);
    k_str(h, s->signed_at);
    k_str(h, s->fingerprint);
}

static void k_office(struct sm3_ctx *h, const struct doc_office *o)
{
    k_int(h, o != NULL);
    if (!o)
        return;
    k_str(h, o->issuer);
    k_str(h, o->header);
    k_str(h, o->copy_to);
    k_str(h, o->contact);
    k_seal(h, o->seal);
}

static void k_fonts(struct sm3_ctx *h, const struct pdf_fonts *f)
{
    k_str(h, f->title);
    k_str(h, f->body);
    k_str(h, f->heading);
}

static void k_item(struct sm3_ctx *h, const struct doc_item *it)
{
    k_int(h, it != NULL);
    if (!it)
        return;
    k_int(h, it->id);
    const char *strs[] = {it->number,
                          it->title,
                          it->source,
                          it->content,
                          it->requirement,
                          it->source_kind,
                          it->source_ref,
                          it->importance,
                          it->kind,
                          it->confidentiality,
                          it->lead_unit,
                          it->leader,
                          it->deadline,
                          it->state,
                          it->light,
                          it->limits,
                          it->resolution_rule,
                          it->registered_at,
                          it->assigned_at,
                          it->completed_at,
                          it->reply,
                          it->grade};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        k_str(h, strs[i]);
    k_int(h, it->nco);
    for (int i = 0; i < it->nco; i++)
        k_str(h, it->co_units[i]);
    k_int(h, it->progress);
    k_int(h, it->overdue_days);
    k_int(h, it->nreplies);
    for (int i = 0; i < it->nreplies; i++) {
        const struct doc_unit_reply *r = &it->replies[i];
        k_str(h, r->unit);
        k_str(h, r->text);
        k_str(h, r->signed_at);
        k_int(h, r->lead);
        k_str(h, r->handling);
        k_str(h, r->handling_at);
        k_str(h, r->handling_file);
        k_int(h, r->handling_late);
    }
    k_int(h, it->nmilestones);
    for (int i = 0; i < it->nmilestones; i++) {
        k_str(h, it->milestones[i].title);
        k_str(h, it->milestones[i].due);
        k_str(h, it->milestones[i].done);
    }
    k_int(h, it->nevents);
    for (int i = 0; i < it->nevents; i++) {
        k_str(h, it->events[i].at);
        k_str(h, it->events[i].actor);
        k_str(h, it->events[i].action);
        k_str(h, it->events[i].note);
    }
    k_int(h, it->nreports);
    for (int i = 0; i < it->nreports; i++) {
        k_str(h, it->reports[i].at);
        k_str(h, it->reports[i].unit);
        k_str(h, it->reports[i].author);
        k_str(h, it->reports[i].text);
        k_int(h, it->reports[i].progress);
    }
    k_int(h, it->nseals);
    for (int i = 0; i < it->nseals; i++)
        k_seal(h, &it->seals[i]);
}

/* A row of the list (DOC_LIST): what pdf.c's doc_list draws of an item, and only that (the ledger hands over rows
 * whose other members point into memory freed already: docs/ledger.c list_add). */
static void k_list_row(struct sm3_ctx *h, const struct doc_item *it)
{
    k_str(h, it->number);
    k_str(h, it->title);
    k_str(h, it->lead_unit);
    k_int(h, it->nco);
    for (int i = 0; i < it->nco; i++)
        k_str(h, it->co_units[i]);
    k_str(h, it->deadline);
    k_str(h, it->state);
    k_str(h, it->light);
    k_int(h, it->progress);
}

static void k_letter(struct sm3_ctx *h, const struct doc_letter *l)
{
    k_int(h, l != NULL);
    if (!l)
        return;
    k_str(h, l->label);
    k_str(h, l->number);
    k_str(h, l->title);
    k_str(h, l->addressee);
    k_int(h, l->nparagraphs);
    for (int i = 0; i < l->nparagraphs; i++)
        k_str(h, l->paragraphs[i]);
    k_int(h, l->draft);
}

static void k_contents(struct sm3_ctx *h, const struct doc_contents *t)
{
    k_int(h, t != NULL);
    if (!t)
        return;
    k_str(h, t->number);
    k_str(h, t->title);
    k_int(h, t->nrows);
    for (int i = 0; i < t->nrows; i++) {
        k_str(h, t->rows[i].title);
        k_str(h, t->rows[i].file);
        k_int(h, t->rows[i].pages);
        k_int(h, t->rows[i].size);
    }
}

static struct sm3_ctx *k_begin(enum pdf_cache_doc doc)
{
    struct sm3_ctx *h = sm3_begin();
    k_int(h, KEY_VERSION);
    k_int(h, doc);
    return h;
}

void pdf_cache_key_job(const struct pdf_job *job, struct pdf_cache_key *k)
{
    struct sm3_ctx *h = k_begin(PDF_CACHE_JOB);
    k_int(h, job->kind);
    k_office(h, job->office);
    k_item(h, job->item);
    k_int(h, job->items ? job->nitems : -1);
    for (int i = 0; job->items && i < job->nitems; i++)
        k_list_row(h, &job->items[i]);
    k_str(h, job->list_title);
    k_str(h, job->filter);
    k_str(h, job->date);
    k_fonts(h, &job->fonts);
    k_letter(h, job->letter);
    k_contents(h, job->contents);
    sm3_end_raw(h, k->digest);
}

static void k_bunits(struct sm3_ctx *h, const struct doc_bulletin_unit *u, int n)
{
    k_int(h, u ? n : -1);
    for (int i = 0; u && i < n; i++) {
        k_str(h, u[i].name);
        k_int(h, u[i].registered);
        k_int(h, u[i].completed);
        k_int(h, u[i].on_time);
        k_int(h, u[i].overdue);
    }
}

void pdf_cache_key_bulletin(const struct doc_office *o, const struct doc_bulletin *b, const char *date,
                            const struct pdf_fonts *fonts, struct pdf_cache_key *k)
{
    struct sm3_ctx *h = k_begin(PDF_CACHE_BULLETIN);
    k_office(h, o);
    k_str(h, date);
    k_fonts(h, fonts);
    const char *strs[] = {b->number, b->title,      b->addressees, b->intro, b->remarks,   b->cc,
                          b->kind,   b->kind_label, b->period,     b->as_of, b->warn_as_of};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        k_str(h, strs[i]);
    const int ints[] = {b->below,          b->draft,        b->registered,    b->completed,     b->on_time,
                        b->overdue,        b->on_time_rate, b->inspections,   b->rect_assigned, b->rect_tasks,
                        b->rect_verified,  b->rect_overdue, b->rect_rate,     b->nranked,       b->rank_n,
                        b->findings_total, b->crit_total,   b->crit_issued,   b->crit_reported, b->crit_late,
                        b->crit_accepted,  b->crit_overdue, b->crit_workdays, b->crit_rate,     b->trend_year,
                        b->warn_section,   b->warn_items};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        k_int(h, ints[i]);
    k_bunits(h, b->units, b->nunits);
    k_bunits(h, b->govs, b->ngovs);
    k_bunits(h, b->deep, b->ndeep);
    k_bunits(h, b->months, b->nmonths);
    k_int(h, b->funits ? b->nfunits : -1);
    for (int i = 0; b->funits && i < b->nfunits; i++) {
        const struct doc_bulletin_funit *f = &b->funits[i];
        k_str(h, f->name);
        k_int(h, f->inspections);
        k_int(h, f->findings);
        k_int(h, f->verified);
        k_int(h, f->overdue);
        k_int(h, f->rectifying);
    }
    k_int(h, b->findings ? b->nfindings : -1);
    for (int i = 0; b->findings && i < b->nfindings; i++) {
        const struct doc_bulletin_finding *f = &b->findings[i];
        k_str(h, f->unit);
        k_str(h, f->inspection);
        k_str(h, f->title);
        k_str(h, f->due);
        k_str(h, f->state);
    }
    k_int(h, b->crit ? b->ncrit : -1);
    for (int i = 0; b->crit && i < b->ncrit; i++) {
        const struct doc_bulletin_crit *c = &b->crit[i];
        k_str(h, c->name);
        k_int(h, c->criticisms);
        k_int(h, c->reported);
        k_int(h, c->late);
        k_int(h, c->accepted);
        k_int(h, c->overdue);
        k_int(h, c->workdays);
    }
    k_int(h, b->items ? b->nitems : -1);
    for (int i = 0; b->items && i < b->nitems; i++) {
        const struct doc_bulletin_item *it = &b->items[i];
        k_str(h, it->number);
        k_str(h, it->title);
        k_str(h, it->lead_unit);
        k_str(h, it->due);
        k_int(h, it->overdue_days);
    }
    k_int(h, b->named ? b->nnamed : -1);
    for (int i = 0; b->named && i < b->nnamed; i++) {
        const struct doc_bulletin_named *n = &b->named[i];
        k_str(h, n->kind);
        k_str(h, n->unit);
        k_str(h, n->number);
        k_str(h, n->title);
        k_str(h, n->content);
    }
    k_int(h, b->warn ? b->nwarn : -1);
    for (int i = 0; b->warn && i < b->nwarn; i++) {
        const struct doc_bulletin_warn *w = &b->warn[i];
        k_str(h, w->name);
        k_int(h, w->items);
        k_int(h, w->pace);
        k_int(h, w->extensions);
        k_int(h, w->ignored);
        k_int(h, w->silent);
    }
    sm3_end_raw(h, k->digest);
}

void pdf_cache_key_scorecard(const struct doc_office *o, const struct doc_scorecard *sc, const char *date,
                             const struct pdf_fonts *fonts, struct pdf_cache_key *k)
{
    struct sm3_ctx *h = k_begin(PDF_CACHE_SCORECARD);
    k_office(h, o);
    k_str(h, date);
    k_fonts(h, fonts);
    const char *strs[] = {sc->number, sc->title, sc->addressees, sc->government, sc->as_of, sc->objection_until};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        k_str(h, strs[i]);
    const int ints[] = {sc->year, sc->base, sc->weight_major, sc->draft, sc->one_unit};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        k_int(h, ints[i]);
    k_int(h, sc->units ? sc->nunits : -1);
    for (int i = 0; sc->units && i < sc->nunits; i++) {
        const struct doc_score_unit *u = &sc->units[i];
        k_str(h, u->name);
        k_str(h, u->kind);
        k_str(h, u->adjustments);
        const int n[] = {u->rank, u->kind_rank, u->added, u->deducted, u->adjusted, u->total, u->waived};
        for (size_t j = 0; j < sizeof n / sizeof *n; j++)
            k_int(h, n[j]);
        k_int(h, u->rules ? u->nrules : -1);
        for (int r = 0; u->rules && r < u->nrules; r++) {
            k_str(h, u->rules[r].label);
            k_str(h, u->rules[r].refs);
            k_int(h, u->rules[r].count);
            k_int(h, u->rules[r].points);
            k_int(h, u->rules[r].forbidden);
        }
    }
    sm3_end_raw(h, k->digest);
}

/* ---- the entries ---- */

struct entry {
    unsigned char digest[32];
    unsigned char *data; /* NULL: a free slot */
    size_t len;
    int pages;
    uint64_t used; /* the tick of its last use */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry entries[PDF_CACHE_ENTRIES];
static uint64_t tick, hits, misses;
static size_t bytes;

static struct entry *find(const struct pdf_cache_key *k)
{
    for (int i = 0; i < PDF_CACHE_ENTRIES; i++)
        if (entries[i].data && !memcmp(entries[i].digest, k->digest, sizeof k->digest))
            return &entries[i];
    return NULL;
}

static void drop(struct entry *e)
{
    bytes -= e->len;
    free(e->data);
    memset(e, 0, sizeof *e);
}

bool pdf_cache_get(const struct pdf_cache_key *k, struct buf *out, int *pages)
{
    pthread_mutex_lock(&lock);
    struct entry *e = find(k);
    bool ok = e && buf_append(out, e->data, e->len);
    if (ok) {
        e->used = ++tick;
        hits++;
        if (pages)
            *pages = e->pages;
    } else {
        misses++;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

void pdf_cache_put(const struct pdf_cache_key *k, const void *data, size_t len, int pages)
{
    if (!len || len > PDF_CACHE_BYTES / 4) /* one document never takes more than a quarter of the cache */
        return;
    unsigned char *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, data, len);
    pthread_mutex_lock(&lock);
    struct entry *e = find(k);
    if (e)
        drop(e); /* drawn twice at once: the same bytes, keep the later */
    for (;;) {
        struct entry *free_slot = NULL, *oldest = NULL;
        for (int i = 0; i < PDF_CACHE_ENTRIES; i++) {
            if (!entries[i].data)
                free_slot = free_slot ? free_slot : &entries[i];
            else if (!oldest || entries[i].used < oldest->used)
                oldest = &entries[i];
        }
        if (free_slot && bytes + len <= PDF_CACHE_BYTES) {
            e = free_slot;
            break;
        }
        drop(oldest); /* full (in slots or bytes): the least recently used leaves; oldest exists, as len fits */
    }
    memcpy(e->digest, k->digest, sizeof k->digest);
    e->data = copy;
    e->len = len;
    e->pages = pages;
    e->used = ++tick;
    bytes += len;
    pthread_mutex_unlock(&lock);
}

void pdf_cache_stats(struct pdf_cache_stats *out)
{
    pthread_mutex_lock(&lock);
    out->hits = hits;
    out->misses = misses;
    out->bytes = bytes;
    out->entries = 0;
    for (int i = 0; i < PDF_CACHE_ENTRIES; i++)
        out->entries += entries[i].data != NULL;
    pthread_mutex_unlock(&lock);
}
