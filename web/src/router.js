// router.js: the pages. Each page declares the capability it needs (meta.cap: a name, or a list of
// which any will do; the names of GET /api/v1/session, src/core/perm.c). The side menu and the
// workbench's shortcuts are generated from these routes (meta.menu, meta.shortcut): a page the user
// may not open is never offered, and opening it by its address shows a page that says why
// (Layout.vue renders Forbidden.vue instead). Titles are message keys.
import { createRouter, createWebHistory } from 'vue-router'
import { session, canAny } from './session'
import { loadSession } from './api'
import { loadMeta } from './items'
import { loadWorkflows } from './workflows'
import { navStart, navEnd } from './toast'

const Layout = () => import('./views/Layout.vue')
const SURVEY_READERS = ['survey_manage', 'item_decide', 'item_approve']

const pages = [
  { path: '', name: 'workbench', component: () => import('./views/Workbench.vue'), meta: { title: 'menu.workbench', cap: 'signed_in', menu: { icon: 'IconHouse' } } },
  { path: 'items', name: 'ledger', component: () => import('./views/Ledger.vue'), meta: { title: 'menu.ledger', cap: 'item_read', menu: { icon: 'IconTickets' }, shortcut: true } },
  { path: 'items/new', name: 'item-new', component: () => import('./views/ItemNew.vue'), meta: { title: 'menu.item-new', cap: 'item_register', menu: { icon: 'IconEditPen' }, shortcut: true } },
  { path: 'items/:id(\\d+)/edit', name: 'item-edit', component: () => import('./views/ItemNew.vue'), meta: { title: 'menu.item-edit', cap: 'item_register', active: 'ledger' } },
  { path: 'items/:id(\\d+)', name: 'item', component: () => import('./views/ItemDetail.vue'), meta: { title: 'menu.item', cap: 'item_read', active: 'ledger' } },
  { path: 'items/:id(\\d+)/report', name: 'report-form', component: () => import('./views/reports/ReportForm.vue'), meta: { title: 'menu.report-form', cap: 'item_read', active: 'ledger' } },
  { path: 'overview', name: 'overview', component: () => import('./views/Overview.vue'), meta: { title: 'menu.overview', cap: 'item_read', menu: { icon: 'IconDataAnalysis' }, shortcut: true } },
  // inspections (督查检查, src/views/inspections): the server decides what each user sees in them
  { path: 'inspections', name: 'inspections', component: () => import('./views/inspections/Inspections.vue'), meta: { title: 'menu.inspections', cap: ['insp_read', 'insp_field', 'insp_evaluate'], menu: { icon: 'IconAim', group: 'insp' }, shortcut: true } },
  { path: 'inspections/new', name: 'inspection-new', component: () => import('./views/inspections/InspectionNew.vue'), meta: { title: 'menu.inspection-new', cap: 'insp_manage', active: 'inspections' } },
  { path: 'inspections/:id(\\d+)', name: 'inspection', component: () => import('./views/inspections/InspectionDetail.vue'), meta: { title: 'menu.inspection', cap: ['insp_read', 'insp_field', 'insp_evaluate'], active: 'inspections' } },
  { path: 'inspections/:id(\\d+)/field', name: 'inspection-field', component: () => import('./views/inspections/FieldWork.vue'), meta: { title: 'menu.inspection-field', cap: ['insp_field', 'insp_manage'], active: 'inspections' } },
  { path: 'inspections/plans', name: 'plans', component: () => import('./views/inspections/Plans.vue'), meta: { title: 'menu.plans', cap: 'insp_read', menu: { icon: 'IconCalendar', group: 'insp' } } },
  { path: 'inspections/plans/:id(\\d+)', name: 'plan', component: () => import('./views/inspections/PlanDetail.vue'), meta: { title: 'menu.plan', cap: 'insp_read', active: 'plans' } },
  { path: 'inspections/rectifications', name: 'rectifications', component: () => import('./views/inspections/Rectifications.vue'), meta: { title: 'menu.rectifications', cap: ['insp_read', 'rect_handle'], menu: { icon: 'IconFinished', group: 'insp' }, shortcut: true } },
  { path: 'inspections/rectifications/:id(\\d+)', name: 'rectification', component: () => import('./views/inspections/RectificationDetail.vue'), meta: { title: 'menu.rectification', cap: ['insp_read', 'rect_handle'], active: 'rectifications' } },
  { path: 'inspections/reviews', name: 'reviews', component: () => import('./views/inspections/Reviews.vue'), meta: { title: 'menu.reviews', cap: ['insp_read', 'rect_handle'], menu: { icon: 'IconScaleToOriginal', group: 'insp' } } },
  { path: 'inspections/reviews/:id(\\d+)', name: 'review', component: () => import('./views/inspections/ReviewDetail.vue'), meta: { title: 'menu.review', cap: ['insp_read', 'rect_handle'], active: 'reviews' } },
  { path: 'inspections/inspectors', name: 'roster', component: () => import('./views/inspections/Roster.vue'), meta: { title: 'menu.roster', cap: ['insp_read', 'insp_field'], menu: { icon: 'IconUserFilled', group: 'insp' } } },
  { path: 'liaisons', name: 'liaisons', component: () => import('./views/Liaisons.vue'), meta: { title: 'menu.liaisons', cap: 'unit_read', menu: { icon: 'IconPhone' } } },
  // using the results (结果运用, src/views/results): records and bulletins; a unit sees those about it once issued
  { path: 'results', name: 'results', component: () => import('./views/results/Results.vue'), meta: { title: 'menu.results', cap: 'item_read', menu: { icon: 'IconMedal', group: 'res' }, shortcut: true } },
  { path: 'results/new', name: 'result-new', component: () => import('./views/results/ResultEdit.vue'), meta: { title: 'menu.result-new', cap: 'result_draft', active: 'results' } },
  { path: 'results/:id(\\d+)/edit', name: 'result-edit', component: () => import('./views/results/ResultEdit.vue'), meta: { title: 'menu.result-edit', cap: 'result_draft', active: 'results' } },
  { path: 'results/:id(\\d+)', name: 'result', component: () => import('./views/results/ResultDetail.vue'), meta: { title: 'menu.result', cap: 'item_read', active: 'results' } },
  { path: 'bulletins', name: 'bulletins', component: () => import('./views/results/Bulletins.vue'), meta: { title: 'menu.bulletins', cap: 'item_read', menu: { icon: 'IconNotification', group: 'res' }, shortcut: true } },
  { path: 'bulletins/:id(\\d+)', name: 'bulletin', component: () => import('./views/results/BulletinDetail.vue'), meta: { title: 'menu.bulletin', cap: 'item_read', active: 'bulletins' } },
  { path: 'burden', name: 'burden', component: () => import('./views/results/Burden.vue'), meta: { title: 'menu.burden', cap: 'item_read', menu: { icon: 'IconDataAnalysis', group: 'res' } } },
  { path: 'warnings', name: 'warnings', component: () => import('./views/results/Warnings.vue'), meta: { title: 'menu.warnings', cap: 'item_read', menu: { icon: 'IconWarning', group: 'res' } } },
  { path: 'statistics', name: 'statistics', component: () => import('./views/results/Statistics.vue'), meta: { title: 'menu.statistics', cap: ['result_draft', 'result_approve', 'item_decide', 'item_review'], menu: { icon: 'IconDataLine', group: 'res' } } },
  { path: 'periodic-reports', name: 'periodic-reports', component: () => import('./views/reports/PeriodicReports.vue'), meta: { title: 'menu.periodic-reports', cap: ['result_draft', 'result_approve', 'item_decide', 'item_review'], menu: { icon: 'IconDocumentChecked', group: 'res' } } },
  { path: 'scorecards', name: 'scorecards', component: () => import('./views/results/Scorecards.vue'), meta: { title: 'menu.scorecards', cap: 'item_read', menu: { icon: 'IconTrophy', group: 'res' } } },
  { path: 'scorecards/rules', name: 'score-rules', component: () => import('./views/results/ScoreRules.vue'), meta: { title: 'menu.score-rules', cap: 'result_draft', active: 'scorecards' } },
  { path: 'scorecards/objections', name: 'objections', component: () => import('./views/results/Objections.vue'), meta: { title: 'menu.objections', cap: 'item_read', active: 'scorecards' } },
  { path: 'objections/:id(\\d+)', name: 'objection', component: () => import('./views/results/Objections.vue'), meta: { title: 'menu.objections', cap: 'item_read', active: 'scorecards' } },
  { path: 'scorecards/:id(\\d+)', name: 'scorecard', component: () => import('./views/results/ScorecardDetail.vue'), meta: { title: 'menu.scorecard', cap: 'item_read', active: 'scorecards' } },
  { path: 'clues', name: 'clues', component: () => import('./views/Clues.vue'), meta: { title: 'menu.clues', cap: 'clue_read', menu: { icon: 'IconChatLineSquare' }, shortcut: true } },
  { path: 'clues/:id(\\d+)', name: 'clue', component: () => import('./views/ClueDetail.vue'), meta: { title: 'menu.clue', cap: 'clue_read', active: 'clues' } },
  // grassroots contact points (基层联系点): the office designates them and reads their reports (each a clue); a point's own
  // contact and head report from its page (the server decides who sees which point and what of its reports)
  { path: 'contact-points', name: 'contact-points', component: () => import('./views/contactpoints/ContactPoints.vue'), meta: { title: 'menu.contact-points', cap: 'clue_read', menu: { icon: 'IconMapLocation' } } },
  { path: 'contact-points/:id(\\d+)', name: 'contact-point', component: () => import('./views/contactpoints/ContactPointDetail.vue'), meta: { title: 'menu.contact-point', cap: 'clue_read', active: 'contact-points' } },
  // surveys (民意调查): the office builds and opens them; the government's leaders read the results (the
  // server reads clue_read held at the government: the units' contacts, who hold it at their unit, see none)
  { path: 'surveys', name: 'surveys', component: () => import('./views/surveys/Surveys.vue'), meta: { title: 'menu.surveys', cap: SURVEY_READERS, menu: { icon: 'IconDataAnalysis' } } },
  { path: 'surveys/new', name: 'survey-new', component: () => import('./views/surveys/SurveyEdit.vue'), meta: { title: 'menu.survey-new', cap: 'survey_manage', active: 'surveys' } },
  { path: 'surveys/:id(\\d+)/edit', name: 'survey-edit', component: () => import('./views/surveys/SurveyEdit.vue'), meta: { title: 'menu.survey-edit', cap: 'survey_manage', active: 'surveys' } },
  { path: 'surveys/:id(\\d+)', name: 'survey', component: () => import('./views/surveys/SurveyDetail.vue'), meta: { title: 'menu.survey', cap: SURVEY_READERS, active: 'surveys' } },
  // third-party evaluation (第三方评估): the office engages an evaluator; the evaluator and the units evaluated
  // see the engagements they are part of (the server decides what each sees)
  { path: 'evaluations', name: 'evaluations', component: () => import('./views/evaluations/Evaluations.vue'), meta: { title: 'menu.evaluations', cap: ['insp_read', 'insp_evaluate'], menu: { icon: 'IconStamp', group: 'insp' } } },
  { path: 'evaluations/new', name: 'evaluation-new', component: () => import('./views/evaluations/EvaluationNew.vue'), meta: { title: 'menu.evaluation-new', cap: 'insp_manage', active: 'evaluations' } },
  { path: 'evaluator-orgs', name: 'evaluator-orgs', component: () => import('./views/evaluations/EvaluatorOrgs.vue'), meta: { title: 'menu.evaluator-orgs', cap: 'insp_manage', menu: { icon: 'IconOfficeBuilding', group: 'insp' } } },
  { path: 'evaluator-orgs/:id(\\d+)', name: 'evaluator-org', component: () => import('./views/evaluations/EvaluatorOrg.vue'), meta: { title: 'menu.evaluator-org', cap: 'insp_manage', active: 'evaluator-orgs' } },
  { path: 'evaluations/:id(\\d+)', name: 'evaluation', component: () => import('./views/evaluations/EvaluationDetail.vue'), meta: { title: 'menu.evaluation', cap: ['insp_read', 'insp_evaluate'], active: 'evaluations' } },
  { path: 'inbox', name: 'inbox', component: () => import('./views/Inbox.vue'), meta: { title: 'menu.inbox', cap: 'signed_in', menu: { icon: 'IconBell' } } },
  { path: 'preferences', name: 'preferences', component: () => import('./views/Preferences.vue'), meta: { title: 'menu.preferences', cap: 'signed_in' } },
  { path: 'admin/units', name: 'units', component: () => import('./views/admin/Units.vue'), meta: { title: 'menu.units', cap: 'unit_write', menu: { icon: 'IconOfficeBuilding', group: 'admin' }, shortcut: true } },
  { path: 'admin/users', name: 'users', component: () => import('./views/admin/Users.vue'), meta: { title: 'menu.users', cap: 'user_admin', menu: { icon: 'IconAvatar', group: 'admin' }, shortcut: true } },
  // the office reads the calendar and the rules its deadlines come from; the administrator edits them
  { path: 'admin/calendar', name: 'calendar', component: () => import('./views/admin/Calendar.vue'), meta: { title: 'menu.calendar', cap: ['system_admin', 'item_register'], menu: { icon: 'IconCalendar', group: 'admin' } } },
  { path: 'admin/rules', name: 'rules', component: () => import('./views/admin/Rules.vue'), meta: { title: 'menu.rules', cap: ['system_admin', 'item_register'], menu: { icon: 'IconTimer', group: 'admin' } } },
  { path: 'admin/outbox', name: 'outbox', component: () => import('./views/admin/Outbox.vue'), meta: { title: 'menu.outbox', cap: 'system_admin', menu: { icon: 'IconMessage', group: 'admin' } } },
  { path: 'admin/webhooks', name: 'webhooks', component: () => import('./views/admin/Webhooks.vue'), meta: { title: 'menu.webhooks', cap: 'webhook_admin', menu: { icon: 'IconPromotion', group: 'admin' } } },
  { path: 'admin/audit', name: 'audit', component: () => import('./views/admin/Audit.vue'), meta: { title: 'menu.audit', cap: 'audit_read', menu: { icon: 'IconDocumentChecked', group: 'admin' }, shortcut: true } },
  { path: ':rest(.*)*', name: 'notfound', component: () => import('./views/NotFound.vue'), meta: { title: 'menu.notfound', cap: 'signed_in' } },
]

