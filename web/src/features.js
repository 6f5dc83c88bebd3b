// features.js: which server APIs exist. The modules land one by one; the menu shows a page only
// when its API answers (a route that does not exist answers 404 "接口 … 不存在").
import { reactive } from 'vue'

export const features = reactive({ items: false, inbox: false, calendar: false, rules: false, probed: false })

const PROBES = { items: '/api/v1/items/meta', inbox: '/api/v1/inbox?limit=1', rules: '/api/v1/rules', calendar: '/api/v1/calendar/2026' }

async function exists(path) {
  try {
    const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    const j = await r.json().catch(() => null) // read the body in every case: the request ends
    if (r.status !== 404) return r.status < 500
    return !(j?.error?.message || '').startsWith('接口 ')
  } catch {
    return false
  }
}

export async function probeFeatures() {
  if (features.probed) return
  const names = Object.keys(PROBES)
  const res = await Promise.all(names.map((n) => exists(PROBES[n])))
  names.forEach((n, i) => (features[n] = res[i]))
  features.probed = true
}
