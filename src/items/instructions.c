/*
 * instructions.c: leaders' written instructions on an item (领导批示) and their reading marks (圈阅), #15.
 *
 * The office records what a leader wrote on the paper (or a leader writes it here): the leader, the date, the
 * text and optionally the scan (an attachment of the item). A reading mark is done once recorded; an
 * instruction waits on the office (a to-do, "领导批示待落实") until the office carries it out (落实, with a note)
 * or registers a new item from it (linked both ways). Each step writes the item's timeline and an audit record
 * in its transaction, and tells those concerned: the office, the leader in charge, and the units while they
 * work on the item; the leader hears when the instruction has been carried out.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <string.h>

const struct jv_field items_instruction_spec[] = {
    {"kind", JV_STRING, 0, 0, 20, "批示类型"},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "批示领导"},
    {"leader_name", JV_STRING, 0, 0, 50, "批示领导姓名"},
    {"text", JV_STRING, 0, 0, 10000, "批示内容"},
    {"instructed_on", JV_DATE, JV_REQUIRED, 0, 0, "批示日期"},
    {"attachment_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "批示原件扫描件"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field items_instruction_done_spec[] = {
    {"note", JV_STRING, JV_REQUIRED, 1, 2000, "落实情况"},
    {NULL, 0, 0, 0, 0, NULL},
};

#define COLS                                                                                                           \
    "i.id, i.item_id, i.kind, i.leader_id, i.leader_name, i.text, i.instructed_on, i.attachment_id, a.filename, "      \
    "i.state, i.done_note, i.done_at, i.new_item_id, n.number, n.title, i.created_at, i.created_by, "                  \
    "COALESCE(u.name, '') "
#define FROM                                                                                                           \
    "FROM item_instructions i LEFT JOIN attachments a ON a.id = i.attachment_id LEFT JOIN items n ON n.id = "          \
    "i.new_item_id LEFT JOIN users u ON u.id = i.created_by "

static json_t *opt_int(struct stmt *st, int k)
{
    return stmt_is_null(st, k) ? json_null() : json_integer(stmt_int(st, k));
}

static json_t *opt_text(struct stmt *st, int k)
{
    return stmt_is_null(st, k) ? json_null() : json_string(stmt_text(st, k));
}

static json_t *row_json(struct stmt *st)
{
    return json_pack("{sI sI ss so ss ss ss so so ss ss so so so so ss ss}", "id", (json_int_t)stmt_int(st, 0),
                     "item_id", (json_int_t)stmt_int(st, 1), "kind", stmt_text(st, 2), "leader_id", opt_int(st, 3),
                     "leader_name", stmt_text(st, 4), "text", stmt_text(st, 5), "instructed_on", stmt_text(st, 6),
                     "attachment_id", opt_int(st, 7), "attachment_name", opt_text(st, 8), "state", stmt_text(st, 9),
                     "done_note", stmt_text(st, 10), "done_at", opt_text(st, 11), "new_item_id", opt_int(st, 12),
                     "new_item_number", opt_text(st, 13), "new_item_title", opt_text(st, 14), "created_at",
                     stmt_text(st, 15), "created_by_name", stmt_text(st, 17));
}

static enum err read_one(struct ctx *c, int64_t id, json_t **out)
{
    struct stmt *st = db_query(c->db, "SELECT " COLS FROM "WHERE i.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取领导批示");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = row_json(st);
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "读取领导批示");
}

/* What is known of an item's instructions (arena), loaded with its row: none of it owned. */
struct instr {
    int64_t id, leader_id;
    const char *kind, *leader_name, *text, *state, *instructed_on;
};

