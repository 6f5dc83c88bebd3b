// audit.js: an audit record in words for the audit log page: what was done (the workflows' own labels
// from GET /api/v1/workflows for their actions, states and parts' states; auditAction.<object>.<verb> of
// the message files for the rest) and the details that matter (auditField.<key>: only labelled keys are
// shown, so no internal word reaches the page). The raw record stays behind a toggle on the page.
import { t, te } from './i18n'
import { workflows } from './workflows'
import { innerTitle } from './titles'

const has = (key) => te(key)
const wfOf = (name) => workflows.list.find((w) => w.name === name)

function kindWord(obj) {
  // objectKind.<workflow> holds each workflow's own what/what_en (workflows.js merges them)
  return has(`objectKind.${obj}`) ? t(`objectKind.${obj}`) : null
}

/** An audit action ("item.approve", "unit.create") in words; the action itself when nothing names it. */
export function auditAction(action) {
  if (has(`auditAction.${action}`)) return t(`auditAction.${action}`)
  const [obj, verb] = action.split('.')
  for (const g of ['action', 'event'])
    if (verb && has(`wf.${obj}.${g}.${verb}`)) {
      const what = kindWord(obj)
      return what ? `${what} · ${t(`wf.${obj}.${g}.${verb}`)}` : t(`wf.${obj}.${g}.${verb}`)
    }
  return action
}

/** The kind of object in words ("督办事项"), or the type as recorded. */
export const auditObject = (type) => kindWord(type) || type

function stateWord(obj, s) {
  return has(`wf.${obj}.state.${s}`) ? t(`wf.${obj}.state.${s}`) : null
}
function partStateWord(obj, s) {
  for (const p of wfOf(obj)?.parts || []) if (has(`wf.${obj}.part.${p.name}.state.${s}`)) return t(`wf.${obj}.part.${p.name}.state.${s}`)
  return null
}

const SKIP = /(^id$|_ids?$|sm3|hash|fingerprint|^from$|^to$|^body$|^track$|^unit$|^after$|^before$)/
const clip = (s, n = 40) => (s.length > n ? s.slice(0, n) + '…' : s)

function value(key, v) {
  if (v === null || v === undefined || v === '') return null
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no')
  if (typeof v === 'number') return key === 'percent' ? `${v}%` : String(v)
  if (typeof v === 'string') return clip(v.replace(/\s+/g, ' '))
  if (Array.isArray(v)) {
    if (key === 'changed') return v.map((f) => (has(`auditField.${f}`) ? t(`auditField.${f}`) : null)).filter(Boolean).join('、') || null
    if (v.every((x) => typeof x === 'string')) return clip(v.join('、'))
    return t('audit.nItems', { n: v.length })
  }
  if (typeof v === 'object') return value(key, v.name ?? v.subject ?? v.title ?? v.unit_name ?? null)
  return null
}

// the labelled details of o, in the order they were written; at most max of them
function details(o, out, max) {
  for (const [k, v] of Object.entries(o || {})) {
    if (out.length >= max) break
    if (SKIP.test(k) || !has(`auditField.${k}`)) continue
    const s = value(k, v)
    if (s) out.push(`${t(`auditField.${k}`)}：${s}`)
  }
}

// an import (unit.import, item.import, clue.import: one record for the whole file, no object of its own): how many
// rows of which file, in words
const isImport = (r) => /\.import$/.test(r.action || '')
function importWords(r) {
  const s = r.summary || {}
  const n = s.rows ?? (s.created || 0) + (s.updated || 0)
  const what = t('audit.importedRows', { n, what: auditObject(r.object_type) })
  const how = s.updated ? t('audit.importedHow', { created: s.created || 0, updated: s.updated }) : ''
  return s.filename ? t('audit.importedFile', { rows: what + how, file: innerTitle(s.filename) }) : what + how
}

/** What a record is about, in words: an import's rows and file, else the kind of object and its number. */
export function auditTarget(r) {
  if (isImport(r)) return importWords(r)
  return r.object_id ? `${auditObject(r.object_type)} #${r.object_id}` : auditObject(r.object_type)
}

/** The record's summary in a sentence: the state it moved, the part's new state, the details. */
export function auditSummary(r) {
  const s = r.summary || {}
  if (isImport(r)) return importWords(r)
  const [obj] = r.action.split('.')
  const parts = []
  if (s.from && s.to && s.from !== s.to) {
    const a = stateWord(obj, s.from), b = stateWord(obj, s.to)
    if (a && b) parts.push(`${a} → ${b}`)
  }
  const part = s.track || s.unit
  if (part?.state) {
    const w = partStateWord(obj, part.state)
    if (w) parts.push(t('audit.partState', { state: w }))
  }
  if (typeof s.before === 'string' && typeof s.after === 'string') parts.push(t('audit.changedFromTo', { before: s.before, after: s.after }))
  const d = []
  details(s.body, d, 5)
  details(s, d, 5)
  if (s.after && typeof s.after === 'object') details(s.after.unit || s.after, d, 5)
  return [...parts, ...d].join('；')
}
