/*
 * http.h: the HTTP server (libmicrohttpd with epoll and a thread pool), the router that runs the
 * checks every API route shares, and static files for the web application.
 */
#ifndef DUCHA_HTTP_H
#define DUCHA_HTTP_H

#include "api/req.h"

struct http_server;

/* Starts listening on app->cfg.listen; NULL with a message in err on failure. */
struct http_server *http_start(struct app *app, char *err, size_t errlen);
/* Stops accepting, finishes requests in flight, frees. */
void http_stop(struct http_server *s);

/*
 * Runs the whole API pipeline for a filled-in request: route match (404/405), authentication
 * (cookie session or bearer token), CSRF check for cookie sessions on mutating methods, the
 * route's capability, body parsing, then the handler. Always leaves a reply in rq.
 */
void router_dispatch(struct req *rq);
/*
 * The checks of router_dispatch that need no body (route, authentication, CSRF, capability), for
 * uploads before their bytes are read: true if the request may go on, else false with the refusal
 * in rq. The request's database connection is released again.
 */
bool router_precheck(struct req *rq);
/* The public pages' limits (api_public_wait) for a request from client whose route has these flags, before
 * its body: 0 when it may go on, else the seconds to wait (*global: all addresses' limit). */
int router_public_wait(struct app *app, const char *client, unsigned flags, bool *global);
/* The 429 refusal of such a request in rq (JSON, Retry-After). */
void router_public_refusal(struct req *rq, int wait, bool global);
/* The flags of the route method + path would reach (0 and *found false if none). */
unsigned router_route_flags(const char *method, const char *path, bool test_clock, bool *found);

#endif
