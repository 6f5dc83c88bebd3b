/* hooks.c: the registered functions of higher layers; see hooks.h. */
#include "core/hooks.h"

#include "base/log.h"

static struct doc_hooks docs;

void hooks_set_docs(const struct doc_hooks *h)
{
    docs = *h;
}

static enum err missing(struct ctx *c, const char *what)
{
    log_error("bug: no %s hook registered (modules_init was not called)", what);
    return ctx_fail(c, ERR_INTERNAL, "文档服务未启用，无法%s", what);
}

enum err hooks_seal_reply(struct ctx *c, const struct doc_reply *r)
{
    return docs.seal_reply ? docs.seal_reply(c, r) : missing(c, "加盖电子印章");
}

enum err hooks_archive(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    return docs.archive ? docs.archive(c, object_type, object_id, out) : missing(c, "立卷归档");
}

enum err hooks_seal_issue(struct ctx *c, const struct doc_issue *d)
{
    return docs.seal_issue ? docs.seal_issue(c, d) : missing(c, "加盖电子印章");
}

static struct insp_hooks insp;

void hooks_set_inspections(const struct insp_hooks *h)
{
    insp = *h;
}

enum err hooks_escalated(struct ctx *c, const struct escalation *x, int64_t *inspection_id)
{
    *inspection_id = 0;
    return insp.escalated ? insp.escalated(c, x, inspection_id) : ERR_OK;
}

struct burden_sent *hooks_burden_send(struct ctx *c, const struct burden_request *r)
{
    return insp.burden_send ? insp.burden_send(c, r) : NULL;
}

enum err hooks_burden_take(struct ctx *c, const struct burden_request *r, struct burden_sent *s, json_t **warnings)
{
    if (s && insp.burden_take)
        return insp.burden_take(c, r, s, warnings);
    *warnings = json_array();
    return ERR_OK;
}

void hooks_burden_drop(struct burden_sent *s)
{
    if (s && insp.burden_drop)
        insp.burden_drop(s);
}

enum err hooks_burden(struct ctx *c, const struct burden_request *r, json_t **warnings)
{
    return hooks_burden_take(c, r, hooks_burden_send(c, r), warnings);
}

enum err hooks_exceptions_decide(struct ctx *c, const char *object_type, int64_t object_id, bool approve)
{
    return insp.exceptions_decide ? insp.exceptions_decide(c, object_type, object_id, approve) : ERR_OK;
}

static struct survey_hooks surveys;

void hooks_set_surveys(const struct survey_hooks *h)
{
    surveys = *h;
}

enum err hooks_satisfaction(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    *out = NULL;
    return surveys.satisfaction ? surveys.satisfaction(c, object_type, object_id, out) : ERR_OK;
}

static struct clue_hooks clues;

void hooks_set_clues(const struct clue_hooks *h)
{
    clues = *h;
}

enum err hooks_clue_source(struct ctx *c, int64_t clue_id, json_t **out)
{
    *out = NULL;
    return clues.source ? clues.source(c, clue_id, out) : ERR_OK;
}
