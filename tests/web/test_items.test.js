// The whole life of a supervision item in the browser, role by role: the office registers it, the
// deputy and the director approve, the office assigns, the unit contact receives and reports with
// an attachment, asks for completion, the unit head signs, the office verifies and archives. A user
// of another county cannot see it; a refused action shows the server's message.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, pick, apiAs, assertNoErrors, ARTIFACTS, inDays, fieldMarks, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })


async function openItem(page, id) {
  await page.goto(`/items/${id}`)
  await page.locator('[data-test=item-state]').waitFor()
}
async function act(page, action, fill) {
  await page.click(`[data-test=act-${action}]`)
  const dlg = page.locator('[data-test=action-dialog]')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await page.click('[data-test=action-submit]')
}
const stateOf = async (page) => (await page.locator('[data-test=item-state]').textContent()).trim()

test('an item from registration to archive, role by role', async (t) => {
  const title = '城区主干道破损路面修复（网页测试）'

  // the supervision office registers the item and submits it for approval
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-item-new]')
  await office.fill('[data-test=new-title]', title)
  await office.fill('[data-test=new-requirement]', '12月底前完成城区主干道破损路面修复，并报送完成情况。')
  await pick(office, office.locator('[data-test=new-lead]'), '交通运输局', '古城县交通运输局')
  const due = office.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  await due.fill(inDays(20))
  await due.press('Enter')
  await office.keyboard.press('Escape')
  await shot(office, 'item-new')
  await office.click('[data-test=new-submit]')
  assert.match(await toast(office, 'success', /已立项：古督〔\d{4}〕\d+号/), /已立项：古督〔\d{4}〕\d+号/)
  await office.waitForURL(/\/items\/\d+$/)
  const id = Number(office.url().split('/').pop())
  assert.equal(await stateOf(office), '已立项待副主任审核')
  const number = (await office.locator('[data-test=item-number]').textContent()).trim()
  // not yet assigned: the unit has nothing yet, its track says so (not 已交办)
  const track = office.locator('[data-test=item-tracks] .el-table__row', { hasText: '古城县交通运输局' })
  assert.equal((await track.locator('.el-tag').nth(1).textContent()).trim(), '未交办')

  // the deputy director finds it on the workbench and approves
  const deputy = await newPage(browser, server)
  await loginOk(deputy, 'gc_deputy')
  const todo = deputy.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await todo.waitFor()
  assert.match(await todo.textContent(), /待副主任审核/)
  await todo.click()
  await deputy.locator('[data-test=act-approve]').waitFor()
  await act(deputy, 'approve')
  await deputy.locator('[data-test=item-state]', { hasText: '待主任审批' }).waitFor()
  assert.equal(await deputy.locator('[data-test=act-approve]').count(), 0, 'the deputy may not approve twice')

  // the director's page is open when another session approves first: the refused click shows why
  const director = await newPage(browser, server)
  await loginOk(director, 'gc_director')
  await openItem(director, id)
  const other = await apiAs(server, 'gc_director')
  assert.equal((await other('POST', `/api/v1/items/${id}/actions/approve`, {})).status, 200)
  await act(director, 'approve')
  const refused = await toast(director, 'error')
  assert.ok(refused.length > 6 && /[\u4e00-\u9fa5]/.test(refused), `a sentence in Chinese: ${refused}`)
  await director.keyboard.press('Escape')
  await openItem(director, id)
  assert.equal(await stateOf(director), '已审批待交办')
  assert.equal(await director.locator('[data-test=act-approve]').count(), 0)

  // the office assigns it
  await openItem(office, id)
  await act(office, 'assign')
  await office.locator('[data-test=item-state]', { hasText: '已交办' }).waitFor()
  await track.filter({ hasText: '已交办' }).waitFor()
  // the tag leaves with el-tag's zoom transition: wait until it is gone (it must go, within the wait)
  await office.locator('[data-test=track-not-assigned]').first().waitFor({ state: 'detached' })

  // the unit contact receives it, reports progress with an attachment, and asks for completion
  const contact = await newPage(browser, server)
  await loginOk(contact, 'gc_contact')
  const ctodo = contact.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await ctodo.waitFor()
  assert.match(await ctodo.textContent(), /待签收/)
  await openItem(contact, id)
  await act(contact, 'receive')
  await contact.locator('[data-test=item-state]', { hasText: '已签收' }).waitFor()
  // a dialog saved with its required fields blank marks every one of them under its field and sends nothing; a
  // field's mark goes as it is filled
  let sent = 0
  const count = (r) => { if (/\/actions\/request_extension$/.test(r.url())) sent++ }
  contact.on('request', count)
  await contact.click('[data-test=act-request_extension]')
  const extDlg = contact.locator('[data-test=action-dialog]')
  await extDlg.waitFor()
  await contact.click('[data-test=action-submit]')
  assert.deepEqual(await markTexts(extDlg, 2), ['请填写：申请延至', '请填写：延期理由'])
  await extDlg.locator('[data-test=action-reason]').fill('雨季施工受限')
  await fieldMarks(extDlg).nth(1).waitFor({ state: 'detached' })
  assert.deepEqual(await markTexts(extDlg), ['请填写：申请延至'])
  await extDlg.getByRole('button', { name: '取消' }).click()
  await extDlg.waitFor({ state: 'hidden' })
  contact.off('request', count)
  assert.equal(sent, 0, 'nothing is sent while a required field is blank')
  const file = join(ARTIFACTS, '路面修复进展.txt')
  writeFileSync(file, '已完成主干道 3.2 公里路面修复。\n')
  await act(contact, 'report', async (dlg) => {
    await dlg.locator('[data-test=action-text]').fill('已完成主干道 3.2 公里路面修复，剩余路段本月完成。')
    const pct = dlg.locator('.el-slider .el-input-number input')
    await pct.fill('60')
    await pct.press('Tab')
    await dlg.locator('[data-test=action-files]').setInputFiles(file)
  })
  await contact.locator('[data-test=report]', { hasText: '3.2 公里' }).waitFor()
  const att = contact.locator('[data-test=report-attachment]', { hasText: '路面修复进展.txt' })
  await att.waitFor()
  const href = await att.getAttribute('href')
  const dl = await contact.request.get(href)
  assert.equal(dl.status(), 200)
  assert.match(await dl.text(), /3\.2 公里/)
  await contact.locator('[data-test=act-request_completion]').waitFor()
  await shot(contact, 'item-detail')
  // the secretarial section reviews the report
  const secretary = await newPage(browser, server)
  await loginOk(secretary, 'gc_secretary')
  const stodo = secretary.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await stodo.waitFor()
  assert.match(await stodo.textContent(), /进展报告待审核/)
  await stodo.click()
  await secretary.locator('[data-test=item-state]').waitFor()
  await secretary.locator('[data-test=report]', { hasText: '3.2 公里' }).getByRole('button', { name: '审核通过' }).click()
  await secretary.click('.el-message-box__btns .el-button--primary')
  assert.match(await toast(secretary, 'success', /已审核/), /已审核/)
  await secretary.locator('[data-test=report]', { hasText: '已通过' }).waitFor()
  await assertNoErrors(t, secretary)

  await openItem(contact, id)
  await act(contact, 'request_completion', (dlg) => dlg.locator('[data-test=action-text]').fill('城区主干道破损路面已全部修复，经验收合格。'))
  await contact.locator('[data-test=item-state]', { hasText: '申请办结' }).waitFor()

  // the unit head signs the reply
  const head = await newPage(browser, server)
  await loginOk(head, 'gc_head')
  await head.locator('[data-test=wb-todos] .wb-todo', { hasText: '待负责人核签' }).waitFor()
  await openItem(head, id)
  await act(head, 'sign')
  await head.locator('[data-test=item-state]', { hasText: '已核签待审核' }).waitFor()

  // the office verifies with a grade and archives
  await openItem(office, id)
  await act(office, 'verify', (dlg) => dlg.locator('[data-test=action-grade] label', { hasText: '良好' }).click())
  await office.locator('[data-test=item-state]', { hasText: '已办结' }).waitFor()
  await act(office, 'archive')
  await office.locator('[data-test=item-state]', { hasText: '已归档' }).waitFor()
  const timeline = await office.locator('[data-test=timeline]').textContent()
  for (const w of ['立项报审', '审批通过', '交办', '签收', '报送进展', '申请办结', '负责人核签', '审核办结', '归档']) assert.ok(timeline.includes(w), `timeline has ${w}`)
  await shot(office, 'item-archived')
  // the archive file (立卷归档) downloads from the documents menu
  await office.click('[data-test=item-docs]')
  const [zip] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=doc-archive]')])
  assert.match(zip.suggestedFilename(), /\.zip$/)
  const zpath = await zip.path()
  assert.equal(readFileSync(zpath).subarray(0, 2).toString(), 'PK', 'a ZIP file')

  // the item's audit records, one click away
  await office.click('[data-test=item-audit]')
  await office.locator('[data-test=audit-table] .el-table__row').first().waitFor()
  const audit = await office.locator('[data-test=audit-table]').textContent()
  assert.match(audit, new RegExp(`督办事项 #${id}`))
  assert.doesNotMatch(audit, /单位 #|用户 #|unit #|user #|item\.[a-z]/)
  assert.match(audit, /督办事项 · 审批通过/) // the workflow's words, the states moved between
  assert.match(audit, /已立项待副主任审核 → 待主任审批/)

  // the ledger and the overview show it
  await office.click('[data-test=menu-ledger]')
  await office.locator('[data-test=ledger-table] .el-table__row', { hasText: number }).waitFor()
  await office.fill('[data-test=ledger-q]', '路面修复')
  await office.click('[data-test=ledger-search]')
  await office.locator('[data-test=ledger-table] .el-table__row', { hasText: number }).waitFor()
  await office.click('[data-test=menu-overview]')
  await office.locator('[data-test=chart-state] canvas').waitFor()

  // a user of another county sees nothing of it
  const ap = await newPage(browser, server)
  await loginTo(ap, 'ap_office', `/items/${id}`)
  await ap.locator('.el-result').waitFor()
  assert.doesNotMatch(await ap.locator('.page').textContent(), /路面修复/)
  await ap.goto('/items')
  await ap.locator('[data-test=ledger-table]').waitFor()
  await ap.waitForLoadState('networkidle')
  assert.doesNotMatch(await ap.locator('[data-test=ledger-table]').textContent(), /路面修复/)

  for (const p of [office, deputy, director, contact, head, ap]) await assertNoErrors(t, p)
})

