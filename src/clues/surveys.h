/*
 * surveys.h: surveys (民意调查 / 问卷), issue 18. A supervision office builds a questionnaire (single
 * choice, multiple choice, a scale, free text; each question required or not), opens it on a public
 * link until its closing day, and closes it; the public answers without an account, one answer per
 * invitation token (mode "token": the office hands out tokens) or per device (mode "device"). The office
 * and the government's leaders see the results (counts per option, the scale's average, the texts) and
 * download them as XLSX. A satisfaction survey (满意度调查) is attached to a rectification task: its
 * result is quoted in the task's verification (hooks_satisfaction, registered by surveys_register).
 *
 * Respondents are protected like reporters (条例 Art. 26): no name or address is asked or kept (the public
 * routes forget the client address), tokens and devices are kept only as digests, an answer is not linked
 * to the invitation it used, and an answer sheet keeps its day, not its time.
 *
 * The survey runs on the workflow engine (survey_workflow: draft → open → closed); every change writes
 * its audit record in its transaction. Permissions: CAP_SURVEY_MANAGE at the survey's government builds,
 * opens, closes and invites; CAP_CLUE_READ there (the office, the government's leaders) reads it and its
 * results. JSON results are owned by the caller.
 */
#ifndef DUCHA_SURVEYS_H
#define DUCHA_SURVEYS_H

#include "base/jsonv.h"
#include "core/ctx.h"
#include "workflow/workflow.h"

#include <jansson.h>

extern const struct workflow survey_workflow;

extern const struct jv_field surveys_create_spec[];
extern const struct jv_field surveys_action_spec[];
extern const struct jv_field surveys_invite_spec[];
extern const struct jv_field surveys_answer_spec[];

/* A new draft: title, intro?, mode ("token"|"device"), closes_on (a day from today on), rect_task_id?
 * (a rectification task of the office: a satisfaction survey), questions [{kind, text, required?,
 * options? (single, multiple: 2..20 labels), scale_max? (scale: 2..10, default 5)}] (1..50). 422 naming
 * the field ("questions[2].options"). 201 with the survey. */
enum err surveys_create(struct ctx *c, const json_t *body, json_t **out);

/* Changes a draft (the same members, all optional; questions replace the draft's); 409 once opened. */
enum err surveys_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* The surveys the user may read, newest first: {"surveys":[…],"total","page","per_page"}; state filters. */
enum err surveys_list(struct ctx *c, const char *state, int64_t rect_task_id, int page, int per_page, json_t **out);

/* One survey with its questions, its public link key and allowed_actions. */
enum err surveys_get(struct ctx *c, int64_t id, json_t **out);

/* A workflow action: open (the draft goes public), close. */
enum err surveys_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);

/* The timeline, oldest first: {"events":[{id, at, actor, actor_name, action, label, from, to, data}]}. */
enum err surveys_events(struct ctx *c, int64_t id, json_t **out);

/* New invitation tokens (token mode, draft or open): {"tokens":[…]} — shown once, only digests are kept. */
enum err surveys_invite(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* The results: {"survey":{…}, "responses", "questions":[{id, kind, text, required, answered,
 * options:[{label, count}] | scale:{max, average, counts:[n per value]} | texts:[…latest 200]}]}. */
enum err surveys_results(struct ctx *c, int64_t id, json_t **out);

/* Every answer sheet, oldest first, for the export: {"survey", "questions":[…], "sheets":[{day, answers:[
 * text per question]}]} (the results' reader only). */
enum err surveys_sheets(struct ctx *c, int64_t id, json_t **out);

/* ---- the public side (no user) ---- */

/* The questionnaire behind a public link (404 for an unknown key or a draft); "accepting" false once
 * closed or past its closing day. */
enum err surveys_public_get(struct ctx *c, const char *key, json_t **out);

/* One answer sheet: {token | device, challenge, solution, answers:[{question_id, choice | choices |
 * value | text}]}. Everything is checked before anything is written (422 naming the field: a missing
 * required answer, a choice out of range …); the challenge is spent and the token or device used in the
 * same transaction (409 for a second answer); 409 when the survey is not accepting answers. 201
 * {"received": true}. */
enum err surveys_answer(struct ctx *c, const char *key, const json_t *body, json_t **out);

/* The scheduler's share: closes (as the system, through the workflow: timeline, audit record, a message
 * to the drafter) at most `limit` open surveys whose closing day has ended (Beijing), each once across
 * nodes (claim_once "survey_close:<id>" commits with the close). *closed: how many this call closed. */
enum err surveys_sched(struct ctx *c, int limit, int *closed);

/* Registers the satisfaction hook (start-up, modules_init). */
void surveys_register(void);

#endif