static enum err load_instr(struct ctx *c, int64_t item_id, int64_t iid, struct instr *x)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, COALESCE(leader_id, 0), kind, leader_name, text, state, instructed_on "
                               "FROM item_instructions "
                               "WHERE id = ? AND item_id = ?",
                               DB_INT(iid), DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取领导批示");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *x = (struct instr){stmt_int(st, 0),
                            stmt_int(st, 1),
                            arena_strdup(c->arena, stmt_text(st, 2)),
                            arena_strdup(c->arena, stmt_text(st, 3)),
                            arena_strdup(c->arena, stmt_text(st, 4)),
                            arena_strdup(c->arena, stmt_text(st, 5)),
                            arena_strdup(c->arena, stmt_text(st, 6))};
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "领导批示不存在");
    return rc < 0 ? ctx_store_fail(c, rc, "读取领导批示") : ERR_OK;
}

/* May the user record instructions on the item: the office at the issuing government, or a leader (leader or
 * principal role, with the leader's decisions) who sees it — the latter only their own. 403 otherwise. */
static enum err may_record(struct ctx *c, struct item *it, bool *as_leader)
{
    *as_leader = false;
    if (!c->user || perm_at(c->user, CAP_ITEM_REGISTER, it->office_path))
        return perm_require_item(c, CAP_ITEM_REGISTER, &it->scope, it->office_path, ITEM_WHAT);
    for (int k = 0; k < c->user->ngrants; k++) {
        const struct grant *g = &c->user->grants[k];
        if ((g->role == ROLE_LEADER || g->role == ROLE_PRINCIPAL) && perm_grant_has(g, CAP_ITEM_DECIDE) &&
            !strncmp(it->office_path, g->unit_path, strlen(g->unit_path))) {
            *as_leader = true;
            return ERR_OK;
        }
    }
    return ctx_fail(c, ERR_FORBIDDEN, "只有督查室或本级政府领导可以记录领导批示");
}

/* Tells the office, the leader in charge (unless they wrote it) and, while the units work on the item, each unit's
 * contact and head. */
static enum err tell_recorded(struct ctx *c, struct item *it, const char *kind, const char *leader_name,
                              int64_t leader_id, const char *text, bool by_office)
{
    bool circled = !strcmp(kind, "circled");
    struct notice n = {.kind = circled ? MSG_SYSTEM : MSG_TODO,
                       .urgent = false,
                       .object_type = item_workflow.name,
                       .object_id = it->id};
    n.subject = arena_printf(c->arena, "【领导%s】%s%s《%s》", circled ? "圈阅" : "批示", leader_name,
                             it->number ? it->number : "", utf8_inner_title(c->arena, it->title));
    n.body = circled ? arena_printf(c->arena, "%s同志已圈阅该事项。%s", leader_name, text)
                     : arena_printf(c->arena, "%s同志批示：%s", leader_name, text);
    enum err e = ERR_OK;
    static const struct wf_who office = {ROLE_OFFICE, WF_AT_HOME, 0, false};
    static const struct wf_who leader = {0, WF_PERSON, ITEM_PERSON_LEADER, false};
    static const struct wf_who contact = {ROLE_CONTACT, WF_AT_PART, 0, false};
    static const struct wf_who head = {ROLE_HEAD, WF_AT_PART, 0, false};
    if (!by_office)
        e = workflow_tell(c, &it->wf, NULL, &office, &n);
    n.kind = MSG_SYSTEM;
    if (!e && it->leader_id && it->leader_id != leader_id)
        e = workflow_tell(c, &it->wf, NULL, &leader, &n);
    if (!circled && item_state_active(it->state))
        for (int k = 0; !e && k < it->wf.ntracks; k++) {
            if (it->tracks[k].state >= ITEM_ST_COMPLETION_SIGNED)
                continue;
            if (!(e = workflow_tell(c, &it->wf, &it->wf.parts[k], &contact, &n)))
                e = workflow_tell(c, &it->wf, &it->wf.parts[k], &head, &n);
        }
    return e;
}

struct record_args {
    int64_t item_id;
    const json_t *body;
    int64_t id;
};