const routes = [
  { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true, title: 'menu.login' } },
  // the bulletins published to the public: no sign-in (the server leaves out every person's data)
  // the public pages (互联网+督查, /p/…) are another entry: src/public/main.js, web/public.html
  { path: '/password', name: 'password', component: () => import('./views/ChangePassword.vue'), meta: { title: 'menu.password', cap: 'signed_in' } },
  { path: '/', component: Layout, children: pages },
]

const router = createRouter({ history: createWebHistory(), routes })

// May the signed-in user open this route?
export const allowed = (route) => canAny(route.meta?.cap)

// The side menu: the pages with a menu entry the user may open, in the order above; the entries of a
// group become one sub-menu ({group, children}).
export const MENU_GROUPS = { insp: { title: 'menu.insp', icon: 'IconAim' }, res: { title: 'menu.res', icon: 'IconTrophy' }, admin: { title: 'menu.admin', icon: 'IconSetting' } }
export function menuFor() {
  const out = []
  for (const r of pages) {
    if (!r.meta.menu || !allowed(r)) continue
    const entry = { name: r.name, title: r.meta.title, icon: r.meta.menu.icon }
    const gname = r.meta.menu.group
    if (!gname) { out.push(entry); continue }
    let grp = out.find((x) => x.group === gname)
    if (!grp) out.push((grp = { group: gname, ...MENU_GROUPS[gname], children: [] }))
    grp.children.push(entry)
  }
  return out
}

// The workbench's shortcuts: the pages marked as such that the user may open.
export const shortcutsFor = () => pages.filter((r) => r.meta.shortcut && allowed(r))
  .map((r) => ({ name: r.name, title: r.meta.title, icon: r.meta.menu?.icon }))

// a success message waits for the navigation to end (toast.js)
router.beforeEach(() => { navStart() })
router.afterEach(() => { navEnd() })
router.onError(() => { navEnd() })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.loaded) await loadSession()
  if (!session.user) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (session.user.must_change_password) return to.name === 'password' ? true : { name: 'password' }
  // the labels of states, actions and kinds, before any page shows one
  await Promise.all([loadMeta(), loadWorkflows()]).catch(() => {})
  return true
})

export default router
