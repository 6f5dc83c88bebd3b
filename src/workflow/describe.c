/*
 * describe.c: a workflow as words and data, from its declaration alone: docs/workflow.md
 * (workflow_markdown, printed by `ducha workflow`), the JSON of GET /api/v1/workflows (workflow_json)
 * and the well-formedness checks the unit tests run over every registered workflow (workflow_lint).
 */
#include "workflow/workflow.h"

#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *to_name(const struct workflow *wf, int to)
{
    return to == WF_SAME ? "=" : to == WF_PREV ? "previous" : wf_state_name(wf, to);
}

static const char *to_label(const struct workflow *wf, int to)
{
    return to == WF_SAME ? "（不变）" : to == WF_PREV ? "（中止前的状态）" : wf_state_label(wf, to);
}

static const char *role_or_any(int role)
{
    return role == WF_ANY_ROLE ? "any" : role_name((enum role)role);
}

static const char *cond_name(const struct workflow *wf, int cond)
{
    int i = cond < 0 ? -cond : cond;
    return i > 0 && i < wf->nconds ? wf->conds[i].name : "?";
}

/* "reason, new_date" (the required fields), into b. */
static void fields_text(struct buf *b, const struct workflow *wf, unsigned fields)
{
    bool first = true;
    for (int i = 0; i < wf->nfields; i++)
        if (fields & (1u << i)) {
            buf_printf(b, "%s%s", first ? "" : ", ", wf->fields[i].name);
            first = false;
        }
    if (first)
        buf_puts(b, "-");
}

static const char *part_name(const struct workflow *wf, int part)
{
    if (part < 0)
        return wf->name;
    if (part == 0)
        return wf->track_what;
    return part < wf->npartdefs ? wf->partdefs[part].name : "?";
}

static const char *part_state_name(const struct workflow *wf, int part, int s)
{
    if (part <= 0)
        return wf_state_name(wf, s);
    const struct wf_partdef *d = &wf->partdefs[part];
    return s >= 0 && s < d->nstates ? d->states[s].name : "?";
}

static const char *part_state_label(const struct workflow *wf, int part, int s)
{
    if (part <= 0)
        return wf_state_label(wf, s);
    const struct wf_partdef *d = &wf->partdefs[part];
    return s >= 0 && s < d->nstates ? d->states[s].label : "?";
}

/* "`office` at the issuing government", "the leader in charge" … into b. */
static void who_text(struct buf *b, const struct workflow *wf, const struct wf_who *w, int part)
{
    switch (w->at) {
    case WF_AT_HOME:
        buf_printf(b, "`%s` at the %s", role_name((enum role)w->role), wf->home_what);
        break;
    case WF_AT_PART:
        buf_printf(b, "`%s` at the %s's unit", role_name((enum role)w->role), part_name(wf, part < 0 ? 0 : part));
        break;
    case WF_PERSON:
        buf_printf(b, "the %s",
                   w->person >= 0 && w->person < WF_PERSONS && wf->person_what[w->person] ? wf->person_what[w->person]
                                                                                          : "named person");
        break;
    case WF_PART_PERSON:
        buf_printf(b, "the person who made the %s", part_name(wf, part));
        break;
    }
}

static void who_list_text(struct buf *b, const struct workflow *wf, const struct wf_who *who, int n, int part)
{
    for (int i = 0; i < n; i++) {
        if (i)
            buf_puts(b, who[i].orelse ? "; if none: " : " and ");
        who_text(b, wf, &who[i], part);
    }
}