static enum err record_tx(struct ctx *c, void *arg)
{
    struct record_args *a = arg;
    const json_t *b = a->body;
    struct item it;
    bool as_leader;
    enum err e = item_load_locked(c, a->item_id, &it);
    if (e || (e = may_record(c, &it, &as_leader)) || (e = item_lock(c, &it)))
        return e;
    if (it.state == ITEM_ST_ARCHIVED || it.state == ITEM_ST_WITHDRAWN)
        return ctx_fail(c, ERR_CONFLICT, "该事项%s，不能再记录领导批示", item_state_label(it.state));
    const char *kind = jv_str(b, "kind") ? jv_str(b, "kind") : "instruction";
    if (strcmp(kind, "instruction") && strcmp(kind, "circled"))
        return ctx_fail_field(c, "kind", "批示类型（kind）应为 instruction（批示）或 circled（圈阅）");
    const char *text = jv_str(b, "text") ? jv_str(b, "text") : "";
    if (!strcmp(kind, "instruction") && !*text)
        return ctx_fail_field(c, "text", "请填写批示内容（text）");
    char today[11];
    item_today(c, today);
    const char *on = jv_str(b, "instructed_on");
    if (strcmp(on, today) > 0)
        return ctx_fail_field(c, "instructed_on", "批示日期（instructed_on，%s）不能晚于今天", on);
    int64_t leader = jv_int(b, "leader_id", 0);
    const char *name = jv_str(b, "leader_name");
    if (as_leader) {
        if (leader && leader != c->user->id)
            return ctx_fail_field(c, "leader_id", "领导只能记录本人的批示（leader_id）");
        leader = c->user->id;
    }
    if (leader) {
        if ((e = item_check_leader(c, leader, it.office_path)))
            return e;
        if ((e = db_one_text(c->db, c->arena, &name, "SELECT name FROM users WHERE id = ?", DB_INT(leader))))
            return ctx_db_fail(c, e, "读取批示领导");
    } else if (!name || !*name) {
        return ctx_fail_field(c, "leader_id", "请选择批示领导（leader_id）或填写其姓名（leader_name）");
    }
    int64_t att = jv_int(b, "attachment_id", 0), found;
    if (att) {
        e = db_one_int(c->db, &found, "SELECT id FROM attachments WHERE id = ? AND item_id = ?", DB_INT(att),
                       DB_INT(it.id));
        if (e == ERR_NOT_FOUND)
            return ctx_fail_field(c, "attachment_id", "批示原件（attachment_id）%lld 不是该事项的附件", (long long)att);
        if (e)
            return ctx_db_fail(c, e, "读取附件");
    }
    char at[21];
    time_format_iso(c->now, at);
    bool circled = !strcmp(kind, "circled");
    e = db_one_int(c->db, &a->id,
                   "INSERT INTO item_instructions (item_id, kind, leader_id, leader_name, text, instructed_on, "
                   "attachment_id, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT(it.id), DB_TEXT(kind), DB_INT_IF(leader, leader), DB_TEXT(name), DB_TEXT(text), DB_TEXT(on),
                   DB_INT_IF(att, att), DB_TEXT(circled ? "done" : "pending"),
                   DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at));
    if (!e) /* the item's version moves, so that views holding the old one refresh */
        e = db_exec(c->db, "UPDATE items SET version = version + 1, updated_at = ? WHERE id = ?", DB_TEXT(at),
                    DB_INT(it.id));
    if (e)
        return ctx_db_fail(c, e, "记录领导批示");
    json_t *data = json_pack("{sI ss ss ss ss}", "instruction_id", (json_int_t)a->id, "kind", kind, "leader_name", name,
                             "instructed_on", on, "text", text);
    if (leader)
        json_object_set_new(data, "leader_id", json_integer(leader));
    if (att)
        json_object_set_new(data, "attachment_id", json_integer(att));
    e = item_event(c, it.id, "instruction", kind, -1, -1, 0, 0, text, data);
    if (!e)
        e = audit_record(c, circled ? "item.circled" : "item.instruction", "item", it.id, data);
    json_decref(data);
    if (!e)
        e = workflow_todos_sync(c, &item_workflow, it.id, NULL);
    if (!e)
        e = tell_recorded(c, &it, kind, name, leader, text, !as_leader);
    return e;
}

