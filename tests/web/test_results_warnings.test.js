// Early warning in the browser (研判预警): an item assigned 80 days ago, due in 20 days, reported at 10 % — the
// county office sees the 研判预警 panel on the overview, opens the page from the menu: the units ranked by items at
// risk as the server keeps them, the item's row with its signal and facts; filters by signal; presses the unit
// from the row (the item's own 催办: the contact gets the message); sets the thresholds. The transport bureau's
// contact sees its own units only. A bulletin draft keeping the section 预警提示 shows it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays, toast } from './helper.js'

// the warnings are kept by the scheduler's pass: every second here (the server inherits the environment)
process.env.DUCHA_SCHEDULER_INTERVAL_S = '1'

let server, browser
before(async () => { server = await startServer(['--test-clock']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const waitFor = async (pred, ms = 30000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = await pred()
    if (v) return v
  }
  return pred()
}

test('early warning: the office sees the items at risk, presses a unit and sets the thresholds', async (t) => {
  const admin = await apiAs(server, 'admin')
  const jtId = (await admin('GET', '/api/v1/units?q=gc-jt&limit=50')).json.units.find((u) => u.code === 'gc-jt').id
  // assigned 80 days ago (the test clock), due in 20 days
  const back = new Date(Date.now() - 80 * 86400000).toISOString().slice(0, 19) + 'Z'
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: back })).status, 200)
  let office = await apiAs(server, 'gc_office')
  const created = await office('POST', '/api/v1/items', { title: '研判预警：城区供水管网改造', requirement: '按月报送进展', source_kind: 'meeting',
    lead_unit_id: jtId, co_unit_ids: [], due_date: inDays(20) })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const iid = created.json.id
  for (const [user, action] of [['gc_office', 'submit'], ['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign'], ['gc_contact', 'receive']]) {
    const r = await (await apiAs(server, user))('POST', `/api/v1/items/${iid}/actions/${action}`, {})
    assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.json)}`)
  }
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: new Date().toISOString().slice(0, 19) + 'Z' })).status, 200)
  const contact = await apiAs(server, 'gc_contact')
  assert.equal((await contact('POST', `/api/v1/items/${iid}/reports`, { text: '已完成方案设计', percent: 10 })).status, 201)
  office = await apiAs(server, 'gc_office')
  // the pace warning raised, and the scheduler's passes done with the clock's moves: the item's events are looked
  // at before the day's sweep of every running item, which may raise others a moment later (the page's count must
  // be the one it shows), so the rows are taken once the same over three reads 2.5 s apart (passes every second)
  let seen = null
  const w = await waitFor(async () => {
    const r = (await office('GET', '/api/v1/warnings?per_page=200')).json
    const row = r.warnings.find((x) => x.item_id === iid)
    if (!row || !row.signals.some((s) => s.signal === 'pace' && s.facts.percent === 10)) return null
    const key = JSON.stringify([r.total, r.units])
    if (seen?.key !== key) seen = { key, since: Date.now() }
    return Date.now() - seen.since >= 2500 ? r : null
  }, 60000)
  assert.ok(w, 'the pace warning is raised')

  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/overview')
  await page.locator('[data-test=ov-warnings] canvas').waitFor()
  await page.locator('[data-test=ov-warnings]', { hasText: String(w.total) }).waitFor()
  await page.click('[data-test=menu-group-res]')
  await page.click('[data-test=menu-warnings]')
  const units = page.locator('[data-test=wn-units] .el-table__body-wrapper .el-table__row')
  await units.first().waitFor()
  assert.equal(await units.count(), w.units.length)
  const top = await units.first().textContent()
  assert.ok(top.includes(w.units[0].unit_name) && top.includes(String(w.units[0].items)), top)
  const row = page.locator('[data-test=wn-rows] .el-table__body-wrapper .el-table__row', { hasText: '研判预警：城区供水管网改造' })
  await row.waitFor()
  const text = await row.textContent()
  assert.ok(text.includes('进度滞后') && text.includes('报送进度10%') && text.includes('古城县交通运输局'), text)
  // the dates as official text writes them, in the column and in the facts: 2026年12月23日, never 2026-12-23
  const [y, m, d] = inDays(20).split('-')
  const due = `${+y}年${+m}月${+d}日`
  assert.equal((await row.locator('[data-test=wn-due]').textContent()).trim(), due)
  assert.ok(text.includes(`至${due}到期`) && !/\d{4}-\d{2}-\d{2}/.test(text), text)
  await shot(page, 'warnings')

  // filter: one signal
  await page.click('[data-test=wn-signal]')
  await page.locator('.el-select-dropdown__item', { hasText: '多次延期' }).click()
  // the list reloads with that signal only: the item (behind pace, no extension) leaves it
  await page.locator('[data-test=wn-rows] .el-table__row', { hasText: '研判预警：城区供水管网改造' }).waitFor({ state: 'detached' })
  await page.locator('[data-test=wn-rows] .el-table__empty-text').waitFor()
  await page.click('[data-test=wn-signal] .el-select__clear').catch(async () => {
    await page.click('[data-test=wn-signal]')
    await page.locator('.el-select-dropdown__item', { hasText: '进度滞后' }).click()
  })
  await row.waitFor()

  // press the unit from its row: the contact gets the message
  await row.locator('[data-test=wn-press]').click()
  await page.locator('.el-message-box textarea').fill('请于本周五前报送管网改造进展')
  await page.locator('.el-message-box .el-button--primary').click()
  await toast(page, 'success', /已向古城县交通运输局催办/)
  const inbox = await waitFor(async () => {
    const r = (await contact('GET', '/api/v1/inbox?limit=100')).json
    const msgs = r.messages || r.items || []
    return msgs.find((m) => (m.body || '').includes('请于本周五前报送管网改造进展')) || null
  })
  assert.ok(inbox, 'the contact got the press')

  // thresholds
  await page.click('[data-test=wn-settings]')
  const gap = page.locator('[data-test=wn-set-pace_gap] input')
  await gap.fill('30')
  await page.click('[data-test=wn-set-save]')
  await toast(page, 'success', /预警阈值已保存/)
  assert.equal((await office('GET', '/api/v1/warnings/settings')).json.pace_gap, 30)

  // a bulletin draft that keeps the section 预警提示: the unit and its items at risk, as the server counted them
  const today = inDays(0)
  const bul = await office('POST', '/api/v1/bulletins', { period_from: today.slice(0, 8) + '01', period_to: today, warning_section: true })
  assert.equal(bul.status, 201, JSON.stringify(bul.json))
  const sec = bul.json.figures.warnings.units.find((u) => u.unit_name === '古城县交通运输局')
  assert.ok(sec && sec.items >= 1, JSON.stringify(bul.json.figures.warnings))
  await page.goto(`/bulletins/${bul.json.id}`)
  const panel = page.locator('[data-test=bul-warnings] .el-table__row', { hasText: '古城县交通运输局' })
  await panel.waitFor()
  assert.ok((await panel.textContent()).includes(String(sec.items)))
  assert.ok(await page.locator('[data-test=bul-w-warnings] input').isChecked())
  await page.locator('[data-test=bul-warnings]').scrollIntoViewIfNeeded()
  await shot(page, 'bulletin-warnings')
  await assertNoErrors(t, page)

  // the transport bureau's contact sees its own unit
  const unit = await newPage(browser, server)
  await loginTo(unit, 'gc_contact', '/warnings')
  const own = unit.locator('[data-test=wn-units] .el-table__body-wrapper .el-table__row')
  await own.first().waitFor()
  assert.equal(await own.count(), 1)
  assert.ok((await own.first().textContent()).includes('古城县交通运输局'))
  assert.equal(await unit.locator('[data-test=wn-settings]').count(), 0)
  await assertNoErrors(t, unit)
})
