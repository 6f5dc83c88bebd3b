// The burden index in the browser (基层减负): the county office opens it from the menu — its departments and
// townships ranked by what ducha asked of them, as the server counts them, a chart, the issuers ranked, and one
// unit opened by issuer, the workbook downloaded; the transport bureau's head sees its own row only.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, apiAs, assertNoErrors } from './helper.js'

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