static void markdown_one(struct buf *b, const struct workflow *wf)
{
    buf_printf(b, "## %s (`%s`)\n\n%s\n\n### States\n\n| state | 中文 |\n|---|---|\n", wf->title, wf->name, wf->intro);
    for (int s = 0; s < wf->nstates; s++)
        buf_printf(b, "| `%s` | %s |\n", wf->states[s].name, wf->states[s].label);
    if (wf->nvarieties) {
        buf_puts(b, "\n### Kinds\n\nIts to-dos and their messages name the object's kind (`variety`), not the "
                    "workflow's word.\n\n"
                    "| kind | 中文 |\n|---|---|\n");
        for (int v = 0; v < wf->nvarieties; v++)
            buf_printf(b, "| `%s` | %s |\n", wf->varieties[v].name, wf->varieties[v].label);
    }
    buf_puts(b, "\n### Transitions\n\n| from | action | to | scope | capability | role | requires | condition | "
                "records |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        buf_printf(b, "| `%s` %s | `%s` %s | `%s` %s | %s | %s", wf_state_name(wf, r->from),
                   wf_state_label(wf, r->from), wf_action_name(wf, r->action), wf_action_label(wf, r->action),
                   to_name(wf, r->to), to_label(wf, r->to), r->scope == WF_OBJECT ? wf->name : wf->track_what,
                   cap_name(r->cap));
        if (r->cap_cond)
            buf_printf(b, " (%s if %s)", cap_name(r->cap_alt), cond_name(wf, r->cap_cond));
        buf_printf(b, " | %s | ", role_or_any(r->role));
        fields_text(b, wf, r->fields);
        buf_printf(b, " | %s | %s |\n", r->cond ? cond_name(wf, r->cond) : "-", r->records);
    }
    buf_puts(b, "\n### Who must act\n\nThe people the object (or one of its parts) waits on in each state, and what "
                "they are awaited to do. Each row becomes a to-do of those people (`GET /api/v1/todos`) in the "
                "transaction that brings the object or part into the state, and goes in the one that takes it "
                "out; its people receive a message when it is created by an action. A role is held at exactly "
                "that unit (when nobody holds it there: at the nearest unit above where someone does); `if none` "
                "entries count only when those before them found nobody. In the states not listed nobody is "
                "awaited.\n\n"
                "| of | state | awaited | who | when |\n|---|---|---|---|---|\n");
    for (int i = 0; i < wf->nwaits; i++) {
        const struct wf_wait *w = &wf->waits[i];
        buf_printf(b, "| %s | `%s` %s | `%s` %s | ", part_name(wf, w->part), part_state_name(wf, w->part, w->state),
                   part_state_label(wf, w->part, w->state), w->task, w->label);
        who_list_text(b, wf, w->who, w->nwho, w->part);
        if (w->cond)
            buf_printf(b, " | %s%s |\n", w->cond < 0 ? "not " : "", cond_name(wf, w->cond));
        else
            buf_puts(b, " | always |\n");
    }
    if (wf->ninforms) {
        buf_puts(b, "\n### Who is told\n\nBesides the to-dos, these people receive a message when the action is "
                    "taken.\n\n| after | whom | what |\n|---|---|---|\n");
        for (int i = 0; i < wf->ninforms; i++) {
            const struct wf_inform *f = &wf->informs[i];
            buf_printf(b, "| `%s` %s | ", wf_action_name(wf, f->action), wf_action_label(wf, f->action));
            who_text(b, wf, &f->who, 0);
            buf_printf(b, "%s | %s |\n",
                       f->parts == WF_INFORM_EACH_PART   ? ", for every track"
                       : f->parts == WF_INFORM_CONCERNED ? ", for the track concerned (every track when none is)"
                                                         : "",
                       f->what);
        }
    }
    if (wf->nevents) {
        buf_puts(b, "\n### Other entries of the timeline\n\nBesides its actions, the timeline records these; the API, "
                    "the web app, the documents and the exports use the same words.\n\n| entry | 中文 | English "
                    "|\n|---|---|---|\n");
        for (int i = 0; i < wf->nevents; i++)
            buf_printf(b, "| `%s` | %s | %s |\n", wf->events[i].name, wf->events[i].label,
                       wf->events[i].label_en ? wf->events[i].label_en : "");
    }
}

