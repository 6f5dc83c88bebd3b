// Burden warnings before an item's 督办通知 is sent (减负, issue 12): with a cap of one item per unit a year, the
// county office registering an item for a bureau that has already received the county's item and the city's (both
// sent before the cap was set) sees —
// before submitting — that the bureau is past its cap (a reason is needed: the form asks for it and refuses to
// submit without it) and the city's item at the same time as 「其他督查机构」 with its dates (the county does not read
// the city's items). With the reason the item is registered and the exception recorded.
// The same for a clue converted into an item (second test).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors, inDays, toast } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

async function sent(server, office, approvers, body) {
  const api = await apiAs(server, office)
  const r = await api('POST', '/api/v1/items', { source_kind: 'meeting', requirement: '按月报送进展和材料', ...body })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  for (const [user, action] of [[office, 'submit'], ...approvers.map((u) => [u, 'approve']), [office, 'assign']]) {
    const a = await (await apiAs(server, user))('POST', `/api/v1/items/${r.json.id}/actions/${action}`, {})
    assert.equal(a.status, 200, `${user} ${action}: ${JSON.stringify(a.json)}`)
  }
  return r.json
}

test('the office sees the burden warnings and gives a reason before it registers an item', async (t) => {
  const admin = await apiAs(server, 'admin')
  const units = (await admin('GET', '/api/v1/units?q=gc')).json.units
  const gc = units.find((u) => u.code === 'gc')
  const lc = (await admin('GET', '/api/v1/units?q=lc')).json.units.find((u) => u.code === 'lc')
  const unit = await admin('POST', '/api/v1/units', { code: 'gc-jfws', name: '古城县减负网页测试局', kind: 'department', parent_id: gc.id })
  assert.equal(unit.status, 201, JSON.stringify(unit.json))
  for (const role of ['deputy', 'director']) {
    const r = await admin('POST', '/api/v1/users', { username: `lc_${role}_bw`, name: `市${role}`, unit_id: lc.id, password: 'Demo2026',
      must_change_password: false, roles: [{ role, unit_id: lc.id }] })
    assert.equal(r.status, 201, JSON.stringify(r.json))
  }
  await sent(server, 'gc_office', ['gc_deputy', 'gc_director'], { title: '城区排水防涝材料报送', lead_unit_id: unit.json.id, due_date: inDays(30) })
  const city = await sent(server, 'lc_office', ['lc_deputy_bw', 'lc_director_bw'], { title: '全市耕地保护材料报送', lead_unit_id: unit.json.id, due_date: inDays(25) })
  assert.equal((await admin('PUT', '/api/v1/inspections/settings', { request_cap: 1 })).status, 200)

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/items/new')
  const panel = office.locator('[data-test=burden-warnings]')
  await panel.filter({ hasText: '选择责任单位和办结时限后' }).waitFor()
  const title = '按月报送防汛物资储备情况（减负网页测试）'
  await office.fill('[data-test=new-title]', title)
  await pick(office, office.locator('[data-test=new-lead]'), '减负网页测试局', '古城县减负网页测试局')
  const due = office.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  await due.fill(inDays(40))
  await due.press('Enter')
  await office.keyboard.press('Escape')
  const warnings = panel.locator('[data-test=burden-warning]')
  await warnings.nth(1).waitFor()
  const cap = await warnings.filter({ hasText: '交办事项上限' }).textContent()
  // (the year and the day of assignment are the server's: matched as dates, whenever the test runs)
  assert.match(cap, /古城县减负网页测试局\d{4}年已接收交办事项 2 件，已达每个单位每年 1 件的上限/)
  assert.ok(cap.includes('例外理由'), cap)
  const overlap = await warnings.filter({ hasText: '时间重叠' }).textContent()
  assert.match(overlap, new RegExp(`其他督查机构于\\d{4}-\\d{2}-\\d{2}至${city.due_date}另有督办事项`))
  assert.ok(!overlap.includes('耕地'), overlap)
  assert.equal(await warnings.count(), 2, 'the county\'s own item is no overlap')
  const reason = office.locator('[data-test=new-burden-reason]')
  await reason.waitFor()
  await reason.scrollIntoViewIfNeeded()
  await shot(office, 'burden-warnings-item')

  // without the reason the form does not send
  await office.click('[data-test=new-submit]')
  await office.locator('.el-form-item__error', { hasText: '请填写例外理由' }).waitFor()
  assert.match(office.url(), /\/items\/new$/)
  await reason.fill('省防指紧急部署，须单独报送')
  await office.click('[data-test=new-submit]')
  assert.match(await toast(office, 'success', /已立项/), /已立项/)
  await office.waitForURL(/\/items\/\d+$/)
  const id = Number(office.url().split('/').pop())
  const item = (await (await apiAs(server, 'gc_office'))('GET', `/api/v1/items/${id}`)).json
  const caps = (await (await apiAs(server, 'gc_office'))('GET', `/api/v1/inspections/caps?year=${item.year}`)).json
  const x = caps.exceptions.find((e) => e.object_type === 'item' && e.object_id === id)
  assert.ok(x && x.rule === 'request' && x.reason === '省防指紧急部署，须单独报送' && x.state === 'requested', JSON.stringify(caps.exceptions))
  await assertNoErrors(t, office)
})

