// The everyday loop's rough edges (#15), as a clerk meets them: a title of spaces is refused under its
// field and nothing is registered; the server's refusal of one field is shown under that field; the
// timeline speaks in words (each entry's label and a sentence, no internal names, each entry once).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors, inDays, readFileSync, fieldMarks, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })


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
  await loginTo(page, 'gc_office', `/items/${id}`)
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

test('催办 from the item page: one unit pressed, its people told, the timeline counts it', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('古城县'))).json.units
  const unitId = (name) => units.find((u) => u.name === name).id
  const r = await office('POST', '/api/v1/items', { title: '城区积水点改造（网页催办）', source_kind: 'meeting', lead_unit_id: unitId('古城县交通运输局'),
    co_unit_ids: [unitId('古城县住房和城乡建设局')], due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const call = await apiAs(server, user)
    assert.equal((await call('POST', `/api/v1/items/${id}/actions/${action}`, {})).status, 200)
  }
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${id}`)
  await page.click('[data-test=act-press]')
  const dlg = page.locator('[data-test=action-dialog]')
  await dlg.waitFor()
  await pick(page, dlg.locator('[data-test=action-press-unit]'), '住房和城乡建设局', '古城县住房和城乡建设局')
  await dlg.locator('[data-test=action-text]').fill('请抓紧完成小区支管改造')
  await shot(page, 'item-press')
  await page.click('[data-test=action-submit]')
  await page.locator('[data-test=timeline]', { hasText: '向古城县住房和城乡建设局催办（第1次）。催办意见：请抓紧完成小区支管改造' }).waitFor()
  const contact2 = await apiAs(server, 'gc_contact2')
  const inbox = (await contact2('GET', '/api/v1/inbox?limit=50')).json
  assert.ok((inbox.messages || inbox.items).some((m) => m.subject.startsWith('【催办】') && m.subject.includes('网页催办')), JSON.stringify(inbox).slice(0, 500))
  const contact = await apiAs(server, 'gc_contact')
  const other = (await contact('GET', '/api/v1/inbox?limit=50')).json
  assert.ok(!(other.messages || other.items).some((m) => m.subject.includes('网页催办') && m.subject.startsWith('【催办】')), 'the other unit is not pressed')
  await assertNoErrors(t, page)
})

test('the item header shows the item state and each unit state apart, labelled', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('古城县'))).json.units
  const unitId = (name) => units.find((u) => u.name === name).id
  const r = await office('POST', '/api/v1/items', { title: '老旧小区加装电梯（状态分列）', source_kind: 'meeting', lead_unit_id: unitId('古城县交通运输局'),
    co_unit_ids: [unitId('古城县住房和城乡建设局')], due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign'], ['gc_contact', 'receive']]) {
    const call = await apiAs(server, user)
    assert.equal((await call('POST', `/api/v1/items/${id}/actions/${action}`, {})).status, 200)
  }
  const item = (await office('GET', `/api/v1/items/${id}`)).json
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${id}`)
  const head = page.locator('.panel.head')
  await head.locator('text=事项状态').waitFor()
  assert.equal((await page.locator('[data-test=item-state]').textContent()).trim(), item.state_label)
  const us = page.locator('[data-test=item-unit-states]')
  assert.match(await us.textContent(), /各承办单位/)
  assert.match(await page.locator('[data-test=unit-state-gc-jt]').textContent(), /古城县交通运输局\s*已签收/)
  assert.match(await page.locator('[data-test=unit-state-gc-zj]').textContent(), /古城县住房和城乡建设局\s*已交办/)
  await shot(page, 'item-header-states')
  await assertNoErrors(t, page)
})