test('the ledger filters, saves a filter, and the dashboard draws its charts', async (t) => {
  // a few items in different states, through the API
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=gc-&limit=100')).json.units
  const jt = units.find((u) => u.code === 'gc-jt'), zj = units.find((u) => u.code === 'gc-zj')
  const deputy = await apiAs(server, 'gc_deputy'), director = await apiAs(server, 'gc_director')
  const contact = await apiAs(server, 'gc_contact'), contact2 = await apiAs(server, 'gc_contact2')
  const KINDS = ['meeting', 'instruction', 'work_report', 'npc_cppcc', 'key_project', 'public_complaint']
  const TITLES = ['县城老旧小区改造', '农村公路安全隐患整治', '政府工作报告：新增城镇就业', '人大建议：增设公交线路', '重点项目：古城大道续建', '群众反映：城东积水点治理',
    '冬季供暖保障', '高标准农田建设', '校园周边交通秩序整治']
  for (let i = 0; i < TITLES.length; i++) {
    const lead = i % 2 ? jt : zj
    const r = await office('POST', '/api/v1/items', { title: TITLES[i], source_kind: KINDS[i % KINDS.length], lead_unit_id: lead.id,
      co_unit_ids: i === 4 ? [jt.id] : [], due_date: inDays(3 + i * 7), submit: i > 0, importance: i === 4 ? 'major' : 'general', requirement: '按期办结并报送情况。' })
    assert.equal(r.status, 201, JSON.stringify(r.json))
    const id = r.json.id
    if (i < 2) continue
    assert.equal((await deputy('POST', `/api/v1/items/${id}/actions/approve`, {})).status, 200)
    if (i < 3) continue
    assert.equal((await director('POST', `/api/v1/items/${id}/actions/approve`, {})).status, 200)
    if (i < 4) continue
    assert.equal((await office('POST', `/api/v1/items/${id}/actions/assign`, {})).status, 200)
    if (i < 6) continue
    const c = lead === jt ? contact : contact2
    assert.equal((await c('POST', `/api/v1/items/${id}/actions/receive`, {})).status, 200)
    assert.equal((await c('POST', `/api/v1/items/${id}/reports`, { text: '正在推进', percent: 20 + i * 8 })).status, 201)
  }
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await shot(page, 'workbench-office-ledger')
  await page.goto('/items')
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  await shot(page, 'ledger')
  // the Excel export of the whole ledger
  await page.click('[data-test=ledger-export]')
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-xlsx]')])
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK', 'an XLSX (ZIP) file')
  await page.click('[data-test=count-draft]')
  await page.waitForURL(/state=draft/)
  await page.waitForLoadState('networkidle')
  const rows = await page.locator('[data-test=ledger-table] .el-table__row').allTextContents()
  assert.ok(rows.length >= 1 && rows.every((r) => r.includes('草稿')), rows.join('|'))
  await page.click('[data-test=ledger-save-filter]')
  // a prompt keeps Element Plus's 420 px on a desk (web/src/style.css only keeps it inside a phone's width)
  const box = await page.locator('.el-message-box').boundingBox()
  assert.ok(box.width <= 420 && box.width > 300, `the prompt is ${box.width} px wide`)
  await page.fill('.el-message-box input', '我的草稿')
  await page.click('.el-message-box__btns .el-button--primary')
  await page.locator('[data-test="saved-我的草稿"]').waitFor()
  await page.reload()
  await page.locator('[data-test="saved-我的草稿"]').waitFor()
  // CSV import of drafts: the check lists a bad row and imports nothing; a clean file imports
  const head = 'title,requirement,source_kind,source_ref,lead_unit,co_units,leader,due_date,importance,kind'
  await page.click('[data-test=ledger-import]')
  await page.fill('[data-test=item-import-text]', `${head}\n导入事项甲,按期办结,meeting,,gc-jt,,,${inDays(40)},general,once\n导入事项乙,按期办结,meeting,,no-such-unit,,,${inDays(40)},general,once\n`)
  await page.click('[data-test=item-import-check]')
  await page.locator('[data-test=item-import-errors] .el-table__row').first().waitFor()
  assert.match(await page.locator('[data-test=item-import-errors]').textContent(), /3/)
  await page.fill('[data-test=item-import-text]', `${head}\n导入事项甲,按期办结,meeting,,gc-jt,,,${inDays(40)},general,once\n`)
  await page.click('[data-test=item-import-check]')
  await page.locator('[data-test=item-import-ok]').waitFor()
  assert.equal((await office('GET', '/api/v1/items?q=' + encodeURIComponent('导入事项甲'))).json.total, 0, 'the check imports nothing')
  await page.click('[data-test=item-import-submit]')
  assert.match(await toast(page, 'success', /已导入 1 项草稿/), /已导入 1 项草稿/)
  assert.equal((await office('GET', '/api/v1/items?q=' + encodeURIComponent('导入事项甲'))).json.total, 1)
  await page.keyboard.press('Escape')

  // a draft is edited and then submitted from the edit page
  const draft = (await office('GET', '/api/v1/items?q=' + encodeURIComponent('县城老旧小区改造'))).json.items[0]
  assert.equal(draft.state, 'draft')
  await page.goto(`/items/${draft.id}`)
  await page.click('[data-test=item-edit]')
  await page.waitForURL(/\/edit$/)
  await page.waitForFunction(() => document.querySelector('[data-test=new-title]')?.value === '县城老旧小区改造')
  await page.fill('[data-test=new-title]', '县城老旧小区改造（修改后）')
  await page.click('[data-test=new-submit]')
  assert.match(await toast(page, 'success', /已立项：古督〔\d{4}〕\d+号/), /已立项：古督〔\d{4}〕\d+号/)
  await page.waitForURL(new RegExp(`/items/${draft.id}$`))
  assert.equal((await office('GET', `/api/v1/items/${draft.id}`)).json.title, '县城老旧小区改造（修改后）')
  await page.goto('/overview')
  await page.locator('[data-test=chart-state] canvas').waitFor()
  await shot(page, 'overview')
  await assertNoErrors(t, page)
})

