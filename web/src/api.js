// @ts-check
// api.js: every call to the ducha API. Sends the session cookie and, on every mutating request,
// the X-CSRF-Token of the session; on every POST a fresh random Idempotency-Key (one per call, that is per
// user action: a load balancer or proxy that sends the request again sends the same key, and the server answers
// that copy with the first answer instead of creating twice; docs/deployment.md); a 401 sends the user back to the login page; every error is
// shown in words (the server's message) unless the caller asks for { quiet: true }.
//
// Types: src/api-types.d.ts is generated from docs/openapi.yaml by `npm run types` (part of
// `npm run build`, which then type-checks every file marked // @ts-check, this one first). A field
// renamed or removed in the document fails the build where the web app uses it.
import { ElMessage } from 'element-plus'
import { session, setSession, setSessionUnknown, maybeSignedIn } from './session'
import { t, te } from './i18n'
import router from './router'
import { busy, idle } from './toast'
import { errorText } from './forpeople'

/**
 * The objects of the API (Schemas['Item'], Schemas['Session'] …) and its routes, as documented.
 * @typedef {import('./api-types').components['schemas']} Schemas
 * @typedef {import('./api-types').paths} Paths
 * @typedef {{ body?: unknown, query?: Record<string, unknown>, raw?: BodyInit, contentType?: string, quiet?: boolean }} CallOptions
 */

// 128 random bits in hex: an Idempotency-Key (crypto.randomUUID needs a secure context; an office network may
// serve the app over plain HTTP, getRandomValues works everywhere)
export function idempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code the Error schema's code (or 'network', or the status when a proxy answered)
   * @param {string} message
   * @param {Schemas['Error'] | null} [body]
   */
  constructor(status, code, message, body) {
    super(message)
    this.status = status
    this.code = code
    this.body = body ?? null
  }
}

/**
 * @param {string} path
 * @param {Record<string, unknown>} [query]
 */
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

/**
 * One call. Resolves with the JSON body (null for 204, the Response itself for a file); rejects with
 * an ApiError.
 * @param {string} method
 * @param {string} path
 * @param {CallOptions} [opts]
 * @returns {Promise<any>}
 */
export async function api(method, path, opts = {}) {
  busy() // a success message waits for the page to settle (toast.js)
  try { return await call(method, path, opts) } finally { idle() }
}

/**
 * api() without the count of requests in flight.
 * @param {string} method
 * @param {string} path
 * @param {CallOptions} opts
 * @returns {Promise<any>}
 */
async function call(method, path, opts) {
  const { body, query, raw, contentType, quiet } = opts
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey()
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
  /** @type {any} */
  let data = null
  if (ctype.includes('json')) {
    try { data = await res.json() } catch { data = null }
  } else if (res.ok) {
    return res
  }
  if (res.ok) return data
  /** @type {Schemas['Error'] | null} the error shape of every 4xx/5xx (null from a proxy's page) */
  const failure = data?.error ? data : null
  // the server's sentence; our words for a status only when the reply carries none (a proxy's page)
  const message = errorText(failure) || (te(`api.status.${res.status}`) ? t(`api.status.${res.status}`) : t('api.failed', { status: res.status }))
  const err = new ApiError(res.status, failure?.error.code || String(res.status), message, failure)
  if (res.status === 401 && path !== '/api/v1/session') {
    setSession(null)
    const here = router.currentRoute.value
    if (here.name !== 'login') {
      ElMessage.warning(message)
      router.push({ name: 'login', query: { redirect: here.fullPath } })
      throw err
    }
  }
  const user = /** @type {Schemas['SessionUser'] | null} */ (session.user)
  if (res.status === 403 && user?.must_change_password && router.currentRoute.value.name !== 'password') {
    router.push({ name: 'password' })
  }
  if (!quiet) ElMessage.error({ message, duration: 5000, showClose: true })
  throw err
}

/** @type {(p: string, query?: Record<string, unknown>, o?: CallOptions) => Promise<any>} */
export const get = (p, query, o) => api('GET', p, { ...o, query })
/** @type {(p: string, body?: unknown, o?: CallOptions) => Promise<any>} */
export const post = (p, body, o) => api('POST', p, { ...o, body })
/** @type {(p: string, body?: unknown, o?: CallOptions) => Promise<any>} */
export const patch = (p, body, o) => api('PATCH', p, { ...o, body })
/** @type {(p: string, body?: unknown, o?: CallOptions) => Promise<any>} */
export const put = (p, body, o) => api('PUT', p, { ...o, body })
/** @type {(p: string, o?: CallOptions) => Promise<any>} */
export const del = (p, o) => api('DELETE', p, o)

/**
 * The JSON a documented GET answers with 200.
 * @template {keyof Paths} P
 * @typedef {Paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer R } } } } } ? R : never} Read
 */

/**
 * A typed read of a documented route: the path template as the document writes it, its path
 * parameters, its query. A route or a field that the document no longer has fails the type check.
 *   const item = await read('/api/v1/items/{id}', { id })      // Schemas['Item']
 *   item.tracks[0].unit_name
 * @template {keyof Paths} P
 * @param {P} path
 * @param {Record<string, string | number>} [params]
 * @param {Record<string, unknown>} [query]
 * @param {CallOptions} [opts]
 * @returns {Promise<Read<P>>}
 */
export function read(path, params = {}, query, opts) {
  const filled = String(path).replace(/\{(\w+)\}/g, (_, k) => {
    if (!(k in params)) throw new Error(`read(${path}): missing path parameter ${k}`)
    return encodeURIComponent(String(params[k]))
  })
  return get(filled, query, opts)
}

// Loads the session once (the cookie may still be valid). Without a hint that this browser signed in,
// nobody is signed in and the server is not asked.
export async function loadSession() {
  if (!maybeSignedIn()) return setSession(null)
  try {
    const s = await read('/api/v1/session', {}, undefined, { quiet: true })
    setSession(s)
  } catch (e) {
    // only the server's 401 says no one is signed in; a check cut short (the page left or reloaded while it was
    // on its way, the network gone) says nothing: this page load goes to the sign-in page, the next one asks
    // again (the hint forgotten here sent every later load of this browser there without asking, the session
    // still valid: the results list on a phone after two quick loads)
    if (e instanceof ApiError && e.status === 401) setSession(null)
    else setSessionUnknown()
  }
}

// Downloads a file the API generates (export, document, archive): errors are shown in words
// (a plain link would show the JSON error body instead). Returns the file name saved.
/**
 * @param {string} path
 * @param {Record<string, unknown> | undefined} query
 * @param {string} fallbackName
 */
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
