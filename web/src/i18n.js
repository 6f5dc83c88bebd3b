// i18n.js: a small dictionary (zh-CN default, English switchable) and Chinese-style dates.
import { ref } from 'vue'

export const lang = ref(localStorage.getItem('ducha.lang') === 'en' ? 'en' : 'zh')

export function setLang(l) {
  lang.value = l === 'en' ? 'en' : 'zh'
  localStorage.setItem('ducha.lang', lang.value)
  document.documentElement.lang = lang.value === 'en' ? 'en' : 'zh-CN'
}

const en = {
  '政府督查督办管理系统': 'Government Supervision & Follow-up System',
  '督查督办': 'Supervision',
  '工作台': 'Workbench',
  '督办台账': 'Item ledger',
  '事项立项': 'Register item',
  '综合分析': 'Overview',
  '系统管理': 'Administration',
  '单位管理': 'Units',
  '用户与角色': 'Users & roles',
  '审计日志': 'Audit log',
  '工作日历': 'Work calendar',
  '时限规则': 'Deadline rules',
  '消息通知': 'Notifications',
  '退出登录': 'Sign out',
  '修改密码': 'Change password',
  '用户登录': 'Sign in',
  '用户名': 'Username',
  '密码': 'Password',
  '登录': 'Sign in',
  '请输入用户名': 'Enter your username',
  '请输入密码': 'Enter your password',
  '原密码': 'Current password',
  '新密码': 'New password',
  '确认新密码': 'Confirm new password',
  '两次输入的新密码不一致': 'The two new passwords differ',
  '首次登录或密码已被重置，请先修改密码后继续使用': 'First sign-in or password reset: please change your password to continue',
  '密码已修改': 'Password changed',
  '保存': 'Save',
  '取消': 'Cancel',
  '确定': 'OK',
  '新建': 'New',
  '编辑': 'Edit',
  '删除': 'Delete',
  '查询': 'Search',
  '重置': 'Reset',
  '操作': 'Actions',
  '状态': 'State',
  '名称': 'Name',
  '代码': 'Code',
  '类型': 'Kind',
  '上级单位': 'Parent unit',
  '主要负责人': 'Principal',
  '联系人': 'Contact',
  '电话': 'Phone',
  '编号前缀': 'Number prefix',
  '排序': 'Order',
  '新建下级单位': 'New sub-unit',
  '新建单位': 'New unit',
  '编辑单位': 'Edit unit',
  'CSV 导入': 'CSV import',
  '导入': 'Import',
  '单位树': 'Unit tree',
  '请选择左侧单位': 'Select a unit on the left',
  '搜索单位名称或代码': 'Search unit name or code',
  '姓名': 'Name',
  '所属单位': 'Unit',
  '角色': 'Roles',
  '邮箱': 'E-mail',
  '新建用户': 'New user',
  '编辑用户': 'Edit user',
  '重置密码': 'Reset password',
  '解锁': 'Unlock',
  '停用': 'Disable',
  '启用': 'Enable',
  '授权': 'Roles',
  '角色授权': 'Role grants',
  '分管单位': 'Portfolio',
  '授予': 'Grant',
  '撤销': 'Revoke',
  '正常': 'Active',
  '已锁定': 'Locked',
  '已停用': 'Disabled',
  '需改密': 'Must change password',
  '上一页': 'Previous',
  '下一页': 'Next',
  '第': 'Page',
  '页': '',
  '搜索用户名或姓名': 'Search username or name',
  '操作人': 'Actor',
  '动作': 'Action',
  '对象类型': 'Object type',
  '对象编号': 'Object id',
  '开始日期': 'From',
  '结束日期': 'To',
  '时间': 'Time',
  '序号': 'Seq',
  '客户端': 'Client',
  '摘要': 'Summary',
  '校验审计链': 'Verify chain',
  '加载更多': 'Load more',
  '已到最后': 'No more records',
  '欢迎': 'Welcome',
  '我的角色': 'My roles',
  '常用功能': 'Shortcuts',
  '我的待办': 'My to-dos',
  '待我审批': 'Awaiting my approval',
  '待我核签': 'Awaiting my signature',
  '待我审核': 'Awaiting my review',
  '未读通知': 'Unread notifications',
  '暂无数据': 'No data',
  '语言': 'Language',
  '菜单': 'Menu',
  '返回': 'Back',
  '提交': 'Submit',
  '详情': 'Details',
  '导出': 'Export',
  '事项详情': 'Item',
  '全部': 'All',
  '共': 'Total',
  '条': '',
}

// t('中文'): the Chinese text is the key; English when switched and known.
export function t(s) {
  return lang.value === 'en' ? en[s] ?? s : s
}

const pad = (n) => String(n).padStart(2, '0')

function parts(iso) {
  const d = new Date(iso)
  if (isNaN(d)) return null
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(d)
  const g = (k) => f.find((p) => p.type === k)?.value
  return { y: g('year'), m: g('month'), d: g('day'), H: g('hour') === '24' ? '00' : g('hour'), M: g('minute') }
}

// An instant (ISO UTC) in Beijing time: 2026年11月23日 14:51 (zh) or 2026-11-23 14:51 (en).
export function fmtTime(iso) {
  if (!iso) return ''
  const p = parts(iso)
  if (!p) return iso
  return lang.value === 'en' ? `${p.y}-${p.m}-${p.d} ${p.H}:${p.M}` : `${p.y}年${+p.m}月${+p.d}日 ${p.H}:${p.M}`
}

// A local date YYYY-MM-DD: 2026年11月23日 (zh).
export function fmtDate(s) {
  if (!s) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
  if (!m) return s
  return lang.value === 'en' ? `${m[1]}-${m[2]}-${m[3]}` : `${m[1]}年${+m[2]}月${+m[3]}日`
}

// Today in Beijing as YYYY-MM-DD.
export function today() {
  const p = parts(new Date().toISOString())
  return `${p.y}-${p.m}-${p.d}`
}

export { pad }
