// Accountability proposals (问责建议) and referrals (移送: to the 监察机关 or to judicial organs) in the browser (issue 12;
// 条例 Arts. 19–21, 23): the office drafts each on the form resting on the transport bureau's item, the county head
// (the principal leader) approves it on its page, the office issues it; the bureau's head gets no page for it until it
// is issued, then reads it with the body it went to. An error tolerance decision (容错认定) the same way, on an item
// the bureau's scorecard deducts for: once issued (not when only approved) the card counted again waives them.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors } from './helper.js'
import { startDraft, act, stateIs } from './results.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const ITEM = '县城公交站亭改造提升'

for (const [kind, title, fill, words] of [
  ['accountability', '关于对县交通运输局相关责任人问责的建议', async (p) => p.fill('[data-test=res-recipient]', '县纪委监委'), '县纪委监委'],
  ['referral', '关于将县城公交站亭改造中问题线索移送监察机关的决定', async (p) => {
    await p.locator('[data-test=res-referral-to] .el-radio', { hasText: '监察机关' }).click()
  }, '监察机关'],
]) {
  test(`${kind}: drafted by the office, approved by the principal leader, seen by the unit only once issued`, async (t) => {
    const office = await newPage(browser, server)
    await loginOk(office, 'gc_office')
    await startDraft(office, kind, title, '县城公交站亭改造提升进度严重滞后，经督查核实存在履职不力问题。')
    await fill(office)
    await pick(office, office.locator('[data-test=res-items]'), '公交站亭', ITEM)
    await office.locator('.el-form-item__label', { hasText: '标题' }).click() // closes the list
    await office.click('[data-test=res-save]')
    await office.waitForURL(/\/results\/\d+$/)
    const id = Number(office.url().split('/').pop())
    await stateIs(office, '草稿')
    await act(office, 'submit')
    await stateIs(office, '待主要领导审批')
    const unitApi = await apiAs(server, 'gc_head')
    const head = await newPage(browser, server)
    await loginOk(head, 'gc_head')
    const unitSees = async () => {
      await head.goto(`/results/${id}`)
      return (await head.locator('[data-test=res-failed], [data-test=res-state]').first().getAttribute('data-test')) === 'res-state'
    }
    assert.equal(await unitSees(), false, 'pending: the unit has no page')
    assert.equal((await unitApi('GET', `/api/v1/results/${id}`)).status, 404)
    // only the principal leader approves: the office has no approve action
    assert.equal(await office.locator('[data-test=act-approve]').count(), 0)
    const principal = await newPage(browser, server)
    await loginTo(principal, 'gc_principal', `/results/${id}`)
    await principal.locator('[data-test=res-links]', { hasText: ITEM }).waitFor()
    await act(principal, 'approve')
    await stateIs(principal, '已批准待印发')
    await shot(principal, `result-${kind}-approved`)
    assert.equal(await unitSees(), false, 'approved, not issued: still no page')
    await office.reload()
    await act(office, 'issue')
    await stateIs(office, '已印发')
    assert.equal(await unitSees(), true, 'issued: the unit reads it')
    await head.locator('body', { hasText: words }).waitFor()
    await head.locator('body', { hasText: title }).waitFor()
    await shot(head, `result-${kind}-unit`)
    const r = (await unitApi('GET', `/api/v1/results/${id}`)).json
    assert.equal(r.state, 'issued')
    assert.ok(kind === 'referral' ? r.referral_to === 'supervision' : r.recipient === '县纪委监委', JSON.stringify(r))
    await assertNoErrors(t, office)
    await assertNoErrors(t, principal)
    await assertNoErrors(t, head)
  })
}

