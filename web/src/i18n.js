// i18n.js: the one translation mechanism of the app (vue-i18n, Composition API). The words are in
// the message files locales/zh-CN.json (the default) and locales/en.json; the labels the server
// gives (states, actions, source kinds … of GET /api/v1/items/meta, roles of the session) are merged
// into them by mergeLabels, so that a state has one Chinese label, the server's, everywhere.
// Templates use $t('key'); scripts import t. label(group, name) names one value of an enumeration.
// Dates: Chinese style in Beijing time.
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN.json'
import en from './locales/en.json'

// keys asked for but found in no message file (or only in the fallback): the browser tests read this
// list and fail on any entry, so that a label never silently shows a key or the wrong language
const missing = new Set()
if (typeof window !== 'undefined') window.__duchaMissingKeys = missing

const stored = localStorage.getItem('ducha.lang')
export const i18n = createI18n({
  legacy: false,
  locale: stored === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
  missing: (locale, key) => { missing.add(`${locale}:${key}`) },
})
document.documentElement.lang = i18n.global.locale.value

const g = i18n.global
export const t = (...args) => g.t(...args)
export const te = (key) => g.te(key) || g.te(key, 'zh-CN')
// 'zh' or 'en', for the few places that format by language (dates, Element Plus's own locale)
export const lang = computed(() => (g.locale.value === 'en' ? 'en' : 'zh'))

export function setLang(l) {
  g.locale.value = l === 'en' ? 'en' : 'zh-CN'
  localStorage.setItem('ducha.lang', l === 'en' ? 'en' : 'zh')
  document.documentElement.lang = g.locale.value
}

// A server label is shown as it is: the characters vue-i18n's message syntax reserves are quoted.
const literal = (s) => String(s).replace(/[{}@$|]/g, (c) => `{'${c}'}`)

// Merges a list of {name, label[, label_en]} from the server into group.<name> of the message files:
// the Chinese label always (the server's word wins over ours), the English one when the server has it.
export function mergeLabels(group, list) {
  const zh = {}, enl = {}
  for (const x of list || []) {
    if (!x?.name) continue
    if (x.label) zh[x.name] = literal(x.label)
    if (x.label_en) enl[x.name] = literal(x.label_en)
  }
  // 'wf.item.state' -> { wf: { item: { state: … } } }: messages nest by the dots of their keys
  const nest = (leaf) => group.split('.').reduceRight((inner, k) => ({ [k]: inner }), leaf)
  g.mergeLocaleMessage('zh-CN', nest(zh))
  if (Object.keys(enl).length) g.mergeLocaleMessage('en', nest(enl))
}

// The label of one value of an enumeration (label('wf.item.state', 'in_progress')). serverLabel: the label a
// row of the API carries; it is used in Chinese and when no translation exists.
export function label(group, name, serverLabel) {
  if (name === undefined || name === null || name === '') return ''
  const key = `${group}.${name}`
  if (lang.value === 'zh' && serverLabel) return serverLabel
  if (g.te(key)) return g.t(key)
  missing.add(`${g.locale.value}:${key}`)
  if (serverLabel) return serverLabel
  return g.te(key, 'zh-CN') ? g.t(key, {}, { locale: 'zh-CN' }) : String(name)
}

function parts(iso) {
  const d = new Date(iso)
  if (isNaN(d)) return null
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(d)
  const p = (k) => f.find((x) => x.type === k)?.value
  return { y: p('year'), m: p('month'), d: p('day'), H: p('hour') === '24' ? '00' : p('hour'), M: p('minute') }
}

// An instant (ISO UTC) in Beijing time: 2026年11月23日 14:51 (zh) or 2026-11-23 14:51 (en).
export function fmtTime(iso) {
  if (!iso) return ''
  const p = parts(iso)
  if (!p) return iso
  return t('format.time', { date: fmtDate(`${p.y}-${p.m}-${p.d}`), H: p.H, M: p.M })
}

// A local date YYYY-MM-DD: 2026年11月23日 (zh).
export function fmtDate(s) {
  if (!s) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
  if (!m) return s
  return t('format.date', { y: m[1], m: +m[2], d: +m[3], mm: m[2], dd: m[3] })
}

// The weekday of a YYYY-MM-DD date: 周三 / Wed.
export function weekday(s) {
  if (!s) return ''
  return t(`weekday.${new Date(s + 'T00:00:00').getDay()}`)
}

// Today in Beijing as YYYY-MM-DD.
export function today() {
  const p = parts(new Date().toISOString())
  return `${p.y}-${p.m}-${p.d}`
}