enum err items_instruct(struct ctx *c, int64_t item_id, const json_t *body, json_t **out)
{
    struct record_args a = {item_id, body, 0};
    enum err e = ctx_tx(c, "记录领导批示", record_tx, &a);
    return e ? e : read_one(c, a.id, out);
}

enum err items_instructions(struct ctx *c, int64_t item_id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, item_id, &it);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, "SELECT " COLS FROM "WHERE i.item_id = ? ORDER BY i.id", DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取领导批示");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, row_json(st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取领导批示");
    }
    /* the instruction this item was registered from, if any (on another item) */
    json_t *from = json_null();
    st = db_query(c->db,
                  "SELECT i.id, i.item_id, i.leader_name, i.instructed_on, i.text, s.number, s.title "
                  "FROM item_instructions i JOIN items s ON s.id = i.item_id WHERE i.new_item_id = ?",
                  DB_INT(item_id));
    if (st && stmt_step(st) == STORE_ROW)
        from =
            json_pack("{sI sI ss ss ss so ss}", "id", (json_int_t)stmt_int(st, 0), "item_id",
                      (json_int_t)stmt_int(st, 1), "leader_name", stmt_text(st, 2), "instructed_on", stmt_text(st, 3),
                      "text", stmt_text(st, 4), "item_number", opt_text(st, 5), "item_title", stmt_text(st, 6));
    stmt_done(st);
    *out = json_pack("{soso}", "instructions", arr, "from", from);
    return ERR_OK;
}

/* Marks x done inside the caller's transaction (note: what was done; new_item: the item registered from it, whose
 * title the timeline names), with the timeline, the audit record, the to-dos and the leader's message. */
static enum err carried_out(struct ctx *c, struct item *it, const struct instr *x, const char *note, int64_t new_item,
                            const char *new_title)
{
    char at[21];
    time_format_iso(c->now, at);
    int64_t id;
    enum err e = db_one_int(c->db, &id,
                            "UPDATE item_instructions SET state = 'done', done_note = ?, done_by = ?, done_at = ?, "
                            "new_item_id = ? WHERE id = ? AND state = 'pending' RETURNING id",
                            DB_TEXT(note), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
                            DB_INT_IF(new_item, new_item), DB_INT(x->id));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "该领导批示已经落实");
    if (!e)
        e = db_exec(c->db, "UPDATE items SET version = version + 1, updated_at = ? WHERE id = ?", DB_TEXT(at),
                    DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "落实领导批示");
    json_t *data =
        json_pack("{sI ss ss}", "instruction_id", (json_int_t)x->id, "leader_name", x->leader_name, "note", note);
    if (new_item)
        json_object_set_new(data, "new_item_id", json_integer(new_item));
    e = item_event(c, it->id, "instruction", new_item ? "from_instruction" : "instruction_done", -1, -1, 0, 0,
                   new_item ? new_title : note, data);
    if (!e)
        e = audit_record(c, "item.instruction_done", "item", it->id, data);
    json_decref(data);
    if (!e)
        e = workflow_todos_sync(c, &item_workflow, it->id, NULL);
    if (!e && x->leader_id && (!c->user || x->leader_id != c->user->id)) {
        struct notice n = {.kind = MSG_RESULT, .urgent = false, .object_type = item_workflow.name, .object_id = it->id};
        n.subject = arena_printf(c->arena, "【批示落实】%s《%s》", it->number ? it->number : "",
                                 utf8_inner_title(c->arena, it->title));
        n.body = arena_printf(c->arena, "您对该事项的批示“%s”已落实：%s", x->text, note);
        e = notify_user(c, x->leader_id, &n);
    }
    return e;
}

struct done_args {
    int64_t item_id, iid;
    const char *note;
};

