/*
 * clue_submit.c: how clues come in — the public form (no account: checked field by field, the
 * challenge spent in the same transaction), a clue recorded by staff — and what every new clue gets
 * (number, tracking code, the reporter sealed apart, the duplicate hint, timeline, audit, the office's
 * to-do and message); the public tracking page; the public form's choices.
 */
#include "clues/clues_internal.h"

#include "base/textmask.h"
#include "base/textsim.h"
#include "base/utf8.h"
#include "calendar/workdays.h"
#include "core/counter.h"
#include "core/unit_up.h"
#include "deadlines/deadlines.h"
#include "core/pow.h"
#include "crypto/sm2.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define DESCRIPTION_MIN 10
#define DESCRIPTION_MAX 4000
#define PLACE_MAX 200
#define TITLE_MAX 100
#define REPORTER_NAME_MAX 50
#define EMAIL_MAX 100

/* The tracking code's alphabet: no 0/O, 1/I/L, so that a code read aloud or copied by hand survives. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define CODE_CHARS 16 /* 16 × log2(31) ≈ 79 bits */

/* ---- the values of a new clue ---- */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* A phone number as people write it: digits with + - ( ) and spaces, 5 to 20 digits. */
static bool phone_ok(const char *s)
{
    int digits = 0;
    for (; *s; s++) {
        if (is_digit(*s))
            digits++;
        else if (!strchr("+-() ", *s))
            return false;
    }
    return digits >= 5 && digits <= 20;
}

static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at > s && strchr(at, '.') && !strchr(at + 1, '@') && !strpbrk(s, " <>\"'\r\n") &&
           strlen(s) <= EMAIL_MAX;
}

/* A text member of the reporter object, NULL when absent or empty. */
static const char *who_text(const json_t *who, const char *k)
{
    const char *s = json_string_value(json_object_get(who, k));
    return s && *s ? s : NULL;
}

enum err clue_office_of(struct ctx *c, const char *area_path, int64_t *office_id, const char **office_path)
{
    struct stmt *st = unit_up_query(c->db, c->arena,
                                    "SELECT u.id, u.path FROM user_roles r JOIN units u ON u.id = r.unit_id JOIN users "
                                    "s ON s.id = r.user_id WHERE r.role = 'office' AND s.disabled = 0 AND u.kind = "
                                    "'government' AND u.path",
                                    area_path, " ORDER BY u.depth DESC LIMIT 1", NULL);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "查找受理的督查室");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *office_id = stmt_int(st, 0);
        *office_path = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "查找受理的督查室");
    if (rc == STORE_DONE)
        return ctx_fail_field(c, "area_id", "所选地区（area_id）没有受理线索的督查室，请选择上一级地区");
    return ERR_OK;
}

enum err clue_check_new(struct ctx *c, struct clue_new *n)
{
    if (!n->category || !clue_category_label(n->category))
        return ctx_fail_field(c, "category", "请选择问题类别（category）");
    const char *kind = NULL, *area_name = NULL;
    struct stmt *st = db_query(c->db, "SELECT kind, name FROM units WHERE id = ?", DB_INT(n->area_unit_id));
    if (st && stmt_step(st) == STORE_ROW) {
        kind = arena_strdup(c->arena, stmt_text(st, 0));
        area_name = units_area_name(c->arena, arena_strdup(c->arena, stmt_text(st, 1)));
    }
    stmt_done(st);
    if (!kind || (strcmp(kind, "government") && strcmp(kind, "township")))
        return ctx_fail_field(c, "area_id", "请选择问题所在的地区（area_id：县、乡镇等行政区域）");
    if (!n->description || !utf8_valid(n->description, strlen(n->description)))
        return ctx_fail_field(c, "description", "请填写问题描述（description）");
    size_t dn = utf8_count(n->description);
    if (dn < DESCRIPTION_MIN || dn > DESCRIPTION_MAX)
        return ctx_fail_field(c, "description", "问题描述（description）应为 %d 到 %d 个字，现在是 %zu 个字",
                              DESCRIPTION_MIN, DESCRIPTION_MAX, dn);
    if (!n->place)
        n->place = "";
    if (!utf8_valid(n->place, strlen(n->place)) || utf8_count(n->place) > PLACE_MAX)
        return ctx_fail_field(c, "place", "具体地点（place）最多 %d 个字", PLACE_MAX);
    if (n->title && (!utf8_valid(n->title, strlen(n->title)) || utf8_count(n->title) > TITLE_MAX || !*n->title))
        return ctx_fail_field(c, "title", "标题（title）应为 1 到 %d 个字", TITLE_MAX);
    if (!n->title)
        n->title = arena_printf(c->arena, "%s（%s）", clue_category_label(n->category), area_name);
    const json_t *who = n->reporter;
    const char *name = who_text(who, "name"), *phone = who_text(who, "phone"), *email = who_text(who, "email");
    if (n->anonymous && (name || phone || email))
        return ctx_fail(c, ERR_INVALID, "选择匿名反映时，请不要填写姓名和联系方式（name、phone、email）");
    if (!n->anonymous && !name && !phone && !email)
        return ctx_fail(c, ERR_INVALID, "实名反映请至少填写姓名或一种联系方式（name、phone、email），或选择匿名反映");
    if (name && (!utf8_valid(name, strlen(name)) || utf8_count(name) > REPORTER_NAME_MAX))
        return ctx_fail_field(c, "name", "姓名（name）最多 %d 个字", REPORTER_NAME_MAX);
    if (phone && !phone_ok(phone))
        return ctx_fail_field(c, "phone", "联系电话（phone）应为 5 到 20 位数字（可含 + - 括号和空格）");
    if (email && !email_ok(email))
        return ctx_fail_field(c, "email", "电子邮箱（email）格式不正确");
    if (n->origin_due_date && !cal_parse_date(n->origin_due_date, &(int64_t){0}))
        return ctx_fail(c, ERR_INVALID, "办理时限应为 YYYY-MM-DD 格式的日期");
    return ERR_OK;
}

