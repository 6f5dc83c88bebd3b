// The work calendar, the deadline rules and the inbox pages.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the calendar shows the holidays and computes working days like the server', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'admin')
  await page.click('[data-test=menu-calendar]')
  await page.locator('[data-test=cal-table] .el-table__row').first().waitFor()
  await shot(page, 'calendar')
  const year = Number(inDays(0).slice(0, 4))
  const api = await apiAs(server, 'admin')
  const want = (await api('GET', `/api/v1/calendar/workdays?from=${year}-09-30&add=3`)).json.date
  const from = page.locator('.panel', { hasText: '工作日推算' }).locator('.el-date-editor input')
  await from.fill(`${year}-09-30`)
  await from.press('Enter')
  await page.locator('.panel', { hasText: '工作日推算' }).locator('.el-input-number input').fill('3')
  await page.click('[data-test=cal-compute]')
  const res = page.locator('[data-test=cal-result]')
  await res.waitFor()
  const [y, m, d] = want.split('-').map(Number)
  assert.match(await res.textContent(), new RegExp(`${y}年${m}月${d}日`))
  await assertNoErrors(t, page)
})

test('the administrator edits a deadline rule; the office sees the rules read-only', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'admin', '/admin/rules')
  await page.locator('[data-test=rules-table] .el-table__row').first().waitFor()
  await shot(page, 'rules')
  // the presets count calendar days, as their source writes (1日内); the administrator switches the first
  // rule to working days, and the wording the documents will use follows
  const first = page.locator('[data-test=rules-table] .el-table__row').first()
  assert.equal((await first.locator('[data-test=rule-wording]').textContent()).trim(), '1日内')
  assert.match(await page.locator('[data-test=rules-unit-hint]').textContent(), /工作日/)
  const note = first.locator('input').last()
  await note.fill('通知发出后1个工作日内确认签收（网页修改）')
  await first.locator('td').nth(2).locator('.el-select').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: /^工作日$/ }).click()
  await page.click('[data-test=rules-save]')
  assert.match(await toast(page, 'success', /时限规则已保存/), /时限规则已保存/)
  const api = await apiAs(server, 'gc_office')
  const r = await api('GET', '/api/v1/rules')
  const saved = r.json.rules.find((x) => x.note === '通知发出后1个工作日内确认签收（网页修改）')
  assert.ok(saved, 'saved on the server')
  assert.equal(saved.unit, 'workdays')
  assert.equal(saved.limit_text, '1个工作日内')
  await page.locator('[data-test=rule-wording]', { hasText: '1个工作日内' }).first().waitFor()

  // the completion grades are configurable
  const sel = page.locator('[data-test=grades-select]')
  await sel.click()
  await sel.locator('input').pressSequentially('基本合格')
  await page.locator('.el-select-dropdown__item:visible', { hasText: '基本合格' }).click()
  await page.keyboard.press('Escape')
  assert.match(await sel.textContent(), /基本合格/)
  await page.click('[data-test=grades-save]')
  assert.match(await toast(page, 'success', /评定等次已保存/), /评定等次已保存/)
  assert.ok((await api('GET', '/api/v1/items/meta')).json.grades.includes('基本合格'))

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/admin/rules')
  await office.locator('[data-test=rules-table] .el-table__row').first().waitFor()
  assert.equal(await office.locator('[data-test=rules-save]').count(), 0, 'no save button for the office')
  assert.match(await office.locator('[data-test=rules-table]').textContent(), /网页修改/)
  await assertNoErrors(t, page)
  await assertNoErrors(t, office)
})

test('a notification reaches the inbox and is marked read', async (t) => {
  const admin = await apiAs(server, 'admin')
  const r = await admin('POST', '/api/v1/admin/notifications/test', { username: 'gc_contact', subject: '督办提醒：请按时报送进展', body: '古督〔2026〕1号 距办理时限还有2个工作日。', urgent: true })
  assert.ok(r.status < 300, JSON.stringify(r.json))
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_contact')
  await page.locator('[data-test=wb-message]', { hasText: '督办提醒' }).waitFor()
  await page.click('[data-test=menu-inbox]')
  const msg = page.locator('[data-test=inbox-message]', { hasText: '督办提醒' })
  await msg.waitFor()
  await shot(page, 'inbox')
  // the server's answer to the click, waited for: a wait for the network to be idle returns at once if the page
  // was idle before the click sent its request (2 still unread, once, in a whole suite at load 40)
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/inbox/read-all' && r.request().method() === 'POST'),
    page.click('[data-test=inbox-read-all]'),
  ])
  const me = await apiAs(server, 'gc_contact')
  assert.equal((await me('GET', '/api/v1/inbox')).json.unread, 0)

  // the notification settings: switch e-mail on for the first kind of message
  const before = (await me('GET', '/api/v1/me/preferences')).json
  const kind = before.kinds[0].name
  const hadEmail = before.preferences[kind].includes('email')
  await page.goto('/preferences')
  const box = page.locator('[data-test=prefs-table] .el-table__row').first().locator('.el-checkbox').nth(1)
  await box.click()
  await page.click('[data-test=prefs-save]')
  assert.match(await toast(page, 'success', /通知方式已保存/), /通知方式已保存/)
  const after = (await me('GET', '/api/v1/me/preferences')).json
  assert.equal(after.preferences[kind].includes('email'), !hadEmail)
  await assertNoErrors(t, page)
})

test('a deadline ladder message opens the item it chases', async (t) => {
  // the demo's overdue item climbs the ladder as soon as the server runs: the leader in charge is asked to press
  const leader = await apiAs(server, 'gc_leader')
  let msg
  for (let i = 0; i < 150 && !msg; i++) {
    const r = await leader('GET', '/api/v1/inbox?limit=200')
    msg = r.json.messages.find((m) => m.object_type === 'milestone' && m.kind === 'press')
    if (!msg) await new Promise((res) => setTimeout(res, 200))
  }
  assert.ok(msg, 'no press message reached the leader in charge')
  assert.match(msg.link, /^\/items\/\d+$/)
  const item = (await leader('GET', '/api/v1' + msg.link)).json
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_leader')
  await page.click('[data-test=menu-inbox]')
  const row = page.locator('[data-test=inbox-message]', { hasText: msg.subject })
  await row.waitFor()
  await shot(page, 'inbox-ladder')
  await row.locator('[data-test=inbox-open]').click()
  await page.waitForURL('**' + msg.link)
  await page.getByText(item.title).first().waitFor()
  await shot(page, 'inbox-ladder-item')
  await assertNoErrors(t, page)
})
