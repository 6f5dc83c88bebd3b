// i18n.js: the one translation mechanism of the app (vue-i18n, Composition API). The words are in
// the message files locales/zh-CN.json (the default) and locales/en.json; the labels the server
// gives (states, actions, source kinds … of GET /api/v1/items/meta, roles of the session) are merged
// into them by mergeLabels, so that a state has one Chinese label, the server's, everywhere.
// Templates use $t('key'); scripts import t. label(group, name) names one value of an enumeration.
// Dates (fmtTime, fmtDate, fmtDay, weekday, today): i18n-core.js.
import zhCN from './locales/zh-CN.json'
import en from './locales/en.json'
import { makeI18n } from './i18n-core'

export const { i18n, missing, t, te, lang, elementLocale, setLang, fmtTime, fmtLocalTime, fmtDate, fmtDay, weekday, today } =
  makeI18n({ 'zh-CN': zhCN, en })
const g = i18n.global

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