test('the workbench of a unit contact on a phone', async (t) => {
  const page = await newPage(browser, server, { width: 390, height: 844 })
  await loginOk(page, 'gc_contact')
  await page.locator('[data-test=wb-cards]').waitFor()
  await shot(page, 'workbench-phone')
  // from the field: open a to-do and report progress on the phone
  const row = page.locator('[data-test=wb-todos] .wb-todo', { hasText: '报送进展' }).first()
  await row.click()
  await page.locator('[data-test=act-report]').waitFor()
  await shot(page, 'item-phone')
  await page.click('[data-test=act-report]')
  const dlg = page.locator('[data-test=action-dialog]')
  await dlg.locator('[data-test=action-text]').fill('现场核查：排水管网已疏通。')
  await page.click('[data-test=action-submit]')
  await page.locator('[data-test=report]', { hasText: '排水管网已疏通' }).waitFor()
  await assertNoErrors(t, page)
})

test('a typed date is read strictly: an impossible or past day is refused in words, the console stays clean', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/items/new')
  const due = page.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  const err = page.locator('.el-form-item', { hasText: '办理时限' }).locator('[data-test=date-error]')
  // Enter on an impossible day: refused, kept in the box to correct (the picker would read 2027-02-14)
  // (each reason waited for by its words: the line of the previous one is still on the page until Vue redraws it)
  await due.fill('2026-13-45')
  await due.press('Enter')
  await err.filter({ hasText: /“2026-13-45”不是有效日期/ }).waitFor()
  await page.keyboard.press('Escape')
  // Enter on a past day: refused with the first allowed day
  await due.fill('2020-01-01')
  await due.press('Enter')
  await err.filter({ hasText: /不能早于 \d{4}年\d+月\d+日/ }).waitFor()
  await page.keyboard.press('Escape')
  // leaving the box with an impossible day: emptied, the reason stays, nothing is kept
  await due.fill('2026-02-30')
  await page.click('[data-test=new-title]')
  await err.filter({ hasText: /“2026-02-30”不是有效日期/ }).waitFor()
  assert.equal(await due.inputValue(), '')
  // a good day clears the reason
  const good = inDays(30) // one date, typed and compared (counted twice, Beijing midnight may come in between)
  await due.fill(good)
  await due.press('Enter')
  await err.waitFor({ state: 'detached' })
  assert.equal(await due.inputValue(), good)
  // the ledger's range of due dates is as strict
  await page.goto('/items')
  const from = page.locator('.el-date-editor input').first()
  await from.fill('2026-02-30')
  await from.press('Enter')
  assert.match(await page.locator('[data-test=date-error]').textContent(), /不是有效日期/)
  assert.deepEqual(page.console.filter((m) => /Invalid user input|deprecated/.test(m)), [])
  await assertNoErrors(t, page)
})

