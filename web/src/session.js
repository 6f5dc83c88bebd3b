// session.js: the signed-in user, the CSRF token of the session, and role helpers.
import { reactive } from 'vue'

export const session = reactive({ user: null, csrf: '', loaded: false })

export const ROLES = [
  ['admin', '系统管理员'], ['principal', '政府主要领导'], ['leader', '分管领导'], ['director', '政府办主任'],
  ['deputy', '政府办副主任'], ['secretary', '秘书科室'], ['office', '督查室'], ['inspector', '督查专员'],
  ['parttime', '兼职督查员'], ['contact', '承办单位联络员'], ['head', '承办单位主要负责人'], ['evaluator', '第三方评估机构'],
]

export const ROLE_EN = {
  admin: 'Administrator', principal: 'Principal leader', leader: 'Leader in charge', director: 'Office director',
  deputy: 'Deputy director', secretary: 'Secretarial section', office: 'Supervision office', inspector: 'Inspector',
  parttime: 'Part-time inspector', contact: 'Unit contact', head: 'Unit head', evaluator: 'Evaluator',
}

export function hasRole(...names) {
  return !!session.user?.roles?.some((r) => names.includes(r.role))
}

// Roles that read supervision items (perm.c: CAP_ITEM_READ).
export const ITEM_READERS = ['principal', 'leader', 'director', 'deputy', 'secretary', 'office', 'contact', 'head']

export function setSession(data) {
  session.user = data?.user || null
  session.csrf = data?.csrf_token || ''
  session.loaded = true
}