test('the milestones name the rule beside a stated due date later than it', async (t) => {
  // 古政办发〔2021〕52号: 一般性问题原则上10天内落实；凡注明办理期限的事项承办单位必须如期办结
  const office = await apiAs(server, 'gc_office')
  const lead = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json
  const unitId = (lead.units || lead.items || []).find((u) => u.name === '古城县交通运输局').id
  const due = inDays(45)
  const r = await office('POST', '/api/v1/items', { title: '城区老旧小区雨污分流改造（注明期限）', source_kind: 'leader_assigned', lead_unit_id: unitId, due_date: due, submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const res = await (await apiAs(server, user))('POST', `/api/v1/items/${id}/actions/${action}`, {})
    assert.equal(res.status, 200, `${user} ${action}: ${JSON.stringify(res.json)}`)
  }
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${id}`)
  const table = page.locator('[data-test=milestones]')
  await table.waitFor()
  const basis = page.locator('[data-test=ms-basis]')
  await basis.first().waitFor()
  const texts = await basis.allTextContents()
  assert.equal(texts.length, 1, texts.join('\n')) // the first feedback (7 days) is before the due date: no basis
  assert.match(texts[0], /^时限依据（办结）：按立项注明的办理期限；规则时限为交办后10日内（\d{4}年\d{1,2}月\d{1,2}日）$/, texts[0])
  assert.ok(await basis.first().isVisible())
  await shot(page, 'item-milestones-stated-limit')
  await assertNoErrors(t, page)
})

test('the milestones list the lead unit\'s first, then the co-responsible units\'', async (t) => {
  // 住房和城乡建设局 has the smaller unit id: a list by unit id would put it first
  const office = await apiAs(server, 'gc_office')
  const unitOf = async (name) => {
    const u = (await office('GET', '/api/v1/units?q=' + encodeURIComponent(name))).json
    return (u.units || u.items || []).find((x) => x.name === name).id
  }
  const lead = await unitOf('古城县交通运输局'), co = await unitOf('古城县住房和城乡建设局')
  assert.ok(co < lead, `${co} < ${lead}`)
  const r = await office('POST', '/api/v1/items', { title: '背街小巷路面修复（主协办时限）', source_kind: 'leader_assigned', lead_unit_id: lead, co_unit_ids: [co], due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const res = await (await apiAs(server, user))('POST', `/api/v1/items/${id}/actions/${action}`, {})
    assert.equal(res.status, 200, `${user} ${action}: ${JSON.stringify(res.json)}`)
  }
  const api = (await office('GET', `/api/v1/milestones?item_id=${id}`)).json.milestones
  assert.equal(api[0].unit_id, lead, 'the API lists the lead unit\'s first as well')
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${id}`)
  const units = page.locator('[data-test=milestones] [data-test=ms-unit]')
  await units.first().waitFor()
  const names = await units.allTextContents()
  const firstCo = names.indexOf('古城县住房和城乡建设局')
  assert.ok(firstCo > 0 && names.slice(0, firstCo).every((n) => n === '古城县交通运输局'), names.join(','))
  assert.ok(names.slice(firstCo).every((n) => n === '古城县住房和城乡建设局'), names.join(','))
  await assertNoErrors(t, page)
})

test('a ledger file for outside recipients: 密级 公开 only, the CSV in the page\'s words', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const lead = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json
  const unitId = (lead.units || lead.items || []).find((u) => u.name === '古城县交通运输局').id
  const make = async (title, confidentiality) => {
    const r = await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: unitId, due_date: inDays(30), confidentiality })
    assert.equal(r.status, 201, JSON.stringify(r.json))
  }
  await make('背街小巷路灯修复（对外清单）', 'public')
  await make('涉密工程进度核查（不得外发）', 'internal')
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/items?confidentiality=public')
  await page.locator('[data-test=ledger-confidentiality]', { hasText: '公开' }).waitFor()
  await page.click('[data-test=ledger-export]')
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-csv]')])
  const text = readFileSync(await dl.path(), 'utf8').replace(/^\uFEFF/, '')
  const [head, ...rows] = text.trim().split('\r\n')
  assert.equal(head, '编号,督办事项,督办要求,事项来源,来源文号,牵头单位,责任单位,分管领导,办结时限,重要程度,事项类型,状态,亮灯,进度,交办日期,办结日期,密级')
  assert.ok(rows.some((r) => r.includes('背街小巷路灯修复（对外清单）') && r.includes('政府会议议定事项') && r.includes('草稿')), text)
  assert.ok(!text.includes('涉密工程进度核查（不得外发）'), 'no internal item in a file for outside recipients')
  assert.ok(rows.every((r) => r.endsWith(',公开')), text)
  await shot(page, 'ledger-outside-public-only')
  await assertNoErrors(t, page)
})

// An NPC suggestion (人大代表建议) of the transport bureau taken through the API to its completion (审核办结): the
// completion starts the handling report the bureau owes. Returns the item's id and the bureau's unit id.
async function completedNpcItem(title) {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('古城县'))).json.units
  const jt = units.find((u) => u.name === '古城县交通运输局').id
  const r = await office('POST', '/api/v1/items', { title, source_kind: 'npc_cppcc', lead_unit_id: jt, due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [user, action, body] of [['gc_deputy', 'approve', {}], ['gc_director', 'approve', {}], ['gc_office', 'assign', {}],
    ['gc_contact', 'receive', {}], ['gc_contact', 'request_completion', { text: '已答复代表' }], ['gc_head', 'sign', {}],
    ['gc_office', 'verify', { grade: '良好' }]]) {
    if (action === 'request_completion') {
      const rep = await (await apiAs(server, 'gc_contact'))('POST', `/api/v1/items/${id}/reports`, { text: '站台改造完成', percent: 100 })
      assert.equal(rep.status, 201, JSON.stringify(rep.json))
    }
    const res = await (await apiAs(server, user))('POST', `/api/v1/items/${id}/actions/${action}`, body)
    assert.equal(res.status, 200, `${user} ${action}: ${JSON.stringify(res.json)}`)
  }
  return { id, jt }
}

