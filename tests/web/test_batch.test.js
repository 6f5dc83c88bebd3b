// Batch actions from the ledger (#15): the deputy director selects rows and approves them in one go; each
// item is checked on its own, the dialog lists what was done and what was refused with its reason, and the
// ledger shows the new states. The office presses (催办) a selection with one note; the units hear it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })


async function register(office, title, submit) {
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json.units
  const unitId = units.find((u) => u.name === '古城县交通运输局').id
  const r = await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: unitId, due_date: inDays(40), submit })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  return r.json
}

async function ledgerSearch(page, q) {
  await page.goto('/items')
  await page.fill('[data-test=ledger-q]', q)
  await page.click('[data-test=ledger-search]')
  await page.waitForLoadState('networkidle')
}

const row = (page, title) => page.locator('[data-test=ledger-table] .el-table__row', { hasText: title })

test('the deputy approves a ledger selection: each item on its own, a result per item', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const a = await register(office, '批量网页审批：公园绿道', true)
  const b = await register(office, '批量网页审批：社区食堂', true)
  const draft = await register(office, '批量网页审批：草稿未报', false)
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_deputy')
  await ledgerSearch(page, '批量网页审批')
  for (const title of [a.title, b.title, draft.title]) await row(page, title).locator('.el-checkbox').click()
  await page.locator('[data-test=batch-bar]', { hasText: '已选 3 项' }).waitFor()
  assert.equal(new URL(page.url()).pathname, '/items', 'ticking a row does not open the item')
  await page.click('[data-test=batch-approve]')
  const dlg = page.locator('[data-test=batch-dialog]')
  await dlg.locator('[data-test=batch-picked] li').nth(2).waitFor()
  await page.click('[data-test=batch-submit]')
  await dlg.locator('[data-test=batch-summary]', { hasText: '审批通过：已执行 2 项，未执行 1 项' }).waitFor()
  const okText = await dlg.locator(`[data-test=batch-result-${a.id}]`).textContent()
  assert.match(okText, /已执行.*待主任审批/)
  const noText = await dlg.locator(`[data-test=batch-result-${draft.id}]`).textContent()
  assert.match(noText, /未执行.*草稿/)
  await shot(page, 'ledger-batch-result')
  await page.click('[data-test=batch-close]')
  await row(page, b.title).locator('.el-tag', { hasText: '待主任审批' }).waitFor()
  await row(page, draft.title).locator('.el-tag', { hasText: '草稿' }).waitFor()
  // the director now has a to-do for each approved item
  const director = await apiAs(server, 'gc_director')
  const todos = (await director('GET', '/api/v1/todos?kind=item&limit=200')).json.todos
  for (const it of [a, b]) assert.ok(todos.some((x) => x.object_id === it.id && x.task === 'approve_director'), `to-do for ${it.title}`)
  assert.ok(!todos.some((x) => x.object_id === draft.id))
  await assertNoErrors(t, page)
})

test('the office presses a selection with one note; each unit hears it, a unit sees no batch buttons', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const items = [await register(office, '批量网页催办：路面修补', true), await register(office, '批量网页催办：井盖更换', true)]
  for (const it of items) {
    for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
      const call = await apiAs(server, user)
      assert.equal((await call('POST', `/api/v1/items/${it.id}/actions/${action}`, {})).status, 200)
    }
  }
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await ledgerSearch(page, '批量网页催办')
  for (const it of items) await row(page, it.title).locator('.el-checkbox').click()
  await page.click('[data-test=batch-press]')
  const dlg = page.locator('[data-test=batch-dialog]')
  await page.click('[data-test=batch-submit]')
  await dlg.locator('.el-form-item__error', { hasText: '请填写催办意见' }).waitFor()
  await dlg.locator('[data-test=batch-text]').fill('请于本周五前报送进展')
  await shot(page, 'ledger-batch-press')
  await page.click('[data-test=batch-submit]')
  await dlg.locator('[data-test=batch-summary]', { hasText: '催办：已执行 2 项，未执行 0 项' }).waitFor()
  await page.click('[data-test=batch-close]')
  const contact = await apiAs(server, 'gc_contact')
  const inbox = (await contact('GET', '/api/v1/inbox?limit=100')).json.messages
  for (const it of items) {
    assert.ok(inbox.some((m) => m.object_id === it.id && m.subject.startsWith('【催办】') && (m.body || '').includes('请于本周五前报送进展')), it.title)
  }
  await assertNoErrors(t, page)
  // a unit's contact has no batch actions in the ledger
  const unitPage = await newPage(browser, server)
  await loginTo(unitPage, 'gc_contact', '/items')
  await unitPage.locator('[data-test=ledger-table]').waitFor()
  await unitPage.waitForLoadState('networkidle')
  assert.equal(await unitPage.locator('[data-test=batch-bar]').count(), 0)
  assert.equal(await unitPage.locator('[data-test=ledger-table] .el-table-column--selection').count(), 0)
  await assertNoErrors(t, unitPage)
})
