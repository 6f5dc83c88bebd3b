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

#endif