static enum err office_on(struct ctx *c, struct item *it)
{
    return perm_require_item(c, CAP_ITEM_REGISTER, &it->scope, it->office_path, ITEM_WHAT);
}

static enum err done_tx(struct ctx *c, void *arg)
{
    struct done_args *a = arg;
    struct item it;
    struct instr x;
    enum err e = item_load_locked(c, a->item_id, &it);
    if (e || (e = office_on(c, &it)) || (e = load_instr(c, it.id, a->iid, &x)) || (e = item_lock(c, &it)))
        return e;
    if (strcmp(x.kind, "instruction"))
        return ctx_fail(c, ERR_CONFLICT, "圈阅无需落实");
    return carried_out(c, &it, &x, a->note, 0, NULL);
}

enum err items_instruction_done(struct ctx *c, int64_t item_id, int64_t iid, const json_t *body, json_t **out)
{
    struct done_args a = {item_id, iid, jv_str(body, "note")};
    enum err e = ctx_tx(c, "落实领导批示", done_tx, &a);
    return e ? e : read_one(c, iid, out);
}

/* The new item registered from an instruction: inside its registration's transaction, the instruction is
 * carried out by it and the new item's timeline says where it comes from. */
struct from_args {
    struct item *it;
    struct instr *x;
    const char *title;
};

static enum err link_new(struct ctx *c, int64_t new_id, void *arg)
{
    struct from_args *f = arg;
    const char *label = items_label(c, f->it->id);
    enum err e =
        carried_out(c, f->it, f->x, arena_printf(c->arena, "据此另行立项《%s》", utf8_inner_title(c->arena, f->title)),
                    new_id, f->title);
    if (e)
        return e;
    json_t *data = json_pack("{sI sI ss}", "instruction_id", (json_int_t)f->x->id, "item_id", (json_int_t)f->it->id,
                             "leader_name", f->x->leader_name);
    e = item_event(c, new_id, "instruction", "from_instruction", -1, -1, 0, 0, label ? label : "", data);
    json_decref(data);
    return e;
}

/* "李明同志批示：…" within the 500 characters of a source reference (cut at a character, with "……"). */
static const char *source_ref(struct ctx *c, const struct instr *x)
{
    const char *s = arena_printf(c->arena, "%s同志批示：%s", x->leader_name, x->text);
    size_t chars = 0, k = 0;
    for (; s[k] && chars < 480; k++)
        chars += ((unsigned char)s[k] & 0xC0) != 0x80;
    while (s[k] && ((unsigned char)s[k] & 0xC0) == 0x80)
        k++;
    return s[k] ? arena_printf(c->arena, "%.*s……", (int)k, s) : s;
}

enum err items_create_from_instruction(struct ctx *c, int64_t item_id, int64_t iid, const json_t *body, json_t **out)
{
    struct item *it = arena_alloc(c->arena, sizeof *it);
    struct instr *x = arena_alloc(c->arena, sizeof *x);
    enum err e = item_load_visible(c, item_id, it);
    if (e || (e = office_on(c, it)) || (e = load_instr(c, item_id, iid, x)))
        return e;
    if (strcmp(x->kind, "instruction"))
        return ctx_fail(c, ERR_CONFLICT, "圈阅不能作为立项依据");
    if (strcmp(x->state, "pending"))
        return ctx_fail(c, ERR_CONFLICT, "该领导批示已经落实");
    /* the new item's source is the instruction, unless the clerk said otherwise */
    json_t *b = json_deep_copy(body);
    if (!jv_str(b, "source_ref") || !*jv_str(b, "source_ref"))
        json_object_set_new(b, "source_ref", json_string(source_ref(c, x)));
    if (!jv_has(b, "source_date"))
        json_object_set_new(b, "source_date", json_string(x->instructed_on));
    struct from_args f = {it, x, jv_str(b, "title")};
    e = item_create_then(c, b, link_new, &f, out);
    json_decref(b);
    return e;
}
