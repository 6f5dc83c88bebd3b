// The burden index in the browser (基层减负): the county office opens it from the menu — its departments and
// townships ranked by what ducha asked of them, as the server counts them, a chart, the issuers ranked, and one
// unit opened by issuer, the workbook downloaded; the transport bureau's head sees its own row only.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, PHONE, fitsThePhone } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the burden index: the office ranks its units and issuers; a unit sees its own', async (t) => {
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-group-res]')
  await office.click('[data-test=menu-burden]')
  await office.locator('[data-test=bd-chart] canvas').waitFor()
  const b = (await (await apiAs(server, 'gc_office'))('GET', '/api/v1/burden')).json
  const rows = office.locator('[data-test=bd-units] > .el-table__inner-wrapper > .el-table__body-wrapper .el-table__row')
  assert.equal(await rows.count(), b.units.length)
  const first = await rows.first().textContent()
  assert.ok(first.includes(b.units[0].name) && first.includes(String(b.units[0].total)), first)
  await office.locator('[data-test=bd-issuers] .el-table__row', { hasText: b.issuers[0].issuer }).waitFor()
  await shot(office, 'burden')
  const [xlsx] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=bd-xlsx]')])
  assert.match(xlsx.suggestedFilename(), /基层负担统计\.xlsx$/)
  await rows.first().locator('.el-table__expand-icon').click()
  await office.locator('[data-test=bd-units] .el-table__expanded-cell', { hasText: b.units[0].by_issuer[0].issuer }).waitFor()
  await assertNoErrors(t, office)

  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', '/burden')
  const own = head.locator('[data-test=bd-units] > .el-table__inner-wrapper > .el-table__body-wrapper .el-table__row')
  await own.first().waitFor()
  assert.equal(await own.count(), 1)
  assert.ok((await own.first().textContent()).includes('交通运输局'))
  assert.equal(await head.locator('[data-test=bd-issuers]').count(), 0)
  await assertNoErrors(t, head)
})

test('the burden index by quarter and below the first level: the office picks a quarter, goes down into a bureau and back', async (t) => {
  const admin = await apiAs(server, 'gc_admin')
  const office = await apiAs(server, 'gc_office')
  const jt = (await office('GET', '/api/v1/burden')).json.units.find((u) => u.code === 'gc-jt')
  const sub = await admin('POST', '/api/v1/units', { code: 'gc-jt-web', name: '古城县交通运输局运输管理所', kind: 'office', parent_id: jt.unit_id })
  assert.equal(sub.status, 201, JSON.stringify(sub.json))
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/burden')
  const rows = page.locator('[data-test=bd-units] > .el-table__inner-wrapper > .el-table__body-wrapper .el-table__row')
  await rows.first().waitFor()
  // the period picker names the whole year at first (an empty value showed Element Plus's placeholder 请选择)
  assert.match(await page.locator('[data-test=bd-period]').innerText(), /全年/)
  assert.doesNotMatch(await page.locator('[data-test=bd-period]').innerText(), /请选择/)
  // a quarter: the hint names it and the figures are the server's for that quarter
  const year = (await office('GET', '/api/v1/burden')).json.year
  await page.click('[data-test=bd-period]')
  await page.locator('.el-select-dropdown__item:visible', { hasText: '第1季度' }).click()
  await page.locator('[data-test=bd-hint]', { hasText: `${year}年第一季度` }).waitFor()
  const q1 = (await office('GET', `/api/v1/burden?year=${year}&quarter=1`)).json
  const jtRow = rows.filter({ hasText: '古城县交通运输局' })
  assert.ok((await jtRow.textContent()).includes(String(q1.units.find((u) => u.code === 'gc-jt').total)))
  // down into the bureau: its office below and the bureau itself (本级); then back up by the trail
  await page.click(`[data-test=bd-down-${jt.unit_id}]`)
  await page.locator('[data-test=bd-hint]', { hasText: '古城县交通运输局的下级单位' }).waitFor()
  await rows.filter({ hasText: '运输管理所' }).waitFor()
  await rows.filter({ hasText: '古城县交通运输局（本级）' }).waitFor()
  assert.equal(await rows.count(), 2)
  await shot(page, 'burden-below')
  await page.click('[data-test=bd-top]')
  await page.locator('[data-test=bd-hint]', { hasText: '所属各部门、乡镇' }).waitFor()
  assert.equal(await rows.count(), q1.units.length)
  await assertNoErrors(t, page)
})

test('the burden chart on a phone: the bars across, a line for each unit down the side, nothing off the screen', async (t) => {
  const b = (await (await apiAs(server, 'gc_office'))('GET', '/api/v1/burden')).json
  const shown = Math.min(15, b.units.length)
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', '/burden')
  const chart = page.locator('[data-test=bd-chart]')
  await chart.locator('canvas').waitFor()
  // fifteen names slanted under 390 px ran into each other and off the chart: now one a line, 22 px a unit at least
  const box = await chart.boundingBox()
  assert.ok(shown > 10 && box.height >= shown * 22, `${shown} units in ${JSON.stringify(box)}`)
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, JSON.stringify(box))
  const canvas = await chart.locator('canvas').boundingBox()
  assert.ok(canvas.x + canvas.width <= PHONE.width && canvas.height >= shown * 22, JSON.stringify(canvas))
  // each unit a card under its name (the rank was the card's title)
  const title = page.locator('[data-test=bd-units] [data-test=card] [data-test=card-title]').first()
  await title.waitFor()
  assert.equal((await title.textContent()).trim(), b.units[0].name)
  await fitsThePhone(page)
  await shot(page, 'burden-phone')
  await assertNoErrors(t, page)
})
