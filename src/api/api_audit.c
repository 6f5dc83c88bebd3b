/* api_audit.c: reading and verifying the audit trail. */
#include "api/routes.h"
#include "audit/audit.h"
#include "base/timeu.h"
#include "calendar/workdays.h"

/* GET /api/v1/audit?actor=&action=&object_type=&object_id=&from=&to=&before=&limit= (newest first) */
static int h_audit_list(struct req *rq)
{
    int64_t before, limit;
    if (!req_query_int(rq, "before", 0, INT64_MAX, 0, &before) || !req_query_int(rq, "limit", 1, 500, 50, &limit))
        return 0;
    const char *names[] = {"actor", "action", "object_type", "object_id", "from", "to"};
    const char *v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = req_query(rq, names[i]);
        if (v[i] && !*v[i])
            v[i] = NULL;
    }
    /* from and to: an instant (with Z or an offset) or a day — from its start, to its end (Beijing time: the web
     * page's date range takes both days whole) — compared as the records' UTC "at" */
    for (int i = 4; i < 6; i++) {
        int64_t t, day;
        if (!v[i])
            continue;
        if (cal_parse_date(v[i], &day))
            t = time_local_instant(i == 4 ? day : day + 1, 0);
        else if (!time_parse_iso(v[i], &t)) {
            reply_error(rq, ERR_BAD_REQUEST,
                        arena_printf(rq->arena,
                                     "查询参数“%s”应为日期 YYYY-MM-DD 或时刻 YYYY-MM-DDTHH:MM:SSZ（或带 +08:00）",
                                     names[i]));
            return 0;
        }
        char *iso = arena_alloc(rq->arena, 21);
        time_format_iso(t, iso);
        v[i] = iso;
    }
    json_t *out = NULL;
    enum err e = audit_list(&rq->ctx, v[0], v[1], v[2], v[3], v[4], v[5], before, (int)limit, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "records", out));
}

/* GET /api/v1/audit/verify: {"ok","records","bad_seq","problem","checkpoints","proofs","checkpoint_size",
 * "checkpoint_at","source","fingerprint","pending","restores"}, against the configured checkpoint file;
 * "restores" is null, or the restores the chain records (`ducha audit restored`) and what the last one lost */
static int h_audit_verify(struct req *rq)
{
    struct audit_check chk;
    enum err e = audit_verify(&rq->ctx, NULL, &chk);
    if (e)
        return reply_result(rq, e, 200, NULL);
    json_t *restores =
        chk.restores
            ? json_pack("{si sI sI si sI ss*}", "count", chk.restores, "last_seq", (json_int_t)chk.restored_seq,
                        "restored_size", (json_int_t)chk.restored_size, "superseded", chk.superseded, "superseded_size",
                        (json_int_t)chk.superseded_size, "superseded_at", chk.superseded_at)
            : json_null();
    return reply_result(
        rq, ERR_OK, 200,
        json_pack("{sb sI sI ss si si sI ss ss ss sI so}", "ok", chk.ok, "records", (json_int_t)chk.records, "bad_seq",
                  (json_int_t)chk.bad_seq, "problem", chk.problem ? chk.problem : "", "checkpoints", chk.checkpoints,
                  "proofs", chk.proofs, "checkpoint_size", (json_int_t)chk.checkpoint_size, "checkpoint_at",
                  chk.checkpoint_at ? chk.checkpoint_at : "", "source", chk.source ? chk.source : "", "fingerprint",
                  chk.fingerprint ? chk.fingerprint : "", "pending", (json_int_t)chk.pending, "restores", restores));
}

/* GET /api/v1/audit/checkpoints?limit=: the signed checkpoints, newest first (for monitors) */
static int h_audit_checkpoints(struct req *rq)
{
    int64_t limit;
    if (!req_query_int(rq, "limit", 1, 1000, 20, &limit))
        return 0;
    json_t *out = NULL;
    enum err e = audit_checkpoints(&rq->ctx, (int)limit, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "checkpoints", out));
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", h_audit_list, CAP_AUDIT_READ, 0, "audit records, newest first", "top,admin,office:A *:F"},
    {"GET", "/api/v1/audit/verify", h_audit_verify, CAP_AUDIT_READ, ROUTE_LONG,
     "verify the keyed chain and the checkpoints", "top,admin,office:A *:F"},
    {"GET", "/api/v1/audit/checkpoints", h_audit_checkpoints, CAP_AUDIT_READ, 0, "signed audit checkpoints",
     "top,admin,office:A *:F"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