/* How many of the office's newest clues (not merged) the duplicate hint looks through for those of the area,
 * and how many of these it compares: what a submission costs, whatever the number of clues (index
 * clues_recent, migration 0215). */
#define DUP_WINDOW 2000
#define DUP_COMPARED 100

/* The bigrams of the clues the hint compared lately, by id and a digest of their text: each submission compares
 * the same newest clues of its area again, and their bigrams were half of what the hint cost (callgrind: 0.52 of
 * 0.98 million instructions per submission); a clue whose text changed is computed again (its digest differs).
 * One entry per slot (id modulo DUP_CACHE), for all threads: 4,096 clues' keys, some hundreds of KiB. */
#define DUP_CACHE 4096
static struct {
    int64_t id;
    uint64_t digest;
    struct bigrams b; /* malloc */
} dup_cache[DUP_CACHE];
static pthread_mutex_t dup_cache_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t text_digest(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The Dice coefficient of mine and clue id's text (place and description), its bigrams from the cache or
 * computed and kept. */
static double dup_dice(struct arena *a, const struct bigrams *mine, int64_t id, const char *text)
{
    if (!text)
        text = "";
    uint64_t digest = text_digest(text);
    size_t slot = (size_t)id & (DUP_CACHE - 1);
    double s = -1;
    pthread_mutex_lock(&dup_cache_mu);
    if (dup_cache[slot].id == id && dup_cache[slot].digest == digest)
        s = text_dice(mine, &dup_cache[slot].b);
    pthread_mutex_unlock(&dup_cache_mu);
    if (s >= 0)
        return s;
    struct bigrams other;
    text_bigrams(a, text, 500, &other);
    uint64_t *keys = xmalloc(sizeof *keys * (size_t)(other.n ? other.n : 1));
    if (other.n)
        memcpy(keys, other.keys, sizeof *keys * (size_t)other.n);
    pthread_mutex_lock(&dup_cache_mu);
    uint64_t *old = dup_cache[slot].b.keys;
    dup_cache[slot].id = id;
    dup_cache[slot].digest = digest;
    dup_cache[slot].b = (struct bigrams){keys, other.n};
    pthread_mutex_unlock(&dup_cache_mu);
    free(old);
    return text_dice(mine, &other);
}

/* The earlier clue most alike (place and description) among the newest of the same office and area, when its
 * bigram Dice reaches CLUE_DUP_HINT: a hint for triage, computed before the writing transaction (the office's
 * "similar clues" search, clues_similar, is the thorough one). */
void clue_dup_hint(struct ctx *c, int64_t office_id, const char *area_path, const char *place, const char *text,
                   int64_t *dup_of, double *score)
{
    *dup_of = 0;
    *score = 0;
    struct bigrams mine;
    text_bigrams(c->arena, arena_printf(c->arena, "%s %s", place, text), 500, &mine);
    /* The window is the office's clues from the DUP_WINDOW-th newest on (found by walking the index, none when it
     * holds fewer); the area's newest are then read down the same index, the area checked in it, and the walk
     * stops at DUP_COMPARED: no copy of the window, no sort (a subquery with LIMIT was copied whole, then
     * sorted: 1.3 of 0.3 ms at 3,000 clues). */
    struct stmt *st =
        db_query(c->db,
                 "SELECT c.id, COALESCE(c.place, '') || ' ' || c.description FROM clues c "
                 "WHERE c.office_unit_id = ? AND c.state <> 'merged' AND c.id >= COALESCE((SELECT id FROM clues "
                 "WHERE office_unit_id = ? AND state <> 'merged' ORDER BY id DESC LIMIT 1 OFFSET ?), 0) "
                 "AND c.area_path >= ? AND c.area_path < ? ORDER BY c.id DESC LIMIT ?",
                 DB_INT(office_id), DB_INT(office_id), DB_INT(DUP_WINDOW - 1), DB_TEXT(area_path),
                 DB_TEXT(perm_path_upper(c->arena, area_path)), DB_INT(DUP_COMPARED));
    while (st && stmt_step(st) == STORE_ROW) {
        /* place and description, joined by the query */
        double s = dup_dice(c->arena, &mine, stmt_int(st, 0), stmt_text(st, 1));
        if (s >= CLUE_DUP_HINT && s > *score) {
            *score = s;
            *dup_of = stmt_int(st, 0);
        }
    }
    stmt_done(st);
}

/* "古线〔2026〕12号": the office's prefix (or the nearest ancestor's), one gap-free sequence per office and year. */
static enum err clue_number(struct ctx *c, int64_t office_id, const char *office_path, const char **out)
{
    char today[11];
    clue_today(c, today);
    int year = atoi(today);
    const char *prefix;
    enum err e = counter_series_prefix(c, office_path, &prefix);
    if (e)
        return e;
    int64_t seq;
    if ((e = counter_next(c, arena_printf(c->arena, "clue:%" PRId64 ":%d", office_id, year), &seq)))
        return e;
    *out = arena_printf(c->arena, "%s线〔%d〕%" PRId64 "号", prefix, year, seq);
    return ERR_OK;
}

/* A new tracking code, grouped by four ("K7M2-…"), and the digest stored of it. */
static void tracking_code(struct ctx *c, const char **code, char digest[65])
{
    char raw[CODE_CHARS + 1];
    for (int i = 0; i < CODE_CHARS; i++)
        raw[i] = code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
    raw[CODE_CHARS] = 0;
    *code = arena_printf(c->arena, "%.4s-%.4s-%.4s-%.4s", raw, raw + 4, raw + 8, raw + 12);
    unsigned char h[crypto_hash_sha256_BYTES];
    const char *msg = arena_printf(c->arena, "ducha.clue.%s", raw);
    crypto_hash_sha256(h, (const unsigned char *)msg, strlen(msg));
    sodium_bin2hex(digest, 65, h, sizeof h);
}

/* The digest of a code as the reporter types it (case, dashes and spaces forgiven); false when it
 * cannot be a code. */
static bool tracking_digest(struct ctx *c, const char *typed, char digest[65])
{
    char raw[CODE_CHARS + 1];
    int n = 0;
    for (const char *p = typed; p && *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        char ch = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        if (n == CODE_CHARS || !strchr(code_alphabet, ch) || !ch)
            return false;
        raw[n++] = ch;
    }
    if (n != CODE_CHARS)
        return false;
    raw[n] = 0;
    unsigned char h[crypto_hash_sha256_BYTES];
    const char *msg = arena_printf(c->arena, "ducha.clue.%s", raw);
    crypto_hash_sha256(h, (const unsigned char *)msg, strlen(msg));
    sodium_bin2hex(digest, 65, h, sizeof h);
    return true;
}

/* The reporter as stored: sealed under secret_key, or "p:" + JSON when the server has no key. */
static char *seal_reporter(struct ctx *c, const json_t *who)
{
    json_t *clean = json_object();
    const char *keys[] = {"name", "phone", "email"};
    for (int i = 0; i < 3; i++)
        if (who_text(who, keys[i]))
            json_object_set_new(clean, keys[i], json_string(who_text(who, keys[i])));
    char *plain = json_dumps(clean, JSON_COMPACT);
    json_decref(clean);
    char *out;
    if (c->cfg->secret_key && *c->cfg->secret_key)
        out = sm2_seal_private(c->cfg->secret_key, (const unsigned char *)plain, strlen(plain));
    else
        out = NULL;
    char *stored = arena_printf(c->arena, "%s%s", out ? "" : "p:", out ? out : plain);
    sodium_memzero(plain, strlen(plain));
    free(plain);
    free(out);
    return stored;
}

enum err clue_insert(struct ctx *c, const struct clue_new *n, const char **code, int64_t *id, const char **numbered)
{
    int64_t office_id = n->office_unit_id;
    const char *office_path = NULL, *area_path = NULL;
    enum err e =
        db_one_text(c->db, c->arena, &area_path, "SELECT path FROM units WHERE id = ?", DB_INT(n->area_unit_id));
    if (e)
        return ctx_db_fail(c, e, "读取地区");
    if (office_id) {
        if ((e = db_one_text(c->db, c->arena, &office_path, "SELECT path FROM units WHERE id = ?", DB_INT(office_id))))
            return ctx_db_fail(c, e, "读取督查室");
    } else if ((e = clue_office_of(c, area_path, &office_id, &office_path))) {
        return e;
    }
    const char *number = NULL, *tcode = NULL;
    char digest[65];
    if ((e = clue_number(c, office_id, office_path, &number)))
        return e;
    tracking_code(c, &tcode, digest);
    char at[21], today[11];
    time_format_iso(c->now, at);
    clue_today(c, today);
    int64_t dup_of = n->dup_of;
    double score = n->dup_score;
    /* what others will read of the clue (the summary, the title, the place) without the reporter's name or contact
     * nor any phone number, e-mail or ID card number typed in; the description as written is the office's alone.
     * A clue the office records itself is its own words: its summary counts as reviewed. */
    const json_t *who = n->reporter;
    const char *name = who_text(who, "name"), *phone = who_text(who, "phone"), *email = who_text(who, "email");
    int masked = 0, more = 0;
    const char *summary = text_mask_contacts(c->arena, n->description, name, phone, email, &masked);
    const char *title = text_mask_contacts(c->arena, n->title, name, phone, email, &more);
    masked += more;
    const char *place = text_mask_contacts(c->arena, n->place ? n->place : "", name, phone, email, &more);
    masked += more;
    e = db_one_int(
        c->db, id,
        "INSERT INTO clues (number, tracking_digest, office_unit_id, office_path, area_unit_id, area_path, "
        "place, category, title, description, summary, source, origin_platform, origin_number, "
        "origin_due_date, origin_received_on, anonymous, state, dup_of, dup_score, photos, created_by, created_at, "
        "updated_at, summary_masked, summary_reviewed, contact_point_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, 'received', ?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING id",
        DB_TEXT(number), DB_TEXT(digest), DB_INT(office_id), DB_TEXT(office_path), DB_INT(n->area_unit_id),
        DB_TEXT(area_path), DB_TEXT(place), DB_TEXT(n->category), DB_TEXT(title), DB_TEXT(n->description),
        DB_TEXT(summary), DB_TEXT(n->source), DB_TEXT(n->origin_platform ? n->origin_platform : ""),
        DB_TEXT(n->origin_number), DB_TEXT(n->origin_due_date), DB_TEXT(n->received_on), DB_INT(n->anonymous ? 1 : 0),
        DB_INT_IF(dup_of, dup_of), DB_REAL(score), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
        DB_TEXT(at), DB_INT(masked), DB_INT(!strcmp(n->source, "staff") ? 1 : 0),
        DB_INT_IF(n->contact_point_id, n->contact_point_id));
    if (e == ERR_CONFLICT && n->origin_number)
        return ctx_fail(c, ERR_CONFLICT, "原编号 %s 的转办线索已经登记过", n->origin_number);
    if (e)
        return ctx_db_fail(c, e, "保存线索");
    if (!n->anonymous && (e = db_exec(c->db, "INSERT INTO clue_reporters (clue_id, sealed) VALUES (?, ?)", DB_INT(*id),
                                      DB_TEXT(seal_reporter(c, n->reporter)))))
        return ctx_db_fail(c, e, "保存反映人信息");
    const char *action = !strcmp(n->source, "transfer") ? "import" : !strcmp(n->source, "public") ? "submit" : "create";
    /* what the timeline and the audit keep of a new clue: never who sent it */
    json_t *data = json_pack("{ss ss sI ss}", "number", number, "category", n->category, "area_unit_id",
                             (json_int_t)n->area_unit_id, "source", n->source);
    if (n->origin_number)
        json_object_set_new(data, "origin_number", json_string(n->origin_number));
    e = clue_event(c, *id, "transition", action, -1, CLUE_ST_RECEIVED, 0, "", true, data);
    if (!e) {
        const char *saved = c->audit_scope;
        if (!c->user)
            c->audit_scope = office_path; /* a public submission is the office's to read (its address is
                                             forgotten before: api_public.c) */
        e = audit_record(c, arena_printf(c->arena, "clue.%s", action), CLUE_KIND, *id, data);
        c->audit_scope = saved;
    }
    json_decref(data);
    if (!e && n->origin_due_date) {
        int64_t due;
        cal_parse_date(n->origin_due_date, &due);
        e = deadlines_add(c, CLUE_KIND, *id, 0, office_path, "transfer_reply", 1, due, NULL);
    }
    if (!e)
        e = workflow_todos_sync_new(c, &clue_workflow, *id);
    if (!e) {
        /* the office hears of every new clue (its to-do "线索待分拣" holds it until sorted) */
        struct clue cl;
        if ((e = clue_load(c, *id, &cl)))
            return e;
        struct notice nt = {MSG_TODO, false, NULL, NULL, CLUE_KIND, *id};
        nt.subject = arena_printf(c->arena, "【新线索】%s %s", number, title);
        nt.body =
            arena_printf(c->arena, "%s收到%s反映的线索%s《%s》，待分拣。%s%s", today,
                         !strcmp(n->source, "transfer")        ? "上级转办"
                         : !strcmp(n->source, "public")        ? "群众"
                         : !strcmp(n->source, "contact_point") ? "基层联系点"
                                                               : "登记",
                         number, utf8_inner_title(c->arena, title), n->origin_due_date ? "上级要求的办理时限：" : "",
                         n->origin_due_date ? n->origin_due_date : "");
        e = workflow_tell(c, &cl.wf, NULL, &(struct wf_who){ROLE_OFFICE, WF_AT_HOME, 0, false}, &nt);
    }
    if (!e && code)
        *code = tcode;
    if (!e && numbered)
        *numbered = number;
    return e;
}

/* ---- the public form ---- */

/* The form's plain fields, each allowed once; the files are "photo" parts. */
static const char *const public_fields[] = {"category", "area_id", "place", "description", "anonymous",
                                            "name",     "phone",   "email", "challenge",   "solution"};
#define NFIELDS ((int)(sizeof public_fields / sizeof *public_fields))

struct submit_args {
    struct clue_new n;
    const char *challenge, *client;
    const struct form *form;
    const char *code, *number; /* the new clue's tracking code and number (arena) */
    int64_t id;
    int retry_s; /* over a limit (counted in the transaction, which is then rolled back) */
    bool global;
    int photos;         /* kept for the photo worker */
    const char **files; /* their files as sent (clue_photos_keep) */
    int nfiles;
};

static enum err submit_tx(struct ctx *c, void *arg)
{
    struct submit_args *x = arg;
    enum err e = pow_spend(c, x->challenge);
    if (!e)
        e = clue_insert(c, &x->n, &x->code, &x->id, &x->number);
    int photos = 0;
    for (int i = 0; i < x->form->n && !e; i++) {
        const struct form_part *p = &x->form->parts[i];
        if (p->filename && p->len) {
            e = photos < x->nfiles ? clue_photo_add(c, x->id, x->files[photos], p->data, p->len)
                                   : ctx_fail(c, ERR_INTERNAL, "照片未保存");
            photos++;
        }
    }
    if (!e && photos)
        e = ctx_db_fail(c, db_exec(c->db, "UPDATE clues SET photos = ? WHERE id = ?", DB_INT(photos), DB_INT(x->id)),
                        "保存照片");
    x->photos = photos;
    /* counted last, so that the count's rows (the one of all addresses above all) are locked only while this
     * commits; over a limit nothing of it is kept, and the caller counts it alone */
    if (!e)
        e = clue_public_count_in(c, x->client, &x->retry_s, &x->global);
    return !e && x->retry_s ? ERR_TOO_MANY : e;
}

/* A text field of the form without its leading and trailing white space (ASCII and U+3000), as the
 * JSON routes trim theirs (jv_check): a description of spaces is empty. NULL stays NULL. */
static const char *field_trimmed(struct ctx *c, const struct form *f, const char *name)
{
    const char *s = form_field(f, name);
    if (!s)
        return NULL;
    size_t start, n = jv_trimmed(s, &start);
    char *t = arena_alloc(c->arena, n + 1);
    memcpy(t, s + start, n);
    t[n] = 0;
    return t;
}

/* Everything a submission is checked for before its transaction: the challenge, the parts, the values, the
 * office; the duplicate hint. x->n.reporter is set (the caller frees it) once the values are read. */
static enum err submit_check(struct ctx *c, const struct form *f, struct submit_args *x)
{
    /* the challenge first: arithmetic alone refuses a bot before anything else is looked at */
    enum err e = pow_check(c, "clue", x->challenge, form_field(f, "solution"));
    if (e)
        return e;
    /* every part known, every field at most once, valid UTF-8; photos only as "photo" files */
    int photos = 0;
    for (int i = 0; i < f->n; i++) {
        const struct form_part *p = &f->parts[i];
        if (p->filename) {
            if (strcmp(p->name, "photo"))
                return ctx_fail_field(c, "photo", "表单中的文件只能是照片（photo），不能是“%s”", p->name);
            if (!p->len)
                continue; /* an empty file input */
            if (++photos > c->cfg->public_photos)
                return ctx_fail_field(c, "photo", "最多上传 %" PRId64 " 张照片（photo）", c->cfg->public_photos);
            if ((e = clue_photo_check(c, p->data, p->len)))
                return e;
            continue;
        }
        int k = 0;
        while (k < NFIELDS && strcmp(public_fields[k], p->name))
            k++;
        if (k == NFIELDS)
            return ctx_fail_field(c, p->name, "表单中有未知的字段“%s”", p->name);
        if (form_count(f, p->name) > 1)
            return ctx_fail_field(c, public_fields[k], "表单字段“%s”重复", p->name);
        if (!utf8_valid(p->data, p->len))
            return ctx_fail_field(c, public_fields[k], "表单字段“%s”不是有效的 UTF-8 文本", p->name);
    }
    struct clue_new *n = &x->n;
    n->source = "public";
    n->category = field_trimmed(c, f, "category");
    n->description = field_trimmed(c, f, "description");
    n->place = field_trimmed(c, f, "place");
    const char *area = field_trimmed(c, f, "area_id");
    char *end = NULL;
    n->area_unit_id = area && *area ? strtoll(area, &end, 10) : 0;
    if (!area || !*area || *end || n->area_unit_id <= 0)
        return ctx_fail_field(c, "area_id", "请选择问题所在的地区（area_id）");
    json_t *who = json_object();
    const char *keys[] = {"name", "phone", "email"};
    for (int i = 0; i < 3; i++) {
        const char *v = field_trimmed(c, f, keys[i]);
        if (v && *v)
            json_object_set_new(who, keys[i], json_string(v));
    }
    n->reporter = who;
    const char *anon = form_field(f, "anonymous");
    if (anon && strcmp(anon, "1") && strcmp(anon, "0") && strcmp(anon, "true") && strcmp(anon, "false"))
        return ctx_fail_field(c, "anonymous", "匿名（anonymous）应为 1 或 0");
    n->anonymous = anon ? (!strcmp(anon, "1") || !strcmp(anon, "true")) : json_object_size(who) == 0;
    e = clue_check_new(c, n);
    const char *office_path = NULL;
    int64_t office_id = 0;
    if (!e) {
        const char *area_path = NULL;
        e = ctx_db_fail(
            c, db_one_text(c->db, c->arena, &area_path, "SELECT path FROM units WHERE id = ?", DB_INT(n->area_unit_id)),
            "读取地区");
        if (!e)
            e = clue_office_of(c, area_path, &office_id, &office_path);
        if (!e)
            clue_dup_hint(c, office_id, area_path, n->place, n->description, &n->dup_of, &n->dup_score);
    }
    n->office_unit_id = office_id;
    return e;
}

enum err clues_submit_public(struct ctx *c, const char *client, const struct form *f, json_t **out, int *retry_s,
                             bool *global)
{
    *out = NULL;
    struct submit_args x = {.form = f, .challenge = form_field(f, "challenge"), .client = client};
    enum err e = submit_check(c, f, &x);
    if (!e) /* the photos as sent written (and fsynced) before the transaction: its write lock is not held meanwhile */
        e = clue_photos_keep(c, f, &x.files, &x.nfiles);
    if (!e)
        e = ctx_tx(c, "提交线索", submit_tx, &x); /* committed: the clue and its count */
    if (e || x.retry_s)
        clue_photos_drop(c, x.files, x.nfiles); /* not stored: nothing refers to them */
    json_decref(x.n.reporter);
    int over = x.retry_s; /* over a limit in the transaction (rolled back) */
    bool over_global = x.global;
    if (e) {                   /* refused before or in its transaction: counted alone, and over a limit a 429 instead */
        enum err why = c->err; /* the refusal's words, which a retried count would clear */
        const char *msg = c->msg, *field = c->field;
        enum err ce = clues_public_count(c, client, &x.retry_s, &x.global);
        if (ce)
            return ce;
        if (!x.retry_s && over) { /* a new minute began in between: still the refusal the transaction saw */
            x.retry_s = over;
            x.global = over_global;
        }
        c->err = why;
        c->msg = msg;
        c->field = field;
    }
    *retry_s = x.retry_s;
    *global = x.global;
    if (e || x.retry_s)
        return x.retry_s ? ERR_OK : e;
    if (x.photos)
        clue_photos_queued(); /* committed: the worker stores them without their metadata */
    char at[21];
    time_format_iso(c->now, at);
    *out = json_pack("{ss ss ss ss}", "tracking_code", x.code, "number", x.number, "received_at", at, "status",
                     clue_public_status(CLUE_ST_RECEIVED));
    return ERR_OK;
}

/* ---- staff records ---- */

const struct jv_field clues_create_spec[] = {
    {"category", JV_STRING, JV_REQUIRED, 1, 40},
    {"area_id", JV_INT, JV_REQUIRED, 1, INT64_MAX},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"place", JV_STRING, 0, 0, PLACE_MAX},
    {"title", JV_STRING, 0, 1, TITLE_MAX},
    {"description", JV_STRING, JV_REQUIRED, 1, DESCRIPTION_MAX},
    {"anonymous", JV_BOOL, 0, 0, 0},
    {"reporter", JV_OBJECT, JV_NULLABLE, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static const struct jv_field reporter_spec[] = {
    {"name", JV_STRING, 0, 0, REPORTER_NAME_MAX},
    {"phone", JV_STRING, 0, 0, 40},
    {"email", JV_STRING, 0, 0, EMAIL_MAX},
    {NULL, 0, 0, 0, 0},
};

struct create_args {
    struct clue_new n;
    int64_t id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *x = arg;
    return clue_insert(c, &x->n, NULL, &x->id, NULL);
}

enum err clues_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct create_args x = {0};
    struct clue_new *n = &x.n;
    json_t *who = json_object_get(body, "reporter");
    char msg[256];
    if (json_is_object(who) && jv_check(who, reporter_spec, msg, sizeof msg))
        return ctx_fail_field(c, "reporter", "反映人（reporter）：%s", msg);
    n->source = "staff";
    n->category = jv_str(body, "category");
    n->area_unit_id = jv_int(body, "area_id", 0);
    n->place = jv_str(body, "place");
    n->title = jv_str(body, "title");
    n->description = jv_str(body, "description");
    n->reporter = json_is_object(who) ? who : NULL;
    bool named = who_text(n->reporter, "name") || who_text(n->reporter, "phone") || who_text(n->reporter, "email");
    n->anonymous = jv_has(body, "anonymous") ? jv_bool(body, "anonymous", true) : !named;
    enum err e = clue_check_new(c, n);
    if (e)
        return e;
    const char *area_path = NULL, *office_path = NULL;
    int64_t office_id = jv_int(body, "office_unit_id", 0);
    if ((e = ctx_db_fail(
             c,
             db_one_text(c->db, c->arena, &area_path, "SELECT path FROM units WHERE id = ?", DB_INT(n->area_unit_id)),
             "读取地区")))
        return e;
    if (office_id) {
        if (db_one_text(c->db, c->arena, &office_path, "SELECT path FROM units WHERE id = ? AND kind = 'government'",
                        DB_INT(office_id)))
            return ctx_fail_field(c, "office_unit_id", "受理的政府（office_unit_id）不存在");
        if (strncmp(area_path, office_path, strlen(office_path)))
            return ctx_fail(c, ERR_INVALID, "所选地区（area_id）不在受理的政府（office_unit_id）辖区内");
    } else if ((e = clue_office_of(c, area_path, &office_id, &office_path))) {
        return e;
    }
    if ((e = perm_require(c, CAP_CLUE_MANAGE, office_path, CLUE_WHAT)))
        return e;
    n->office_unit_id = office_id;
    clue_dup_hint(c, office_id, area_path, n->place, n->description, &n->dup_of, &n->dup_score);
    if ((e = ctx_tx(c, "登记线索", create_tx, &x)))
        return e;
    return clues_get(c, x.id, out);
}

/* ---- the tracking page ---- */

/* What the reporter reads of an action on the timeline. */
static const char *public_label(const char *action)
{
    static const struct {
        const char *action, *text;
    } t[] = {
        {"submit", "已收到您反映的问题，正在分拣"},
        {"import", "已收到上级转办的问题，正在分拣"},
        {"create", "已登记您反映的问题，正在分拣"},
        {"assign", "已交有关部门核查"},
        {"merge", "与其他群众反映的同一问题合并办理"},
        {"convert_item", "已转为督办事项，正在立项审批"},
        {"close", "已办结"},
        {"reply", "督查室答复"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].action, action))
            return t[i].text;
    return NULL;
}

