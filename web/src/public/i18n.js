// public/i18n.js: the words of the public pages (pub, pubSurvey, the date formats, their titles and
// the one common word they use) taken from the same message files as the office app. Vite turns each
// top-level group of a JSON file into a named export, so only these groups reach the public bundle.
import { pub as zhPub, pubSurvey as zhSurvey, format as zhFormat, menu as zhMenu, common as zhCommon } from '../locales/zh-CN.json'
import { pub as enPub, pubSurvey as enSurvey, format as enFormat, menu as enMenu, common as enCommon } from '../locales/en.json'
import { makeI18n } from '../i18n-core'

const PAGES = ['pub-clue', 'pub-track', 'pub-survey']
const pick = (o, keys) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]))
const words = (p, s, f, m, c) => ({ pub: p, pubSurvey: s, format: f, menu: pick(m, PAGES), common: pick(c, ['search']) })

export const { i18n, t, elementLocale, fmtTime, fmtDate } = makeI18n({
  'zh-CN': words(zhPub, zhSurvey, zhFormat, zhMenu, zhCommon),
  en: words(enPub, enSurvey, enFormat, enMenu, enCommon),
})