test('the office splits a running item: only units below the responsible unit offered, every blank field marked at once, a refused date marked at its field', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const parent = (await office('GET', '/api/v1/items?q=县城公交站亭改造提升')).json.items.find((x) => x.title === '县城公交站亭改造提升')
  assert.ok(parent, 'the demo has the running item')
  // its responsible unit, 古城县交通运输局, gets a unit below it to split for
  const admin = await apiAs(server, 'gc_admin')
  const jt = (await admin('GET', '/api/v1/units?q=gc-jt')).json.units.find((u) => u.code === 'gc-jt')
  const sub = '古城县交通运输局站亭管理所'
  assert.equal((await admin('POST', '/api/v1/units', { code: 'gc-jt-zt', name: sub, kind: 'department', parent_id: jt.id })).status, 201)
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${parent.id}`)
  await page.click('[data-test=item-split]')
  const dlg = page.locator('[data-test=split-dialog]')
  assert.equal((await dlg.locator('[data-test=split-under]').textContent()).trim(), '须为古城县交通运输局的下级单位')
  // the name is proposed: emptied, it is marked with the unit nobody chose yet, and nothing is sent
  await dlg.locator('[data-test=split-title]').fill('')
  await page.click('[data-test=split-submit]')
  assert.deepEqual(await markTexts(dlg, 2), ['请填写：子事项名称', '请填写：牵头单位'])
  const title = '城东片区公交站亭改造（网页测试）'
  await dlg.locator('[data-test=split-title]').fill(title)
  // the picker offers the units below 交通运输局 only (not the bureau itself, not the county's other units)
  await dlg.locator('[data-test=split-lead] .el-select').click()
  const options = page.locator('.el-select-dropdown__item:visible')
  await options.first().waitFor()
  assert.deepEqual((await options.allTextContents()).map((x) => x.replace('gc-jt-zt', '').trim()), [sub])
  await options.first().click()
  await fieldMarks(dlg).waitFor({ state: 'detached' })
  // a day after the item's own: the server's refusal is marked under 办理时限
  const due = dlg.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  const later = new Date(Date.parse(parent.due_date + 'T00:00:00Z') + 86400000).toISOString().slice(0, 10)
  await due.fill(later)
  await due.press('Enter')
  await dlg.locator('[data-test=split-title]').click() // closes the picker (Escape would close the dialog)
  await page.click('[data-test=split-submit]')
  const [mark] = await markTexts(dlg)
  assert.match(mark, /不能晚于上级事项的期限/)
  assert.equal((await office('GET', `/api/v1/items/${parent.id}`)).json.children?.length ?? 0, 0, 'nothing was made')
  await due.fill(parent.due_date)
  await due.press('Enter')
  await dlg.locator('[data-test=split-title]').click()
  await fieldMarks(dlg).waitFor({ state: 'detached' })
  await page.click('[data-test=split-submit]')
  assert.match(await toast(page, 'success', /已分解/), new RegExp(title))
  const children = (await office('GET', `/api/v1/items/${parent.id}`)).json.children
  assert.deepEqual(children.map((c) => c.title), [title])
  // the unit's contact is offered no split
  const contact = await newPage(browser, server)
  await loginTo(contact, 'gc_contact', `/items/${parent.id}`)
  await contact.locator('[data-test=item-state]').waitFor()
  assert.equal(await contact.locator('[data-test=item-split]').count(), 0)
  await assertNoErrors(t, page)
  await assertNoErrors(t, contact)
})
