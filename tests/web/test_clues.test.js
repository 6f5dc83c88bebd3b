// Clues (互联网+督查) in the browser: a member of the public on a phone reports a problem with a photo
// (no account, the proof of work solved by the page) and gets a tracking code; the office sorts the
// clue, sees the reporter (and the unit does not), sends it for verification; the unit's contact
// reports; the office closes it with a reply — and the reporter, on the phone again, reads the outcome.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, pick, choose, apiAs, assertNoErrors, inDays, PHONE } from './helper.js'
import { act, assertStoredWithoutCamera, convertToItem, fillClue, photoWithLocation } from './clues.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// the area 城关镇 and a place, the form otherwise empty
async function choosePlace(page) {
  await choose(page, '[data-test=pub-area]', '城关镇')
  await page.fill('[data-test=pub-place]', '城关镇北街')
}

async function openClue(page, id) {
  await page.goto(`/clues/${id}`)
  await page.locator('[data-test=clue-state]').waitFor()
}
const stateOf = async (page) => (await page.locator('[data-test=clue-state]').textContent()).trim()
test('a reporter on a phone, the office, the verifying unit, and the reporter again', async (t) => {
  // the reporter also types the phone into the description: the unit must read it masked
  const description = '人民路小学门口的人行横道标线磨损看不清，上下学高峰车辆不减速，学生过马路很危险。请回电13700001111。'

  // ---- the public page on a phone: no account ----
  const phone = await newPage(browser, server, PHONE)
  await phone.goto('/p/clue')
  await phone.locator('[data-test=pub-form]').waitFor()
  await shot(phone, 'clue-public-form')
  // nothing filled: the page says what is missing before asking the server
  await phone.click('[data-test=pub-submit]')
  await phone.locator('.field-error', { hasText: '请选择问题类别' }).waitFor()
  await fillClue(phone, '安全生产', '人民路小学门口', description)
  await phone.setInputFiles('[data-test=pub-photos]', photoWithLocation('clue-photo.jpg', [170, 60, 50]))
  await phone.locator('.thumb img').waitFor()
  // a named report: the contact is for the office alone
  await phone.click('[data-test=pub-anonymous]')
  await phone.fill('[data-test=pub-name]', '钱网页')
  await phone.fill('[data-test=pub-phone]', '13700001111')
  await shot(phone, 'clue-public-filled')
  await phone.click('[data-test=pub-submit]')
  await phone.locator('[data-test=pub-done]').waitFor({ timeout: 60000 })
  const code = (await phone.locator('[data-test=pub-code]').textContent()).trim()
  assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
  const number = (await phone.locator('[data-test=pub-done]').textContent()).match(/古线〔\d{4}〕\d+号/)[0]
  await shot(phone, 'clue-public-done')
  // the tracking page: a wrong code is refused in words, the right one shows the status
  await phone.click('[data-test=pub-track-link]')
  await phone.fill('[data-test=track-code]', 'AAAA-BBBB-CCCC-DDDD')
  await phone.click('[data-test=track-submit]')
  await phone.locator('[data-test=track-error]', { hasText: '查询码不正确' }).waitFor()
  await phone.fill('[data-test=track-code]', code.toLowerCase())
  await phone.click('[data-test=track-submit]')
  assert.equal((await phone.locator('[data-test=track-status]').textContent()).trim(), '已受理')
  await assertNoErrors(t, phone)

  // ---- the office sorts it ----
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-clues]')
  const row = office.locator('[data-test=clue-table] .el-table__row', { hasText: number })
  await row.waitFor()
  await shot(office, 'clue-office-list')
  await row.click()
  await office.locator('[data-test=clue-state]').waitFor()
  const id = Number(office.url().split('/').pop())
  assert.equal(await stateOf(office), '待分拣')
  await office.locator('[data-test=clue-photos] img').first().waitFor()
  // the photo as stored has lost its location
  await assertStoredWithoutCamera(office)
  // the reporter, shown on request (audited)
  await office.click('[data-test=clue-reporter-show]')
  await office.locator('[data-test=clue-reporter]', { hasText: '钱网页' }).waitFor()
  // the summary came in with the phone masked, not yet reviewed; the report as written is the office's
  assert.equal((await office.locator('[data-test=clue-summary]').textContent()).trim(), description.replace('13700001111', '【电话已隐去】'))
  await office.locator('[data-test=clue-summary-state]', { hasText: '摘要待审核' }).waitFor()
  await office.locator('[data-test=clue-summary-state]', { hasText: '已自动隐去 1 处' }).waitFor()
  // triage: a title
  await office.click('[data-test=clue-edit]')
  await office.fill('[data-test=clue-e-title]', '人民路小学门口斑马线磨损')
  await office.click('[data-test=clue-e-save]')
  await office.locator('[data-test=clue-title]', { hasText: '人民路小学门口斑马线磨损' }).waitFor()
  // the verification's dialog shows the summary the unit will read, to confirm or edit
  await act(office, 'assign', async (dlg) => {
    const summary = dlg.locator('[data-test=clue-f-summary]')
    assert.equal(await summary.inputValue(), description.replace('13700001111', '【电话已隐去】'))
    await summary.fill('人民路小学门口人行横道标线磨损，上下学高峰车辆不减速，学生过马路危险。')
    await pick(office, dlg.locator('.el-form-item', { hasText: '核查单位' }), '交通运输局', '古城县交通运输局')
    await dlg.locator('[data-test=clue-f-request]').fill('请实地查看并重新施划标线')
    const due = dlg.locator('.el-form-item', { hasText: '时限' }).locator('input')
    await due.fill(inDays(7))
    await due.press('Enter')
    await dlg.locator('.el-dialog__title').click() // closes the date panel (Escape would close the dialog)
  })
  await office.locator('[data-test=clue-state]', { hasText: '核查中' }).waitFor()
  await shot(office, 'clue-office-detail')
  await assertNoErrors(t, office)

  // ---- the unit verifies: it sees the clue, never the reporter ----
  const contact = await newPage(browser, server)
  await loginOk(contact, 'gc_contact')
  await openClue(contact, id)
  assert.equal(await contact.locator('[data-test=clue-reporter]').count(), 0)
  assert.ok(!(await contact.content()).includes('钱网页'))
  assert.ok(!(await contact.content()).includes('13700001111'))
  assert.equal((await contact.locator('[data-test=clue-summary]').textContent()).trim(), '人民路小学门口人行横道标线磨损，上下学高峰车辆不减速，学生过马路危险。')
  assert.equal(await contact.locator('[data-test=clue-summary-state]').count(), 0)
  await act(contact, 'report', async (dlg) => {
    await dlg.locator('[data-test=clue-f-finding] label', { hasText: '属实' }).first().click()
    await dlg.locator('[data-test=clue-f-text]').fill('经实地查看，标线确已磨损，已安排周末重新施划。')
  })
  await contact.locator('[data-test=clue-state]', { hasText: '已核查' }).waitFor()
  await shot(contact, 'clue-unit-verified')
  await assertNoErrors(t, contact)

  // ---- the office closes it with a reply ----
  await openClue(office, id)
  await act(office, 'close', async (dlg) => {
    await dlg.locator('.el-form-item', { hasText: '办结方式' }).locator('.el-select').click()
    await office.locator('.el-select-dropdown__item:visible').first().click()
    await dlg.locator('[data-test=clue-f-reply]').fill('标线已于本周末重新施划，感谢您的监督。')
  })
  await office.locator('[data-test=clue-state]', { hasText: '已办结' }).waitFor()
  assert.match(await toast(office, 'success', /办结/), /办结/)

  // ---- the reporter reads the outcome ----
  await phone.goto('/p/track')
  await phone.click('[data-test=track-submit]') // nothing typed: asked for the code, not told its shape
  assert.equal((await phone.locator('[data-test=track-error]').textContent()).trim(), '请输入提交时得到的 16 位查询码')
  await phone.fill('[data-test=track-code]', code)
  await phone.click('[data-test=track-submit]')
  assert.equal((await phone.locator('[data-test=track-status]').textContent()).trim(), '已办结')
  await phone.locator('[data-test=track-reply]', { hasText: '标线已于本周末重新施划' }).waitFor()
  const page = await phone.content()
  assert.ok(!page.includes('经实地查看'), 'the unit\'s report is internal')
  await shot(phone, 'clue-public-track')
  await assertNoErrors(t, phone)
  await assertNoErrors(t, office)
})

