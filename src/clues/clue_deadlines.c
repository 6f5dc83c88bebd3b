/*
 * clue_deadlines.c: the clue's side of the deadline clocks (src/deadlines, owner kind "clue"):
 *   assign       a "verification" milestone at the verifying unit, due as the office set it
 *   report       that milestone is done
 *   recall       it is cancelled (the unit no longer verifies)
 *   a transfer from above carries a "transfer_reply" milestone of the clue as a whole (clue_insert),
 *   done when the clue is closed (its own, or the clue it was merged into)
 *   merge, convert_item, close   what is still open of the verification is cancelled
 * Reminders and the ladder reach the verifying unit's contact (then its head) and the office; the
 * transfer's answer is the office's. It also registers clues with the modules below them
 * (clues_register): the deadlines owner "clue" and the columns that copy unit paths.
 */
#include "clues/clues_internal.h"
#include "base/utf8.h"

#include "calendar/workdays.h"
#include "core/hooks.h"
#include "deadlines/deadlines.h"
#include "units/units.h"

#include <string.h>

#define VERIFICATION "verification"
#define TRANSFER_REPLY "transfer_reply"

enum err clue_deadlines(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    enum err e = ERR_OK;
    switch ((enum clue_action)a->action) {
    case CLUE_ACT_ASSIGN: {
        int64_t due;
        cal_parse_date(jv_str(a->body, "due_date"), &due);
        const char *path = NULL;
        int64_t unit = jv_int(a->body, "unit_id", 0);
        if ((e = ctx_db_fail(c,
                             db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(unit)),
                             "读取核查单位")))
            return e;
        e = deadlines_add(c, CLUE_KIND, cl->wf.id, unit, path, VERIFICATION, cl->nverifs + 1, due, NULL);
        break;
    }
    case CLUE_ACT_REPORT:
        e = deadlines_done(c, CLUE_KIND, cl->wf.id, cl->wf.parts[a->part].unit_id, VERIFICATION, NULL);
        break;
    case CLUE_ACT_RECALL:
        e = deadlines_cancel_kind(c, CLUE_KIND, cl->wf.id, cl->wf.parts[0].unit_id, VERIFICATION);
        break;
    case CLUE_ACT_CLOSE:
    case CLUE_ACT_MERGE:
    case CLUE_ACT_CONVERT_ITEM:
        /* the answer above is given when the clue is closed; nothing of the verification stays open */
        if (a->action == CLUE_ACT_CLOSE)
            e = deadlines_done(c, CLUE_KIND, cl->wf.id, 0, TRANSFER_REPLY, NULL);
        for (int i = 0; i < cl->nverifs && !e; i++)
            e = deadlines_cancel_kind(c, CLUE_KIND, cl->wf.id, cl->verifs[i].unit_id, VERIFICATION);
        break;
    default:
        break;
    }
    return e;
}

static const char *clue_label(struct ctx *c, int64_t id)
{
    struct stmt *st = db_query(c->db, "SELECT number, title FROM clues WHERE id = ?", DB_INT(id));
    const char *out = NULL;
    if (st && stmt_step(st) == STORE_ROW)
        out = arena_printf(c->arena, "%s《%s》", stmt_text(st, 0), utf8_inner_title(c->arena, stmt_text(st, 1)));
    stmt_done(st);
    return out;
}

static enum err clue_timeline(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note,
                              json_t *data)
{
    return clue_event(c, id, "deadline", action, -1, -1, unit_id, note, false, data);
}

static const char *clue_milestone_label(const char *kind)
{
    return !strcmp(kind, VERIFICATION) ? "线索核查" : !strcmp(kind, TRANSFER_REPLY) ? "上级转办答复" : NULL;
}

/* A verification's reminders reach the verifying unit (its contact, its head once it is overdue) and,
 * from the written notice on, the office; the answer to a transfer is the office's, then its director's. */
static enum err clue_recipients(struct ctx *c, int64_t id, int64_t unit_id, const char *scope_path, enum dl_step step,
                                struct dl_people *out)
{
    const char *office_path = NULL;
    enum err e = ctx_db_fail(
        c, db_one_text(c->db, c->arena, &office_path, "SELECT office_path FROM clues WHERE id = ?", DB_INT(id)),
        "读取线索");
    if (e)
        return e;
    if (!unit_id) {
        e = dl_people_nearest_role(c, out, "office", office_path);
        if (!e && step >= DL_NOTICE)
            e = dl_people_nearest_role(c, out, "director", office_path);
        return e;
    }
    e = dl_people_role_at(c, out, "contact", unit_id);
    if (!e && step >= DL_PRESS)
        e = dl_people_role_at(c, out, "head", unit_id);
    if (!e && step >= DL_NOTICE)
        e = dl_people_nearest_role(c, out, "office", office_path);
    (void)scope_path;
    return e;
}

/* What the ladder's messages say, as clue_recipients sends them: a verification is pressed with the verifying
 * unit's head and reported to the office, which decides what becomes of the clue (nothing is escalated); the
 * answer to a transfer is the office's, reported to the director. */
static const char *clue_step_text(enum dl_step step, int64_t unit_id)
{
    if (step == DL_PRESS)
        return unit_id ? "请核查单位主要负责人督促抓紧核查并报送核查结果" : "请督查室抓紧答复上级转办的线索";
    return unit_id ? "报告督查室，由督查室决定另行交办核查、转为督办事项或督查" : "报告政府办主任";
}

static const struct dl_owner clue_owner = {
    .kind = CLUE_KIND,
    .what = CLUE_WHAT,
    .table = "clues",
    .link = CLUE_LINK,
    .manage_cap = CAP_CLUE_MANAGE,
    .step_text = clue_step_text,
    .label = clue_label,
    .timeline = clue_timeline,
    .milestone_label = clue_milestone_label,
    .recipients = clue_recipients,
};

void clues_register(void)
{
    deadlines_register_owner(&clue_owner);
    units_register_path_copy("clues", "office_path");
    units_register_path_copy("clues", "area_path");
    units_register_path_copy("clues", "unit_path");
    units_register_path_copy("clue_verifications", "unit_path");
    units_register_path_copy("contact_points", "office_path");
    units_register_path_copy("contact_points", "unit_path");
    hooks_set_clues(&(struct clue_hooks){.source = clue_item_source});
}
