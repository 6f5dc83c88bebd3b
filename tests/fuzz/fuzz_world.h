/*
 * fuzz_world.h: what the libFuzzer targets share: a demo database in a temporary directory (made once
 * per process by `ducha demo`), an app on it, and API tokens of the top administrator and the office of
 * 古城县, so that a fuzzed request gets past authentication into the handlers.
 */
#ifndef DUCHA_FUZZ_WORLD_H
#define DUCHA_FUZZ_WORLD_H

#include "api/req.h"

struct fuzz_world {
    struct app app;
    char dir[256];
    char top_token[64];    /* Bearer token of "admin" (the top unit's administrator) */
    char office_token[64]; /* Bearer token of "gc_office" */
};

/* The world, made on the first call (aborts if it cannot be made): by LLVMFuzzerInitialize, which every
 * target that links fuzz_world.c gets from it, so that no input pays for it. */
struct fuzz_world *fuzz_world(void);
/* A ctx of the system (no user) on a connection of the world's store; release with fuzz_ctx_done. */
void fuzz_ctx(struct ctx *c, struct arena *a);
void fuzz_ctx_done(struct ctx *c, struct arena *a);

int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