char *workflow_markdown(const struct workflow *const *wfs)
{
    struct buf b = {0};
    buf_puts(&b, "# Workflows (流转)\n\n"
                 "Generated from the workflow tables (`ducha workflow`); a test checks that this file matches them. "
                 "Every workflow runs on the one engine in `src/workflow`: any (state, action) pair not listed is "
                 "refused with 409 and a message naming the states that allow the action; a user without the "
                 "capability (or role) gets 403; an object the user cannot see is 404; a missing required body "
                 "member is 422.\n\n"
                 "Scope: a row of the object's own scope is checked against the object's state, with the "
                 "capability held at the object's home; a track row against the state of the actor's own "
                 "responsible unit's track, with the capability held at that unit.\n\n");
    for (int i = 0; wfs[i]; i++) {
        if (i)
            buf_puts(&b, "\n");
        markdown_one(&b, wfs[i]);
    }
    return buf_take(&b);
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *names_json(const struct wf_name *names, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{ss ss so}", "name", names[i].name, "label", names[i].label, "label_en",
                                           str_or_null(names[i].label_en)));
    return a;
}

static json_t *fields_json(const struct workflow *wf, unsigned fields)
{
    json_t *a = json_array();
    for (int i = 0; i < wf->nfields; i++)
        if (fields & (1u << i))
            json_array_append_new(a, json_string(wf->fields[i].name));
    return a;
}

static json_t *who_json(const struct workflow *wf, const struct wf_who *w)
{
    static const char *const at[] = {"home", "part", "person", "part_person"};
    json_t *o = json_pack("{ss sb}", "at", at[w->at], "orelse", w->orelse);
    if (w->at == WF_AT_HOME || w->at == WF_AT_PART)
        json_object_set_new(o, "role", json_string(role_name((enum role)w->role)));
    if (w->at == WF_PERSON)
        json_object_set_new(o, "person", json_string(wf->person_what[w->person] ? wf->person_what[w->person] : ""));
    return o;
}

json_t *workflow_json(const struct workflow *wf)
{
    json_t *actions = json_array(), *rows = json_array(), *waits = json_array(), *informs = json_array(),
           *parts = json_array();
    for (int a = 0; a < wf->nactions; a++) {
        unsigned fl = 0;
        const char *scope = wf->name;
        for (int i = 0; i < wf->nrows; i++)
            if (wf->rows[i].action == a) {
                fl |= wf->rows[i].fields;
                scope = wf->rows[i].scope == WF_OBJECT ? wf->name : wf->track_what;
            }
        json_array_append_new(actions, json_pack("{ss ss so ss so}", "name", wf->actions[a].name, "label",
                                                 wf->actions[a].label, "label_en", str_or_null(wf->actions[a].label_en),
                                                 "scope", scope, "requires", fields_json(wf, fl)));
    }
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        json_t *o = json_pack("{ss ss ss ss ss ss so so}", "from", wf_state_name(wf, r->from), "action",
                              wf_action_name(wf, r->action), "to", to_name(wf, r->to), "scope",
                              r->scope == WF_OBJECT ? wf->name : wf->track_what, "cap", cap_name(r->cap), "role",
                              role_or_any(r->role), "requires", fields_json(wf, r->fields), "condition",
                              r->cond ? json_string(cond_name(wf, r->cond)) : json_null());
        if (r->cap_cond)
            json_object_set_new(o, "cap_alt",
                                json_pack("{ss ss}", "cap", cap_name(r->cap_alt), "if", cond_name(wf, r->cap_cond)));
        json_array_append_new(rows, o);
    }
    for (int i = 0; i < wf->nwaits; i++) {
        const struct wf_wait *w = &wf->waits[i];
        json_t *who = json_array();
        for (int k = 0; k < w->nwho; k++)
            json_array_append_new(who, who_json(wf, &w->who[k]));
        json_array_append_new(
            waits, json_pack("{ss ss ss ss so so so so}", "of", part_name(wf, w->part), "state",
                             part_state_name(wf, w->part, w->state), "task", w->task, "label", w->label, "label_en",
                             str_or_null(w->label_en), "action",
                             w->action >= 0 ? json_string(wf_action_name(wf, w->action)) : json_null(), "when",
                             w->cond ? json_pack("{ss sb}", "condition", cond_name(wf, w->cond), "holds", w->cond > 0)
                                     : json_null(),
                             "who", who));
    }
    static const char *const inform_parts[] = {"once", "each_part", "concerned"};
    for (int i = 0; i < wf->ninforms; i++) {
        const struct wf_inform *f = &wf->informs[i];
        json_array_append_new(informs,
                              json_pack("{ss ss so ss}", "action", wf_action_name(wf, f->action), "parts",
                                        inform_parts[f->parts], "who", who_json(wf, &f->who), "what", f->what));
    }
    for (int i = 1; i < wf->npartdefs; i++)
        json_array_append_new(parts, json_pack("{ss ss so so}", "name", wf->partdefs[i].name, "label",
                                               wf->partdefs[i].label, "label_en", str_or_null(wf->partdefs[i].label_en),
                                               "states", names_json(wf->partdefs[i].states, wf->partdefs[i].nstates)));
    json_t *phase = json_array(); /* the states in which the tracks act and wait */
    for (int s = 0; wf->phase && s < wf->nstates; s++)
        if (wf->phase(s))
            json_array_append_new(phase, json_string(wf->states[s].name));
    return json_pack("{ss ss ss ss so so so so so so so so so}", "name", wf->name, "what", wf->what, "title", wf->title,
                     "part", wf->track_what, "states", names_json(wf->states, wf->nstates), "varieties",
                     names_json(wf->varieties, wf->nvarieties), "part_phase", phase, "actions", actions, "transitions",
                     rows, "waits", waits, "informs", informs, "parts", parts, "events",
                     names_json(wf->events, wf->nevents));
}

