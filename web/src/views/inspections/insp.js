// insp.js: what the inspection pages share — the module's enumerations (GET /api/v1/inspections/meta:
// kinds, methods, bases, inspector kinds, settings), the words of the four workflows' states and actions
// (workflows.js), the required body members of each action (from GET /api/v1/workflows), tags and the
// order of action buttons.
import { reactive } from 'vue'
import { get } from '../../api'
import { t, te, label } from '../../i18n'
import { workflows, loadWorkflows, wfState, wfAction } from '../../workflows'

export const imeta = reactive({ loaded: false, kinds: [], methods: [], bases: [], inspector_kinds: [], settings: {} })
let pending = null

export function loadInspMeta() {
  if (imeta.loaded) return Promise.resolve(imeta)
  if (!pending) {
    pending = Promise.all([get('/api/v1/inspections/meta', null, { quiet: true }), loadWorkflows()]).then(([m]) => {
      Object.assign(imeta, m, { loaded: true })
      return imeta
    }).catch((e) => { pending = null; throw e })
  }
  return pending
}

// the server's Chinese label of an enumeration value, English from the message files (insp.kind.* …)
const serverLabel = (list, name) => imeta[list]?.find((x) => x.name === name)?.label
export const kindText = (k) => label('insp.kind', k, serverLabel('kinds', k))
export const methodText = (m) => label('insp.method', m, serverLabel('methods', m))
export const basisText = (b) => label('insp.basis', b, serverLabel('bases', b))
export const inspectorKindText = (k) => label('insp.inspectorKind', k, serverLabel('inspector_kinds', k))

// the four workflows: 'plan', 'inspection', 'rectification', 'review'
export const stateText = (wf, s, serverLbl) => wfState(wf, s, serverLbl)
export const actionText = (wf, a) => wfAction(wf, a)

// a deadline's step or a deadline event's action in words: remind-3 → 到期前 3 个工作日提醒, press → 逾期督办 …
export function deadlineText(s) {
  const m = /^remind-(\d+)$/.exec(s || '')
  if (m) return +m[1] ? t('insp.stepRemind', { n: +m[1] }) : t('auditAction.milestone.remind')
  return te(`auditAction.milestone.${s}`) ? t(`auditAction.milestone.${s}`) : s
}

// the words of an event of an inspection's or a task's timeline: a transition by its action's words; its creation,
// an escalation and a look-back by their own; a deadline's by its step; the other kinds by theirs (insp.event.*)
const EVENT_KINDS = ['transition', 'comment', 'origin', 'review', 'lookback', 'deadline', 'record', 'evidence', 'evaluation', 'finding',
  'team', 'update', 'report', 'entry']
export function eventText(wf, e) {
  if (e.action === 'create') return t(wf === 'rectification' ? 'insp.event.task_create' : 'insp.event.create')
  if (wf === 'rectification' && e.action === 'escalate') return t('insp.event.task_escalate')
  if (e.kind === 'deadline') return t('insp.event.deadline', { action: deadlineText(e.action) })
  if (e.action === 'lookback') return t('insp.event.lookback')
  if (e.kind === 'transition') return actionText(wf, e.action)
  return t('insp.event.' + (EVENT_KINDS.includes(e.kind) ? e.kind : 'other'), { action: e.action })
}

// the body members an action requires (the union over its rows), from the workflow table
export function requires(wf, action) {
  const w = workflows.list.find((x) => x.name === wf)
  return w?.actions.find((a) => a.name === action)?.requires || []
}

export const STATE_TAG = {
  draft: 'info', proposed: 'warning', opened: 'primary', scheme_submitted: 'warning', scheme_approved: 'primary',
  in_progress: 'primary', findings_submitted: 'warning', findings_issued: 'danger', concluded: 'success',
  conclusion_received: 'success', closed: 'info', withdrawn: 'info', merged: 'info',
  drafting: 'info', submitted: 'warning', approved: 'primary', filed: 'success',
  assigned: 'warning', rectifying: 'primary', signing: 'warning', verified: 'success',
  requested: 'warning', accepted: 'primary', decided: 'success', rejected: 'info',
}

// the main path first, the side actions after, comment last
const ORDER = ['open', 'submit', 'approve', 'submit_scheme', 'approve_scheme', 'start', 'start_covert', 'submit_findings',
  'issue_findings', 'issue_conclusion', 'receive_conclusion', 'send_report', 'close', 'file', 'receive', 'report', 'sign',
  'verify', 'close_now', 'accept', 'decide', 'include_entry', 'reject_entry', 'merge_entry', 'request_widening',
  'decide_widening', 'return', 'return_scheme', 'return_findings', 'return_report', 'reject', 'merge', 'join', 'withdraw',
  'comment']
export const sortActions = (list) => [...(list || [])].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
export const ACTION_TYPE = { withdraw: 'danger', return: 'warning', return_scheme: 'warning', return_findings: 'warning',
  return_report: 'warning', reject: 'warning', merge: 'warning', join: 'warning', comment: 'default' }

export const size = (n) => (n > 1048576 ? (n / 1048576).toFixed(1) + ' MB' : n > 1024 ? (n / 1024).toFixed(0) + ' KB' : n + ' B')
