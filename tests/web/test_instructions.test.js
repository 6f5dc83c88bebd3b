// Leaders' written instructions (领导批示, #15): the office records one with its scan, the timeline says it in words,
// a new item is registered from it and both are linked; a leader writes their own and the office carries it out.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
// the scan's directory, removed with the server (runs left one in /tmp each)
const scratch = mkdtempSync(join(tmpdir(), 'instr-'))
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop(); rmSync(scratch, { recursive: true, force: true }) })


async function assigned(title) {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json.units
  const r = await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: units.find((u) => u.name === '古城县交通运输局').id, due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const call = await apiAs(server, user)
    assert.equal((await call('POST', `/api/v1/items/${r.json.id}/actions/${action}`, {})).status, 200)
  }
  return r.json
}

test('the office records an instruction with its scan and registers a new item from it', async (t) => {
  const item = await assigned('城区内涝点整治（网页批示）')
  const scan = join(scratch, '县长批示.pdf')
  writeFileSync(scan, '%PDF-1.4\n%scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${item.id}`)
  await page.click('[data-test=instr-record]')
  const dlg = page.locator('[data-test=instr-dialog]')
  await pick(page, dlg.locator('[data-test=instr-leader]'), '王建国', '王建国')
  await dlg.locator('[data-test=instr-text]').fill('请一并研究周边停车问题，月底前拿出方案')
  await dlg.locator('[data-test=instr-scan]').setInputFiles(scan)
  await shot(page, 'item-instruction-record')
  await page.click('[data-test=instr-save]')
  const panel = page.locator('[data-test=instructions]')
  await panel.locator('.instr', { hasText: '请一并研究周边停车问题' }).locator('.el-tag', { hasText: '待落实' }).waitFor()
  await panel.locator('a', { hasText: '县长批示.pdf' }).waitFor()
  await page.locator('[data-test=timeline]', { hasText: '王建国同志' }).locator('[data-test=event-text]', { hasText: '批示：请一并研究周边停车问题' }).waitFor()
  // the office now has it to carry out
  const office = await apiAs(server, 'gc_office')
  const todos = (await office('GET', '/api/v1/todos?kind=item&limit=200')).json.todos
  assert.ok(todos.some((x) => x.object_id === item.id && x.task === 'follow_instruction'))
  // register a new item from it
  await panel.locator('[data-test^=instr-new-]').first().click()
  const nd = page.locator('[data-test=instr-new-dialog]')
  await nd.locator('[data-test=instr-new-title]').fill('城区内涝点周边停车问题')
  await pick(page, nd.locator('[data-test=instr-new-lead]'), '住房和城乡建设局', '古城县住房和城乡建设局')
  const due = nd.locator('.el-form-item', { hasText: '办理时限' }).locator('input').first()
  await due.fill(inDays(30))
  await due.press('Enter')
  await nd.locator('.el-dialog__title').click()
  await page.click('[data-test=instr-new-submit]')
  await page.waitForURL((u) => u.pathname !== `/items/${item.id}` && /\/items\/\d+$/.test(u.pathname))
  await page.locator('[data-test=instr-from]', { hasText: '王建国' }).locator('a', { hasText: item.number }).waitFor()
  await page.locator('[data-test=timeline] [data-test=event-text]', { hasText: `根据王建国同志在${item.number}` }).waitFor()
  await shot(page, 'item-from-instruction')
  // back on the first item: carried out by the new item, linked
  await page.goto(`/items/${item.id}`)
  await page.locator('[data-test=instr-new-item]', { hasText: '城区内涝点周边停车问题' }).waitFor()
  await assertNoErrors(t, page)
})

test('a leader writes an instruction; the office carries it out and the leader hears it', async (t) => {
  const item = await assigned('公交站亭改造（网页批示）')
  const leaderPage = await newPage(browser, server)
  await loginTo(leaderPage, 'gc_leader', `/items/${item.id}`)
  await leaderPage.click('[data-test=instr-record]')
  const dlg = leaderPage.locator('[data-test=instr-dialog]')
  assert.equal(await dlg.locator('[data-test=instr-leader]').count(), 0, 'a leader writes their own')
  await dlg.locator('[data-test=instr-text]').fill('同意，请抓紧实施')
  await leaderPage.click('[data-test=instr-save]')
  await leaderPage.locator('[data-test=instructions] .instr', { hasText: '同意，请抓紧实施' }).waitFor()
  await assertNoErrors(t, leaderPage)
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${item.id}`)
  const row = page.locator('[data-test=instructions] .instr', { hasText: '同意，请抓紧实施' })
  await row.locator('[data-test^=instr-done-]').click()
  await page.locator('.el-message-box input').fill('已转交通运输局实施')
  await page.locator('.el-message-box .el-button--primary').click()
  await row.locator('.el-tag', { hasText: '已落实' }).waitFor()
  await row.locator('text=落实情况：已转交通运输局实施').waitFor()
  const leader = await apiAs(server, 'gc_leader')
  const inbox = (await leader('GET', '/api/v1/inbox?limit=100')).json.messages
  assert.ok(inbox.some((m) => m.object_id === item.id && m.subject.startsWith('【批示落实】') && m.body.includes('已转交通运输局实施')))
  await assertNoErrors(t, page)
})
