/*
 * dup.c: no duplication (能合尽合, DOMAIN.md §6): when a plan entry or an inspection is proposed, the
 * others on the same target units in an overlapping window whose subject and matters are alike, in
 * this office and in the offices above and below that the user may see, with a proposal to merge
 * (an inspection of the same office not yet under way) or to join (take part as a co-organiser).
 *
 * Cost: table insp_dup_index holds one row per (live entry or inspection, target unit) with its window,
 * keyed by (unit_id, start_date): a check reads, for each target unit, the rows that start before the
 * window ends — a handful over ten years — then scores them by the Dice coefficient of their
 * character bigrams, and loads only the similar ones to check that the user may see them. It never
 * reads the plans of units the probe does not name (scripts/bench.d/inspections.sh: ten years of plans
 * for 10,000 units).
 */
#include "inspections/insp_internal.h"

#include "base/utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- bigrams ---- */

/* Decodes one code point from s (advancing it); 0 at the end; malformed bytes count as themselves. */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    if (!*p)
        return 0;
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more)
        c &= 0x3F >> more;
    while (more-- && (*p & 0xC0) == 0x80)
        c = (c << 6) | (*p++ & 0x3F);
    *s = p;
    return c;
}

/* Characters that say nothing of the subject: white space and punctuation (ASCII and CJK). */
static bool ignorable(uint32_t c)
{
    if (c <= 0x7F)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int put_cp(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

int insp_bigrams(struct arena *a, const char *text, const char ***out)
{
    size_t len = text ? strlen(text) : 0;
    uint32_t *cps = arena_alloc(a, sizeof *cps * (len + 1));
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p;) {
        uint32_t c = next_cp(&p);
        if (!ignorable(c))
            cps[n++] = c;
    }
    int ng = n > 1 ? n - 1 : n;
    const char **g = arena_alloc(a, sizeof *g * (size_t)(ng + 1));
    for (int i = 0; i < ng; i++) {
        char buf[9];
        int k = put_cp(buf, cps[i]);
        if (n > 1)
            k += put_cp(buf + k, cps[i + 1]);
        g[i] = arena_strndup(a, buf, (size_t)k);
    }
    qsort(g, (size_t)ng, sizeof *g, cmp_str);
    int u = 0;
    for (int i = 0; i < ng; i++)
        if (!u || strcmp(g[u - 1], g[i]))
            g[u++] = g[i];
    *out = g;
    return u;
}

double insp_dice(const char *const *a, int na, const char *const *b, int nb)
{
    if (!na || !nb)
        return 0;
    int i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        int d = strcmp(a[i], b[j]);
        if (!d) {
            common++;
            i++;
            j++;
        } else if (d < 0) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * common / (na + nb);
}

/* ---- the index ---- */

enum err insp_dup_index(struct ctx *c, const char *kind, int64_t id, const int64_t *units, int n, const char *start,
                        const char *end)
{
    enum err e = db_exec(c->db, "DELETE FROM insp_dup_index WHERE kind = ? AND obj_id = ?", DB_TEXT(kind), DB_INT(id));
    for (int i = 0; i < n && !e; i++)
        e = db_exec(c->db,
                    "INSERT INTO insp_dup_index (kind, obj_id, unit_id, start_date, end_date) VALUES (?, ?, ?, ?, ?)",
                    DB_TEXT(kind), DB_INT(id), DB_INT(units[i]), DB_TEXT(start), DB_TEXT(end));
    return ctx_db_fail(c, e, "更新查重索引");
}

/* ---- the check ---- */

struct cand {
    bool entry;
    int64_t id;
    uint64_t common; /* the probe's units it targets too (bit i: p->units[i]; a check names at most 50) */
    double score;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Words every inspection's subject has: they say nothing of what is inspected ("城区燃气安全专项督查" and
 * "农村饮水安全专项督查" share "专项督查", not a subject). Longest first. */
static const char *const generic[] = {"专项督查", "综合督查", "日常督查", "回头看", "督查", "检查", "专项", "综合",
                                      "情况",     "工作",     "开展",     "落实",   "推进", "暗访", "调研"};

/* text without the generic words (arena): they become spaces, which the bigrams skip. */
static const char *subject_words(struct ctx *c, const char *text)
{
    char *s = arena_strdup(c->arena, text ? text : "");
    for (size_t k = 0; k < sizeof generic / sizeof *generic; k++) {
        size_t n = strlen(generic[k]);
        for (char *p = strstr(s, generic[k]); p; p = strstr(p + n, generic[k]))
            memset(p, ' ', n);
    }
    return s;
}

/* The probe's bigrams: of its subject, and of its whole text (subject and matters). */
static void probe_grams(struct ctx *c, const char *subject, const char *matters, const char ***ps, int *nps,
                        const char ***pa, int *npa)
{
    *nps = insp_bigrams(c->arena, subject_words(c, subject), ps);
    *npa =
        insp_bigrams(c->arena, subject_words(c, arena_printf(c->arena, "%s %s", subject, matters ? matters : "")), pa);
}

/* The similarity of a candidate: the better of its subject's and of its whole text's (subject and
 * matters) Dice coefficients against the probe's, the generic words left out. */
static double score(struct ctx *c, const char *const *ps, int nps, const char *const *pa, int npa, const char *subject,
                    const char *matters)
{
    const char **s, **all;
    int ns, na;
    probe_grams(c, subject, matters, &s, &ns, &all, &na);
    double a = insp_dice(ps, nps, s, ns), b = insp_dice(pa, npa, all, na);
    return a > b ? a : b;
}

/* The names of the probe's units that the candidate targets too, as a JSON array; names: the probe's
 * units' names, read once per check (NULL until read). */
static json_t *common_units(struct ctx *c, const struct cand *k, const struct dup_probe *p, const char **names)
{
    json_t *arr = json_array();
    for (int i = 0; i < p->nunits && i < 64; i++) {
        if (!(k->common >> i & 1))
            continue;
        if (!names[i] &&
            db_one_text(c->db, c->arena, &names[i], "SELECT name FROM units WHERE id = ?", DB_INT(p->units[i])))
            continue;
        json_array_append_new(arr, json_pack("{sI ss}", "id", (json_int_t)p->units[i], "name", names[i]));
    }
    return arr;
}

/* The JSON of a similar candidate the user may see, or NULL when it is invisible. */
static json_t *candidate_json(struct ctx *c, const struct cand *k, const struct dup_probe *p, const char **names)
{
    if (k->entry) {
        struct entry en;
        struct plan pl;
        if (entry_load(c, k->id, &en, &pl) || !entry_visible(c, &pl, &en))
            return NULL;
        bool same = p->home_path && !strcmp(pl.office_path, p->home_path);
        return json_pack("{ss sI ss ss ss ss ss ss sf so ss ss sI}", "kind", "entry", "id", (json_int_t)en.id,
                         "subject", en.subject, "office", pl.office_name, "organiser", en.organiser_name, "start_date",
                         en.start_date, "end_date", en.end_date, "state", en.state, "similarity", k->score,
                         "common_units", common_units(c, k, p, names), "proposal", same ? "merge" : "join", "advice",
                         same ? "同一年度计划中的相近建议：编制计划时合并（merge_entry）"
                              : "其他督查机构计划中的相近督查：协调联合开展，避免重复督查",
                         "plan_id", (json_int_t)en.plan_id);
    }
    struct insp it;
    if (insp_load(c, k->id, &it) || !perm_item_visible(c->user, &it.scope))
        return NULL;
    bool same = p->home_path && !strcmp(it.office_path, p->home_path);
    bool early = it.state == INSP_ST_DRAFT || it.state == INSP_ST_PROPOSED || it.state == INSP_ST_OPENED;
    bool merge = same && early;
    return json_pack("{ss sI so ss ss ss ss ss sf so ss ss ss}", "kind", "inspection", "id", (json_int_t)it.id,
                     "number", it.number ? json_string(it.number) : json_null(), "subject", it.subject, "office",
                     it.office_name, "start_date", it.start_date, "end_date", it.end_date, "state",
                     insp_state_name(it.state), "similarity", k->score, "common_units", common_units(c, k, p, names),
                     "proposal", merge ? "merge" : "join", "advice",
                     merge ? "本机构尚未实施的相近督查：合并为一项（merge），保留双方来源"
                           : "相近督查已在进行或属于其他督查机构：作为联合督查的组织单位参加（join）",
                     "link", arena_printf(c->arena, "/inspections/%" PRId64, it.id));
}

enum err insp_dup_find(struct ctx *c, const struct dup_probe *p, json_t **out)
{
    *out = NULL;
    struct insp_settings s;
    enum err e = insp_settings_load(c, &s);
    if (e)
        return e;
    /* the candidates: live objects on one of the units whose window overlaps */
    int cap = 16, n = 0;
    struct cand *cs = arena_alloc(c->arena, sizeof *cs * (size_t)cap);
    for (int u = 0; u < p->nunits; u++) {
        struct stmt *st = db_query(c->db,
                                   "SELECT kind, obj_id FROM insp_dup_index WHERE unit_id = ? AND start_date <= ? "
                                   "AND end_date >= ?",
                                   DB_INT(p->units[u]), DB_TEXT(p->end), DB_TEXT(p->start));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查重");
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            bool entry = !strcmp(stmt_text(st, 0), "entry");
            int64_t id = stmt_int(st, 1);
            if (p->exclude_kind && !strcmp(p->exclude_kind, entry ? "entry" : "inspection") && p->exclude_id == id)
                continue;
            int k = 0;
            while (k < n && !(cs[k].entry == entry && cs[k].id == id))
                k++;
            if (k < n) {
                cs[k].common |= u < 64 ? 1ull << u : 0;
                continue;
            }
            if (n == cap) {
                struct cand *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
                memcpy(bigger, cs, sizeof *cs * (size_t)n);
                cs = bigger;
                cap *= 2;
            }
            cs[n++] = (struct cand){entry, id, u < 64 ? 1ull << u : 0, 0};
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "查重");
    }
    /* their subjects and matters, scored */
    const char **ps, **pa;
    int nps, npa;
    probe_grams(c, p->subject, p->matters, &ps, &nps, &pa, &npa);
    for (int k = 0; k < n; k++) {
        struct stmt *st = db_query(c->db,
                                   cs[k].entry ? "SELECT subject, matters FROM insp_entries WHERE id = ?"
                                               : "SELECT subject, matters FROM inspections WHERE id = ?",
                                   DB_INT(cs[k].id));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查重");
        if (stmt_step(st) == STORE_ROW)
            cs[k].score = score(c, ps, nps, pa, npa, stmt_text(st, 0), stmt_text(st, 1));
        stmt_done(st);
    }
    qsort(cs, (size_t)n, sizeof *cs, cmp_cand);
    json_t *arr = json_array();
    const char **names = arena_alloc(c->arena, sizeof *names * (size_t)(p->nunits + 1));
    memset(names, 0, sizeof *names * (size_t)(p->nunits + 1));
    for (int k = 0; k < n && cs[k].score >= s.dup_threshold && json_array_size(arr) < 20; k++) {
        json_t *j = candidate_json(c, &cs[k], p, names);
        if (j)
            json_array_append_new(arr, j);
    }
    *out = arr;
    return ERR_OK;
}

