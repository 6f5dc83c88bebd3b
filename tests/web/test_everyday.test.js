// The everyday loop's rough edges (#15), as a clerk meets them: a title of spaces is refused under its
// field and nothing is registered; the server's refusal of one field is shown under that field; the
// timeline speaks in words (each entry's label and a sentence, no internal names, each entry once).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, pick, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const inDays = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10)

test('a title of spaces is refused under its field, and nothing is registered', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const before = (await office('GET', '/api/v1/items?per_page=1')).json.total
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.click('[data-test=menu-item-new]')
  await page.fill('[data-test=new-title]', ' \u3000  ')
  await pick(page, page.locator('[data-test=new-lead]'), '交通运输局', '古城县交通运输局')
  const due = page.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  await due.fill(inDays(20))
  await due.press('Enter')
  await page.keyboard.press('Escape')
  await page.click('[data-test=new-submit]')
  const titleItem = page.locator('.el-form-item', { has: page.locator('[data-test=new-title]') })
  await titleItem.locator('.el-form-item__error', { hasText: '请填写事项名称' }).waitFor()
  assert.match(page.url(), /\/items\/new$/)
  assert.equal((await office('GET', '/api/v1/items?per_page=1')).json.total, before, 'nothing registered')
  await shot(page, 'item-new-blank-title')
  await assertNoErrors(t, page)
})

test('the timeline says what happened in words, each entry once', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const lead = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json
  const unitId = (lead.units || lead.items || []).find((u) => u.name === '古城县交通运输局').id
  const r = await office('POST', '/api/v1/items', { title: '背街小巷路灯维修（时间线）', source_kind: 'meeting', lead_unit_id: unitId, due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action, body] of [['gc_deputy', 'approve', {}], ['gc_director', 'approve', {}], ['gc_office', 'assign', {}],
    ['gc_contact', 'receive', {}], ['gc_leader', 'suspend', { reason: '等待汛期结束' }], ['gc_leader', 'resume', { reason: '汛期结束' }]]) {
    const call = await apiAs(server, user)
    const res = await call('POST', `/api/v1/items/${id}/actions/${action}`, body)
    assert.equal(res.status, 200, `${user} ${action}: ${JSON.stringify(res.json)}`)
  }
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.goto(`/items/${id}`)
  const rows = page.locator('[data-test=timeline] .el-timeline-item')
  await rows.first().waitFor()
  const texts = await rows.allTextContents()
  const all = texts.join('\n')
  assert.ok(texts.length >= 8, all)
  assert.doesNotMatch(all, /\b(pause|resume|override|remind-\d|deadline_|transition|suspend|approve)\b|@20\d\d-/, 'no internal names')
  assert.match(all, /主任审批通过，待交办。/)
  assert.match(all, /中止办理（挂账），时限停止计算。理由：等待汛期结束/)
  assert.match(all, /暂停计时/)
  assert.match(all, /恢复计时/)
  assert.equal(new Set(texts).size, texts.length, 'each entry once:\n' + all)
  await shot(page, 'item-timeline-words')
  await assertNoErrors(t, page)
})
