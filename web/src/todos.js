// todos.js: what the signed-in user has to do now, derived from the ledger and the workflow table
// (docs/workflow.md): which role acts in which state. The server still decides each action; the
// item page shows only its allowed_actions.
import { get } from './api'
import { session } from './session'

const ACTIVE = 'draft,submitted,deputy_approved,approved,assigned,received,in_progress,completion_requested,completion_signed,completed,suspended'

const UNIT_PHASE = new Set(['assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed'])

function unitsWith(role) {
  return new Set((session.user?.roles || []).filter((g) => g.role === role).map((g) => g.unit_id))
}
const has = (role) => (session.user?.roles || []).some((g) => g.role === role)

// Returns [{item, task (todo.* of the message files), bucket, n}] sorted by urgency (red, yellow, green, then the due date).
export async function myTodos() {
  const r = await get('/api/v1/items', { state: ACTIVE, sort: 'due', per_page: 200 })
  const contact = unitsWith('contact'), head = unitsWith('head')
  const out = []
  const add = (item, task, bucket, n = 1) => out.push({ item, task, bucket, n })
  for (const it of r.items) {
    const s = it.state
    if (has('deputy') && s === 'submitted') add(it, 'approve_deputy', 'approve')
    if (has('director') && s === 'deputy_approved') add(it, 'approve_director', 'approve')
    if (has('office')) {
      if (s === 'draft') add(it, 'submit', 'office')
      if (s === 'approved') add(it, 'assign', 'office')
      if (s === 'completion_signed') add(it, 'verify', 'review')
      if (s === 'completed') add(it, 'archive', 'office')
    }
    // the units act only once the item is assigned (its tracks exist from registration on)
    for (const tr of UNIT_PHASE.has(s) ? it.tracks || [] : []) {
      if (contact.has(tr.unit_id)) {
        if (tr.state === 'assigned') add(it, 'receive', 'unit')
        else if (tr.state === 'received' || tr.state === 'in_progress') add(it, 'report', 'unit')
      }
      if (head.has(tr.unit_id) && tr.state === 'completion_requested') add(it, 'sign', 'sign')
    }
    if ((has('leader') || has('principal')) && it.light === 'red') add(it, 'press', 'press')
  }
  // progress reports waiting for review (秘书科室 / 督查室): the reports of the most recently updated
  // running items (at most 20 items, one request each)
  if (has('secretary') || has('office')) {
    const running = r.items.filter((it) => ['received', 'in_progress', 'assigned', 'completion_requested'].includes(it.state))
      .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at))).slice(0, 20)
    const reps = await Promise.all(running.map((it) => get(`/api/v1/items/${it.id}/reports`, null, { quiet: true }).catch(() => ({ reports: [] }))))
    running.forEach((it, i) => {
      const n = reps[i].reports.filter((x) => x.review === 'pending').length
      if (n) add(it, 'review_report', 'review', n)
    })
  }
  const rank = { red: 0, yellow: 1, green: 2, none: 3 }
  out.sort((a, b) => (rank[a.item.light] ?? 3) - (rank[b.item.light] ?? 3) || String(a.item.due_date).localeCompare(String(b.item.due_date)))
  return { todos: out, total: r.total }
}
