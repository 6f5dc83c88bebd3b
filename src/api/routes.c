#include "api/routes.h"

const struct route *const api_route_tables[] = {
    health_routes,  session_routes, docs_routes,       unit_routes,   user_routes,   audit_routes,
    cluster_routes, item_routes,    calendar_routes,   notify_routes, todo_routes,   inspection_routes,
    metrics_routes, webhook_routes, everyday_routes,   result_routes, public_routes, clue_routes,
    survey_routes,  scoring_routes, evaluation_routes, NULL,
};
