// Surveys (民意调查) in the browser: the office builds a questionnaire (single choice, multiple choice, a
// scale, text; required questions), opens it and copies its public link; a citizen answers on a phone
// (no account; the page's required checks, the proof of work solved by the page) and cannot answer twice
// from the same phone; the office sees the chart of the answers and downloads the XLSX.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, assertNoErrors, apiAs, inDays } from './helper.js'

// The fourth question's type: its dropdown is the newest (appended last to the body). Clicked by pointer,
// the option was found visible and then reported not visible while the dropdown settled, so the newest
// option is clicked through its own handler.
async function pickNewest(page, scope, text) {
  const sel = scope.locator('.el-select').first()
  await sel.click()
  const opt = page.locator('.el-select-dropdown__item', { hasText: text }).last()
  await opt.waitFor({ state: 'attached' })
  await opt.dispatchEvent('click')
  await sel.filter({ hasText: text }).waitFor()
}

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const PHONE = { width: 390, height: 844 }

test('the office builds and opens a survey, a citizen answers on a phone, the office reads the chart and the XLSX', async (t) => {
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/surveys')
  await office.locator('[data-test=survey-table]').waitFor()
  // the demo's survey is listed with its answers
  await office.locator('[data-test=survey-table] tr', { hasText: '县政务服务中心办事满意度调查' }).waitFor()
  await shot(office, 'survey-list')

  // ---- the builder ----
  await office.click('[data-test=survey-new]')
  await office.locator('[data-test=survey-form]').waitFor()
  // nothing filled: the page says what is missing
  await office.click('[data-test=survey-save]')
  await office.locator('.el-form-item__error', { hasText: '请填写问卷标题' }).waitFor()
  await office.fill('[data-test=survey-title]', '城区路灯维修满意度调查')
  await office.fill('[data-test=survey-intro]', '县政府督查室了解路灯维修整改的效果，约需一分钟。')
  // question 1 is a scale (the default first question)
  await office.fill('[data-test=survey-q-text-0]', '您对路灯维修的效果满意吗？')
  await office.click('[data-test=survey-q-required-0]')
  // question 2: single choice, with too few options at first
  await office.click('[data-test=survey-add-q]')
  await office.fill('[data-test=survey-q-text-1]', '您家附近的路灯现在是否正常？')
  await office.fill('[data-test=survey-q-options-1]', '正常')
  await office.click('[data-test=survey-save]')
  await office.locator('.err', { hasText: '第 2 题至少需要两个选项' }).waitFor()
  await office.fill('[data-test=survey-q-options-1]', '正常\n部分不亮\n全部不亮')
  // question 3: multiple choice
  await office.click('[data-test=survey-add-q]')
  await pick(office, office.locator('[data-test=survey-q-2]'), '多选')
  await office.fill('[data-test=survey-q-text-2]', '您通过哪些渠道报修过？')
  await office.fill('[data-test=survey-q-options-2]', '12345热线\n社区\n网上反映')
  // question 4: text
  await office.click('[data-test=survey-add-q]')
  await pickNewest(office, office.locator('[data-test=survey-q-3]'), '填空')
  await office.fill('[data-test=survey-q-text-3]', '还有什么建议？')
  await shot(office, 'survey-builder')
  await office.click('[data-test=survey-save]')
  await office.locator('[data-test=survey-state]', { hasText: '草稿' }).waitFor()
  const id = office.url().match(/surveys\/(\d+)/)[1]

  // ---- open it: the public link appears ----
  await office.click('[data-test=survey-act-open]')
  await office.locator('.el-message-box__btns .el-button--primary').click()
  await office.locator('[data-test=survey-state]', { hasText: '收集中' }).waitFor()
  const link = (await office.locator('[data-test=survey-link]').textContent()).trim()
  assert.match(link, /\/p\/survey\/[0-9a-f]{24}$/)
  await shot(office, 'survey-opened')

  // ---- a citizen on a phone ----
  const phone = await newPage(browser, server, PHONE)
  await phone.goto(new URL(link).pathname)
  await phone.locator('[data-test=pubs-form]').waitFor()
  assert.equal((await phone.locator('[data-test=pubs-title]').textContent()).trim(), '城区路灯维修满意度调查')
  // the closing day in words, as every date of the pages (not 2026-12-21)
  assert.match(await phone.locator('[data-test=pubs-meta]').textContent(), /^截止日期：\d{4}年\d{1,2}月\d{1,2}日 · /)
  await shot(phone, 'survey-phone-form')
  // the required scale is not answered: the page says so before asking the server
  await phone.click('[data-test=pubs-q-1-1]')
  await phone.click('[data-test=pubs-submit]')
  await phone.locator('[data-test=pubs-err-0]', { hasText: '必答题' }).waitFor()
  await phone.click('[data-test=pubs-q-0-4]')
  await phone.click('[data-test=pubs-q-2-0]')
  await phone.click('[data-test=pubs-q-2-2]')
  await phone.fill('[data-test=pubs-q-3-text]', '希望夜间巡查再勤一些。')
  await shot(phone, 'survey-phone-filled')
  // a reload (a phone drops the page when the user switches apps) keeps the answers in progress
  await phone.reload()
  await phone.locator('[data-test=pubs-form]').waitFor()
  for (const sel of ['pubs-q-0-4', 'pubs-q-1-1', 'pubs-q-2-0', 'pubs-q-2-2']) assert.ok(await phone.isChecked(`[data-test=${sel}] input`), `${sel} kept`)
  assert.equal(await phone.isChecked('[data-test=pubs-q-2-1] input'), false)
  assert.equal(await phone.inputValue('[data-test=pubs-q-3-text]'), '希望夜间巡查再勤一些。')
  await shot(phone, 'survey-phone-reloaded')
  await phone.click('[data-test=pubs-submit]')
  await phone.locator('[data-test=pubs-done]').waitFor({ timeout: 60000 })
  await shot(phone, 'survey-phone-done')
  // the same phone cannot answer twice
  await phone.goto(new URL(link).pathname)
  await phone.locator('[data-test=pubs-form]').waitFor()
  // the answers sent are not kept any more
  assert.equal(await phone.inputValue('[data-test=pubs-q-3-text]'), '')
  assert.equal(await phone.isChecked('[data-test=pubs-q-0-4] input'), false)
  await phone.click('[data-test=pubs-q-0-2]')
  await phone.click('[data-test=pubs-submit]')
  await phone.locator('[data-test=pubs-send-error]', { hasText: '这台设备已经答过' }).waitFor({ timeout: 60000 })
  await assertNoErrors(t, phone)

  // ---- the office: the chart and the XLSX ----
  await office.goto(`/surveys/${id}`)
  await office.locator('[data-test=survey-responses]', { hasText: '1' }).waitFor()
  await office.locator('[data-test=survey-chart-0] canvas').waitFor()
  await office.locator('[data-test=survey-chart-1] canvas').waitFor()
  await office.locator('[data-test=survey-result-3]', { hasText: '希望夜间巡查再勤一些。' }).waitFor()
  await shot(office, 'survey-results')
  const [xlsx] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=survey-xlsx]')])
  const path = await xlsx.path()
  const rows = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import io, json, openpyxl, sys
wb = openpyxl.load_workbook(io.BytesIO(open(sys.argv[1], "rb").read()))
print(json.dumps([[str(c) if c is not None else "" for c in r] for r in wb["答卷"].iter_rows(values_only=True)], ensure_ascii=False))
`, path]).toString())
  assert.deepEqual(rows[0].slice(2), ['您对路灯维修的效果满意吗？', '您家附近的路灯现在是否正常？', '您通过哪些渠道报修过？', '还有什么建议？'])
  assert.deepEqual(rows[1].slice(2), ['4', '部分不亮', '12345热线；网上反映', '希望夜间巡查再勤一些。'])
  // a leader reads the results; the unit's contact has no surveys page
  const leader = await newPage(browser, server)
  await loginTo(leader, 'gc_principal', `/surveys/${id}`)
  await leader.locator('[data-test=survey-chart-0] canvas').waitFor()
  assert.equal(await leader.locator('[data-test=survey-act-close]').count(), 0)
  await assertNoErrors(t, office)
  await assertNoErrors(t, leader)
})

// The proof of work of a public challenge, as the page's script solves it.
function solve(token, bits) {
  for (let n = 0; ; n++) {
    const h = createHash('sha256').update(`${token}:${n}`).digest()
    if (BigInt('0x' + h.toString('hex')) >> BigInt(256 - bits) === 0n) return String(n)
  }
}

test('a rectification task shows the office and the leaders its satisfaction survey so far, not the unit', async (t) => {
  // a server of its own with the public limits off: its three answers come from one address, whatever the
  // other test sent in the same minute
  const srv = await startServer(['--set', 'public_submit_per_min=0'])
  t.after(() => srv.stop())
  const api = await apiAs(srv, 'gc_office')
  // a task of the demo's 交通运输局, whose contact is gc_contact
  const task = (await (await apiAs(srv, 'gc_contact'))('GET', '/api/v1/rectifications?per_page=1')).json.tasks[0]
  assert.ok(task, 'the demo has a rectification task of gc_contact\'s unit')
  const made = await api('POST', '/api/v1/surveys', { title: '背街小巷整治满意度调查', intro: '请对整改效果打分。', mode: 'device',
    closes_on: inDays(10), rect_task_id: task.id, questions: [{ kind: 'scale', text: '您对整改效果的满意程度', required: true, scale_max: 5 }] })
  assert.equal(made.status, 201, JSON.stringify(made.json))
  assert.equal((await api('POST', `/api/v1/surveys/${made.json.id}/actions/open`, {})).status, 200)
  for (const [i, value] of [5, 4, 2].entries()) {
    const ch = await (await fetch(srv.url + '/api/v1/public/challenges', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ form: 'survey' }) })).json()
    const r = await fetch(srv.url + `/api/v1/public/surveys/${made.json.link_key}/responses`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answers: [{ question_id: made.json.questions[0].id, value }],
        challenge: ch.token, solution: solve(ch.token, ch.bits), device: `web-test-device-${i}` }) })
    assert.equal(r.status, 201, await r.text())
  }
  // the office and a leader read it on the task, with a link to the survey; the unit rectifying does not
  for (const user of ['gc_office', 'gc_principal']) {
    const page = await newPage(browser, srv)
    await loginTo(page, user, `/inspections/rectifications/${task.id}`)
    await page.locator('[data-test=rect-satisfaction]', { hasText: '满意 67%（3 份答卷，平均 3.67 / 5）' }).waitFor()
    await page.locator('[data-test=rect-satisfaction-survey]', { hasText: '背街小巷整治满意度调查（收集中）' }).waitFor()
    if (user === 'gc_office') {
      await shot(page, 'rectification-satisfaction')
      await page.click('[data-test=rect-satisfaction-survey]')
      await page.waitForURL(`**/surveys/${made.json.id}`)
    }
    await assertNoErrors(t, page)
  }
  {
    const page = await newPage(browser, srv)
    await loginTo(page, 'gc_contact', `/inspections/rectifications/${task.id}`)
    await page.locator('[data-test=rect-info]').waitFor()
    assert.equal(await page.locator('[data-test=rect-satisfaction]').count(), 0)
    await assertNoErrors(t, page)
  }
})

// A survey or an evaluation the user may not read (another county's survey; an evaluation a township is not part of):
// the page says so, with the way back, where it showed a toast that faded over an empty page and an uncaught error.
test('a survey or an evaluation the user may not read says so on its page, with the way back', async (t) => {
  for (const [user, path, failed, back] of [['ap_office', '/surveys/1', 'survey-failed', '/surveys'],
    ['gc_town', '/evaluations/1', 'eval-failed', '/evaluations']]) {
    const page = await newPage(browser, server)
    await loginTo(page, user, path)
    const notice = page.locator(`[data-test=${failed}]`)
    await notice.waitFor()
    assert.match(await notice.textContent(), /不存在|无权/)
    await notice.locator('button').click()
    await page.waitForURL(`**${back}`)
    await assertNoErrors(t, page)
  }
})
