// Year-end target-responsibility scoring in the browser (目标责任考评), role by role: the office opens this
// year's scorecard of 古城县 (the demo's draft, drawn from the data), reads the ranking and the transport
// bureau's drill-down — every point with its rule and the item or record behind it — and adjusts a unit's
// score with a reason; in the rules it switches on a measure the 2024 rules forbid (asked to confirm, then
// warned), counts the card again (the card now carries the warning), submits; the bureau's head cannot open
// the card yet; the county head (the principal leader) approves; the office issues it and downloads the XLSX;
// the bureau's head then sees only the bureau's own row and lines. An accepted third-party evaluation of the
// bureau stands beside its total (对表分析), a dash beside the units nobody evaluated.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, fieldMarks, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

async function act(page, action, fill) {
  await page.click(`[data-test=act-${action}]`)
  const dlg = page.locator('[data-test=res-action-dialog]:visible')
  await dlg.waitFor()
  // each step says what it does and what follows (报审, 审定 and 下发 opened a dialog with a title and buttons only)
  assert.ok((await dlg.locator('.el-alert').textContent()).trim().length > 10, `${action}: its dialog says what it does`)
  if (fill) await fill(dlg)
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}
const stateIs = (page, text) => page.locator('[data-test=card-state]', { hasText: text }).waitFor()

