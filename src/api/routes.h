/* routes.h: every API route table, in one list (each table lives in the file that implements it). */
#ifndef DUCHA_ROUTES_H
#define DUCHA_ROUTES_H

#include "api/req.h"

extern const struct route health_routes[];
extern const struct route session_routes[];
extern const struct route unit_routes[];
extern const struct route user_routes[];
extern const struct route audit_routes[];
extern const struct route calendar_routes[];
extern const struct route notify_routes[];
extern const struct route docs_routes[];
extern const struct route cluster_routes[];
extern const struct route item_routes[];
extern const struct route webhook_routes[];
extern const struct route todo_routes[];
extern const struct route inspection_routes[];
extern const struct route metrics_routes[];
extern const struct route everyday_routes[];
extern const struct route result_routes[];
extern const struct route public_routes[];
extern const struct route clue_routes[];
extern const struct route survey_routes[];
extern const struct route evaluation_routes[];
extern const struct route scoring_routes[];

/* The ledger filter of GET /api/v1/items (every parameter but page and per_page) from the query
 * string (api_items.c); false after a 400 reply. Also read by the exports (api_docs.c). */
struct ledger_query;
bool ledger_query_from(struct req *rq, struct ledger_query *q);

/* Every registered workflow (api_todos.c), NULL-terminated: docs/workflow.md, GET /api/v1/workflows,
 * the to-dos and the generic tests cover each. */
struct workflow;
extern const struct workflow *const api_workflows[];

/* The limits of the public pages (api_public.c) for a request from client (its address) to a route with
 * these flags: 0 when it may go on, else the seconds to wait (*global: the limit of all addresses was
 * reached, not the address's own). Touches no database and no request: the http layer asks it as soon as
 * the request header is in. */
int api_public_wait(const struct config *cfg, const char *client, unsigned flags, bool *global);
/* The refusal of a request the limits held back: 429 with Retry-After (wait seconds) and the words a person
 * understands. Returns 0. */
int api_public_refusal(struct req *rq, int wait, bool global);

/* The body of a workflow action (a JSON object, possibly empty: the route has no ROUTE_JSON) checked
 * against spec; NULL after a 4xx reply (api_results.c). */
json_t *api_action_body(struct req *rq, const struct jv_field *spec);

/* The spooled upload of a ROUTE_UPLOAD request (multipart/form-data: its first file part; else the raw body) and its
 * name (the part's filename, else ?filename=); NULL after a 400 reply (api_results.c). */
struct req_upload;
const struct req_upload *api_upload(struct req *rq, const char **filename);

/* NULL-terminated list of the tables above. */
extern const struct route *const api_route_tables[];

#endif
