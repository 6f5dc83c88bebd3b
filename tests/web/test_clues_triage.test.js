// The office's triage of clues (互联网+督查) in the browser: similar clues shown on a clue's page and merged through
// the merge dialog (the merged clue names the one it joined, that one lists it); the bulk import of clues
// transferred from above through the import dialog (checked first, nothing stored; then imported with their
// original numbers and deadlines; a bad file refused row by row, nothing stored); and a unit's contact, who verifies
// clues, offered neither and refused by the server.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays } from './helper.js'
import { act } from './clues.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const uniq = () => Date.now().toString(36).toUpperCase()

// a clue the office records itself (a call): its id and number
async function record(office, place, description) {
  const form = (await office('GET', '/api/v1/public/clue-form')).json
  const area = form.areas.find((a) => a.name.includes('城关镇')).id
  const r = await office('POST', '/api/v1/clues', { category: 'environment', area_id: area, place, description })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  return r.json
}

async function openClue(page, id) {
  await page.goto(`/clues/${id}`)
  await page.locator('[data-test=clue-state]').waitFor()
}

test('the office sees a clue\'s similar clues and merges it into one through the merge dialog', async (t) => {
  const api = await apiAs(server, 'gc_office')
  const tag = uniq()
  const first = await record(api, `城关镇南街${tag}号`, `城关镇南街${tag}号旁的垃圾站连续多日无人清运，垃圾堆到路面，气味很大，周边居民反映强烈。`)
  const second = await record(api, `城关镇南街${tag}号`, `城关镇南街${tag}号旁的垃圾站已经好多天没人清运，垃圾堆在路面上，气味很大，居民反映强烈。`)
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await openClue(page, second.id)
  // the similar clues, with their number and score, each offering the merge
  const similar = page.locator('[data-test=clue-similar]')
  await similar.locator('a', { hasText: first.number }).waitFor()
  assert.match(await similar.textContent(), /\d+%/)
  await shot(page, 'clue-similar')
  await page.click(`[data-test=clue-merge-${first.id}]`)
  const dlg = page.locator('[data-test=clue-dialog]')
  await dlg.waitFor()
  // the dialog names the clue chosen as the one to join
  await dlg.locator('[data-test=clue-f-into]').locator('.el-select__selected-item, .el-select__placeholder', { hasText: first.number }).first().waitFor()
  await shot(page, 'clue-merge-dialog')
  await page.click('[data-test=clue-f-submit]')
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=clue-state]', { hasText: '已合并' }).waitFor()
  await page.locator('a', { hasText: first.number }).first().waitFor()
  // the clue joined lists it; the server agrees
  const merged = (await api('GET', `/api/v1/clues/${second.id}`)).json
  assert.equal(merged.state, 'merged')
  assert.equal(merged.merged_into.id, first.id)
  await openClue(page, first.id)
  await page.locator('a', { hasText: second.number }).waitFor()
  assert.equal(await page.locator('[data-test=clue-state]', { hasText: '已合并' }).count(), 0)
  await shot(page, 'clue-merged-into')
  await assertNoErrors(t, page)
})

const HEAD = ['原编号', '来源平台', '问题类别', '所在地区', '具体地点', '问题描述', '办理时限', '转办日期', '反映人', '联系电话']
const csv = (rows) => [HEAD, ...rows].map((r) => r.map((c) => `"${String(c).replaceAll('"', '""')}"`).join(',')).join('\r\n') + '\r\n'
const row = (number, i, category = '营商环境') => [number, '国务院“互联网+督查”平台', category, '城关镇', `西街${i}号`,
  `反映城关镇西街${i}号商户办理营业执照多次往返，窗口要求提供法律未规定的材料，第${i}件。`, inDays(10 + i), inDays(-1), '', '']