// 容错认定: the same loop, on an item the bureau's card deducts for; the year's scorecard then waives those deductions
test('tolerance: approved and issued, the unit sees it only then, and the scorecard waives the item\'s deductions', async (t) => {
  const api = await apiAs(server, 'gc_office')
  const unitApi = await apiAs(server, 'gc_head')
  const year = (await api('GET', '/api/v1/scoring/rules')).json.year
  const card = (await api('GET', `/api/v1/scorecards?year=${year}`)).json.scorecards.find((c) => c.state === 'draft')
  assert.ok(card, 'the demo has a draft scorecard of this year')
  const unitId = (await api('GET', `/api/v1/units?q=gc-jt&limit=5`)).json.units.find((u) => u.code === 'gc-jt').id
  const deductions = async (itemId) => {
    assert.equal((await api('PATCH', `/api/v1/scorecards/${card.id}`, { refresh: true })).status, 200)
    const d = (await api('GET', `/api/v1/scorecards/${card.id}/units/${unitId}`)).json
    return d.lines.filter((l) => l.item_id && (itemId === undefined || l.item_id === itemId) && l.rule_points < 0)
  }
  const before = await deductions()
  assert.ok(before.length > 0, 'the bureau has an item with deductions')
  const itemId = before[0].item_id
  assert.ok(before.filter((l) => l.item_id === itemId).every((l) => l.points < 0 && !l.waived_by))
  const item = (await api('GET', `/api/v1/items/${itemId}`)).json
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  const title = `关于县交通运输局${item.title}逾期问题的容错认定`
  await startDraft(office, 'tolerance', title, '因上级调整设计标准导致工期延误，符合容错情形。')
  await pick(office, office.locator('[data-test=res-items]'), item.title.slice(0, 4), item.title)
  await office.locator('.el-form-item__label', { hasText: '标题' }).click()
  await office.click('[data-test=res-save]')
  await office.waitForURL(/\/results\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await act(office, 'submit')
  await stateIs(office, '待主要领导审批')
  assert.equal((await unitApi('GET', `/api/v1/results/${id}`)).status, 404)
  const principal = await newPage(browser, server)
  await loginTo(principal, 'gc_principal', `/results/${id}`)
  await act(principal, 'approve')
  await stateIs(principal, '已批准待印发')
  assert.equal((await unitApi('GET', `/api/v1/results/${id}`)).status, 404)
  // approved but not issued: the card still deducts
  assert.ok((await deductions(itemId)).every((l) => l.points < 0 && !l.waived_by))
  await office.reload()
  await act(office, 'issue')
  await stateIs(office, '已印发')
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/results/${id}`)
  await stateIs(head, '已印发')
  await head.locator('body', { hasText: title }).waitFor()
  // the scoring honours it: counted again, the item's deductions are waived by this decision
  const after = await deductions(itemId)
  assert.ok(after.length > 0)
  for (const l of after) assert.ok(l.waived_by?.id === id && l.points === 0, JSON.stringify(l))
  await office.goto(`/scorecards/${card.id}`)
  await shot(office, 'result-tolerance-scorecard')
  await assertNoErrors(t, head)
})

// 政策建议 (辅政建言, Gu County): the rural-road inspection of two townships found the transport bureau's funding rules
// unsuitable; the office proposes their revision to the bureau — not a unit inspected —, the principal leader
// approves, the office issues it (古督建〔年〕n号), the bureau reads it, and the office records what the bureau adjusted
test('policy advice: resting on an inspection of other units, approved, issued to the bureau, its adoption recorded', async (t) => {
  const title = '关于修订《古城县农村公路养护资金管理办法》的建议'
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.goto('/results/new')
  await office.click('[data-test=res-kind-advice]')
  assert.match(await office.locator('[data-test=res-content]').getAttribute('placeholder'), /规范性文件或政策措施/)
  await startDraft(office, 'advice', title, '督查发现该办法按里程平均分配养护资金，与路况等级脱节，建议按路况评定结果分档拨付。')
  // the inspections offered are the government's, not only the bureau's: 农村公路养护专项督查 inspected two townships
  await office.locator('[data-test=res-inspections] .el-select').click()
  await office.locator('.el-select-dropdown__item:visible', { hasText: '农村公路养护专项督查' }).click()
  await office.locator('.el-form-item__label', { hasText: '标题' }).click()
  await shot(office, 'result-advice-draft')
  await office.click('[data-test=res-save]')
  await office.waitForURL(/\/results\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await office.locator('[data-test=res-links]', { hasText: '农村公路养护专项督查' }).waitFor()
  await act(office, 'submit')
  await stateIs(office, '待主要领导审批')
  const unitApi = await apiAs(server, 'gc_head')
  assert.equal((await unitApi('GET', `/api/v1/results/${id}`)).status, 404, 'not the bureau\'s to read before the issue')
  const principal = await newPage(browser, server)
  await loginTo(principal, 'gc_principal', `/results/${id}`)
  await act(principal, 'approve')
  await stateIs(principal, '已批准待印发')
  await office.reload()
  await act(office, 'issue')
  await stateIs(office, '已印发')
  assert.match(await office.locator('[data-test=res-number]').textContent(), /^古督建〔\d{4}〕\d+号$/)
  const head = await newPage(browser, server)
  await loginTo(head, 'gc_head', `/results/${id}`)
  await stateIs(head, '已印发')
  await head.locator('[data-test=res-title]', { hasText: title }).waitFor()
  assert.equal(await head.locator('[data-test=act-follow_up]').count(), 0, 'the office records the outcome, not the bureau')
  // the office records the bureau's adoption: the text is required, marked when left out
  await office.click('[data-test=act-follow_up]')
  const dlg = office.locator('[data-test=res-action-dialog]:visible')
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.locator('.el-form-item__error', { hasText: '请填写' }).waitFor()
  await dlg.locator('[data-test=act-text]').fill('县交通运输局已采纳，修订后的办法自2027年1月1日起施行，按路况等级分档拨付。')
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
  await stateIs(office, '已办结')
  await office.locator('[data-test=res-follow-up]', { hasText: '已采纳' }).waitFor()
  await shot(office, 'result-advice-closed')
  await assertNoErrors(t, office)
  await assertNoErrors(t, principal)
  await assertNoErrors(t, head)
})