// An accepted third-party evaluation of the transport bureau by 古城县's office over one day of the year (its
// period ends in the year whatever today is): the evaluator scores 45/60 + 30/40, the bureau assesses itself
// 55 + 38. Through the API, as the evaluation tests drive it.
async function acceptedEvaluation(server, year) {
  const as = { office: await apiAs(server, 'gc_office'), evaluator: await apiAs(server, 'gc_evaluator'), contact: await apiAs(server, 'gc_contact') }
  const unit = async (code) => (await as.office('GET', `/api/v1/units?q=${code}&limit=50`)).json.units.find((u) => u.code === code).id
  const item = (await as.office('GET', '/api/v1/items?per_page=50')).json.items.find((i) => i.number).id
  const jt = await unit('gc-jt')
  let r = await as.office('POST', '/api/v1/evaluations', {
    title: '交通运输领域专项工作第三方评估（网页测试）', basis: '委托第三方对交通运输领域专项工作开展评估。',
    evaluator_unit_id: await unit('gc-pg'), period_start: `${year}-01-01`, period_end: `${year}-01-01`, due_date: `${year + 1}-12-31`,
    objects: [{ kind: 'item', id: item }], unit_ids: [jt],
    indicators: [{ name: '工作推进', max_score: 60 }, { name: '群众满意度', max_score: 40 }] })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const { id, indicators } = r.json
  const scores = (vals) => indicators.map((ind, k) => ({ indicator_id: ind.id, score: vals[k] }))
  for (const [who, method, path, body] of [
    ['office', 'POST', `/api/v1/evaluations/${id}/actions/engage`, {}],
    ['evaluator', 'PUT', `/api/v1/evaluations/${id}/units/${jt}/scores`, { scores: scores([45, 30]), findings: '抽查点位基本整改到位。' }],
    ['contact', 'PUT', `/api/v1/evaluations/${id}/units/${jt}/self`, { scores: scores([55, 38]), note: '已全部整改。' }],
    ['evaluator', 'POST', `/api/v1/evaluations/${id}/actions/submit`, {}],
    ['office', 'POST', `/api/v1/evaluations/${id}/actions/accept`, {}]]) {
    r = await as[who](method, path, body)
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`)
  }
  return id
}

test('a scorecard: drawn from the data → adjusted → approved by the principal leader → issued → each unit its own', async (t) => {
  const year = (await (await apiAs(server, 'gc_office'))('GET', '/api/v1/scoring/rules')).json.year
  const evaluation = await acceptedEvaluation(server, year)
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-group-res]')
  await office.click('[data-test=menu-scorecards]')
  const row = office.locator('[data-test=card-table] .el-table__row', { hasText: '目标责任考评' }).first()
  await row.waitFor()
  await shot(office, 'scorecard-list')
  await row.click()
  await office.waitForURL(/\/scorecards\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await stateIs(office, '草稿')
  const asOffice = await apiAs(server, 'gc_office')
  const card = (await asOffice('GET', `/api/v1/scorecards/${id}`)).json
  // the ranking is the server's: one row per unit, in rank order
  assert.equal(await office.locator('[data-test=card-units] .el-table__row').count(), card.units.length)
  const first = await office.locator('[data-test=card-units] .el-table__row').first().textContent()
  assert.ok(first.includes(card.units[0].name), first)
  await office.locator('[data-test=card-chart] canvas').waitFor()
  // more than twenty units: the chart draws the ten highest and the ten lowest and says so under it (it left the
  // middle out silently)
  assert.ok(card.units.length > 20, String(card.units.length))
  assert.equal((await office.locator('[data-test=card-chart-part]').textContent()).trim(),
    `图中为总分最高的 10 个和最低的 10 个单位（共 ${card.units.length} 个），全部单位见下表`)
  // 对表分析: the accepted evaluations beside the bureau's total, averaged on the base — this test's and the demo's
  // mid-term one when its period ended in this year (75 days ago) — a dash elsewhere
  const tp = card.units.find((u) => u.code === 'gc-jt').third_party
  assert.ok(tp.evaluations.some((e) => e.id === evaluation), JSON.stringify(tp.evaluations))
  assert.equal(await office.locator('[data-test=card-tp-evaluator-gc-jt]').textContent(), String(tp.evaluator_score))
  assert.equal(await office.locator('[data-test=card-tp-self-gc-jt]').textContent(), String(tp.self_score))
  const none = card.units.find((u) => !u.third_party)
  assert.equal(await office.locator(`[data-test=card-tp-evaluator-${none.code}]`).textContent(), '—')
  await shot(office, 'scorecard-draft')
  await office.locator('[data-test=card-tp-evaluator-gc-jt]').scrollIntoViewIfNeeded()
  await shot(office, 'scorecard-third-party')

  // the transport bureau's drill-down: its overdue item, the criticism and the talk, each with its number
  await office.click('[data-test=card-unit-gc-jt]')
  const drawer = office.locator('[data-test=card-drawer]')
  await drawer.locator('[data-test=card-lines]').waitFor()
  const jt = card.units.find((u) => u.code === 'gc-jt')
  const detail = (await asOffice('GET', `/api/v1/scorecards/${id}/units/${jt.unit_id}`)).json
  assert.equal(await drawer.locator('[data-test=card-lines] .el-table__row').count(), detail.lines.length)
  for (const words of ['逾期未办结', '通报批评', '约谈', '国省干线公路养护专项整治']) {
    await drawer.locator('[data-test=card-lines]', { hasText: words }).waitFor()
  }
  // the criticism's point shows what the bureau did about it: the demo's criticism awaits its rectification
  const criticised = detail.lines.find((l) => l.rule === 'criticised')
  assert.equal(criticised.rectification.state, 'issued')
  await drawer.locator(`[data-test=card-line-rectify-${criticised.id}]`, { hasText: criticised.rectification.label }).waitFor()
  await drawer.locator('[data-test=card-sum]', { hasText: `= ${detail.total} 分` }).waitFor()
  await drawer.locator('[data-test=card-third-party]', { hasText: '交通运输领域专项工作第三方评估' }).waitFor()
  assert.match(await drawer.locator('[data-test=card-third-party]').textContent(), new RegExp(`第三方评估 ${tp.evaluator_score}`))
  // an adjustment needs a reason; then it is on the card
  await drawer.locator('[data-test=adj-points] input').fill('3')
  await drawer.locator('[data-test=adj-save]').click()
  const adjForm = drawer.locator('[data-test=card-adjust]')
  assert.deepEqual(await markTexts(adjForm), ['请填写：调整理由'])
  await drawer.locator('[data-test=adj-reason]').fill('S221段整改中主动投入应急抢修，经研究酌情加分（网页测试）')
  await fieldMarks(adjForm).waitFor({ state: 'detached' })
  await drawer.locator('[data-test=adj-save]').click()
  await drawer.locator('[data-test=card-adjustment]', { hasText: '应急抢修' }).waitFor()
  await drawer.locator('[data-test=card-sum]', { hasText: `= ${detail.total + 3} 分` }).waitFor()
  await shot(office, 'scorecard-unit')
  await office.keyboard.press('Escape')
  await assertNoErrors(t, office)

  // the rules: a forbidden measure switched on asks first, then is flagged
  await office.goto('/scorecards/rules')
  await office.locator('[data-test=rules-table]').waitFor()
  await office.locator('[data-test=rules-table] .el-table__row', { hasText: '召开会议' }).locator('.el-switch').click()
  await office.click('[data-test=rules-save]')
  await office.locator('.el-message-box', { hasText: '不得作为工作考核依据' }).waitFor()
  await office.click('.el-message-box__btns .el-button--primary')
  await office.locator('[data-test=rules-warning]', { hasText: '召开会议' }).waitFor()
  await office.locator('[data-test=rules-warning]').first().scrollIntoViewIfNeeded()
  await shot(office, 'score-rules')
  const audit = (await asOffice('GET', '/api/v1/audit?limit=20')).json.records
  assert.ok(audit.some((a) => a.action === 'scoring.forbidden_on'), 'the switch is audited')

  // counted again under the new rules: the card carries the warning
  await office.goto(`/scorecards/${id}`)
  await office.click('[data-test=card-refresh]')
  await office.locator('[data-test=card-warning]', { hasText: '召开会议' }).waitFor()
  await act(office, 'submit')
  await stateIs(office, '待主要领导审定')

  // the bureau's head cannot open the card before it is issued
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/scorecards/${id}`)
  await head.locator('[data-test=card-failed]').waitFor()

  // the county head approves; the office issues and downloads the workbook
  const principal = await newPage(browser, server)
  await loginTo(principal, 'gc_principal', `/scorecards/${id}`)
  await stateIs(principal, '待主要领导审定')
  await shot(principal, 'scorecard-approval')
  await act(principal, 'approve')
  await stateIs(principal, '已审定待下发')
  await office.reload()
  await act(office, 'issue')
  await stateIs(office, '已下发')
  const [xlsx] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=card-xlsx]')])
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
  await assertNoErrors(t, principal)

  // the bureau's head now sees its own row only, and its lines open at once
  await head.goto(`/scorecards/${id}`)
  await stateIs(head, '已下发')
  assert.equal(await head.locator('[data-test=card-units] .el-table__row').count(), 1)
  await head.locator('[data-test=card-units]', { hasText: '交通运输局' }).waitFor()
  await head.locator('[data-test=card-drawer] [data-test=card-lines]', { hasText: '通报批评' }).waitFor()
  await head.locator('[data-test=card-drawer] [data-test=card-third-party]', { hasText: '交通运输领域专项工作第三方评估' }).waitFor()
  assert.equal(await head.locator('[data-test=card-drawer] [data-test=adj-save]').count(), 0)
  await shot(head, 'scorecard-unit-view')
  await assertNoErrors(t, head)
})

