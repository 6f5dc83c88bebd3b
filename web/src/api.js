// api.js: every call to the ducha API. Sends the session cookie and, on every mutating request,
// the X-CSRF-Token of the session; a 401 sends the user back to the login page; every error is
// shown in words (the server's message) unless the caller asks for { quiet: true }.
import { ElMessage } from 'element-plus'
import { session, setSession, maybeSignedIn } from './session'
import { t, te } from './i18n'
import router from './router'

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message)
    this.status = status
    this.code = code
    this.body = body
  }
}

function buildUrl(path, query) {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? `${path}?${s}` : path
}

export async function api(method, path, opts = {}) {
  const { body, query, raw, contentType, quiet } = opts
  const headers = { Accept: 'application/json' }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf
  let payload
  if (raw !== undefined) {
    payload = raw
    headers['Content-Type'] = contentType || 'application/octet-stream'
  } else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['Content-Type'] = 'application/json'
  }
  let res
  try {
    res = await fetch(buildUrl(path, query), { method, headers, body: payload, credentials: 'same-origin' })
  } catch (e) {
    const err = new ApiError(0, 'network', t('api.network'))
    if (!quiet) ElMessage.error(err.message)
    throw err
  }
  if (res.status === 204) return null
  const ctype = res.headers.get('Content-Type') || ''
  let data = null
  if (ctype.includes('json')) {
    try { data = await res.json() } catch { data = null }
  } else if (res.ok) {
    return res
  }
  if (res.ok) return data
  // the server's sentence; our words for a status only when the reply carries none (a proxy's page)
  const message = data?.error?.message || (te(`api.status.${res.status}`) ? t(`api.status.${res.status}`) : t('api.failed', { status: res.status }))
  const err = new ApiError(res.status, data?.error?.code || String(res.status), message, data)
  if (res.status === 401 && path !== '/api/v1/session') {
    setSession(null)
    const here = router.currentRoute.value
    if (here.name !== 'login') {
      ElMessage.warning(message)
      router.push({ name: 'login', query: { redirect: here.fullPath } })
      throw err
    }
  }
  if (res.status === 403 && session.user?.must_change_password && router.currentRoute.value.name !== 'password') {
    router.push({ name: 'password' })
  }
  if (!quiet) ElMessage.error({ message, duration: 5000, showClose: true })
  throw err
}

export const get = (p, query, o) => api('GET', p, { ...o, query })
export const post = (p, body, o) => api('POST', p, { ...o, body })
export const patch = (p, body, o) => api('PATCH', p, { ...o, body })
export const put = (p, body, o) => api('PUT', p, { ...o, body })
export const del = (p, o) => api('DELETE', p, o)

// Loads the session once (the cookie may still be valid). Without a hint that this browser signed in,
// nobody is signed in and the server is not asked.
export async function loadSession() {
  if (!maybeSignedIn()) return setSession(null)
  try {
    const s = await api('GET', '/api/v1/session', { quiet: true })
    setSession(s)
  } catch {
    setSession(null)
  }
}

// Downloads a file the API generates (export, document, archive): errors are shown in words
// (a plain link would show the JSON error body instead). Returns the file name saved.
export async function download(path, query, fallbackName) {
  const res = await api('GET', path, { query })
  const blob = await res.blob()
  const cd = res.headers.get('Content-Disposition') || ''
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd) || /filename="([^"]+)"/i.exec(cd)
  let name = fallbackName
  if (m) { try { name = decodeURIComponent(m[1]) } catch { name = m[1] } }
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 5000)
  return name
}