/* Appends the public rows of clue id (after `since`, "" for all) to arr. */
static enum err public_updates(struct ctx *c, int64_t id, const char *since, json_t *arr)
{
    struct stmt *st = db_query(c->db,
                               "SELECT at, action, data FROM clue_events WHERE clue_id = ? AND public = 1 AND at >= ? "
                               "ORDER BY id",
                               DB_INT(id), DB_TEXT(since));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取办理进展");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *text = public_label(stmt_text(st, 1));
        if (!text)
            continue;
        json_t *data = json_loads(stmt_text(st, 2), 0, NULL);
        const char *reply = json_string_value(json_object_get(data, "reply"));
        const char *reason = clue_close_reason_label(json_string_value(json_object_get(data, "close_reason")));
        json_array_append_new(arr, json_pack("{ss ss so}", "at", stmt_text(st, 0), "text",
                                             reason ? arena_printf(c->arena, "%s：%s", text, reason) : text, "reply",
                                             reply ? json_string(reply) : json_null()));
        json_decref(data);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取办理进展") : ERR_OK;
}

/* Tracking rows by their time (ISO instants compare as text). */
static int by_time(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "at"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "at"));
    return strcmp(x ? x : "", y ? y : "");
}

/* An item done with: completed, archived or withdrawn (the reporter's clue is done too). */
bool clue_item_done(const char *state)
{
    return state && (!strcmp(state, "completed") || !strcmp(state, "archived") || !strcmp(state, "withdrawn"));
}

