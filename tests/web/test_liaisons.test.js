// The liaison directory (联络员名录, #15): a unit's contact keeps its own entry; the office finds it by a phone number
// and exports the directory; a unit sees only its own unit and may not edit others.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('a unit keeps its entry; the office finds it by phone and exports the directory', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_contact')
  await page.click('[data-test=menu-liaisons]')
  const rows = page.locator('[data-test=liaisons-table] .el-table__row')
  await rows.first().waitFor()
  assert.equal(await rows.count(), 1, 'a unit sees its own unit')
  await page.click('[data-test=liaison-edit-gc-jt]')
  const dlg = page.locator('[data-test=liaison-dialog]')
  await dlg.locator('[data-test=liaison-contact_name]').fill('林涛')
  await dlg.locator('[data-test=liaison-contact_mobile]').fill('电话')
  await page.click('[data-test=liaison-save]')
  await dlg.locator('.el-form-item__error', { hasText: '电话号码' }).waitFor()
  await dlg.locator('[data-test=liaison-contact_mobile]').fill('13812345678')
  await dlg.locator('[data-test=liaison-contact_office_phone]').fill('0351-6012345转8012')
  await dlg.locator('[data-test=liaison-head_name]').fill('何振华')
  await page.click('[data-test=liaison-save]')
  await rows.first().locator('text=13812345678 / 0351-6012345转8012').waitFor()
  await assertNoErrors(t, page)

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/liaisons')
  await office.fill('[data-test=liaisons-q]', '6012345')
  await office.click('[data-test=liaisons-search]')
  const hit = office.locator('[data-test=liaisons-table] .el-table__row')
  // the search's answer, not the list before it (whose first row may be the same unit): one row left
  await office.waitForFunction(() => {
    const rows = document.querySelectorAll('[data-test=liaisons-table] .el-table__body .el-table__row')
    return rows.length === 1 && rows[0].textContent.includes('古城县交通运输局')
  })
  assert.equal(await hit.count(), 1)
  assert.match(await hit.first().textContent(), /林涛.*13812345678.*何振华/)
  await shot(office, 'liaisons')
  const [dl] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=liaisons-export]')])
  assert.equal(dl.suggestedFilename(), '联络员名录.csv')
  // the office may keep every entry of its county
  await office.fill('[data-test=liaisons-q]', '')
  await office.click('[data-test=liaisons-search]')
  await office.locator('[data-test=liaison-edit-gc-zj]').waitFor()
  await assertNoErrors(t, office)
  // the API says the same: the contact may not touch another unit's entry
  const contact = await apiAs(server, 'gc_contact')
  const units = (await contact('GET', '/api/v1/liaisons')).json.liaisons
  assert.deepEqual(units.map((u) => u.unit_code), ['gc-jt'])
})
