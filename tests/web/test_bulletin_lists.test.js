// A bulletin's publication scope as lists (主送, 抄送) in the browser (issue 12): the office chooses the transport
// bureau as 主送 and 城关镇 as 抄送 in the draft dialog; the page shows both lists; once issued the bureau's head
// and the town's contact read it and the bureau's head is told, while the housing bureau's head (a unit of the
// county the lists do not reach) finds nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors, pick } from './helper.js'
import { openBulletinDialog } from './results.js'

let server, browser
// picks a unit in a multiple UnitPicker: opened first (it lists the units in scope), then searched
async function pickUnit(page, scope, text) {
  await scope.locator('.el-select').first().click()
  await page.locator('.el-select-dropdown__item:visible').first().waitFor()
  await pick(page, scope, text)
  await page.locator('[data-test=bul-dialog] .el-dialog__title').click() // closes the dropdown, not the dialog
  await page.locator('.el-select-dropdown__item:visible').first().waitFor({ state: 'hidden' })
}
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the office chooses 主送 and 抄送; exactly those units read the issued bulletin', async (t) => {
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  const dlg = await openBulletinDialog(office)
  await pickUnit(office, dlg.locator('[data-test=bul-main]'), '交通运输局')
  await pickUnit(office, dlg.locator('[data-test=bul-cc]'), '城关镇')
  await shot(office, 'bulletin-lists-new')
  await dlg.locator('[data-test=bul-create]').click()
  await toast(office, 'success', /草稿已生成/)
  await office.waitForURL(/\/bulletins\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await office.locator('[data-test=bul-main-units]', { hasText: '主送单位：古城县交通运输局' }).waitFor()
  await office.locator('[data-test=bul-cc-units]', { hasText: '抄送单位：古城县城关镇' }).waitFor()
  await assertNoErrors(t, office)

  // the server holds the lists the dialog sent
  const api = await apiAs(server, 'gc_office')
  const b = (await api('GET', `/api/v1/bulletins/${id}`)).json
  assert.deepEqual(b.main_units.map((u) => u.name), ['古城县交通运输局'])
  assert.deepEqual(b.cc_units.map((u) => u.name), ['古城县城关镇人民政府'])
  assert.equal(b.addressees, '古城县交通运输局')
  assert.equal((await api('POST', `/api/v1/bulletins/${id}/actions/submit`, {})).status, 200)
  const principal = await apiAs(server, 'gc_principal')
  assert.equal((await principal('POST', `/api/v1/bulletins/${id}/actions/approve`, {})).status, 200)
  assert.equal((await api('POST', `/api/v1/bulletins/${id}/actions/issue`, {})).status, 200)

  // 主送: the bureau's head reads it, with the lists, and was told
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/bulletins/${id}`)
  await head.locator('[data-test=bul-main-units]', { hasText: '古城县交通运输局' }).waitFor()
  await head.locator('[data-test=bul-state]', { hasText: '已印发' }).waitFor()
  await shot(head, 'bulletin-lists-unit')
  const inbox = (await (await apiAs(server, 'gc_head'))('GET', '/api/v1/inbox?limit=200')).json.messages
  assert.ok(inbox.some((m) => m.object_type === 'bulletin' && m.object_id === id), 'the head of a 主送 unit is told')
  await assertNoErrors(t, head)
  // 抄送: the town's contact reads it
  const town = await newPage(browser, server)
  await loginTo(town, 'gc_town', `/bulletins/${id}`)
  await town.locator('[data-test=bul-cc-units]', { hasText: '古城县城关镇' }).waitFor()
  // a unit of the county the lists do not reach: no such bulletin, and none in its list
  const other = await newPage(browser, server)
  await loginTo(other, 'gc_head2', `/bulletins/${id}`)
  await other.locator('[data-test=bul-failed]').waitFor()
  const list = (await (await apiAs(server, 'gc_head2'))('GET', '/api/v1/bulletins?per_page=200')).json.bulletins
  assert.ok(!list.some((x) => x.id === id))
})
