// items.js: the items API's labels (GET /api/v1/items/meta, cached) and display helpers.
import { reactive } from 'vue'
import { get } from './api'
import { lang } from './i18n'

export const meta = reactive({ loaded: false, source_kinds: [], states: [], actions: [], grades: [], importance: [], kinds: [], confidentiality: [] })
let pending = null

export function loadMeta() {
  if (meta.loaded) return Promise.resolve(meta)
  if (!pending) {
    pending = get('/api/v1/items/meta').then((m) => { Object.assign(meta, m, { loaded: true }); return meta })
      .catch((e) => { pending = null; throw e })
  }
  return pending
}

export const label = (list, name) => meta[list]?.find((x) => x.name === name)?.label || name
export const actionOf = (name) => meta.actions.find((a) => a.name === name)

// English names of states and actions (the server's labels are Chinese).
const EN = {
  draft: 'Draft', submitted: 'Awaiting deputy', deputy_approved: 'Awaiting director', approved: 'Approved', assigned: 'Assigned',
  received: 'Received', in_progress: 'In progress', completion_requested: 'Completion requested', completion_signed: 'Signed, awaiting review',
  completed: 'Completed', archived: 'Archived', withdrawn: 'Withdrawn', suspended: 'Suspended',
  submit: 'Submit', approve: 'Approve', return: 'Return', assign: 'Assign', receive: 'Receive', report: 'Report progress',
  plan: 'Submit plan', request_completion: 'Request completion', sign: 'Sign (unit head)', return_reply: 'Return reply',
  verify: 'Verify completion', archive: 'Archive', request_extension: 'Request extension', decide_extension: 'Decide extension',
  withdraw: 'Withdraw', escalate: 'Escalate to inspection', suspend: 'Suspend', resume: 'Resume', comment: 'Comment',
}
export const stateText = (s, fallback) => (lang.value === 'en' ? EN[s] || s : fallback || label('states', s))
export const actionText = (a) => (lang.value === 'en' ? EN[a] || a : label('actions', a))

export const STATE_TAG = {
  draft: 'info', submitted: 'warning', deputy_approved: 'warning', approved: 'primary', assigned: 'primary', received: 'primary',
  in_progress: 'primary', completion_requested: 'warning', completion_signed: 'warning', completed: 'success', archived: 'info',
  withdrawn: 'info', suspended: 'danger',
}
export const ACTIVE_STATES = ['draft', 'submitted', 'deputy_approved', 'approved', 'assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed', 'completed', 'suspended']
export const LIGHTS = [['red', '红灯（已超期）', 'Red (overdue)'], ['yellow', '黄灯（临期）', 'Yellow (due soon)'], ['green', '绿灯（正常）', 'Green (on time)'], ['none', '未亮灯', 'No light']]
export const lightText = (l) => { const x = LIGHTS.find((y) => y[0] === l); return x ? (lang.value === 'en' ? x[2] : x[1]) : l }

// Action buttons: primary for the main path, danger for the destructive ones.
export const ACTION_TYPE = { withdraw: 'danger', return: 'warning', return_reply: 'warning', suspend: 'warning', escalate: 'danger', comment: 'default' }
