// i18n-core.js: one vue-i18n instance (Composition API) and the date formats, made from a set of
// messages. The office app (i18n.js: every message file) and the public pages (public/i18n.js: their
// own words only, so that a phone does not download the office's) each make theirs with makeI18n.
// The language is the one chosen in the office app (localStorage ducha.lang), Chinese by default.
// Dates: Chinese style in Beijing time.
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn.mjs'
import elEn from 'element-plus/es/locale/lang/en.mjs'

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

  function parts(iso) {
    const d = new Date(iso)
    if (isNaN(d.getTime())) return null
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hour12: false,
    }).formatToParts(d)
    const p = (k) => f.find((x) => x.type === k)?.value
    return { y: p('year'), m: p('month'), d: p('day'), H: p('hour') === '24' ? '00' : p('hour'), M: p('minute') }
  }

  // An instant (ISO UTC) in Beijing time: 2026年11月23日 14:51 (zh) or 2026-11-23 14:51 (en).
  function fmtTime(iso) {
    if (!iso) return ''
    const p = parts(iso)
    if (!p) return iso
    return t('format.time', { date: fmtDate(`${p.y}-${p.m}-${p.d}`), H: p.H, M: p.M })
  }

  // A Beijing wall-clock time as the user typed it (YYYY-MM-DD HH:MM, no zone: a talk's time):
  // 2026年12月20日 10:00 (zh), like fmtTime.
  function fmtLocalTime(s) {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/.exec(s || '')
    return m ? t('format.time', { date: fmtDate(m[1]), H: m[2], M: m[3] }) : s || ''
  }

  // A local date YYYY-MM-DD: 2026年11月23日 (zh).
  function fmtDate(s) {
    if (!s) return ''
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
    if (!m) return s
    return t('format.date', { y: m[1], m: +m[2], d: +m[3], mm: m[2], dd: m[3] })
  }

  // The weekday of a YYYY-MM-DD date: 周三 / Wed.
  function weekday(s) {
    if (!s) return ''
    return t(`weekday.${new Date(s + 'T00:00:00').getDay()}`)
  }

  // Today in Beijing as YYYY-MM-DD.
  function today() {
    const p = parts(new Date().toISOString())
    return `${p.y}-${p.m}-${p.d}`
  }

  return { i18n, missing, t, te, lang, elementLocale, setLang, fmtTime, fmtLocalTime, fmtDate, weekday, today }
}
