// items.js: what the items API says about itself (GET /api/v1/items/meta, loaded once after sign-in:
// source kinds, importance, kinds, confidentiality, the members each action requires, grades …). Its
// labels are merged into the message files (i18n.js); the states and actions are the item workflow's
// (workflows.js), so every state, action and kind is named in one place.
import { reactive } from 'vue'
import { get } from './api'
import { label, mergeLabels } from './i18n'
import { wfState, wfAction } from './workflows'

export const meta = reactive({ loaded: false, source_kinds: [], states: [], actions: [], grades: [], importance: [], kinds: [], confidentiality: [] })
let pending = null

// meta list -> message group
const GROUPS = { source_kinds: 'source_kind', importance: 'importance', kinds: 'kind', confidentiality: 'confidentiality' }

export function loadMeta() {
  if (meta.loaded) return Promise.resolve(meta)
  if (!pending) {
    pending = get('/api/v1/items/meta', null, { quiet: true }).then((m) => {
      for (const [list, group] of Object.entries(GROUPS)) mergeLabels(group, m[list])
      Object.assign(meta, m, { loaded: true })
      return meta
    }).catch((e) => { pending = null; throw e })
  }
  return pending
}

export function resetMeta() {
  meta.loaded = false
  pending = null
}

export const actionOf = (name) => meta.actions.find((a) => a.name === name)
export const stateText = (s, serverLabel) => wfState('item', s, serverLabel)
export const actionText = (a, serverLabel) => wfAction('item', a, serverLabel)
export const lightText = (l) => label('light', l || 'none')

export const STATE_TAG = {
  draft: 'info', submitted: 'warning', deputy_approved: 'warning', approved: 'primary', assigned: 'primary', received: 'primary',
  in_progress: 'primary', completion_requested: 'warning', completion_signed: 'warning', completed: 'success', archived: 'info',
  withdrawn: 'info', suspended: 'danger',
}
export const LIGHTS = ['red', 'yellow', 'green', 'none']

// Action buttons: primary for the main path, danger for the destructive ones.
export const ACTION_TYPE = { withdraw: 'danger', return: 'warning', return_reply: 'warning', suspend: 'warning', escalate: 'danger', comment: 'default' }
