// res.js: what the pages of the results (结果运用: praise, criticism, talks, accountability, referrals,
// error tolerance, policy advice) and of the bulletins (督查通报) share — the kinds, the words of the two workflows'
// states and actions (workflows.js, from the server's tables), the members each action requires (from
// GET /api/v1/workflows), tags and the order of the action buttons.
import { label, t } from '../../i18n'
import { workflows, wfState, wfAction } from '../../workflows'

export const KINDS = ['praise', 'criticism', 'talk', 'accountability', 'referral', 'tolerance', 'advice']
// the server's Chinese label of a kind (kind_label) when a row carries it; English from res.kind.*
export const kindText = (k, serverLabel) => label('res.kind', k, serverLabel)
export const KIND_TAG = { praise: 'success', criticism: 'danger', talk: 'warning', accountability: 'danger', referral: 'danger', tolerance: 'primary', advice: 'info' }

// wf: 'result', 'bulletin' or 'scorecard'
export const stateText = (wf, s, serverLabel) => wfState(wf, s, serverLabel)
export const actionText = (wf, a) => wfAction(wf, a)
export const PATHS = { result: '/api/v1/results', bulletin: '/api/v1/bulletins', scorecard: '/api/v1/scorecards' }

// the body members an action requires (the union over its rows), from the workflow table
export function requires(wf, action) {
  const w = workflows.list.find((x) => x.name === wf)
  return w?.actions.find((a) => a.name === action)?.requires || []
}

export const STATE_TAG = { draft: 'info', pending: 'warning', approved: 'primary', issued: 'success', held: 'warning', reviewing: 'warning',
  closed: 'info', refused: 'danger', withdrawn: 'info', upheld: 'success', rejected: 'info' }

// the main path first, the side actions after
const ORDER = ['submit', 'approve', 'issue', 'record_talk', 'follow_up', 'report_rectification', 'accept_rectification',
  'return_rectification', 'return', 'reopen', 'refuse', 'withdraw']
export const sortActions = (list) => [...(list || [])].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
export const ACTION_TYPE = { withdraw: 'danger', refuse: 'danger', return: 'warning', reopen: 'warning', return_rectification: 'warning' }

// the length of the longest common start of the units' names (the scope's name, left out of chart labels),
// when every name keeps something after it
export function namePrefix(us) {
  if (us.length < 2) return 0
  let k = us[0].name.length
  for (const u of us) { let j = 0; while (j < k && u.name[j] === us[0].name[j]) j++; k = j }
  return us.every((u) => u.name.length > k) ? k : 0
}

// the timeline's own entries (not workflow actions) of each workflow, and the message group naming them
const OWN_EVENTS = { result: ['res.event', ['create', 'update', 'deadline', 'escalate', 'attach']], bulletin: ['res.event', ['create', 'update', 'refresh']],
  scorecard: ['sc.event', ['create', 'update', 'refresh', 'adjust', 'objection', 'objection_upheld', 'objection_rejected']] }
export function eventText(wf, e) {
  const [group, own] = OWN_EVENTS[wf]
  return own.includes(e.action) ? t(`${group}.${e.action}`) : actionText(wf, e.action)
}

// GET path (a record's /events), newest first
export const newestFirst = (r) => [...r.events].reverse()