/* The rows the item a clue became adds to the tracking page, after the conversion's own: assigned to the units, then
 * completed or withdrawn (the item's own times); *state: the item's state. */
static enum err item_updates(struct ctx *c, int64_t item_id, json_t *arr, const char **state)
{
    struct stmt *st = db_query(c->db, "SELECT state, assigned_at, closed_at FROM items WHERE id = ?", DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *state = arena_strdup(c->arena, stmt_text(st, 0));
        if (!stmt_is_null(st, 1))
            json_array_append_new(arr, json_pack("{ss ss sn}", "at", stmt_text(st, 1), "text",
                                                 clue_item_public_status("assigned"), "reply"));
        const char *closed = clue_item_public_status(*state);
        if (!stmt_is_null(st, 2) && clue_item_done(*state))
            json_array_append_new(arr, json_pack("{ss ss sn}", "at", stmt_text(st, 2), "text", closed, "reply"));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取督办事项") : ERR_OK;
}

enum err clues_track(struct ctx *c, const char *code, json_t **out)
{
    char digest[65];
    int64_t id = 0;
    if (!tracking_digest(c, code, digest) ||
        db_one_int(c->db, &id, "SELECT id FROM clues WHERE tracking_digest = ?", DB_TEXT(digest)))
        return ctx_fail(c, ERR_NOT_FOUND, "查询码不正确，请核对后重试（查询码由 16 个字母和数字组成）");
    struct clue cl;
    enum err e = clue_load(c, id, &cl);
    if (e)
        return e;
    json_t *updates = json_array();
    e = public_updates(c, id, "", updates);
    /* a merged clue follows the one it joined (at most a few hops) */
    struct clue cur = cl;
    for (int hop = 0; !e && cur.merged_into && hop < 5; hop++) {
        const char *since = cur.closed_at ? cur.closed_at : "";
        if ((e = clue_load(c, cur.merged_into, &cur)))
            break;
        e = public_updates(c, cur.wf.id, since, updates);
    }
    const char *item_state = NULL;
    if (!e && cur.item_id)
        e = item_updates(c, cur.item_id, updates, &item_state);
    if (!e) { /* in time order (the item's rows among the clue's: a reply may come after the assignment) */
        size_t n = json_array_size(updates);
        json_t **rows = arena_alloc(c->arena, sizeof *rows * (n + 1));
        for (size_t i = 0; i < n; i++)
            rows[i] = json_incref(json_array_get(updates, i));
        for (size_t i = 1; i < n; i++) /* stable: rows of the same second keep their order */
            for (size_t k = i; k > 0 && by_time(&rows[k - 1], &rows[k]) > 0; k--) {
                json_t *t = rows[k];
                rows[k] = rows[k - 1];
                rows[k - 1] = t;
            }
        json_array_clear(updates);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(updates, rows[i]);
    }
    if (e) {
        json_decref(updates);
        return e;
    }
    enum clue_state s = (enum clue_state)cur.wf.state;
    /* done for the reporter: the clue closed, or the item it became completed, archived or withdrawn */
    bool done = s == CLUE_ST_CLOSED || (s == CLUE_ST_CONVERTED && clue_item_done(item_state));
    *out = json_pack("{ss ss ss ss ss sb so so so}", "number", cl.wf.number, "received_at", cl.created_at,
                     "category_label", clue_category_label(cl.category) ? clue_category_label(cl.category) : "",
                     "area_name", cl.area_name, "status",
                     s == CLUE_ST_CONVERTED && item_state ? clue_item_public_status(item_state) : clue_public_status(s),
                     "closed", done, "close_reason_label",
                     s == CLUE_ST_CLOSED && clue_close_reason_label(cur.close_reason)
                         ? json_string(clue_close_reason_label(cur.close_reason))
                         : json_null(),
                     "reply", cur.public_reply ? json_string(cur.public_reply) : json_null(), "updates", updates);
    return ERR_OK;
}

/* ---- the public form's choices ---- */

enum err clues_public_form(struct ctx *c, json_t **out)
{
    /* the areas: governments and townships that a supervision office answers for (the office's own
     * government and what lies below it), in tree order */
    struct stmt *st =
        db_query(c->db, "SELECT u.id, u.name, u.parent_id, u.kind, u.depth FROM units u WHERE u.kind IN "
                        "('government', 'township') AND EXISTS (SELECT 1 FROM user_roles r JOIN units g ON g.id "
                        "= r.unit_id WHERE r.role = 'office' AND SUBSTR(u.path, 1, LENGTH(g.path)) = g.path) "
                        "ORDER BY u.path");
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取地区");
    json_t *areas = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(areas, json_pack("{sI ss so ss}", "id", (json_int_t)stmt_int(st, 0), "name",
                                               units_area_name(c->arena, stmt_text(st, 1)), "parent_id",
                                               stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)),
                                               "kind", stmt_text(st, 3)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(areas);
        return ctx_store_fail(c, rc, "读取地区");
    }
    *out = json_pack("{so so s{sI sI si si si} ss}", "categories", clue_categories_json(), "areas", areas, "limits",
                     "photos", (json_int_t)c->cfg->public_photos, "photo_bytes", (json_int_t)c->cfg->public_photo_limit,
                     "description_min", DESCRIPTION_MIN, "description_max", DESCRIPTION_MAX, "place_max", PLACE_MAX,
                     "notice",
                     "您反映的问题由督查室受理。您的姓名和联系方式只有督查室能看到，不会告知被反映的单位；"
                     "也可以匿名反映。请不要在问题描述中写入个人信息。照片上传前会去除拍摄地点等信息。");
    return ERR_OK;
}
