// public/i18n.js: the words of the public pages (pub, pubSurvey, the date formats, their titles, the
// one common word they use, and the bulletin's column heads and kinds of result) taken from the same message files as the office app. Vite turns each
// top-level group of a JSON file into a named export, so only these groups reach the public bundle.
// No vue-i18n here: these messages use only {name} placeholders (tests/web/test_i18n checks that every
// message compiles), so a few lines do what the public pages need, and a phone does not download the
// message compiler. The language is the office app's (localStorage ducha.lang), Chinese by default; a key
// found in neither language is listed in window.__duchaMissingKeys, which the browser tests read.
import { pub as zhPub, pubSurvey as zhSurvey, format as zhFormat, menu as zhMenu, common as zhCommon, bul as zhBul, res as zhRes } from '../locales/zh-CN.json'
import { makeDates } from '../dates'
import { pub as enPub, pubSurvey as enSurvey, format as enFormat, menu as enMenu, common as enCommon, bul as enBul, res as enRes } from '../locales/en.json'

const PAGES = ['pub-clue', 'pub-track', 'pub-survey', 'public-bulletins']
const BULLETIN = ['registered', 'completed', 'onTime', 'onTimeRate', 'overdue', 'overdueShort', 'rect', 'crit', 'kinds']
const pick = (o, keys) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]))
const words = (p, s, f, m, c, b, r) => ({
  pub: p, pubSurvey: s, format: f, menu: pick(m, PAGES), common: pick(c, ['search']), bul: pick(b, BULLETIN), res: pick(r, ['unit', 'kind']),
})
const messages = {
  'zh-CN': words(zhPub, zhSurvey, zhFormat, zhMenu, zhCommon, zhBul, zhRes),
  en: words(enPub, enSurvey, enFormat, enMenu, enCommon, enBul, enRes),
}

const missing = new Set()
window.__duchaMissingKeys = missing
export const locale = localStorage.getItem('ducha.lang') === 'en' ? 'en' : 'zh-CN'
document.documentElement.lang = locale

const find = (words, key) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), words)

// t('pub.numberIs', { number }) as vue-i18n would say it: {name} replaced, the Chinese text when English
// has none
export function t(key, params = {}) {
  let m = find(messages[locale], key)
  if (typeof m !== 'string') {
    missing.add(`${locale}:${key}`)
    m = find(messages['zh-CN'], key)
    if (typeof m !== 'string') return key
  }
  return m.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all))
}

// A name the server labels in Chinese (a result's kind_label): that label in Chinese, the group's word in
// English (as the office app's label in i18n.js)
export function label(group, name, serverLabel) {
  if (locale === 'zh-CN' && serverLabel) return serverLabel
  return find(messages[locale], `${group}.${name}`) !== undefined ? t(`${group}.${name}`) : serverLabel || String(name)
}

export const { fmtDate, fmtTime } = makeDates(t)
