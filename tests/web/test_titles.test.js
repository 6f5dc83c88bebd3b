// A title inside 《》 (书名号) that holds 《》 itself: the web sets it as the server's documents do (src/base/utf8.c
// utf8_inner_title, GB/T 15834; web/src/titles.js) — the inner marks become 〈〉, never 《…《…》…》. Seen where the web
// sets titles in 《》: the items linked by a leader's instruction (office app) and the praise and criticism a public
// bulletin names (public page, no sign-in).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const ok = (r, status = 200) => { assert.equal(r.status, status, JSON.stringify(r.json)); return r.json }

// an item of 古城县 led by 交通运输局, assigned
async function assigned(title) {
  const office = await apiAs(server, 'gc_office')
  const units = ok(await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).units
  const item = ok(await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: units.find((u) => u.name === '古城县交通运输局').id, due_date: inDays(40), submit: true }), 201)
  for (const [user, action] of [['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']])
    ok(await (await apiAs(server, user))('POST', `/api/v1/items/${item.id}/actions/${action}`, {}))
  return item
}

test('an instruction links its items with their titles in 《》, the inner ones as 〈〉', async (t) => {
  const item = await assigned('贯彻《古城县河道管理条例》专项整治（书名号）')
  const office = await apiAs(server, 'gc_office')
  const ins = ok(await office('POST', `/api/v1/items/${item.id}/instructions`, { leader_name: '王建国', text: '请依照《条例》抓紧办理', instructed_on: inDays(0) }), 201)
  const created = ok(await office('POST', `/api/v1/items/${item.id}/instructions/${ins.id}/items`, { title: '落实《河长制工作规定》巡河制度', lead_unit_id: item.lead_unit_id, due_date: inDays(30) }), 201)
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${item.id}`)
  const link = page.locator('[data-test=instr-new-item]')
  await link.filter({ hasText: '巡河制度' }).waitFor()
  assert.equal((await link.textContent()).trim(), `${created.number || ''}《落实〈河长制工作规定〉巡河制度》`)
  await shot(page, 'instruction-nested-title')
  await page.goto(`/items/${created.id}`)
  const from = page.locator('[data-test=instr-from] a')
  await from.filter({ hasText: '专项整治' }).waitFor()
  assert.equal((await from.textContent()).trim(), `${item.number || ''}《贯彻〈古城县河道管理条例〉专项整治（书名号）》`)
  await assertNoErrors(t, page)
})

test('a public bulletin names a praise whose title holds 《》: 〈〉 inside the 《》', async (t) => {
  const item = await assigned('《古城县城区停车管理办法》宣传落实（书名号）')
  const office = await apiAs(server, 'gc_office')
  const principal = await apiAs(server, 'gc_principal')
  const praise = ok(await office('POST', '/api/v1/results', { kind: 'praise', title: '关于落实《停车管理办法》成效突出的通报表扬', content: '宣传到位，按期完成。', unit_id: item.lead_unit_id, item_ids: [item.id] }), 201)
  ok(await office('POST', `/api/v1/results/${praise.id}/actions/submit`, {}))
  ok(await principal('POST', `/api/v1/results/${praise.id}/actions/approve`, {}))
  const issued = ok(await office('POST', `/api/v1/results/${praise.id}/actions/issue`, {}))
  const b = ok(await office('POST', '/api/v1/bulletins', { period_from: inDays(-30), period_to: inDays(0), public: true, result_ids: [praise.id] }), 201)
  ok(await office('POST', `/api/v1/bulletins/${b.id}/actions/submit`, {}))
  ok(await principal('POST', `/api/v1/bulletins/${b.id}/actions/approve`, {}))
  ok(await office('POST', `/api/v1/bulletins/${b.id}/actions/issue`, {}))
  const visitor = await newPage(browser, server, { width: 390, height: 844 })
  await visitor.goto(`/public/bulletins/${b.id}`)
  const named = visitor.locator('[data-test=pub-named]', { hasText: '成效突出' })
  await named.waitFor()
  assert.equal((await named.textContent()).trim(), `通报表扬：古城县交通运输局（${issued.number}《关于落实〈停车管理办法〉成效突出的通报表扬》）`)
  await shot(visitor, 'bulletin-public-nested-title')
  await assertNoErrors(t, visitor)
})
