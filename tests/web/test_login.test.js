// Sign-in for every demo role, the messages of refused sign-ins, throttling, forced password change.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, login, loginOk, shot, apiAs, assertNoErrors, PASSWORD, PHONE } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const ROLES = ['admin', 'lc_office', 'gc_admin', 'gc_principal', 'gc_leader', 'gc_director', 'gc_deputy', 'gc_secretary', 'gc_office',
  'gc_inspector', 'gc_parttime', 'gc_contact', 'gc_head', 'gc_town', 'gc_evaluator', 'ap_office', 'ap_contact']

test('every demo role signs in, sees its name and roles, and signs out', async (t) => {
  const page = await newPage(browser, server)
  for (const u of ROLES) {
    await loginOk(page, u)
    const who = await page.locator('[data-test=user-menu]').textContent()
    assert.ok(who.trim().length > 0, `${u}: header shows the user`)
    const menu = await page.locator('.el-menu-item').allTextContents()
    assert.ok(menu.some((m) => m.includes('工作台')), `${u}: menu has the workbench`)
    const adminMenu = menu.some((m) => m.includes('用户与角色'))
    assert.equal(adminMenu, u === 'admin' || u === 'gc_admin', `${u}: the users menu only for administrators`)
    if (u === 'gc_admin') await shot(page, 'workbench-admin')
    await page.click('[data-test=user-menu]')
    await page.click('[data-test=logout]')
    await page.click('.el-message-box__btns .el-button--primary')
    await page.waitForURL((url) => url.pathname === '/login')
  }
  await assertNoErrors(t, page)
})

test('a wrong password shows the server message; repeated failures make the next attempt wait', async (t) => {
  const page = await newPage(browser, server)
  await page.goto('/login')
  await shot(page, 'login')
  await login(page, 'gc_town', 'wrong-password')
  const err = page.locator('[data-test=login-error]')
  await err.waitFor()
  assert.match(await err.textContent(), /用户名或密码错误/)
  let text = ''
  for (let i = 0; i < 8 && !/过于频繁/.test(text); i++) {
    await page.fill('input[name=password]', 'wrong-password')
    await page.click('[data-test=login-submit]')
    await page.waitForTimeout(300)
    text = await err.textContent()
  }
  assert.match(text, /登录尝试过于频繁，请 \d+ 秒后再试/, 'the wait is shown')
  assert.equal(new URL(page.url()).pathname, '/login')
  await assertNoErrors(t, page)
})

test('a user whose password was reset must change it before anything else', async (t) => {
  const admin = await apiAs(server, 'gc_admin')
  const list = await admin('GET', '/api/v1/users?q=gc_evaluator')
  const u = list.json.users.find((x) => x.username === 'gc_evaluator')
  const r = await admin('PATCH', `/api/v1/users/${u.id}`, { password: 'Temp#Pass2026x', version: u.version })
  assert.equal(r.status, 200)
  const page = await newPage(browser, server)
  await login(page, 'gc_evaluator', 'Temp#Pass2026x')
  await page.waitForURL((url) => url.pathname === '/password')
  await page.locator('[data-test=must-change]').waitFor()
  // going elsewhere leads back to the password page
  await page.goto('/admin/audit')
  await page.waitForURL((url) => url.pathname === '/password')
  await page.fill('input[name=old_password]', 'Temp#Pass2026x')
  await page.fill('input[name=new_password]', 'short')
  await page.fill('input[name=confirm]', 'short')
  await page.click('[data-test=password-submit]')
  await page.locator('[data-test=password-error]').waitFor()
  assert.ok((await page.locator('[data-test=password-error]').textContent()).trim().length > 4, 'the policy message is shown')
  await page.fill('input[name=new_password]', 'Better#Pass2026')
  await page.fill('input[name=confirm]', 'Better#Pass2026')
  await page.click('[data-test=password-submit]')
  await page.waitForURL((url) => url.pathname === '/')
  await page.locator('[data-test=user-menu]').waitFor()
  await assertNoErrors(t, page)
})

test('the language switches to English and back, and stays after a reload', async (t) => {
  const page = await newPage(browser, server)
  await page.goto('/login')
  await page.locator('.el-radio-button', { hasText: 'EN' }).click()
  await page.locator('[data-test=login-submit]', { hasText: 'Sign in' }).waitFor()
  await loginOk(page, 'gc_office')
  await page.locator('.el-menu-item', { hasText: 'Workbench' }).waitFor()
  await page.reload()
  await page.locator('.el-menu-item', { hasText: 'Workbench' }).waitFor()
  await page.locator('.hdr-link', { hasText: 'English' }).click()
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '中文' }).click()
  await page.locator('.el-menu-item', { hasText: '工作台' }).waitFor()
  await assertNoErrors(t, page)
})

// A session check cut short (the page reloaded while it was on its way: two quick loads of /results on a phone, the
// first one's GET /api/v1/session aborted) is no sign-out: that load shows the sign-in page, the next one asks the
// server again and shows the results. Before, the browser forgot that it was signed in, and every later load went to
// the sign-in page without asking, the session still valid (test_results_phone's list, 2 runs in 8).
test('a session check cut short does not sign the browser out', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, 'gc_office')
  await page.route('**/api/v1/session', (route) => route.abort('aborted'), { times: 1 })
  await page.goto('/results')
  await page.waitForURL(/\/login\?redirect=/)
  page.errors.length = 0 // the aborted request, logged by the browser
  await page.goto('/results')
  await page.locator('[data-test=res-table] [data-test=card]').first().waitFor()
  assert.match(page.url(), /\/results$/)
  await assertNoErrors(t, page)
})

test('a sign-in goes on to the page of the link that led to it, and never to another host', async (t) => {
  const page = await newPage(browser, server)
  // a link to a page of the app, opened signed out: the sign-in page, then that page
  await page.goto('/items?state=in_progress')
  await page.waitForURL(/\/login\?redirect=/)
  await page.fill('input[name=username]', 'gc_office')
  await page.fill('input[name=password]', 'Demo2026')
  await page.click('[data-test=login-submit]')
  await page.waitForURL((u) => u.pathname === '/items')
  assert.equal(new URL(page.url()).search, '?state=in_progress')
  await page.locator('[data-test=ledger-table]').waitFor()
  // addresses a browser reads as another host's go to the workbench instead
  for (const to of ['//example.com/items', '/\\example.com', 'https://example.com/']) {
    await page.context().clearCookies()
    await login(page, 'gc_office', PASSWORD, '/login?redirect=' + encodeURIComponent(to))
    await page.waitForURL((u) => u.pathname === '/', { timeout: 30000 })
    await page.locator('[data-test=wb-cards]').waitFor()
    assert.equal(new URL(page.url()).host, new URL(server.url).host, to)
  }
  await assertNoErrors(t, page)
})
