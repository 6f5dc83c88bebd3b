// Objections to an issued scorecard in the browser (考评异议): the demo's scorecard of 古城县 is issued (through
// the API); the transport bureau's head opens it — only its own row, its lines open at once, the objection period
// shown — objects to its largest deduction with a reason and evidence (the reason is asked for first); the office
// opens the objection from its to-do, upholds it (the line removed) with a decision; the head then sees the line at
// 0 with the objection upheld, the higher total, and was told; it downloads its card as an official document.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, fieldMarks, markTexts } from './helper.js'
import { issuedDemoCard, objectionTodos } from './scorecards.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('an objection: the unit objects to a line → the office upholds it → the unit sees the adjusted card', async (t) => {
  const { asOffice, asHead, card, unitId, before, line } = await issuedDemoCard(server)

  // the head objects to the line: the reason is asked for, then it is on the line
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/scorecards/${card.id}`)
  await head.locator('[data-test=card-objection-until]', { hasText: '异议期至' }).waitFor()
  const drawer = head.locator('[data-test=card-drawer]')
  await drawer.locator(`[data-test=line-raise-${line.id}]`).click()
  const dlg = head.locator('[data-test=obj-raise-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=obj-send]').click()
  assert.deepEqual(await markTexts(dlg), ['请填写：异议理由'])
  await dlg.locator('[data-test=obj-reason]').fill('该事项已于期限前办结，系办结报告录入延误（网页测试）')
  await dlg.locator('[data-test=obj-evidence]').fill('办结报告签收单，县政府办公室签收')
  await shot(head, 'objection-raise')
  await dlg.locator('[data-test=obj-send]').click()
  await dlg.waitFor({ state: 'hidden' })
  await drawer.locator(`[data-test=line-objection-${line.id}]`, { hasText: '待督查室处理' }).waitFor()
  await assertNoErrors(t, head)

  // the office has it as a to-do; the to-do's link opens the objection; it upholds it
  const todos = await objectionTodos(asOffice, card.id)
  assert.equal(todos.length, 1, JSON.stringify(todos))
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', todos[0].link)
  const oid = todos[0].object_id
  await office.locator('[data-test=obj-table] .el-table__row', { hasText: '办结报告签收单' }).waitFor()
  await shot(office, 'objections-office')
  await office.click(`[data-test=obj-uphold-${oid}]`)
  const od = office.locator('[data-test=obj-dialog]')
  await od.waitFor()
  await od.locator('[data-test=obj-decision]').fill('经核实该事项已按期办结，取消该项扣分')
  await od.locator('[data-test=obj-submit]').click()
  await od.waitFor({ state: 'hidden' })
  await office.locator(`[data-test=obj-state-${oid}]`, { hasText: '异议成立' }).waitFor()
  await assertNoErrors(t, office)
  assert.equal((await objectionTodos(asOffice, card.id)).length, 0)

  // the head sees the line at 0, upheld, and the higher total; and was told
  const after = (await asHead('GET', `/api/v1/scorecards/${card.id}/units/${unitId}`)).json
  assert.equal(after.total, before.total - line.points)
  await head.reload()
  await drawer.locator(`[data-test=line-objection-${line.id}]`, { hasText: '异议成立' }).waitFor()
  await drawer.locator('[data-test=card-sum]', { hasText: `= ${after.total} 分` }).waitFor()
  await drawer.locator('[data-test=card-lines]', { hasText: '经核实该事项已按期办结' }).waitFor()
  await shot(head, 'objection-upheld')
  // the unit's own card as an official document, named with its number
  await head.keyboard.press('Escape')
  const [pdf] = await Promise.all([head.waitForEvent('download'), head.click('[data-test=card-pdf]')])
  assert.equal(pdf.suggestedFilename(), `${(await asHead('GET', `/api/v1/scorecards/${card.id}`)).json.number}-古城县交通运输局考评得分.pdf`)
  const inbox = (await asHead('GET', '/api/v1/inbox?limit=50')).json.messages
  assert.ok(inbox.some((m) => m.object_type === 'objection' && m.subject.includes('异议成立')), 'the head was told')
  await assertNoErrors(t, head)
})

// The demo's objection (交通运输局's head to an adjustment of last year's card): the office finds it on its workbench
// under 考评异议, opens it from there and rejects it; the head sees it on his card and was told. Screenshot: objection-workbench.
test('the demo\'s objection: the office decides it from its workbench', async (t) => {
  const asOffice = await apiAs(server, 'gc_office')
  const year = (await asOffice('GET', '/api/v1/scoring/rules')).json.year
  const [card] = (await asOffice('GET', `/api/v1/scorecards?year=${year - 1}`)).json.scorecards
  const [obj] = (await asOffice('GET', `/api/v1/objections?scorecard_id=${card.id}`)).json.objections
  assert.equal(obj.state, 'pending')
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=wb-card-kind-objection]')
  const todo = office.locator('[data-test=wb-todos] .el-table__row', { hasText: card.title })
  await todo.waitFor()
  assert.match(await todo.textContent(), /考评异议待处理/)
  await shot(office, 'objection-workbench')
  await todo.click()
  await office.waitForURL(new RegExp(`/objections/${obj.id}$`))
  const row = office.locator('[data-test=obj-table] .el-table__row.focus')
  await row.locator('text=公文交换签收单').waitFor()
  await office.click(`[data-test=obj-reject-${obj.id}]`)
  const od = office.locator('[data-test=obj-dialog]')
  await od.waitFor()
  // a decision without its reasons: marked, nothing decided
  await od.locator('[data-test=obj-submit]').click()
  assert.deepEqual(await markTexts(od), ['请填写：处理意见'])
  await od.locator('[data-test=obj-decision]').fill('经核查县政府办公室公文交换记录，未见该报告按时报送，维持扣分')
  await fieldMarks(od).waitFor({ state: 'detached' })
  await od.locator('[data-test=obj-submit]').click()
  await od.waitFor({ state: 'hidden' })
  await office.locator(`[data-test=obj-state-${obj.id}]`, { hasText: '异议不成立' }).waitFor()
  await assertNoErrors(t, office)
  // another county's office following a link to it is told it cannot read it (it saw an empty list)
  const other = await newPage(browser, server)
  await loginTo(other, 'ap_office', `/objections/${obj.id}`)
  assert.match(await other.locator('[data-test=obj-missing]').textContent(), /不存在|无权/)
  assert.equal(await other.locator('[data-test=obj-table] .el-table__row', { hasText: '公文交换签收单' }).count(), 0)
  await assertNoErrors(t, other)

  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/scorecards/${card.id}`)
  await head.locator('[data-test=card-drawer] [data-test=card-adjustment]', { hasText: '异议不成立' }).waitFor()
  const inbox = (await (await apiAs(server, 'gc_head'))('GET', '/api/v1/inbox?limit=50')).json.messages
  assert.ok(inbox.some((m) => m.object_type === 'objection' && m.object_id === obj.id), 'the head was told')
  await assertNoErrors(t, head)
})
