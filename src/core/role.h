/*
 * role.h: the roles of DOMAIN.md §1, each held at a unit (a person may hold several), and the
 * signed-in principal that carries them through a request.
 */
#ifndef DUCHA_ROLE_H
#define DUCHA_ROLE_H

#include <stdbool.h>
#include <stdint.h>

enum role {
    ROLE_ADMIN,     /* 系统管理员: units, users, calendar, rules */
    ROLE_PRINCIPAL, /* 政府主要领导 */
    ROLE_LEADER,    /* 分管领导 (with a portfolio of units) */
    ROLE_DIRECTOR,  /* 政府办主任 */
    ROLE_DEPUTY,    /* 政府办副主任 */
    ROLE_SECRETARY, /* 秘书科室 */
    ROLE_OFFICE,    /* 督查室 */
    ROLE_INSPECTOR, /* 督查专员 */
    ROLE_PARTTIME,  /* 兼职督查员 */
    ROLE_CONTACT,   /* 承办单位联络员 */
    ROLE_HEAD,      /* 承办单位主要负责人 */
    ROLE_EVALUATOR, /* 第三方评估机构 */
    ROLE__COUNT
};

/* "admin", "principal", … */
const char *role_name(enum role r);
/* 中文 name, e.g. "督查室". */
const char *role_label(enum role r);
bool role_parse(const char *s, enum role *out);

struct grant {
    enum role role;
    int64_t unit_id;
    const char *unit_path; /* materialized path, e.g. "/1/7/" */
    const char *unit_code;
    const char *unit_name;
};

struct principal {
    int64_t id;
    const char *username;
    const char *name;
    struct grant *grants;
    int ngrants;
    int64_t *portfolio; /* units a leader in charge supervises */
    const char **portfolio_paths;
    int nportfolio;
    int64_t session_id; /* 0 when authenticated by an API token */
    const char *csrf;
    bool must_change_password;
};

#endif
