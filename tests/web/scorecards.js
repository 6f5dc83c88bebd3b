// The scorecard tests' shared setup (test_scoring_objections, test_scoring_phone): the demo's draft scorecard of
// 古城县 of this year, counted again and issued through the API; the transport bureau's largest deduction on it;
// and the office's objection to-do about an objection raised on that card (the demo holds another objection, to
// last year's card, so the tests take the one on their own card).
import assert from 'node:assert/strict'
import { apiAs } from './helper.js'

// {asOffice, asHead, card, unitId, before (the bureau's card as its head sees it), line (its largest deduction)}
export async function issuedDemoCard(server) {
  const asOffice = await apiAs(server, 'gc_office')
  const asPrincipal = await apiAs(server, 'gc_principal')
  const asHead = await apiAs(server, 'gc_head')
  const year = (await asOffice('GET', '/api/v1/scoring/rules')).json.year
  const card = (await asOffice('GET', `/api/v1/scorecards?year=${year}`)).json.scorecards.find((c) => c.state === 'draft')
  assert.ok(card, 'the demo has a draft scorecard of this year')
  assert.equal((await asOffice('PATCH', `/api/v1/scorecards/${card.id}`, { refresh: true })).status, 200)
  for (const [as, action] of [[asOffice, 'submit'], [asPrincipal, 'approve'], [asOffice, 'issue']]) {
    const r = await as('POST', `/api/v1/scorecards/${card.id}/actions/${action}`, {})
    assert.equal(r.status, 200, JSON.stringify(r.json))
  }
  const unitId = (await asHead('GET', `/api/v1/scorecards/${card.id}`)).json.units[0].unit_id
  const before = (await asHead('GET', `/api/v1/scorecards/${card.id}/units/${unitId}`)).json
  assert.equal(before.may_object, true)
  const line = before.lines.filter((l) => l.points < 0).sort((a, b) => a.points - b.points)[0]
  assert.ok(line, 'the bureau has a deduction')
  return { asOffice, asHead, card, unitId, before, line }
}

// The office's to-dos about the objections raised on the card (the card's own objections' ids first).
export async function objectionTodos(asOffice, cardId) {
  const mine = (await asOffice('GET', `/api/v1/objections?scorecard_id=${cardId}`)).json.objections.map((o) => o.id)
  const todos = (await asOffice('GET', '/api/v1/todos?kind=objection&limit=200')).json.todos
  return todos.filter((t) => mine.includes(t.object_id))
}
