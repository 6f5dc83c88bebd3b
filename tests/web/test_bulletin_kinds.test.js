// Special reports (督查专报) and briefings (督查简报) in the browser, beside the bulletin (督查通报): the office
// drafts a special report for the principal leaders (it cannot be published), the county head approves it, the
// office issues it on its own number series; the list filters by kind; the transport bureau's head never finds
// it. A briefing is drafted the same way and issued as 第N期; the bureau reads it once issued. And a bulletin
// lists the inspections' findings per inspected unit, as the server counted them.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

async function act(page, action) {
  await page.click(`[data-test=act-${action}]`)
  const dlg = page.locator('[data-test=res-action-dialog]:visible')
  await dlg.waitFor()
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}
const stateIs = (page, text) => page.locator('[data-test=bul-state]', { hasText: text }).waitFor()

const WORD = { bulletin: '督查通报', special_report: '督查专报', briefing: '督查简报' }

// drafts one of the kind through the page's dialog (published to the public when publish); returns its id
async function draft(page, kind, publish = false) {
  await page.goto('/bulletins')
  await page.locator('[data-test=bul-table]').waitFor()
  await page.click('[data-test=bul-new]')
  const dlg = page.locator('[data-test=bul-dialog]')
  await dlg.waitFor()
  await dlg.locator(`[data-test=bul-kind-${kind}]`).click()
  // a special report goes to the leaders: it cannot be published
  const pub = dlg.locator('[data-test=bul-public] input')
  assert.equal(await pub.isDisabled(), kind === 'special_report', kind)
  if (kind === 'special_report') await shot(page, 'bulletin-kind-new')
  if (publish) {
    await dlg.locator('[data-test=bul-public]').click()
    assert.ok(await pub.isChecked())
  }
  await dlg.locator('[data-test=bul-create]').click()
  // the kind's word, not 通报, in what the page says
  assert.equal(await toast(page, 'success', /草稿已生成/), `${WORD[kind]}草稿已生成`)
  await page.waitForURL(/\/bulletins\/\d+$/)
  return Number(page.url().split('/').pop())
}

