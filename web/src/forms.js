// forms.js: what a form says before it sends anything. The server checks every member and names the first it
// refuses; a person who saves a half-filled form should learn of every required field left blank at once, each
// marked under its field, not one per attempt.
import { watch } from 'vue'
import { t } from './i18n'

const blank = (v) => v == null || (typeof v === 'string' && !v.trim()) || (Array.isArray(v) && (!v.length || v.every((x) => x == null || x === '')))

// checks: [member, value, label key] of the required fields shown; the blank ones as { member: '请填写：…' }
export function blanks(checks) {
  const out = {}
  for (const [member, value, key] of checks) if (blank(value)) out[member] = t('act.fillIn', { field: t(key) })
  return out
}

// Marks the errors in bad (a reactive object the form items' :error read), clearing the old ones, and brings the
// first marked field into view; true when there are any.
export function mark(bad, errors) {
  for (const k of Object.keys(bad)) delete bad[k]
  Object.assign(bad, errors)
  if (!Object.keys(errors).length) return false
  setTimeout(() => document.querySelector('.el-form-item.is-error')?.scrollIntoView({ block: 'center' }), 0)
  return true
}

// A field's mark goes once its value changes (the person is putting it right). form: the reactive values, keyed as
// the marks are; also: a member whose change clears another's mark too ({ inspection_ids: 'item_ids' }).
export function unmarkOnChange(bad, form, also = {}) {
  const snap = () => Object.fromEntries(Object.entries(form).map(([k, v]) => [k, JSON.stringify(v)]))
  let was = snap()
  watch(form, () => {
    const now = snap()
    for (const k of Object.keys(now)) if (now[k] !== was[k]) { delete bad[k]; if (also[k]) delete bad[also[k]] }
    was = now
  }, { deep: true })
}

// Marks the member an API refusal names (its error.field) at the field that shows it — fieldOf maps a member to
// that field where they differ ({ start_date: 'period' }); the refusal's message itself is shown by api.js.
export function markRefusal(bad, e, fieldOf = {}) {
  const field = e?.body?.error?.field
  if (field) bad[fieldOf[field] || field] = e.message
}
