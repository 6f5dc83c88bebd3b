// dates.js: the dates as the app writes them, Chinese style in Beijing time, given a message function t
// (format.date, format.time, weekday.N). Used by the office app (i18n-core.js) and the public pages
// (public/i18n.js), which have different message functions.

// The server's clock less this computer's, in ms: the app's "now" is the server's (GET /api/v1/session's
// "now"), so a computer whose clock is wrong, or a server on a test clock, still shows the server's today.
let offset = 0

// Follows the server's clock from an instant it sent (ISO UTC); nothing when there is none.
export function followServerClock(iso) {
  const at = iso ? Date.parse(iso) : NaN
  if (!isNaN(at)) offset = at - Date.now()
}

// Now by the server's clock, in ms since the epoch (as Date.now()).
export function serverNow() {
  return Date.now() + offset
}

// Now in Beijing by the server's clock, as a talk's time is typed: YYYY-MM-DD HH:MM.
export function nowLocalTime() {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(new Date(serverNow()))
  const p = (k) => f.find((x) => x.type === k)?.value
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour') === '24' ? '00' : p('hour')}:${p('minute')}`
}

export function makeDates(t) {
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

  // A local date YYYY-MM-DD: 2026年11月23日 (zh).
  function fmtDate(s) {
    if (!s) return ''
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
    if (!m) return s
    return t('format.date', { y: m[1], m: +m[2], d: +m[3], mm: m[2], dd: m[3] })
  }

  // An instant (ISO UTC) in Beijing time: 2026年11月23日 14:51 (zh) or 2026-11-23 14:51 (en).
  function fmtTime(iso) {
    if (!iso) return ''
    const p = parts(iso)
    if (!p) return iso
    return t('format.time', { date: fmtDate(`${p.y}-${p.m}-${p.d}`), H: p.H, M: p.M })
  }

  // The Beijing day of an instant (ISO UTC): 2026-12-01T17:55:00Z is 2026年12月2日 (zh). The first ten characters
  // of the instant are its UTC day, a day early from 16:00 to 24:00 UTC.
  function fmtDay(iso) {
    const p = iso ? parts(iso) : null
    return p ? fmtDate(`${p.y}-${p.m}-${p.d}`) : ''
  }

  // A Beijing wall-clock time as the user typed it (YYYY-MM-DD HH:MM, no zone: a talk's time):
  // 2026年12月20日 10:00 (zh), like fmtTime.
  function fmtLocalTime(s) {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/.exec(s || '')
    return m ? t('format.time', { date: fmtDate(m[1]), H: m[2], M: m[3] }) : s || ''
  }

  // The weekday of a YYYY-MM-DD date: 周三 / Wed.
  function weekday(s) {
    if (!s) return ''
    return t(`weekday.${new Date(s + 'T00:00:00').getDay()}`)
  }

  // Today in Beijing (by the server's clock) as YYYY-MM-DD.
  function today() {
    const p = parts(new Date(serverNow()).toISOString())
    return `${p.y}-${p.m}-${p.d}`
  }

  return { fmtTime, fmtLocalTime, fmtDate, fmtDay, weekday, today }
}