test('the office imports clues transferred from above through the import dialog, with their original numbers and deadlines', async (t) => {
  const api = await apiAs(server, 'gc_office')
  const prefix = 'GWY-T9-' + uniq()
  const total = async () => (await api('GET', '/api/v1/clues?source=transfer&per_page=1')).json.total
  const before = await total()
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/clues')
  await page.click('[data-test=clue-import]')
  const dlg = page.locator('[data-test=clue-import-dialog]')
  await dlg.waitFor()
  // a file with a bad row: refused row by row, nothing imported
  const bad = csv([row(`${prefix}-X0`, 0), row(`${prefix}-X1`, 1, '不存在的类别')])
  await dlg.locator('[data-test=clue-import-file]').setInputFiles({ name: '转办线索.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) })
  await page.click('[data-test=clue-import-check]')
  const errors = dlg.locator('[data-test=clue-import-errors]')
  await errors.waitFor()
  assert.match(await errors.textContent(), /3/) // the file's row 3 (after the head)
  await shot(page, 'clue-import-refused')
  assert.equal(await total(), before)
  // a good file: checked first (nothing stored), then imported
  const good = csv([row(`${prefix}-000`, 0), row(`${prefix}-001`, 1)])
  await dlg.locator('[data-test=clue-import-file]').setInputFiles({ name: '转办线索.csv', mimeType: 'text/csv', buffer: Buffer.from(good) })
  await page.click('[data-test=clue-import-check]')
  await dlg.locator('[data-test=clue-import-ok]', { hasText: '预检' }).waitFor()
  await dlg.getByText(`${prefix}-001`).waitFor()
  await dlg.getByText(inDays(11)).waitFor()
  assert.equal(await total(), before, 'a check stores nothing')
  await page.click('[data-test=clue-import-submit]')
  await dlg.locator('[data-test=clue-import-ok]', { hasText: '已导入' }).waitFor()
  await shot(page, 'clue-import-done')
  assert.equal(await total(), before + 2)
  // each clue with its original number and the deadline from above
  const list = (await api('GET', '/api/v1/clues?source=transfer&per_page=100')).json.clues
  const byOrigin = Object.fromEntries(list.filter((c) => c.origin_number?.startsWith(prefix)).map((c) => [c.origin_number, c]))
  assert.deepEqual(Object.keys(byOrigin).sort(), [`${prefix}-000`, `${prefix}-001`])
  const one = (await api('GET', `/api/v1/clues/${byOrigin[`${prefix}-001`].id}`)).json
  assert.equal(one.source, 'transfer')
  assert.equal(one.origin_due_date, inDays(11))
  await dlg.locator('.el-dialog__footer button').first().click()
  await dlg.waitFor({ state: 'hidden' })
  // the list shows them; the clue's page shows the original number
  await page.locator('[data-test=clue-table] .el-table__row', { hasText: one.number }).click()
  await page.locator('[data-test=clue-number]', { hasText: one.number }).waitFor()
  await page.getByText(`${prefix}-001`).first().waitFor()
  await assertNoErrors(t, page)
})

test('a unit\'s contact is offered neither the import nor the merge, and the server refuses both', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const tag = uniq()
  const a = await record(office, `城关镇东街${tag}号`, `城关镇东街${tag}号的路灯坏了一个多月，晚上行人看不清路面，希望尽快修好，谢谢。`)
  const b = await record(office, `城关镇东街${tag}号`, `城关镇东街${tag}号路灯坏了一个多月了，晚上行人看不清路面，希望尽快修好。`)
  const jt = (await office('GET', '/api/v1/units?q=gc-jt&limit=50')).json.units.find((u) => u.code === 'gc-jt').id
  const r = await office('POST', `/api/v1/clues/${b.id}/actions/assign`, { unit_id: jt, due_date: inDays(5), version: b.version })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_contact', '/clues')
  await page.locator('[data-test=clue-table]').waitFor()
  assert.equal(await page.locator('[data-test=clue-import]').count(), 0)
  assert.equal(await page.locator('[data-test=clue-new]').count(), 0)
  // the clue it verifies: no similar clues, no merge
  await openClue(page, b.id)
  await page.locator('[data-test=clue-actions]').waitFor()
  assert.equal(await page.locator('[data-test=clue-similar]').count(), 0)
  assert.equal(await page.locator('[data-test=clue-act-merge]').count(), 0)
  await shot(page, 'clue-unit-triage')
  // and the server refuses them, changing nothing
  const unit = await apiAs(server, 'gc_contact')
  const merge = await unit('POST', `/api/v1/clues/${b.id}/actions/merge`, { into: a.id })
  assert.ok([403, 404].includes(merge.status), JSON.stringify(merge.json))
  assert.ok(merge.json.error.message)
  const transfers = async () => (await office('GET', '/api/v1/clues?source=transfer&per_page=1')).json.total
  const before = await transfers()
  const imp = await unit('POST', '/api/v1/clues/import?dry_run=0&filename=x.csv', undefined,
    { raw: csv([row(`GWY-T9-${tag}-U`, 0)]), contentType: 'application/octet-stream' })
  assert.equal(imp.status, 403, JSON.stringify(imp.json))
  assert.equal(await transfers(), before)
  assert.equal((await office('GET', `/api/v1/clues/${b.id}`)).json.state, 'verifying')
  await assertNoErrors(t, page)
})