/* ---- checks ---- */

static int problem(struct buf *b, const struct workflow *wf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends "name: <message>\n" to b; returns 1 (one problem). */
static int problem(struct buf *b, const struct workflow *wf, const char *fmt, ...)
{
    char line[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_printf(b, "%s: %s\n", wf->name, line);
    return 1;
}

/* Can who (a role at a place) take row r? For a side part's wait the place is not the row's scope. */
static bool role_takes(const struct wf_who *who, const struct wf_row *r, bool side)
{
    if (who->at != WF_AT_HOME && who->at != WF_AT_PART)
        return true; /* a named person: the module vouches for them */
    if (!side && (who->at == WF_AT_HOME) != (r->scope == WF_OBJECT))
        return false;
    return (perm_role_has(who->role, r->cap) || (r->cap_cond && perm_role_has(who->role, r->cap_alt))) &&
           (r->role == WF_ANY_ROLE || r->role == who->role);
}

int workflow_lint(const struct workflow *wf, char **problems)
{
    struct buf b = {0};
    int n = 0;
    int *scope = calloc((size_t)wf->nactions, sizeof *scope);
    for (int a = 0; a < wf->nactions; a++)
        scope[a] = -1;
    if (!wf->table || !*wf->table || strspn(wf->table, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(wf->table))
        n += problem(&b, wf, "no table (the objects' table, locked before each action)");
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        if (r->from < 0 || r->from >= wf->nstates || r->action < 0 || r->action >= wf->nactions) {
            n += problem(&b, wf, "row %d: state or action out of range", i);
            continue;
        }
        if (r->to != WF_SAME && r->to != WF_PREV && (r->to < 0 || r->to >= wf->nstates))
            n += problem(&b, wf, "row %d: target out of range", i);
        if (r->to == WF_PREV && r->scope != WF_OBJECT)
            n += problem(&b, wf, "row %d: only object rows return to the previous state", i);
        if (wf_find(wf, r->from, r->action) != r)
            n += problem(&b, wf, "(%s, %s) is listed twice", wf_state_name(wf, r->from), wf_action_name(wf, r->action));
        if (scope[r->action] >= 0 && scope[r->action] != (int)r->scope)
            n += problem(&b, wf, "action %s has rows of both scopes (row %d)", wf_action_name(wf, r->action), i);
        scope[r->action] = (int)r->scope;
        if (r->scope == WF_PART && (!wf->phase || !wf->phase(r->from)))
            n += problem(&b, wf, "track row %d starts outside the tracks' phase", i);
        if ((unsigned)r->cap >= CAP__COUNT || (r->role != WF_ANY_ROLE && (r->role < 0 || r->role >= ROLE__COUNT)))
            n += problem(&b, wf, "row %d: capability or role out of range", i);
        if (r->fields >> wf->nfields || r->cond < 0 || r->cond >= wf->nconds || r->cap_cond < 0 ||
            r->cap_cond >= wf->nconds)
            n += problem(&b, wf, "row %d: field or condition out of range", i);
        if (!r->records || !*r->records)
            n += problem(&b, wf, "row %d says nothing of what it records", i);
    }
    for (int a = 0; a < wf->nactions; a++) {
        if (scope[a] < 0)
            n += problem(&b, wf, "action %s has no row", wf_action_name(wf, a));
        if (!wf->actions[a].label || !*wf->actions[a].label || !wf->actions[a].label_en)
            n += problem(&b, wf, "action %s has no label (中文 and English)", wf_action_name(wf, a));
    }
    for (int s = 0; s < wf->nstates; s++)
        if (!wf->states[s].label || !*wf->states[s].label || !wf->states[s].label_en)
            n += problem(&b, wf, "state %s has no label (中文 and English)", wf_state_name(wf, s));
    for (int i = 0; i < wf->nevents; i++) {
        const struct wf_name *ev = &wf->events[i];
        if (!ev->name || !ev->label || !*ev->label || !ev->label_en)
            n += problem(&b, wf, "event %d has no name or label (中文 and English)", i);
        else if (wf_event(wf, ev->name) != ev)
            n += problem(&b, wf, "event %s is an action's or another event's name", ev->name);
    }
    for (int i = 0; i < wf->nwaits; i++) {
        const struct wf_wait *w = &wf->waits[i];
        int nstates = w->part <= 0 ? wf->nstates : w->part < wf->npartdefs ? wf->partdefs[w->part].nstates : 0;
        if (w->part >= wf->npartdefs && w->part > 0) {
            n += problem(&b, wf, "wait %d: unknown part kind", i);
            continue;
        }
        if (w->state < 0 || w->state >= nstates || w->nwho < 1 || w->nwho > WF_WHO_MAX || w->who[0].orelse)
            n += problem(&b, wf, "wait %d: state or people out of range", i);
        if (!w->label || !*w->label || !w->label_en)
            n += problem(&b, wf, "wait %d has no label (中文 and English)", i);
        if (w->cond <= -wf->nconds || w->cond >= wf->nconds)
            n += problem(&b, wf, "wait %d: condition out of range", i);
        if (w->part == 0 && (!wf->phase || !wf->phase(w->state)))
            n += problem(&b, wf, "wait %d: a track waits outside the tracks' phase", i);
        if (w->action >= 0) {
            /* the row the awaited people take: from the wait's state, or (a side part's) any row of the action */
            const struct wf_row *r = w->part <= 0 ? wf_find(wf, w->state, w->action) : NULL;
            for (int k = 0; w->part > 0 && !r && k < wf->nrows; k++)
                if (wf->rows[k].action == w->action)
                    r = &wf->rows[k];
            if (!r || (w->part <= 0 && (r->scope == WF_OBJECT) != (w->part < 0))) {
                n += problem(&b, wf, "wait %s: no row takes %s from its state", w->task, wf_action_name(wf, w->action));
                continue;
            }
            for (int k = 0; k < w->nwho; k++)
                if (!role_takes(&w->who[k], r, w->part > 0))
                    n += problem(&b, wf, "wait %s: person %d cannot take the awaited action", w->task, k);
        }
        for (int k = 0; k < i; k++)
            if (wf->waits[k].part == w->part && wf->waits[k].state == w->state && !strcmp(wf->waits[k].task, w->task) &&
                wf->waits[k].cond == w->cond)
                n += problem(&b, wf, "wait %s is declared twice (%d)", w->task, k);
    }
    for (int i = 0; i < wf->ninforms; i++)
        if (wf->informs[i].action < 0 || wf->informs[i].action >= wf->nactions)
            n += problem(&b, wf, "inform %d: action out of range", i);
    free(scope);
    *problems = n ? buf_take(&b) : NULL;
    if (!n)
        buf_free(&b);
    return n;
}