const struct jv_field insp_dup_spec[] = {
    {"subject", JV_STRING, JV_REQUIRED, 1, 200},
    {"matters", JV_STRING, 0, 0, 20000},
    {"target_unit_ids", JV_INT_ARRAY, JV_REQUIRED, 1, 50},
    {"start_date", JV_DATE, JV_REQUIRED, 0, 0},
    {"end_date", JV_DATE, JV_REQUIRED, 0, 0},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"exclude_inspection_id", JV_INT, 0, 1, INT64_MAX},
    {"exclude_entry_id", JV_INT, 0, 1, INT64_MAX},
    {NULL, 0, 0, 0, 0},
};

enum err insp_duplicates(struct ctx *c, const json_t *body, json_t **out)
{
    struct dup_probe p = {0};
    p.subject = jv_str(body, "subject");
    p.matters = jv_str(body, "matters");
    p.start = jv_str(body, "start_date");
    p.end = jv_str(body, "end_date");
    if (strcmp(p.start, p.end) > 0)
        return ctx_fail(c, ERR_INVALID, "开始日期（start_date）不能晚于结束日期（end_date）");
    p.units = insp_int_array(c, json_object_get(body, "target_unit_ids"), &p.nunits);
    if (jv_has(body, "exclude_inspection_id")) {
        p.exclude_kind = "inspection";
        p.exclude_id = jv_int(body, "exclude_inspection_id", 0);
    } else if (jv_has(body, "exclude_entry_id")) {
        p.exclude_kind = "entry";
        p.exclude_id = jv_int(body, "exclude_entry_id", 0);
    }
    if (jv_has(body, "office_unit_id")) {
        struct insp_unit u;
        if (!insp_unit(c, jv_int(body, "office_unit_id", 0), "office_unit_id", &u))
            p.home_path = u.path;
    }
    json_t *arr;
    enum err e = insp_dup_find(c, &p, &arr);
    if (!e)
        *out = json_pack("{so}", "duplicates", arr);
    return e;
}