// A clue converted into an item (转为督办事项) for the same bureau, past its cap: the conversion dialog shows the
// same warnings, asks for the reason and does not send without it; with it the clue is converted and the exception
// recorded with the new item.
test('the conversion of a clue into an item shows the burden warnings and asks for the reason', async (t) => {
  const gcApi = await apiAs(server, 'gc_office')
  const area = (await gcApi('GET', '/api/v1/public/clue-form')).json.areas.find((a) => a.name.includes('城关镇'))
  const created = await gcApi('POST', '/api/v1/clues', { category: 'livelihood', area_id: area.id, place: '城南工业园区',
    description: '园区企业反映同一事项被多个部门反复要求报送材料，半个月内填表五次。' })
  assert.equal(created.status, 201, JSON.stringify(created.json))

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', `/clues/${created.json.id}`)
  await office.locator('[data-test=clue-state]', { hasText: '待分拣' }).waitFor()
  await office.click('[data-test=clue-act-convert_item]')
  const dlg = office.locator('[data-test=clue-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=burden-warnings]').filter({ hasText: '选择责任单位和办结时限后' }).waitFor()
  await pick(office, dlg.locator('.el-form-item', { hasText: '牵头单位' }), '减负网页测试局', '古城县减负网页测试局')
  await dlg.locator('.el-form-item', { hasText: '事项名称' }).locator('input').fill('园区企业重复报送材料整治（减负网页测试）')
  const due = dlg.locator('.el-form-item', { hasText: '时限' }).first().locator('input')
  await due.fill(inDays(30))
  await due.press('Enter')
  await dlg.locator('.el-dialog__title').click()
  const cap = dlg.locator('[data-test=burden-warning]', { hasText: '交办事项上限' })
  await cap.waitFor()
  assert.match(await cap.textContent(), /古城县减负网页测试局\d{4}年已接收交办事项 2 件，已达每个单位每年 1 件的上限/)
  const reason = dlg.locator('[data-test=clue-f-burden-reason]')
  await reason.waitFor()
  await shot(office, 'burden-warnings-clue')

  // without the reason the dialog does not send
  await office.click('[data-test=clue-f-submit]')
  await dlg.locator('.el-form-item__error', { hasText: '请填写例外理由' }).waitFor()
  assert.equal((await gcApi('GET', `/api/v1/clues/${created.json.id}`)).json.state, 'received')
  await reason.fill('群众反映强烈，须专项整治')
  await office.click('[data-test=clue-f-submit]')
  await dlg.waitFor({ state: 'hidden' })
  await office.locator('[data-test=clue-state]', { hasText: '已转办' }).waitFor()
  const clue = (await gcApi('GET', `/api/v1/clues/${created.json.id}`)).json
  const item = (await gcApi('GET', `/api/v1/items/${clue.item.id}`)).json
  const caps = (await gcApi('GET', `/api/v1/inspections/caps?year=${item.year}`)).json
  const x = caps.exceptions.find((e) => e.object_type === 'item' && e.object_id === item.id)
  assert.ok(x && x.rule === 'request' && x.reason === '群众反映强烈，须专项整治' && x.state === 'requested', JSON.stringify(caps.exceptions))
  await assertNoErrors(t, office)
})