test('after the completion a unit reports how it handled an NPC suggestion from the item page', async (t) => {
  // 江苏: 人大代表建议、政协提案 "在当年办理任务完成后20日内向交办单位报告办理情况"
  const office = await apiAs(server, 'gc_office')
  const { id, jt } = await completedNpcItem('人大代表建议：城区公交站台改造（办理情况）')
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_contact', `/items/${id}`)
  const owed = page.locator(`[data-test=handling-owed-${jt}]`)
  await owed.waitFor()
  // the date the server set (20 days after its day of the completion), not one counted here after it: the
  // completion may come before Beijing midnight and this line after
  const owedDue = (await office('GET', `/api/v1/milestones?item_id=${id}`)).json.milestones
    .find((m) => m.kind === 'handling_report' && m.unit_id === jt).due_date
  const [oy, om, od] = owedDue.split('-').map(Number)
  assert.match(await owed.textContent(), new RegExp(`古城县交通运输局：办结后须于 ${oy}年${om}月${od}日`))
  assert.match(await page.locator('[data-test=milestones]').textContent(), /办理情况报告/)
  await owed.locator('[data-test=handling-open]').click()
  const dlg = page.locator('[data-test=handling-dialog]')
  await dlg.waitFor()
  await page.click('[data-test=handling-submit]')
  await dlg.locator('.el-form-item__error', { hasText: '请填写办理情况' }).waitFor()
  await dlg.locator('[data-test=handling-text]').fill('已答复代表，站台改造完成，代表表示满意')
  await dlg.locator('.el-form-item__error').waitFor({ state: 'detached' }) // the error goes once the field is filled
  await shot(page, 'item-handling-report')
  await page.click('[data-test=handling-submit]')
  await page.locator('[data-test=timeline]', { hasText: '向交办单位报告办理情况：已答复代表，站台改造完成' }).waitFor()
  await owed.waitFor({ state: 'detached' })
  const ms = (await office('GET', `/api/v1/milestones?item_id=${id}`)).json.milestones.find((m) => m.kind === 'handling_report')
  assert.equal(ms.state, 'done')
  const inbox = (await office('GET', '/api/v1/inbox?limit=50')).json.messages
  assert.ok(inbox.some((m) => m.subject.startsWith('【办理情况报告】') && m.subject.includes('城区公交站台改造')), 'the office is told')
  await assertNoErrors(t, page)
})

test('archiving an item names the handling report still owed and archives only once the office confirms', async (t) => {
  // the report a unit owes after the completion (人大建议、政协提案) would be cancelled by archiving: said, then confirmed
  const office = await apiAs(server, 'gc_office')
  const { id } = await completedNpcItem('政协提案：城区停车泊位（归档确认）')
  const due = (await office('GET', `/api/v1/milestones?item_id=${id}`)).json.milestones.find((m) => m.kind === 'handling_report').due_date
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})$/.exec(due)
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${id}`)
  await page.locator('[data-test=milestones]', { hasText: '办理情况报告' }).waitFor()
  await page.click('[data-test=act-archive]')
  const dlg = page.locator('[data-test=action-dialog]')
  const owed = dlg.locator('[data-test=action-owed]')
  await owed.waitFor()
  assert.match(await owed.textContent(), new RegExp(`归档将取消以下尚未报送的办理情况报告：古城县交通运输局（应于${y}年${+m}月${+d}日前报告）`))
  await shot(page, 'item-archive-owed')
  // not confirmed: nothing is sent
  await dlg.locator('[data-test=action-submit]').click()
  assert.deepEqual(await markTexts(dlg), ['请先确认取消尚未报送的办理情况报告'], 'marked under the confirmation')
  assert.equal((await office('GET', `/api/v1/items/${id}`)).json.state, 'completed')
  await dlg.locator('[data-test=action-confirm]').click()
  await fieldMarks(dlg).waitFor({ state: 'detached' })
  await dlg.locator('[data-test=action-submit]').click()
  await page.locator('[data-test=timeline]', { hasText: '立卷归档，取消古城县交通运输局尚未报送的办理情况报告。' }).waitFor()
  assert.equal((await office('GET', `/api/v1/items/${id}`)).json.state, 'archived')
  const ms = (await office('GET', `/api/v1/milestones?item_id=${id}`)).json.milestones.find((x) => x.kind === 'handling_report')
  assert.equal(ms.state, 'cancelled')
  await assertNoErrors(t, page)
})
