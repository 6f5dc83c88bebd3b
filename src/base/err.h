/*
 * err.h: the one project-wide set of expected failures. Every function that can fail for a reason a
 * user or operator should hear about returns one of these; each maps to one HTTP status and one
 * machine-readable code. Bugs are not errors: they assert.
 */
#ifndef DUCHA_ERR_H
#define DUCHA_ERR_H

enum err {
    ERR_OK = 0,
    ERR_BAD_REQUEST,       /* 400 bad_request: malformed JSON, bad query string, invalid UTF-8 */
    ERR_UNAUTHORIZED,      /* 401 unauthorized: no or expired session, wrong password */
    ERR_FORBIDDEN,         /* 403 forbidden: signed in, but not allowed (role, CSRF) */
    ERR_NOT_FOUND,         /* 404 not_found: does not exist or not visible to this user */
    ERR_METHOD,            /* 405 method_not_allowed */
    ERR_CONFLICT,          /* 409 conflict: wrong state, duplicate, changed concurrently */
    ERR_TOO_LARGE,         /* 413 too_large */
    ERR_URI_TOO_LONG,      /* 414 uri_too_long */
    ERR_MEDIA_TYPE,        /* 415 unsupported_media_type */
    ERR_INVALID,           /* 422 invalid: well-formed but wrong values */
    ERR_LOCKED,            /* 423 locked: account locked after failed logins */
    ERR_TOO_MANY,          /* 429 too_many_requests: sign-in attempts throttled */
    ERR_HEADERS_TOO_LARGE, /* 431 headers_too_large */
    ERR_INTERNAL,          /* 500 internal */
    ERR_UNAVAILABLE,       /* 503 unavailable: database unreachable or busy beyond the wait */
    ERR__COUNT
};

/* HTTP status for an error; 200 for ERR_OK. */
int err_status(enum err e);
/* Stable machine-readable code, e.g. "not_found". */
const char *err_code(enum err e);
/* A default Chinese sentence for the error, used when the code path gave no message. */
const char *err_default_message(enum err e);

#endif
