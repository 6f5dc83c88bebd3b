// The menus come from the routes and the capabilities of the session: each demo role sees exactly the
// pages its roles allow; a page opened by its address without the capability says why instead of
// showing a blank page; buttons follow the same capabilities; the sign-in page loads with a clean
// console; every page reads its words from the message files in Chinese and in English.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, release, loginOk, loginTo, apiAs, assertNoErrors, shot } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// each menu entry and the capabilities that open it (any of them), as the product means it
const PAGES = {
  workbench: [], ledger: ['item_read'], 'item-new': ['item_register'], overview: ['item_read'], inbox: [], liaisons: ['unit_read'],
  units: ['unit_write'], users: ['user_admin'], calendar: ['system_admin', 'item_register'], rules: ['system_admin', 'item_register'],
  audit: ['audit_read'], clues: ['clue_read'], 'contact-points': ['clue_read'], surveys: ['survey_manage', 'item_decide', 'item_approve'],
  webhooks: ['webhook_admin'],
  outbox: ['system_admin'],
  inspections: ['insp_read', 'insp_field', 'insp_evaluate'], plans: ['insp_read'], rectifications: ['insp_read', 'rect_handle'],
  reviews: ['insp_read', 'rect_handle'], roster: ['insp_read', 'insp_field'], evaluations: ['insp_read', 'insp_evaluate'],
  'evaluator-orgs': ['insp_manage'],
  results: ['item_read'], bulletins: ['item_read'], scorecards: ['item_read'], burden: ['item_read'],
  statistics: ['result_draft', 'result_approve', 'item_decide', 'item_review'],
  warnings: ['item_read'],
  'periodic-reports': ['result_draft', 'result_approve', 'item_decide', 'item_review'],
}
const ROLES = ['admin', 'gc_admin', 'gc_principal', 'gc_leader', 'gc_director', 'gc_deputy', 'gc_secretary', 'gc_office',
  'gc_inspector', 'gc_parttime', 'gc_contact', 'gc_head', 'gc_evaluator', 'ap_office']

const menuOf = async (page) => (await page.locator('[data-test^=menu-]:not([data-test^=menu-group-])').evaluateAll(
  (els) => els.map((e) => e.getAttribute('data-test').slice(5)))).sort()

test('each role sees exactly the pages its capabilities allow', async (t) => {
  const page = await newPage(browser, server)
  for (const u of ROLES) {
    const caps = (await (await apiAs(server, u))('GET', '/api/v1/session')).json.user.caps
    const want = Object.entries(PAGES).filter(([, need]) => !need.length || need.some((c) => caps.includes(c))).map(([p]) => p).sort()
    await loginOk(page, u)
    assert.deepEqual(await menuOf(page), want, u)
    // the workbench's shortcuts are the same pages (those marked as shortcuts), never one the user may not open
    const sc = await page.locator('[data-test^=sc-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test').slice(3)))
    for (const s of sc) assert.ok(s === 'password' || want.includes(s), `${u}: shortcut ${s}`)
    // each shortcut's name on one line under its icon (表扬批评与约谈问责 broke in two and pushed its icon up)
    const labels = await page.locator('[data-test^=sc-] span').evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect()
      return { name: e.textContent, oneLine: r.height < 2 * parseFloat(getComputedStyle(e).fontSize) }
    }))
    for (const l of labels) assert.ok(l.oneLine, `${u}: the shortcut ${l.name} takes more than one line`)
    if (u === 'gc_parttime') await shot(page, 'workbench-parttime')
    await page.context().clearCookies()
    await page.evaluate(() => localStorage.removeItem('ducha.session'))
  }
  await assertNoErrors(t, page)
})

test('a page opened by its address without the capability says why', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/admin/users')
  const f = page.locator('[data-test=forbidden]')
  await f.waitFor()
  const text = await f.textContent()
  assert.match(text, /无权访问此页面/)
  assert.match(text, /用户与角色/, 'names the page')
  assert.match(text, /管理用户与角色/, 'names the capability it needs')
  assert.match(text, /督查室（古城县人民政府）/, 'names the roles the user holds')
  assert.equal(await page.locator('[data-test=user-table]').count(), 0, 'the page itself is not rendered')
  await shot(page, 'forbidden')
  // the unit contact: no registration page, no registration buttons
  const contact = await newPage(browser, server)
  await loginTo(contact, 'gc_contact', '/items/new')
  await contact.locator('[data-test=forbidden]').waitFor()
  await contact.goto('/items')
  await contact.locator('[data-test=ledger-table]').waitFor()
  assert.equal(await contact.locator('[data-test=ledger-new]').count(), 0)
  assert.equal(await contact.locator('[data-test=ledger-import]').count(), 0)
  // an address that is no page at all
  await contact.goto('/no/such/page')
  await contact.locator('[data-test=notfound]').waitFor()
  await assertNoErrors(t, page)
  await assertNoErrors(t, contact)
})

test('the sign-in page loads with a clean console (no anonymous session probe)', async (t) => {
  const page = await newPage(browser, server)
  const asked = []
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/session') asked.push(r.method()) })
  await page.goto('/login')
  await page.locator('[data-test=login-submit]').waitFor()
  await page.goto('/items')
  await page.waitForURL((u) => u.pathname === '/login')
  await page.waitForLoadState('networkidle')
  assert.deepEqual(asked, [], 'nobody signed in here: the server is not asked')
  assert.deepEqual(page.console.filter((m) => /^(error|warning)/.test(m)), [], 'nothing logged at all, not even a 401')
  // after signing out, the same
  await loginOk(page, 'gc_office')
  await page.click('[data-test=user-menu]')
  await page.click('[data-test=logout]')
  await page.click('.el-message-box__btns .el-button--primary')
  await page.waitForURL((u) => u.pathname === '/login')
  const before = page.console.length
  await page.reload()
  await page.locator('[data-test=login-submit]').waitFor()
  await page.waitForLoadState('networkidle')
  assert.deepEqual(page.console.slice(before).filter((m) => /^(error|warning)/.test(m)), [])
  await assertNoErrors(t, page)
})

test('every page has its words in Chinese and in English', async (t) => {
  for (const [u, lang] of [['admin', 'zh'], ['gc_office', 'zh'], ['admin', 'en'], ['gc_office', 'en'], ['gc_contact', 'en']]) {
    const page = await newPage(browser, server)
    await page.goto('/login')
    await page.evaluate((l) => localStorage.setItem('ducha.lang', l), lang)
    await loginOk(page, u)
    const menu = await menuOf(page)
    for (const name of menu) {
      await page.click(`[data-test=menu-${name}]`)
      await page.waitForLoadState('networkidle')
    }
    // one item page too
    if (menu.includes('ledger')) {
      await page.click('[data-test=menu-ledger]')
      await page.locator('[data-test=ledger-table] .el-table__row').first().click()
      await page.locator('[data-test=item-state]').waitFor()
      await page.waitForLoadState('networkidle')
      if (lang === 'en') {
        const head = await page.locator('.panel.head').textContent()
        assert.doesNotMatch(head, /当前环节|文书|返回|审计日志|未亮灯|红灯|绿灯|黄灯/, `${u}: the item page's words are in English`)
        await shot(page, `item-detail-en-${u}`)
      }
    }
    await assertNoErrors(t, page)
    await release(page)
  }
})
