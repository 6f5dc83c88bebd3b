#include "core/role.h"

#include <string.h>

static const struct {
    const char *name, *label;
} roles[ROLE__COUNT] = {
    [ROLE_ADMIN] = {"admin", "系统管理员"},       [ROLE_PRINCIPAL] = {"principal", "政府主要领导"},
    [ROLE_LEADER] = {"leader", "分管领导"},       [ROLE_DIRECTOR] = {"director", "政府办主任"},
    [ROLE_DEPUTY] = {"deputy", "政府办副主任"},   [ROLE_SECRETARY] = {"secretary", "秘书科室"},
    [ROLE_OFFICE] = {"office", "督查室"},         [ROLE_INSPECTOR] = {"inspector", "督查专员"},
    [ROLE_PARTTIME] = {"parttime", "兼职督查员"}, [ROLE_CONTACT] = {"contact", "承办单位联络员"},
    [ROLE_HEAD] = {"head", "承办单位主要负责人"}, [ROLE_EVALUATOR] = {"evaluator", "第三方评估机构"},
};

const char *role_name(enum role r)
{
    return (unsigned)r < ROLE__COUNT ? roles[r].name : "?";
}

const char *role_label(enum role r)
{
    return (unsigned)r < ROLE__COUNT ? roles[r].label : "?";
}

bool role_parse(const char *s, enum role *out)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (s && strcmp(s, roles[i].name) == 0) {
            *out = (enum role)i;
            return true;
        }
    return false;
}
