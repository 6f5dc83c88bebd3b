#include "docs/model.h"

#include "base/timeu.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *str(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "";
}

static int num(const json_t *j, const char *k)
{
    json_t *v = json_object_get(j, k);
    return json_is_integer(v) ? (int)json_integer_value(v) : json_is_real(v) ? (int)json_real_value(v) : 0;
}

static const char *opt(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s && *s ? s : NULL;
}

void doc_item_from_json(struct arena *a, const json_t *j, struct doc_item *it)
{
    memset(it, 0, sizeof *it);
    json_t *id = json_object_get(j, "id");
    it->id = json_is_integer(id) ? json_integer_value(id) : 0;
    it->number = str(j, "number");
    it->title = str(j, "title");
    it->source = str(j, "source");
    it->content = str(j, "content");
    it->requirement = str(j, "requirement");
    it->source_kind = str(j, "source_kind");
    it->source_ref = str(j, "source_ref");
    it->importance = str(j, "importance");
    it->kind = str(j, "kind");
    it->lead_unit = str(j, "lead_unit");
    it->leader = str(j, "leader");
    it->deadline = str(j, "deadline");
    it->limits = str(j, "limits");
    it->confidentiality = str(j, "confidentiality");
    it->resolution_rule = str(j, "resolution_rule");
    it->state = str(j, "state");
    it->light = str(j, "light");
    it->progress = num(j, "progress");
    it->overdue_days = num(j, "overdue_days");
    it->registered_at = str(j, "registered_at");
    it->assigned_at = str(j, "assigned_at");
    it->completed_at = str(j, "completed_at");
    it->reply = str(j, "reply");
    it->grade = str(j, "grade");

    json_t *arr = json_object_get(j, "co_units");
    size_t i, n = json_array_size(arr);
    it->co_units = arena_alloc(a, sizeof *it->co_units * (n + 1));
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s && *s)
            it->co_units[it->nco++] = s;
    }
    json_t *v;
    arr = json_object_get(j, "milestones");
    it->milestones = arena_alloc(a, sizeof *it->milestones * (json_array_size(arr) + 1));
    json_array_foreach(arr, i, v) it->milestones[it->nmilestones++] =
        (struct doc_milestone){str(v, "title"), str(v, "due"), opt(v, "done")};
    arr = json_object_get(j, "events");
    it->events = arena_alloc(a, sizeof *it->events * (json_array_size(arr) + 1));
    json_array_foreach(arr, i, v) it->events[it->nevents++] =
        (struct doc_event){str(v, "at"), str(v, "actor"), str(v, "action"), str(v, "note")};
    arr = json_object_get(j, "reports");
    it->reports = arena_alloc(a, sizeof *it->reports * (json_array_size(arr) + 1));
    json_array_foreach(arr, i, v) it->reports[it->nreports++] =
        (struct doc_report){str(v, "at"), str(v, "unit"), str(v, "author"), str(v, "text"), num(v, "progress")};
    arr = json_object_get(j, "seals");
    it->seals = arena_alloc(a, sizeof *it->seals * (json_array_size(arr) + 1));
    json_array_foreach(arr, i, v) it->seals[it->nseals++] =
        (struct doc_seal){str(v, "unit"), str(v, "signer"), str(v, "signed_at"), str(v, "fingerprint")};
    /* every unit's reply ({unit, text, signed_at, lead}); without them, the lead unit's reply alone */
    arr = json_object_get(j, "replies");
    it->replies = arena_alloc(a, sizeof *it->replies * (json_array_size(arr) + 1));
    json_array_foreach(arr, i, v) it->replies[it->nreplies++] = (struct doc_unit_reply){
        str(v, "unit"), str(v, "text"), str(v, "signed_at"), json_is_true(json_object_get(v, "lead"))};
    if (!it->nreplies && *it->reply)
        it->replies[it->nreplies++] = (struct doc_unit_reply){it->lead_unit, it->reply, "", true};
}

void doc_office_from_json(struct arena *a, const json_t *j, struct doc_office *o)
{
    memset(o, 0, sizeof *o);
    o->issuer = str(j, "issuer");
    o->header = opt(j, "header");
    if (!o->header)
        o->header = arena_printf(a, "%s文件", o->issuer);
    o->copy_to = str(j, "copy_to");
    o->contact = str(j, "contact");
    json_t *seal = json_object_get(j, "seal");
    if (json_is_object(seal)) {
        o->seal = arena_alloc(a, sizeof *o->seal);
        *o->seal =
            (struct doc_seal){str(seal, "unit"), str(seal, "signer"), str(seal, "signed_at"), str(seal, "fingerprint")};
    }
}

