// Third-party evaluation (第三方评估) in the browser: the office engages 古城县民生评估中心 for 交通运输局 and
// 住建局; the evaluator scores each unit with its findings and submits; 交通运输局 records its
// self-assessment; the office accepts and reads the side-by-side view (对表分析) with the differences marked,
// and downloads it as XLSX. Each step's person finds the engagement among their to-dos on the workbench.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays as day, PHONE, fitsThePhone } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// a minimal JPEG (the API checks evidence by its content)
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x04, 0x00, 0x00, 0xff, 0xda, 0x00, 0x02]),
  Buffer.from(Array(20).fill([0x11, 0x22, 0x33]).flat()), Buffer.from([0xff, 0xd9])])

async function confirm(page) {
  await page.click('.el-message-box__btns .el-button--primary')
  await page.locator('.el-message--success').last().waitFor()
}

async function setNumber(page, sel, value) {
  const input = page.locator(`${sel} input`)
  await input.fill(String(value))
  await input.press('Tab')
}

test('office engages, the evaluator scores, the unit self-assesses, the office accepts and reads the 对表分析', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const admin = await apiAs(server, 'admin')
  const unit = async (code) => (await admin('GET', `/api/v1/units?q=${code}&limit=50`)).json.units.find((u) => u.code === code).id
  const [jt, zj, pg] = [await unit('gc-jt'), await unit('gc-zj'), await unit('gc-pg')]
  const item = (await office('GET', '/api/v1/items?per_page=50')).json.items.find((i) => i.number).id
  const title = '城区道路改造项目第三方评估（浏览器测试）'
  const r = await office('POST', '/api/v1/evaluations', {
    title, basis: '对城区道路改造推进和整改落实情况开展独立评估。', evaluator_unit_id: pg,
    period_start: day(-30), period_end: day(0), due_date: day(14), objects: [{ kind: 'item', id: item }],
    unit_ids: [jt, zj], indicators: [{ name: '工作推进', max_score: 60 }, { name: '群众满意度', max_score: 40 }],
  })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id

  // ---- the office engages ----
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/evaluations')
  // the state filter names each state in words (the workflow's labels), never its internal name
  const filters = page.locator('[data-test=eval-states] .el-radio-button')
  await filters.filter({ hasText: '评估中' }).waitFor()
  assert.deepEqual((await filters.allTextContents()).map((s) => s.trim()), ['全部', '草稿', '评估中', '待验收', '已验收'])
  await page.locator('[data-test=eval-table] tr', { hasText: title }).click()
  await page.locator('[data-test=eval-title]', { hasText: title }).waitFor()
  // numbered in the office's series like its inspections (古督查〔2026〕2号), not 评估1
  assert.match((await page.locator('[data-test=eval-number]').textContent()).trim(), /^古督评〔\d{4}〕\d+号$/)
  await shot(page, 'evaluation-draft')
  await page.click('[data-test=eval-act-engage]')
  await confirm(page)
  await page.locator('[data-test=eval-state]', { hasText: '评估中' }).waitFor()
  await page.goto('/evaluations/new')
  await page.locator('[data-test=eval-form]').waitFor()
  await shot(page, 'evaluation-new')
  // saved blank: every required field is marked at once, and nothing is sent
  const sent = []
  page.on('request', (q) => q.method() === 'POST' && new URL(q.url()).pathname === '/api/v1/evaluations' && sent.push(q.url()))
  await page.click('[data-test=eval-f-save]')
  const marked = page.locator('[data-test=eval-form] .el-form-item.is-error')
  await marked.first().waitFor()
  assert.deepEqual(await marked.locator('.el-form-item__label').allTextContents(), ['评估名称', '评估期', '提交时限', '评估对象', '被评估单位', '评估指标'])
  assert.equal(await marked.last().locator('.el-form-item__error').textContent(), '请填写：指标名称')
  await page.fill('[data-test=eval-f-title]', '只填名称')
  await marked.nth(5).waitFor({ state: 'detached' }) // the name's mark is gone
  assert.equal(await marked.count(), 5)
  assert.deepEqual(sent, [])
  await assertNoErrors(t, page)
  await page.context().clearCookies()

  // ---- the evaluator: a to-do, the scores and findings, submit ----
  const ev = await newPage(browser, server)
  await loginOk(ev, 'gc_evaluator')
  await ev.locator('[data-test=wb-todos] tr', { hasText: title }).first().waitFor()
  await ev.goto(`/evaluations/${id}`)
  await ev.locator(`[data-test=eval-score-${jt}-0]`).waitFor()
  assert.equal(await ev.locator('[data-test=eval-self-col]').count(), 0, 'the evaluator never sees a self-assessment')
  await setNumber(ev, `[data-test=eval-score-${jt}-0]`, 42)
  await setNumber(ev, `[data-test=eval-score-${jt}-1]`, 30)
  await ev.fill(`[data-test=eval-findings-${jt}]`, '抽查8个路段，6个按期完工；施工期交通疏导不足。')
  await ev.click(`[data-test=eval-score-save-${jt}]`)
  await ev.locator('.el-message--success').last().waitFor()
  // evidence: a photo of the site (a minimal JPEG) under the unit's findings
  await ev.setInputFiles(`[data-test=eval-evidence-file-${jt}]`, { name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: JPEG })
  await ev.locator(`[data-test=eval-evidence-${jt}]`, { hasText: '现场照片.jpg' }).waitFor()
  await setNumber(ev, `[data-test=eval-score-${zj}-0]`, 50)
  await setNumber(ev, `[data-test=eval-score-${zj}-1]`, 35)
  await ev.click(`[data-test=eval-score-save-${zj}]`)
  await ev.locator('.el-message--success').last().waitFor()
  await shot(ev, 'evaluation-evaluator')
  await ev.click('[data-test=eval-act-submit]')
  await confirm(ev)
  await ev.locator('[data-test=eval-state]', { hasText: '待验收' }).waitFor()
  await assertNoErrors(t, ev)

  // ---- 交通运输局 assesses itself and sees its own line only ----
  const u = await newPage(browser, server)
  await loginOk(u, 'gc_contact')
  const todos = async (who) => (await (await apiAs(server, who))('GET', '/api/v1/todos?kind=evaluation&limit=200')).json.todos.filter((x) => x.object_id === id).map((x) => x.task)
  assert.deepEqual(await todos('gc_contact'), ['self_assess'])
  await u.goto(`/evaluations/${id}`)
  await u.locator(`[data-test=eval-self-${jt}-0]`).waitFor()
  assert.equal(await u.locator(`[data-test=eval-unit-${zj}]`).count(), 0, 'another unit is not shown')
  assert.equal(await u.locator('[data-test=eval-evaluator-col]').count(), 0, 'no evaluator score before acceptance')
  await setNumber(u, `[data-test=eval-self-${jt}-0]`, 58)
  await setNumber(u, `[data-test=eval-self-${jt}-1]`, 38)
  await u.fill(`[data-test=eval-self-note-${jt}]`, '各路段均已完工，群众反映良好。')
  await u.click(`[data-test=eval-self-save-${jt}]`)
  await u.locator('.el-message--success').last().waitFor()
  // what was saved is shown again
  await u.waitForFunction((sel) => document.querySelector(sel)?.value === '58', `[data-test=eval-self-${jt}-0] input`)
  await shot(u, 'evaluation-self')
  await assertNoErrors(t, u)

  // ---- the office accepts and reads the 对表分析 ----
  const o = await newPage(browser, server)
  await loginOk(o, 'gc_office')
  assert.deepEqual(await todos('gc_office'), ['accept'])
  await o.goto(`/evaluations/${id}`)
  // the actions are named in words (the workflow's labels), never by their internal names
  assert.equal((await o.locator('[data-test=eval-act-return]').textContent()).trim(), '退回评估结果')
  assert.equal((await o.locator('[data-test=eval-act-accept]').textContent()).trim(), '验收评估结果')
  await o.click('[data-test=eval-act-accept]')
  assert.match(await o.locator('.el-message-box__message').textContent(), /验收评估结果/)
  await confirm(o)
  await o.locator('[data-test=eval-state]', { hasText: '已验收' }).waitFor()
  await o.click('#tab-compare')
  const cmp = o.locator(`[data-test=eval-cmp-${jt}]`)
  await cmp.waitFor()
  const text = await cmp.textContent()
  assert.match(text, /差异较大/)
  assert.match(text, /\+16/, 'the self-assessment is 16 above the evaluator on 工作推进')
  assert.match(text, /抽查8个路段/)
  assert.equal(await cmp.locator('tr.flag').count(), 2, 'both indicators differ by at least 10% of full marks')
  const [dl] = await Promise.all([o.waitForEvent('download'), o.click('[data-test=eval-xlsx]')])
  assert.match(dl.suggestedFilename(), /\.xlsx$/)
  await shot(o, 'evaluation-compare')
  await assertNoErrors(t, o)
  // on a phone, a card per indicator: the evaluator's score, the unit's and the difference in reach (the table was
  // 795 px wide, 单位自评 and 差值 off the screen)
  const ph = await newPage(browser, server, PHONE)
  await loginTo(ph, 'gc_office', `/evaluations/${id}`)
  await ph.click('#tab-compare')
  await ph.locator(`[data-test=eval-cmp-${jt}] [data-test=card]`).first().waitFor()
  await fitsThePhone(ph, 'eval-cmp-table', 'card-title')
  assert.match(await ph.locator(`[data-test=eval-cmp-${jt}]`).textContent(), /第三方评分[\s\S]*单位自评[\s\S]*差值/)
  await assertNoErrors(t, ph)

  // the unit now reads the evaluator's scores of it
  await u.reload()
  await u.locator('[data-test=eval-evaluator-col]').waitFor()
})
