#include "base/err.h"

static const struct {
    int status;
    const char *code;
    const char *message;
} err_table[ERR__COUNT] = {
    [ERR_OK] = {200, "ok", "成功"},
    [ERR_BAD_REQUEST] = {400, "bad_request", "请求格式不正确"},
    [ERR_UNAUTHORIZED] = {401, "unauthorized", "请先登录"},
    [ERR_FORBIDDEN] = {403, "forbidden", "没有权限执行此操作"},
    [ERR_NOT_FOUND] = {404, "not_found", "对象不存在或无权查看"},
    [ERR_METHOD] = {405, "method_not_allowed", "不支持该请求方法"},
    [ERR_CONFLICT] = {409, "conflict", "当前状态不允许此操作"},
    [ERR_TOO_LARGE] = {413, "too_large", "请求内容过大"},
    [ERR_URI_TOO_LONG] = {414, "uri_too_long", "请求地址过长"},
    [ERR_MEDIA_TYPE] = {415, "unsupported_media_type", "不支持的内容类型"},
    [ERR_INVALID] = {422, "invalid", "提交的数据不符合要求"},
    [ERR_TOO_MANY] = {429, "too_many_requests", "请求过于频繁，请稍后再试"},
    [ERR_HEADERS_TOO_LARGE] = {431, "headers_too_large", "请求头过大"},
    [ERR_INTERNAL] = {500, "internal", "服务器内部错误"},
    [ERR_UNAVAILABLE] = {503, "unavailable", "服务暂时不可用，请稍后重试"},
};

int err_status(enum err e)
{
    return (unsigned)e < ERR__COUNT ? err_table[e].status : 500;
}

const char *err_code(enum err e)
{
    return (unsigned)e < ERR__COUNT ? err_table[e].code : "internal";
}

const char *err_default_message(enum err e)
{
    return (unsigned)e < ERR__COUNT ? err_table[e].message : err_table[ERR_INTERNAL].message;
}
