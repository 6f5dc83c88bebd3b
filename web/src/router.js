// router.js: the pages; every page but login needs a session, admin pages need their role.
import { createRouter, createWebHistory } from 'vue-router'
import { session, hasRole } from './session'
import { loadSession } from './api'
import { probeFeatures, features } from './features'

const routes = [
  { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true } },
  { path: '/password', name: 'password', component: () => import('./views/ChangePassword.vue') },
  {
    path: '/',
    component: () => import('./views/Layout.vue'),
    children: [
      { path: '', name: 'workbench', component: () => import('./views/Workbench.vue'), meta: { title: '工作台' } },
      { path: 'items', name: 'ledger', component: () => import('./views/Ledger.vue'), meta: { title: '督办台账', feature: 'items' } },
      { path: 'items/new', name: 'item-new', component: () => import('./views/ItemNew.vue'), meta: { title: '事项立项', roles: ['office'], feature: 'items' } },
      { path: 'items/:id(\\d+)/edit', name: 'item-edit', component: () => import('./views/ItemNew.vue'), meta: { title: '修改事项', roles: ['office'], feature: 'items' } },
      { path: 'items/:id(\\d+)', name: 'item', component: () => import('./views/ItemDetail.vue'), meta: { title: '事项详情', feature: 'items' } },
      { path: 'overview', name: 'overview', component: () => import('./views/Overview.vue'), meta: { title: '综合分析', feature: 'items' } },
      { path: 'inbox', name: 'inbox', component: () => import('./views/Inbox.vue'), meta: { title: '消息通知', feature: 'inbox' } },
      { path: 'preferences', name: 'preferences', component: () => import('./views/Preferences.vue'), meta: { title: '通知方式设置', feature: 'inbox' } },
      { path: 'admin/calendar', name: 'calendar', component: () => import('./views/admin/Calendar.vue'), meta: { title: '工作日历', roles: ['admin', 'office'], feature: 'calendar' } },
      { path: 'admin/rules', name: 'rules', component: () => import('./views/admin/Rules.vue'), meta: { title: '时限规则', roles: ['admin', 'office'], feature: 'rules' } },
      { path: 'admin/units', name: 'units', component: () => import('./views/admin/Units.vue'), meta: { title: '单位管理', roles: ['admin'] } },
      { path: 'admin/users', name: 'users', component: () => import('./views/admin/Users.vue'), meta: { title: '用户与角色', roles: ['admin'] } },
      { path: 'admin/audit', name: 'audit', component: () => import('./views/admin/Audit.vue'), meta: { title: '审计日志', roles: ['admin', 'office'] } },
      { path: ':rest(.*)*', name: 'notfound', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
    ],
  },
]

const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (to.meta.public) return true
  if (!session.user) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (session.user.must_change_password && to.name !== 'password') return { name: 'password' }
  await probeFeatures()
  if (to.meta.feature && !features[to.meta.feature]) return { name: 'workbench' }
  if (to.meta.roles && !hasRole(...to.meta.roles)) return { name: 'workbench' }
  return true
})

export default router