test('statistics: the county head reads the months and the quarters with the units, and downloads the workbook', async (t) => {
  const principal = await newPage(browser, server)
  await loginOk(principal, 'gc_principal')
  await principal.click('[data-test=menu-group-res]')
  await principal.click('[data-test=menu-statistics]')
  await principal.locator('[data-test=st-chart] canvas').waitFor()
  const asPrincipal = await apiAs(server, 'gc_principal')
  const s = (await asPrincipal('GET', '/api/v1/statistics')).json
  assert.equal(await principal.locator('[data-test=st-periods] .el-table__row').count(), s.periods.length)
  assert.equal(await principal.locator('[data-test=st-units] .el-table__row').count(), s.units.length)
  const totals = await principal.locator('[data-test=st-totals] .num').allTextContents()
  assert.deepEqual(totals.slice(0, 3), [s.totals.registered, s.totals.completed, s.totals.completed_on_time].map(String))
  await shot(principal, 'statistics')
  await principal.locator('[data-test=st-period] label', { hasText: '按季度' }).click()
  await principal.locator('[data-test=st-periods] .el-table__row', { hasText: '季度' }).first().waitFor()
  const [xlsx] = await Promise.all([principal.waitForEvent('download'), principal.click('[data-test=st-xlsx]')])
  assert.match(xlsx.suggestedFilename(), /督查督办统计\.xlsx$/)
  await assertNoErrors(t, principal)
  // the bureau's head has no such page, and the server refuses the figures
  const head = await newPage(browser, server)
  await loginOk(head, 'gc_head')
  assert.equal(await head.locator('[data-test=menu-statistics]').count(), 0)
  assert.equal((await (await apiAs(server, 'gc_head'))('GET', '/api/v1/statistics')).status, 403)
})
