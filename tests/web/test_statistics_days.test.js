// The average days to complete on the page 统计 (督查督办统计, issue 12 "Statistics"): an item of 古城县 assigned 40
// days ago is completed today, so this month's average counts it. The county office opens the page from the menu:
// the card, the periods' column and the units' column say the average days as GET /api/v1/statistics counts them
// (— for a period without a completion), and the hint says what the figure is (calendar days from 交办 to 办结).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(['--test-clock']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('statistics: the average days to complete per period and per unit, as the API counts them, and what they are', async (t) => {
  const admin = await apiAs(server, 'admin')
  const jtId = (await admin('GET', '/api/v1/units?q=gc-jt&limit=50')).json.units.find((u) => u.code === 'gc-jt').id
  // assigned 40 days ago (the test clock), completed today
  const back = new Date(Date.now() - 40 * 86400000).toISOString().slice(0, 19) + 'Z'
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: back })).status, 200)
  const created = await (await apiAs(server, 'gc_office'))('POST', '/api/v1/items', { title: '统计：城区停车设施建设', requirement: '按期建成',
    source_kind: 'meeting', lead_unit_id: jtId, co_unit_ids: [], due_date: inDays(20) })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const iid = created.json.id
  for (const [user, action] of [['gc_office', 'submit'], ['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const r = await (await apiAs(server, user))('POST', `/api/v1/items/${iid}/actions/${action}`, {})
    assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.json)}`)
  }
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: new Date().toISOString().slice(0, 19) + 'Z' })).status, 200)
  const contact = await apiAs(server, 'gc_contact')
  assert.equal((await contact('POST', `/api/v1/items/${iid}/actions/receive`, {})).status, 200)
  assert.equal((await contact('POST', `/api/v1/items/${iid}/reports`, { text: '已建成', percent: 100 })).status, 201)
  assert.equal((await contact('POST', `/api/v1/items/${iid}/actions/request_completion`, { text: '已按期建成' })).status, 200)
  assert.equal((await (await apiAs(server, 'gc_head'))('POST', `/api/v1/items/${iid}/actions/sign`, {})).status, 200)
  const office = await apiAs(server, 'gc_office')
  assert.equal((await office('POST', `/api/v1/items/${iid}/actions/verify`, { grade: '良好' })).status, 200)

  const s = (await office('GET', '/api/v1/statistics')).json
  const now = s.periods[s.periods.length - 1]
  assert.ok(now.totals.completed >= 1 && now.totals.average_days > 0, JSON.stringify(now.totals))

  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.click('[data-test=menu-group-res]')
  await page.click('[data-test=menu-statistics]')
  await page.locator('[data-test=st-avg]').waitFor()
  assert.equal((await page.locator('[data-test=st-avg] .num').textContent()).trim(), `${s.totals.average_days}天`)
  assert.match(await page.locator('[data-test=st-avg-hint]').textContent(), /交办之日到办结.*自然日/)
  const last = (table) => page.locator(`[data-test=${table}] .el-table__body-wrapper .el-table__row`)
    .evaluateAll((rows) => rows.map((r) => r.lastElementChild.textContent.trim()))
  const days = (d) => (d === null ? '—' : `${d}天`)
  assert.deepEqual(await last('st-periods'), s.periods.map((p) => days(p.totals.average_days)))
  // the units as the page sorts them (most overdue first): each unit's average beside its name
  const units = await page.locator('[data-test=st-units] .el-table__body-wrapper .el-table__row')
    .evaluateAll((rows) => rows.map((r) => [r.firstElementChild.textContent.trim(), r.lastElementChild.textContent.trim()]))
  assert.deepEqual(Object.fromEntries(units), Object.fromEntries(s.units.map((u) => [u.name, days(u.average_days)])))
  assert.ok(units.some(([, d]) => d === `${s.units.find((u) => u.code === 'gc-jt').average_days}天` && d !== '—'), JSON.stringify(units))
  await shot(page, 'statistics-average-days')
  await assertNoErrors(t, page)
})