test('a special report goes to the principal leaders on its own series; a briefing is 第N期 for the units', async (t) => {
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  const sid = await draft(office, 'special_report')
  await stateIs(office, '草稿')
  await office.locator('[data-test=bul-kind]', { hasText: '督查专报' }).waitFor()
  await office.locator('[data-test=bul-title]', { hasText: '专报' }).waitFor()
  assert.equal(await office.locator('[data-test=bul-w-public]').count(), 0)
  await act(office, 'submit')
  await stateIs(office, '待主要领导审批')

  const principal = await newPage(browser, server)
  await loginOk(principal, 'gc_principal')
  // the principal's to-do says 督查专报, not 通报
  await principal.goto('/')
  await principal.locator('[data-test=wb-task]', { hasText: '督查专报待主要领导审批' }).first().waitFor()
  await principal.goto(`/bulletins/${sid}`)
  await principal.locator('[data-test=bul-kind]', { hasText: '督查专报' }).waitFor()
  await act(principal, 'approve')
  await stateIs(principal, '已批准待印发')
  await assertNoErrors(t, principal)

  await office.reload()
  // the issue dialog speaks of a special report: it goes to the leaders, nobody is told
  await office.click('[data-test=act-issue]')
  const issueDlg = office.locator('[data-test=res-action-dialog]:visible')
  await issueDlg.filter({ hasText: '专报只报送本级政府主要领导' }).waitFor()
  assert.ok(!(await issueDlg.textContent()).includes('通报点名的单位'))
  await issueDlg.locator('[data-test=act-submit]').click()
  await issueDlg.waitFor({ state: 'hidden' })
  await stateIs(office, '已印发')
  const number = (await office.locator('[data-test=bul-number]').textContent()).trim()
  assert.match(number, /^古督专〔\d{4}〕\d+号$/)
  await office.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
  await shot(office, 'bulletin-special-report')

  // a briefing: 第N期
  const bid = await draft(office, 'briefing', true)
  await office.locator('[data-test=bul-kind]', { hasText: '督查简报' }).waitFor()
  const asOffice = await apiAs(server, 'gc_office')
  const asPrincipal = await apiAs(server, 'gc_principal')
  assert.equal((await asOffice('POST', `/api/v1/bulletins/${bid}/actions/submit`, {})).status, 200)
  assert.equal((await asPrincipal('POST', `/api/v1/bulletins/${bid}/actions/approve`, {})).status, 200)
  await office.reload()
  await act(office, 'issue')
  await stateIs(office, '已印发')
  const issue = (await office.locator('[data-test=bul-number]').textContent()).trim()
  assert.match(issue, /^第\d+期$/)
  // published: the public page says its kind, in the list and on the document
  const visitor = await newPage(browser, server)
  await visitor.goto('/public/bulletins')
  const entry = visitor.locator('[data-test=pub-entry]', { hasText: issue })
  await entry.locator('[data-test=pub-entry-kind]', { hasText: '督查简报' }).waitFor()
  await entry.click()
  await visitor.locator('[data-test=pub-kind]', { hasText: '督查简报' }).waitFor()
  await shot(visitor, 'bulletin-public-briefing')
  await assertNoErrors(t, visitor)

  // the list filters by kind: only special reports, with the one issued
  await office.goto('/bulletins')
  await office.locator('[data-test=bul-table]').waitFor()
  await office.click('[data-test=bul-kind-filter]')
  await office.locator('.el-select-dropdown__item:visible', { hasText: '督查专报' }).click()
  await office.locator('[data-test=bul-table] .el-table__row', { hasText: number }).waitFor()
  await office.waitForLoadState('networkidle')
  const kinds = await office.locator('[data-test=bul-table] .el-table__row .el-tag', { hasText: /督查(通报|专报|简报)/ }).allTextContents()
  assert.ok(kinds.length > 0 && kinds.every((k) => k.trim() === '督查专报'), kinds.join())
  await shot(office, 'bulletin-kinds-list')
  await assertNoErrors(t, office)

  // the transport bureau's head reads the briefing, never the special report
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', '/bulletins')
  await head.locator('[data-test=bul-table] .el-table__row', { hasText: issue }).waitFor()
  assert.equal(await head.locator('[data-test=bul-table] .el-table__row', { hasText: number }).count(), 0)
  await head.goto(`/bulletins/${bid}`)
  await head.locator('[data-test=bul-kind]', { hasText: '督查简报' }).waitFor()
  const asHead = await apiAs(server, 'gc_head')
  assert.equal((await asHead('GET', `/api/v1/bulletins/${sid}`)).status, 404)
  await assertNoErrors(t, head)
})

test('a bulletin lists the inspections\' findings per inspected unit with their rectification state', async (t) => {
  // the demo's inspections of the last year: the server counts them; the page shows what it counted
  const asOffice = await apiAs(server, 'gc_office')
  const end = new Date(Date.now() + 8 * 3600000)
  const from = new Date(end.getTime() - 360 * 86400000).toISOString().slice(0, 10)
  const r = await asOffice('POST', '/api/v1/bulletins', { period_from: from, period_to: end.toISOString().slice(0, 10) })
  assert.equal(r.status, 201)
  const rc = r.json.figures.rectification
  assert.ok(rc.units.length > 0 && rc.findings.length > 0, 'the demo has inspections with findings issued in the year')
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', `/bulletins/${r.json.id}`)
  const units = office.locator('[data-test=bul-findings-units] .el-table__body .el-table__row')
  await units.first().waitFor()
  assert.equal(await units.count(), rc.units.length)
  for (const [i, u] of rc.units.entries()) {
    const cells = (await units.nth(i).locator('td').allTextContents()).map((s) => s.trim())
    assert.deepEqual(cells, [u.name, u.inspections, u.findings, u.verified, u.rectifying, u.overdue].map(String), u.name)
  }
  const list = office.locator('[data-test=bul-findings-list] .el-table__body .el-table__row')
  assert.equal(await list.count(), rc.findings.length)
  const words = { verified: '已整改销号', overdue: '超期未整改', rectifying: '整改中' }
  const first = (await list.first().locator('td').allTextContents()).map((s) => s.trim())
  assert.equal(first[0], rc.findings[0].unit_name)
  assert.ok(first[1].startsWith(rc.findings[0].title) && first[1].endsWith(rc.findings[0].inspection), first[1])
  assert.equal(first[3], words[rc.findings[0].state])
  await office.locator('[data-test=bul-findings]').scrollIntoViewIfNeeded()
  await shot(office, 'bulletin-findings')
  await assertNoErrors(t, office)
})