test('another county sees none of it; a public refusal is shown in words', async (t) => {
  const phone = await newPage(browser, server, PHONE)
  await phone.goto('/p/clue')
  await phone.locator('[data-test=pub-form]').waitFor()
  await fillClue(phone, '其他', null, '太短了')
  await phone.click('[data-test=pub-submit]')
  await phone.locator('.field-error', { hasText: '至少' }).waitFor()
  // everything filled but the category, sent from the button at the foot of the form: the page takes the reporter
  // up to what is missing (far above the button on a phone), with the focus there
  await phone.reload()
  await phone.locator('[data-test=pub-form]').waitFor()
  await choosePlace(phone)
  await phone.fill('[data-test=pub-description]', '城关镇北街的路灯坏了一个多月，晚上行人看不清路面，希望尽快修好。')
  await phone.click('[data-test=pub-submit]')
  const missing = phone.locator('.field-error', { hasText: '请选择问题类别' })
  await missing.waitFor()
  await phone.waitForFunction(() => {
    const b = document.querySelector('.field.bad').getBoundingClientRect()
    return b.top >= 0 && b.bottom <= window.innerHeight
  }, null, { timeout: 5000 })
  assert.equal(await phone.evaluate(() => document.activeElement?.name), 'category')
  // a phone number and an e-mail address the server would refuse are said at their fields before the slow challenge
  // (they were said after it, at the foot of the form, with the server's field names); a file named .jpg that is no
  // picture is refused when picked, by its name (it was taken, with a broken thumbnail)
  const challenges = []
  phone.on('request', (r) => { if (r.url().includes('/api/v1/public/challenges')) challenges.push(r.url()) })
  await phone.reload()
  await phone.locator('[data-test=pub-form]').waitFor()
  await fillClue(phone, '其他', null, '城关镇北街的路灯坏了一个多月，晚上行人看不清路面，希望尽快修好。')
  await phone.click('[data-test=pub-anonymous]')
  await phone.fill('[data-test=pub-phone]', '电话12ab')
  await phone.fill('[data-test=pub-email]', 'nobody-at-example')
  await phone.click('[data-test=pub-submit]')
  await phone.locator('.field-error', { hasText: '联系电话应为 5 到 20 位数字' }).waitFor()
  await phone.locator('.field-error', { hasText: '电子邮箱格式不正确' }).waitFor()
  assert.deepEqual(challenges, [], 'no challenge asked for a form the page can refuse itself')
  await phone.setInputFiles('[data-test=pub-photos]', [{ name: '现场.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('不是照片，是一段文字。') }])
  await phone.locator('.field-error', { hasText: '“现场.jpg”不是 JPG 或 PNG 照片' }).waitFor()
  assert.equal(await phone.locator('.thumb').count(), 0)
  await assertNoErrors(t, phone)
  // a user without clue_read has no clue menu, and the page says why
  const parttime = await newPage(browser, server)
  await loginOk(parttime, 'gc_parttime')
  assert.equal(await parttime.locator('[data-test=menu-clues]').count(), 0)
  await parttime.goto('/clues')
  await parttime.locator('[data-test=forbidden]').waitFor()
  await assertNoErrors(t, parttime)
})

test('a clue transferred from above shows its original number, the deadline above and the day it was transferred', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const list = await office('GET', '/api/v1/clues?source=transfer&per_page=50')
  const row = list.json.clues.find((c) => c.origin_number === 'GWY-DC-2026-118734')
  assert.ok(row, 'the demo imports GWY-DC-2026-118734')
  const clue = (await office('GET', `/api/v1/clues/${row.id}`)).json
  assert.match(clue.origin_received_on, /^\d{4}-\d{2}-\d{2}$/) // the demo's file gives 转办日期
  const [y, m, d] = clue.origin_received_on.split('-')
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await openClue(page, row.id)
  await page.locator('[data-test=clue-origin-received]', { hasText: `${y}年${+m}月${+d}日 转办` }).waitFor()
  await page.getByText('GWY-DC-2026-118734').waitFor()
  await assertNoErrors(t, page)
})

test('the office makes a verified clue an inspection, linked both ways', async (t) => {
  // the demo's clue verified by 住建局 (东街老旧小区燃气管道锈蚀): the office decides on an inspection
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-clues]')
  const row = office.locator('[data-test=clue-table] .el-table__row', { hasText: '东街老旧小区燃气管道锈蚀' })
  await row.waitFor()
  await row.click()
  await office.locator('[data-test=clue-state]', { hasText: '已核查' }).waitFor()
  const id = Number(office.url().split('/').pop())
  await act(office, 'convert_inspection', async (dlg) => {
    // the unit concerned is the target unless the office names others; on-site by default, a proposal to the county head
    await dlg.locator('[data-test=clue-f-targets]', { hasText: '住房和城乡建设局' }).waitFor()
    await dlg.locator('[data-test=clue-f-subject]').fill('东街老旧小区燃气管道安全隐患督查')
    for (const [label, days] of [['开始日期', 3], ['结束日期', 12]]) {
      const input = dlg.locator('.el-form-item', { hasText: label }).locator('input')
      await input.fill(inDays(days))
      await input.press('Enter')
      await dlg.locator('.el-dialog__title').click()
    }
    await shot(office, 'clue-convert-inspection')
  })
  await office.locator('[data-test=clue-state]', { hasText: '已转办' }).waitFor()
  const link = office.locator('[data-test=clue-inspection]')
  assert.equal((await link.textContent()).trim(), '东街老旧小区燃气管道安全隐患督查')
  await link.click()
  // the inspection names the clue among its origins, and leads back to it
  await office.locator('[data-test=insp-origin]', { hasText: '线索转办' }).waitFor()
  // by its number (it was a bare "#id" after the number)
  assert.match((await office.locator('[data-test=insp-origin-clue]').textContent()).trim(), /^古线〔\d{4}〕\d+号$/)
  await office.click('[data-test=insp-origin-clue]')
  await office.waitForURL(new RegExp(`/clues/${id}$`))
  await assertNoErrors(t, office)
})

// A clue reported on a phone (anonymous, no photo): its tracking code and number.
async function reportOnPhone(phone, description, place) {
  await phone.goto('/p/clue')
  await phone.locator('[data-test=pub-form]').waitFor()
  await fillClue(phone, '民生保障', place, description)
  await phone.click('[data-test=pub-submit]')
  await phone.locator('[data-test=pub-done]').waitFor({ timeout: 60000 })
  const code = (await phone.locator('[data-test=pub-code]').textContent()).trim()
  const number = (await phone.locator('[data-test=pub-done]').textContent()).match(/古线〔\d{4}〕\d+号/)[0]
  return { code, number }
}

// What the reporter reads on the tracking page: the status, whether it shows as done, the progress rows (oldest first).
async function tracked(phone, code) {
  await phone.goto('/p/track')
  await phone.fill('[data-test=track-code]', code)
  await phone.click('[data-test=track-submit]')
  const tag = phone.locator('[data-test=track-status]')
  await tag.waitFor()
  const rows = await phone.locator('[data-test=track-result] .tl li').allInnerTexts()
  return { status: (await tag.textContent()).trim(), done: (await tag.getAttribute('class')).includes('done'), rows: rows.reverse().map((r) => r.split('\n')[0]) }
}

// The office makes the clue of `number` a supervision item from the clue's page: the item's id.

test('the reporter follows the item made of the clue: in approval, handed to the units, completed; or withdrawn', async (t) => {
  const phone = await newPage(browser, server, PHONE)
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  const as = {}
  for (const u of ['gc_office', 'gc_deputy', 'gc_director', 'gc_contact2', 'gc_head2']) as[u] = await apiAs(server, u)
  const step = async (id, user, action, body = {}) => {
    const r = await as[user]('POST', `/api/v1/items/${id}/actions/${action}`, body)
    assert.equal(r.status, 200, `${user} ${action}: ${JSON.stringify(r.json)}`)
  }

  // ---- reported, then made an item: still a draft, so nothing has reached a unit yet ----
  const one = await reportOnPhone(phone, '城关镇南关街雨水井盖缺失多日，夜间行人容易踩空，请尽快处理。', '南关街与新华路口')
  assert.deepEqual(await tracked(phone, one.code), { status: '已受理', done: false, rows: ['已收到您反映的问题，正在分拣'] })
  const id = await convertToItem(office, one.number, '南关街雨水井盖缺失整改')
  await office.locator('[data-test=item-state]', { hasText: '草稿' }).waitFor()
  let seen = await tracked(phone, one.code)
  assert.equal(seen.status, '已转为督办事项，正在立项审批')
  assert.equal(seen.done, false)
  assert.ok(!seen.rows.some((r) => r.includes('交有关部门办理')), seen.rows.join(' / '))
  await shot(phone, 'clue-track-approval')
  // submitted and approved: still in approval for the reporter
  await step(id, 'gc_office', 'submit')
  await step(id, 'gc_deputy', 'approve')
  await step(id, 'gc_director', 'approve')
  assert.equal((await tracked(phone, one.code)).status, '已转为督办事项，正在立项审批')

  // ---- assigned: handed to the units ----
  await step(id, 'gc_office', 'assign')
  seen = await tracked(phone, one.code)
  assert.equal(seen.status, '已列为督办事项，交有关部门办理')
  assert.equal(seen.done, false)
  assert.ok(seen.rows.indexOf('已转为督办事项，正在立项审批') < seen.rows.indexOf('已列为督办事项，交有关部门办理'), seen.rows.join(' / '))
  await shot(phone, 'clue-track-assigned')
  // the item names its clue for the office and links to it; the unit leading it (the unit concerned) gets no link
  await office.goto(`/items/${id}`)
  const src = office.locator('[data-test=item-source-clue]')
  await src.waitFor()
  assert.equal((await src.textContent()).trim(), one.number)
  await shot(office, 'item-source-clue')
  await src.click()
  await office.waitForURL(/\/clues\/\d+$/)
  await office.locator('[data-test=clue-number]', { hasText: one.number }).waitFor()
  const unit = await newPage(browser, server)
  await loginTo(unit, 'gc_contact2', `/items/${id}`)
  await unit.locator('[data-test=item-state]').waitFor()
  assert.equal(await unit.locator('[data-test=item-source-clue]').count(), 0)

  // ---- the unit completes it, the office verifies: completed, and shown as done ----
  await step(id, 'gc_contact2', 'receive')
  const r = await as.gc_contact2('POST', `/api/v1/items/${id}/reports`, { text: '已组织人员现场勘查，订购井盖。', percent: 50 })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  assert.equal((await tracked(phone, one.code)).status, '已列为督办事项，交有关部门办理')
  await step(id, 'gc_contact2', 'request_completion', { text: '井盖已补装并加固，周边路面已修复。' })
  await step(id, 'gc_head2', 'sign')
  await step(id, 'gc_office', 'verify', { grade: '良好' })
  seen = await tracked(phone, one.code)
  assert.equal(seen.status, '督办事项已办结')
  assert.equal(seen.done, true, 'a completed item shows as done, not as still open')
  assert.equal(seen.rows.at(-1), '督办事项已办结')
  // the unit's own words stay inside
  assert.ok(!(await phone.content()).includes('井盖已补装'), 'the unit\'s reply is internal')
  await shot(phone, 'clue-track-completed')

  // ---- another clue made an item, then withdrawn ----
  const two = await reportOnPhone(phone, '城关镇西街菜市场门口污水外溢，气味很大，希望有关部门处理。', '西街菜市场门口')
  const id2 = await convertToItem(office, two.number, '西街菜市场门口污水外溢整改')
  await step(id2, 'gc_office', 'withdraw', { reason: '已并入城区排水专项整治' })
  seen = await tracked(phone, two.code)
  assert.equal(seen.status, '督办事项已撤销')
  assert.equal(seen.done, true)
  assert.equal(seen.rows.at(-1), '督办事项已撤销')
  await shot(phone, 'clue-track-withdrawn')
  await assertNoErrors(t, phone)
  await assertNoErrors(t, office)
  await assertNoErrors(t, unit)
})

test('the office presses the verifying unit from the clue\'s page; the contact opens the clue from the message', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const form = (await office('GET', '/api/v1/public/clue-form')).json
  const area = form.areas.find((a) => a.name.includes('城关镇')).id
  const created = await office('POST', '/api/v1/clues', { category: 'livelihood', area_id: area, place: '城关镇西街',
    description: '西街路灯连续多日不亮，夜间行人和电动车通行很不安全，请有关部门尽快修复。' })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const id = created.json.id
  const jt = (await office('GET', '/api/v1/units?q=gc-jt&limit=50')).json.units.find((u) => u.code === 'gc-jt').id
  const assigned = await office('POST', `/api/v1/clues/${id}/actions/assign`, { unit_id: jt, due_date: inDays(5), version: created.json.version })
  assert.equal(assigned.status, 200, JSON.stringify(assigned.json))

  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await openClue(page, id)
  await act(page, 'press', async (dlg) => {
    await dlg.locator('.el-form-item', { hasText: '催办意见' }).waitFor()
    await dlg.locator('[data-test=clue-f-text]').fill('群众再次来电反映，请本周内核查到位')
    await shot(page, 'clue-press')
  })
  await page.locator('[data-test=clue-timeline]', { hasText: '群众再次来电反映，请本周内核查到位' }).waitFor()
  assert.equal(await stateOf(page), '核查中')
  await assertNoErrors(t, page)

  const contact = await newPage(browser, server)
  await loginTo(contact, 'gc_contact', '/inbox')
  const msg = contact.locator('[data-test=inbox-message]', { hasText: '【催办】线索核查' }).first()
  await msg.waitFor()
  assert.match(await msg.textContent(), /群众再次来电反映，请本周内核查到位/)
  await msg.locator('[data-test=inbox-open]').click()
  await contact.waitForURL(`**/clues/${id}`)
  await contact.locator('[data-test=clue-act-report]').waitFor() // once: the report is both the clue's and the verification's action
  await shot(contact, 'clue-pressed-contact')
  await assertNoErrors(t, contact)
})
