// i18n-core.js: one vue-i18n instance (Composition API) and the date formats, made from a set of
// messages. The office app (i18n.js: every message file) and the public pages (public/i18n.js: their
// own words only, so that a phone does not download the office's) each make theirs with makeI18n.
// The language is the one chosen in the office app (localStorage ducha.lang), Chinese by default.
// Dates: Chinese style in Beijing time (dates.js).
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn.mjs'
import elEn from 'element-plus/es/locale/lang/en.mjs'
import { makeDates } from './dates'

export function makeI18n(messages) {
  // keys asked for but found in no message file (or only in the fallback): the browser tests read this
  // list and fail on any entry, so that a label never silently shows a key or the wrong language
  const missing = new Set()
  if (typeof window !== 'undefined') window.__duchaMissingKeys = missing

  const stored = localStorage.getItem('ducha.lang')
  const i18n = createI18n({
    legacy: false,
    locale: stored === 'en' ? 'en' : 'zh-CN',
    fallbackLocale: 'zh-CN',
    messages,
    missingWarn: false,
    fallbackWarn: false,
    missing: (locale, key) => { missing.add(`${locale}:${key}`) },
  })
  document.documentElement.lang = i18n.global.locale.value

  const g = i18n.global
  const t = (...args) => g.t(...args)
  const te = (key) => g.te(key) || g.te(key, 'zh-CN')
  // 'zh' or 'en', for the few places that format by language (dates, Element Plus's own locale)
  const lang = computed(() => (g.locale.value === 'en' ? 'en' : 'zh'))
  // Element Plus's own words (date pickers, empty lists, pagers) in the same language: the root
  // component's el-config-provider
  const elementLocale = computed(() => (lang.value === 'en' ? elEn : elZhCn))

  function setLang(l) {
    g.locale.value = l === 'en' ? 'en' : 'zh-CN'
    localStorage.setItem('ducha.lang', l === 'en' ? 'en' : 'zh')
    document.documentElement.lang = g.locale.value
  }

  const { fmtTime, fmtLocalTime, fmtDate, fmtDay, weekday, today } = makeDates(t)

  return { i18n, missing, t, te, lang, elementLocale, setLang, fmtTime, fmtLocalTime, fmtDate, fmtDay, weekday, today }
}
