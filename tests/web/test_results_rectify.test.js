// A criticism's rectification (通报批评 → 限期整改) in the browser: the office issues a criticism of the transport
// bureau (through the API, approved by the county head); the bureau's contact finds the to-do 报送整改情况 on the
// workbench at a desk, opens the record — the deadline and the to-do with its button — and reports in the form
// with two files (整改材料), which the office then reads in its review;
// the office returns it with a reason; the contact, now on a phone, sees the to-do again and reports once more
// with one more file (nothing scrolls sideways); the office accepts it with a note and the record shows it closed.
// Screenshots: result-rectify-unit (desk), result-rectify-review (the office), result-rectify-phone; and the office's
// setting of the working days (result-settings).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, PHONE, fitsThePhone, inDays, fieldMarks, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// takes an action through its dialog, filling it first
async function act(page, button, fill) {
  await page.click(`[data-test=${button}]`)
  const dlg = page.locator('[data-test=res-action-dialog]:visible')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}
const PDF = '%PDF-1.4\n%rectify\n1 0 obj<<>>endobj\n'
const stateIs = (page, text) => page.locator('[data-test=res-state]', { hasText: text }).waitFor({ timeout: 60000 })

test('the criticised unit reports its rectification, at a desk and on a phone; the office reviews it', async (t) => {
  const title = '关于国省干线公路养护专项整治推进不力的通报批评（整改测试）'
  const due = inDays(20)
  const asOffice = await apiAs(server, 'gc_office')
  // the demo's criticism of the bureau (交通运输局, gc_contact's unit) rests on its overdue item: this one rests on the
  // same (the demo's year behind it criticised 城关镇 too)
  const demo = (await asOffice('GET', '/api/v1/results?kind=criticism&per_page=50')).json.results.find((x) => x.unit.name === '古城县交通运输局')
  assert.ok(demo, 'the demo criticises 古城县交通运输局')
  let r = await asOffice('POST', '/api/v1/results', { kind: 'criticism', title, content: '养护专项整治再次超过承诺时限，予以通报批评，限期整改。',
    unit_id: demo.unit.id, item_ids: [demo.items[0].id], rectify_due: due })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  assert.equal((await asOffice('POST', `/api/v1/results/${id}/actions/submit`, {})).status, 200)
  assert.equal((await (await apiAs(server, 'gc_principal'))('POST', `/api/v1/results/${id}/actions/approve`, {})).status, 200)
  assert.equal((await asOffice('POST', `/api/v1/results/${id}/actions/issue`, {})).status, 200)

  // the contact's workbench holds the to-do; it opens the record with the deadline and the form's button
  const contact = await newPage(browser, server)
  await loginOk(contact, 'gc_contact')
  const todo = contact.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await todo.waitFor({ timeout: 60000 })
  assert.match(await todo.textContent(), /报送整改情况/)
  // what the record is (通报批评) and the unit it is about, not the workflow's word (结果运用记录)
  assert.match(await todo.locator('[data-test=wb-todo-what]').textContent(), /^通报批评 · /)
  await todo.click()
  await contact.waitForURL(new RegExp(`/results/${id}$`))
  await contact.locator('[data-test=res-rectify-todo]').waitFor()
  await contact.locator('[data-test=res-rectify-due]', { hasText: due.slice(0, 4) }).waitFor()
  assert.equal(await contact.locator('[data-test=res-rectify-text]').textContent(), '所涉单位尚未报送整改情况')
  const report = '已对照通报逐项整改：S221段修补完成，养护台账已补齐。'
  await act(contact, 'res-rectify-report', async (dlg) => {
    // an empty report is refused before it is sent, marked under its field; the mark goes as it is filled
    await dlg.locator('[data-test=act-submit]').click()
    assert.match((await markTexts(dlg))[0], /^请填写：整改情况/)
    await dlg.locator('[data-test=act-rectification]').fill(report)
    await fieldMarks(dlg).waitFor({ state: 'detached' })
    // its files (整改材料): uploaded with the report
    await dlg.locator('[data-test=act-rect-files]').setInputFiles([
      { name: '整改报告.pdf', mimeType: 'application/pdf', buffer: Buffer.from(PDF) },
      { name: '养护台账.txt', mimeType: 'text/plain', buffer: Buffer.from('S221 养护台账已补齐') }])
    await dlg.locator('[data-test=file-pick-names]', { hasText: '整改报告.pdf' }).waitFor()
  })
  await stateIs(contact, '整改情况待审核')
  await contact.locator('[data-test=res-rectify-text]', { hasText: 'S221段修补完成' }).waitFor()
  assert.deepEqual(await contact.locator('[data-test=res-rectify-file]').allTextContents(),
    ['整改报告.pdf（36 B）第 1 次报送', '养护台账.txt（26 B）第 1 次报送'])
  assert.equal(await contact.locator('[data-test=res-rectify-todo]').count(), 0)
  await shot(contact, 'result-rectify-unit')
  await assertNoErrors(t, contact)

  // the office reviews it from its to-do and returns it with a reason
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  const review = office.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await review.waitFor({ timeout: 60000 })
  assert.match(await review.textContent(), /整改情况待审核/)
  await office.goto(`/results/${id}`)
  await office.locator('[data-test=res-rectify-text]', { hasText: 'S221段修补完成' }).waitFor()
  // the office reads the unit's files in its review
  const link = office.locator('[data-test=res-rectify-file] a', { hasText: '整改报告.pdf' })
  const got = await office.request.get(new URL(await link.getAttribute('href'), office.url()).href)
  assert.equal(got.status(), 200)
  assert.equal((await got.body()).toString(), PDF)
  await shot(office, 'result-rectify-review')
  await act(office, 'act-return_rectification', async (dlg) => {
    // saved blank: the reason is marked under its field and nothing is sent; the mark goes as it is filled
    await dlg.locator('[data-test=act-submit]').click()
    assert.deepEqual(await markTexts(dlg), ['请填写：理由'])
    await dlg.locator('[data-test=act-reason]').fill('请补充整改前后的现场照片说明')
    await fieldMarks(dlg).waitFor({ state: 'detached' })
  })
  await stateIs(office, '已印发')
  await assertNoErrors(t, office)

  // on a phone the contact sees the to-do again and reports once more
  const phone = await newPage(browser, server, PHONE)
  await loginTo(phone, 'gc_contact', `/results/${id}`)
  await phone.locator('[data-test=res-rectify-todo]').waitFor({ timeout: 60000 })
  await fitsThePhone(phone)
  await act(phone, 'res-rectify-report', async (dlg) => {
    await fitsThePhone(phone)
    await dlg.locator('[data-test=act-rectification]').fill(report + '现场照片说明已补充。')
    await dlg.locator('[data-test=act-rect-files]').setInputFiles([
      { name: '现场照片说明.txt', mimeType: 'text/plain', buffer: Buffer.from('整改前后照片各 6 张') }])
  })
  await stateIs(phone, '整改情况待审核')
  await phone.locator('[data-test=res-rectify-text]', { hasText: '现场照片说明已补充' }).waitFor()
  await phone.locator('[data-test=res-rectify-file]', { hasText: '现场照片说明.txt' }).filter({ hasText: '第 2 次报送' }).waitFor()
  await fitsThePhone(phone)
  await shot(phone, 'result-rectify-phone')
  await assertNoErrors(t, phone)

  // accepted with a note: closed, and the unit reads that
  await office.reload()
  await act(office, 'act-accept_rectification', (dlg) => dlg.locator('[data-test=act-review-note]').fill('整改到位，予以销号'))
  await stateIs(office, '已办结')
  await phone.reload()
  await phone.locator('[data-test=res-rectify-accepted]').waitFor({ timeout: 60000 })
  await phone.locator('[data-test=res-follow-up]', { hasText: '整改到位' }).waitFor()
  assert.equal(await phone.locator('[data-test=res-actions] button').count(), 0)
  await assertNoErrors(t, office)
})

test('the office sets the working days a criticised unit has to report (结果运用设置)', async (t) => {
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/results')
  await office.click('[data-test=res-settings]')
  const dlg = office.locator('[data-test=res-settings-dialog]:visible')
  await dlg.waitFor()
  const days = dlg.locator('[data-test=res-settings-workdays] input')
  assert.equal(await days.inputValue(), '15')
  await days.fill('10')
  await days.press('Tab')
  await shot(office, 'result-settings')
  await dlg.locator('[data-test=res-settings-save]').click()
  await dlg.waitFor({ state: 'hidden' })
  const asOffice = await apiAs(server, 'gc_office')
  assert.equal((await asOffice('GET', '/api/v1/results/settings')).json.rectify_workdays, 10)
  // the draft form says the days in force
  await office.goto('/results/new?kind=criticism')
  await office.locator('[data-test=res-rectify-due-hint]', { hasText: '不填则印发之日起 10 个工作日' }).waitFor()
  await assertNoErrors(t, office)
  assert.equal((await asOffice('PUT', '/api/v1/results/settings', { rectify_workdays: 15 })).status, 200)
})
