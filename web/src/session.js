// session.js: the signed-in user, the CSRF token of the session, and what the user may do: the
// capabilities of GET /api/v1/session (src/core/perm.c's table: per role grant, and their union).
// Pages and buttons are shown from can(); the server still checks every request.
import { reactive } from 'vue'
import { followServerClock } from './dates'

export const session = reactive({ user: null, csrf: '', loaded: false })

// The roles of perm.c, in the order the administration pages list them (labels: role.* of the
// message files, the server's role_label where a grant carries one).
export const ROLE_NAMES = ['admin', 'principal', 'leader', 'director', 'deputy', 'secretary', 'office', 'inspector',
  'parttime', 'contact', 'head', 'evaluator']

// A hint kept in this browser that a session cookie may exist (the cookie itself is HttpOnly): with
// none, the app does not ask the server who is signed in (an anonymous GET /api/v1/session answers
// 401, which the browser logs on every visit to the sign-in page).
const HINT = 'ducha.session'
export const maybeSignedIn = () => localStorage.getItem(HINT) === '1'

export function setSession(data) {
  session.user = data?.user || null
  session.csrf = data?.csrf_token || ''
  session.loaded = true
  followServerClock(data?.now)
  if (session.user) localStorage.setItem(HINT, '1')
  else localStorage.removeItem(HINT)
}

// No one signed in for this page load, the hint kept: the server could not be asked (see loadSession).
export function setSessionUnknown() {
  Object.assign(session, { user: null, csrf: '', loaded: true })
}

// True if the user holds the capability at some unit ('signed_in': any signed-in user).
export function can(cap) {
  if (!session.user) return false
  if (cap === 'signed_in') return true
  return !!session.user.caps?.includes(cap)
}

// True if the user holds any of the capabilities (a name or a list of names).
export const canAny = (caps) => [].concat(caps ?? 'signed_in').some(can)
