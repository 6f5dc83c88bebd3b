/*
 * surveys_internal.h: what the survey files share: the survey as loaded (it begins with the engine's
 * wf_obj) and the workflow's enums. Files: survey_workflow.c (the table and the hooks), survey.c (the
 * office's side: drafts, lists, invitations, results), survey_public.c (the public link, answers, the
 * satisfaction hook).
 */
#ifndef DUCHA_SURVEYS_INTERNAL_H
#define DUCHA_SURVEYS_INTERNAL_H

#include "clues/clues_internal.h"
#include "clues/surveys.h"

#define SURVEY_WHAT "问卷"
#define SURVEY_KIND "survey" /* the workflow's name, the audit object type */
#define SURVEY_QUESTIONS_MAX 50
#define SURVEY_OPTIONS_MAX 20
#define SURVEY_TEXT_MAX 1000 /* characters of a text answer */

enum survey_state { SURVEY_ST_DRAFT, SURVEY_ST_OPEN, SURVEY_ST_CLOSED, SURVEY_ST__COUNT };
enum survey_action { SURVEY_ACT_OPEN, SURVEY_ACT_CLOSE, SURVEY_ACT__COUNT };

struct survey_question {
    int64_t id;
    const char *kind, *text;
    bool required;
    const char **options; /* single, multiple: the labels (arena) */
    int noptions, scale_max;
};

struct survey {
    struct wf_obj wf; /* first: id, version, state, home, scope, title */
    int64_t office_unit_id, rect_task_id, created_by;
    const char *office_path, *office_name, *intro, *mode, *closes_on, *link_key, *created_at, *updated_at, *opened_at,
        *closed_at, *rect_number, *rect_title;
    int responses;
    struct survey_question *questions;
    int nquestions;
};

static inline struct survey *survey_of(struct wf_obj *o)
{
    return (struct survey *)o;
}

const char *survey_state_name(int s);
const char *survey_state_label(int s);
int survey_state_parse(const char *s);

/* Loads the survey and its questions without permission checks (404 when absent). */
enum err survey_load(struct ctx *c, int64_t id, struct survey *out);
/* Locks the survey's row; 409 when its version moved since it was loaded. */
enum err survey_lock(struct ctx *c, const struct survey *s);
/* Does the survey take answers now (open, and its closing day, Beijing time, not yet ended)? */
bool survey_accepting(struct ctx *c, const struct survey *s);
/* Why it does not: "问卷已截止（截止日期 …）…" once the closing day has ended (open or closed), "问卷已结束
 * 收集…" when the office closed it before; NULL when it takes answers. In the arena or static. */
const char *survey_refusal(struct ctx *c, const struct survey *s);
/* The questions as the public and the office see them: [{id, kind, text, required, options, scale_max}]. */
json_t *survey_questions_json(const struct survey *s);
/* Appends a timeline row (data borrowed, may be NULL; from/to -1 when the state did not move). */
enum err survey_event(struct ctx *c, int64_t id, const char *action, int from, int to, const json_t *data);
/* SHA-256 of "ducha.survey.<what>.<value>" as hex. */
void survey_digest(const char *what, const char *value, char out[65]);

#endif
