// The per-unit cap of inspections a year per government (减负) on the page 基层减负: the city office's setting is
// what the county inherits; the county's office sets its own in the dialog and drops it again; a unit's head sees
// no setting. Every value shown is the server's (GET /api/v1/inspections/unit-cap).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('a county inherits the city\'s cap, sets its own and inherits again', async (t) => {
  const city = await apiAs(server, 'lc_office')
  assert.equal((await city('PUT', '/api/v1/inspections/unit-cap', { unit_cap: 2 })).status, 200)
  const county = await apiAs(server, 'gc_office')
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/burden')
  const panel = office.locator('[data-test=bd-cap]')
  await panel.locator('[data-test=bd-cap-effective]', { hasText: '每年 2 次' }).waitFor()
  await panel.locator('[data-test=bd-cap-from]', { hasText: '沿用临川市人民政府的设定' }).waitFor()

  // its own: 5 a year
  await office.click('[data-test=bd-cap-edit]')
  const dlg = office.locator('[data-test=bd-cap-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=bd-cap-inherit]', { hasText: '沿用上级：每年 2 次（沿用临川市人民政府的设定）' }).waitFor()
  await dlg.locator('[data-test=bd-cap-own]').click()
  await dlg.locator('[data-test=bd-cap-value] input').fill('5')
  await dlg.locator('[data-test=bd-cap-value] input').blur()
  await shot(office, 'burden-unit-cap')
  await dlg.locator('[data-test=bd-cap-save]').click()
  await toast(office, 'success', /已保存/)
  await panel.locator('[data-test=bd-cap-effective]', { hasText: '每年 5 次' }).waitFor()
  await panel.locator('[data-test=bd-cap-from]', { hasText: '古城县人民政府设定' }).waitFor()
  let got = (await county('GET', '/api/v1/inspections/unit-cap')).json
  assert.deepEqual([got.unit_cap, got.effective, got.from], [5, 5, '古城县人民政府'])
  // what a new inspection's burden check applies to a township of the county
  const town = (await county('GET', '/api/v1/units?q=gc-t1&limit=5')).json.units.find((u) => u.code === 'gc-t1')
  const year = new Date().getFullYear() + 30
  const chk = await county('POST', '/api/v1/inspections/burden-check', { target_unit_ids: [town.id], start_date: `${year}-03-01`, end_date: `${year}-03-02` })
  assert.deepEqual([chk.json.units[0].cap, chk.json.units[0].cap_from], [5, '古城县人民政府'])
  await panel.scrollIntoViewIfNeeded()
  await shot(office, 'burden-unit-cap-set')

  // inherit again
  await office.click('[data-test=bd-cap-edit]')
  await dlg.waitFor()
  await dlg.locator('[data-test=bd-cap-inherit]').click()
  await dlg.locator('[data-test=bd-cap-save]').click()
  await panel.locator('[data-test=bd-cap-effective]', { hasText: '每年 2 次' }).waitFor()
  got = (await county('GET', '/api/v1/inspections/unit-cap')).json
  assert.deepEqual([got.unit_cap, got.effective, got.from], [null, 2, '临川市人民政府'])
  await assertNoErrors(t, office)

  // a unit's head sees the burden page without the setting
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', '/burden')
  await head.locator('[data-test=bd-units]').waitFor()
  await head.waitForLoadState('networkidle')
  assert.equal(await head.locator('[data-test=bd-cap]').count(), 0)
  await assertNoErrors(t, head)
})
