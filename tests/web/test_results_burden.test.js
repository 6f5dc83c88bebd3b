// The burden index in the browser (基层减负): the county office opens it from the menu — its departments and
// townships ranked by what ducha asked of them, as the server counts them, a chart, the issuers ranked, and one
// unit opened by issuer, the workbook downloaded; the transport bureau's head sees its own row only.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, apiAs, assertNoErrors, PHONE, fitsThePhone } from './helper.js'

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
  await loginOk(head, 'gc_head')
  await head.goto('/burden')
  const own = head.locator('[data-test=bd-units] > .el-table__inner-wrapper > .el-table__body-wrapper .el-table__row')
  await own.first().waitFor()
  assert.equal(await own.count(), 1)
  assert.ok((await own.first().textContent()).includes('交通运输局'))
  assert.equal(await head.locator('[data-test=bd-issuers]').count(), 0)
  await assertNoErrors(t, head)
})

test('the burden chart on a phone: the bars across, a line for each unit down the side, nothing off the screen', async (t) => {
  const b = (await (await apiAs(server, 'gc_office'))('GET', '/api/v1/burden')).json
  const shown = Math.min(15, b.units.length)
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, 'gc_office')
  await page.goto('/burden')
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