/* Local broken-down time of an ISO instant; false if date is not one. */
static bool local_tm(const char *iso, struct tm *tm)
{
    int64_t t;
    if (!iso || strlen(iso) <= 10 || !time_parse_iso(iso, &t))
        return false;
    time_t tt = (time_t)t;
    return localtime_r(&tt, tm) != NULL;
}

const char *doc_date_cn(struct arena *a, const char *date)
{
    struct tm tm;
    if (local_tm(date, &tm))
        return arena_printf(a, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return time_date_words(a, date);
}

const char *doc_time_local(struct arena *a, const char *iso)
{
    struct tm tm;
    if (!local_tm(iso, &tm))
        return iso ? iso : "";
    return arena_printf(a, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                        tm.tm_min);
}

const char *doc_time_cn(struct arena *a, const char *iso)
{
    struct tm tm;
    if (!local_tm(iso, &tm))
        return doc_date_cn(a, iso);
    return arena_printf(a, "%s %02d:%02d", doc_date_cn(a, iso), tm.tm_hour, tm.tm_min);
}

const char *doc_day_local(struct arena *a, const char *iso)
{
    struct tm tm;
    if (!local_tm(iso, &tm))
        return iso && strlen(iso) >= 10 ? arena_strndup(a, iso, 10) : "";
    int y = tm.tm_year + 1900;
    if (y < 0 || y > 9999)
        return arena_printf(a, "%04d-%02d-%02d", y, tm.tm_mon + 1, tm.tm_mday);
    /* by hand: an export formats three dates per row */
    char *d = arena_alloc(a, 11);
    const int v[] = {y / 100, y % 100, tm.tm_mon + 1, tm.tm_mday};
    for (int i = 0, k = 0; i < 4; i++) {
        d[k++] = (char)('0' + v[i] / 10);
        d[k++] = (char)('0' + v[i] % 10);
        if (i)
            d[k++] = i < 3 ? '-' : 0;
    }
    return d;
}

const char *doc_light_label(const char *light)
{
    if (!light)
        return "";
    if (!strcmp(light, "red"))
        return "红灯";
    if (!strcmp(light, "yellow"))
        return "黄灯";
    if (!strcmp(light, "green"))
        return "绿灯";
    if (!strcmp(light, "none"))
        return "";
    return light;
}

/* Days from date a to date b (YYYY-MM-DD), or 0 if either is malformed. */
static int days_between(const char *a, const char *b)
{
    struct tm ta = {0}, tb = {0};
    if (!a || !b || sscanf(a, "%4d-%2d-%2d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 3 ||
        sscanf(b, "%4d-%2d-%2d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 3)
        return 0;
    ta.tm_year -= 1900;
    tb.tm_year -= 1900;
    ta.tm_mon--;
    tb.tm_mon--;
    ta.tm_hour = tb.tm_hour = 12;
    return (int)((timegm(&tb) - timegm(&ta)) / 86400);
}

static bool state_running(const char *s)
{
    static const char *const running[] = {"assigned",          "received", "in_progress", "completion_requested",
                                          "completion_signed", NULL};
    for (int i = 0; s && running[i]; i++)
        if (!strcmp(s, running[i]))
            return true;
    return false;
}

int doc_overdue_days(const char *state, const char *due, const char *today)
{
    return state_running(state) && due && today && strcmp(today, due) > 0 ? days_between(due, today) : 0;
}

void doc_item_from_items(struct arena *a, const json_t *j, const json_t *events, const json_t *reports,
                         const json_t *signatures, const char *today, struct doc_item *it)
{
    memset(it, 0, sizeof *it);
    json_t *id = json_object_get(j, "id");
    it->id = json_is_integer(id) ? json_integer_value(id) : 0;
    it->number = *str(j, "number") ? str(j, "number") : "（未编号）";
    it->title = str(j, "title");
    const char *kind = str(j, "source_kind_label"), *ref = str(j, "source_ref");
    it->source = *ref ? arena_printf(a, "%s（%s）", kind, ref) : kind;
    it->source_kind = str(j, "source_kind");
    it->source_ref = ref;
    it->importance = str(j, "importance");
    it->kind = str(j, "kind");
    it->content = str(j, "requirement");
    it->requirement = "";
    it->lead_unit = str(j, "lead_unit_name");
    it->leader = str(j, "leader_name");
    it->deadline = str(j, "due_date");
    it->limits = ""; /* the notice's: itemdocs_notice_of */
    it->resolution_rule = "";
    it->state = str(j, "state_label");
    it->light = str(j, "light");
    it->progress = num(j, "progress");
    it->registered_at = doc_day_local(a, str(j, "created_at"));
    it->completed_at = *str(j, "closed_at") ? doc_day_local(a, str(j, "closed_at")) : "";
    it->reply = "";
    it->grade = str(j, "grade");
    it->overdue_days = doc_overdue_days(str(j, "state"), it->deadline, today);

    json_t *tracks = json_object_get(j, "tracks"), *v;
    size_t i;
    it->co_units = arena_alloc(a, sizeof *it->co_units * (json_array_size(tracks) + 1));
    it->replies = arena_alloc(a, sizeof *it->replies * (json_array_size(tracks) + 1));
    json_array_foreach(tracks, i, v)
    {
        bool lead = strcmp(str(v, "role"), "co") != 0;
        if (!lead)
            it->co_units[it->nco++] = str(v, "unit_name");
        else if (*str(v, "reply_text"))
            it->reply = str(v, "reply_text");
        /* the lead unit's reply first, then the co units' in their order */
        struct doc_unit_reply r = {
            str(v, "unit_name"), str(v, "reply_text"), str(v, "signed_at"), lead, NULL, NULL, NULL, false};
        if (lead) {
            memmove(it->replies + 1, it->replies, sizeof *it->replies * (size_t)it->nreplies);
            it->replies[0] = r;
            it->nreplies++;
        } else {
            it->replies[it->nreplies++] = r;
        }
    }
    json_t *children = json_object_get(j, "children");
    it->milestones = arena_alloc(a, sizeof *it->milestones * (json_array_size(children) + 1));
    json_array_foreach(children, i, v)
    {
        bool done = !strcmp(str(v, "state"), "completed") || !strcmp(str(v, "state"), "archived");
        it->milestones[it->nmilestones++] =
            (struct doc_milestone){str(v, "title"), str(v, "due_date"), done ? str(v, "due_date") : NULL};
    }
    it->events = arena_alloc(a, sizeof *it->events * (json_array_size(events) + 1));
    json_array_foreach(events, i, v)
    {
        if (!strcmp(str(v, "action"), "handling_report")) { /* under its unit's reply and seal, not in the timeline */
            const json_t *d = json_object_get(v, "data");
            for (int k = 0; k < it->nreplies; k++)
                if (!strcmp(it->replies[k].unit, str(v, "unit_name")))
                    it->replies[k] = (struct doc_unit_reply){it->replies[k].unit,
                                                             it->replies[k].text,
                                                             it->replies[k].signed_at,
                                                             it->replies[k].lead,
                                                             str(v, "note"),
                                                             str(v, "at"),
                                                             str(d, "attachment_name"),
                                                             json_is_true(json_object_get(d, "late"))};
            continue;
        }
        const char *who = *str(v, "actor_name") ? str(v, "actor_name") : str(v, "actor");
        const char *what = *str(v, "action_label") ? str(v, "action_label") : str(v, "action");
        /* the sentence of the entry (items_events: the note within it, in words) */
        const char *text = json_is_string(json_object_get(v, "text")) ? str(v, "text") : str(v, "note");
        it->events[it->nevents++] = (struct doc_event){str(v, "at"), who, what, text};
        if (!strcmp(str(v, "action"), "assign") && !it->assigned_at)
            it->assigned_at = doc_day_local(a, str(v, "at"));
    }
    if (!it->assigned_at)
        it->assigned_at = "";
    /* reports come newest first: the record lists them oldest first */
    size_t nr = json_array_size(reports);
    it->reports = arena_alloc(a, sizeof *it->reports * (nr + 1));
    for (i = nr; i-- > 0;) {
        v = json_array_get(reports, i);
        it->reports[it->nreports++] = (struct doc_report){str(v, "created_at"), str(v, "unit_name"),
                                                          str(v, "created_by_name"), str(v, "text"), num(v, "percent")};
    }
    it->seals = arena_alloc(a, sizeof *it->seals * (json_array_size(signatures) + 1));
    json_array_foreach(signatures, i, v) it->seals[it->nseals++] =
        (struct doc_seal){str(v, "unit"), str(v, "signer"), str(v, "signed_at"), str(v, "fingerprint")};
}

int doc_lines(struct arena *a, const char *text, const char ***out)
{
    int cap = 16, n = 0;
    const char **v = arena_alloc(a, sizeof *v * (size_t)cap);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            if (n == cap) {
                const char **bigger = arena_alloc(a, sizeof *bigger * (size_t)cap * 2);
                memcpy(bigger, v, sizeof *v * (size_t)n);
                v = bigger;
                cap *= 2;
            }
            v[n++] = arena_strndup(a, p, len);
        }
        p = e ? e + 1 : p + len;
    }
    *out = v;
    return n;
}
