/* api_docs.c: seals and signatures (/api/v1/units/{id}/seal, /api/v1/signatures/{id}); documents. */
#include "api/routes.h"
#include "docs/seal.h"

/* POST /api/v1/units/{id}/seal: creates the unit's SM2 seal. 201 with its public part. */
static int h_seal_create(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    json_t *out = NULL;
    enum err e = seal_create(&rq->ctx, id, &out);
    return reply_result(rq, e, 201, out);
}

static int h_seal_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    json_t *out = NULL;
    enum err e = seal_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/signatures/{id}: a signature record with everything needed to verify it offline. */
static int h_signature_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "电子签章记录不存在");
    json_t *out = NULL;
    enum err e = seal_signature_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

const struct route docs_routes[] = {
    {"POST", "/api/v1/units/{id}/seal", h_seal_create, CAP_UNIT_WRITE, 0, "create the unit's digital seal (SM2)"},
    {"GET", "/api/v1/units/{id}/seal", h_seal_get, CAP_UNIT_READ, 0, "the unit's seal: fingerprint and public key"},
    {"GET", "/api/v1/signatures/{id}", h_signature_get, CAP_SIGNED_IN, 0, "a seal signature, verifiable offline"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
