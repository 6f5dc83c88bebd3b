// Events out (推送) administration (issue #17): the county administrator registers another system's
// endpoint for chosen events (grouped by object: items, inspections, rectification, results, bulletins,
// clues), sees the secret once, tests it against a real receiver on loopback, reads the deliveries,
// pauses it; a bad address is refused with the server's words; another county does not see it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { startServer, startBrowser, newPage, loginOk, shot, toast, apiAs, assertNoErrors } from './helper.js'

let server, browser, receiver
const got = []
before(async () => {
  // http:// to loopback only with the explicit switch (tests); fast passes
  Object.assign(process.env, { DUCHA_WEBHOOK_ALLOW_HTTP: 'true', DUCHA_WEBHOOK_RETRY_S: '1', DUCHA_SCHEDULER_INTERVAL_S: '1' })
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => { got.push({ headers: req.headers, body: JSON.parse(body) }); res.end('ok') })
  })
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
  server = await startServer()
  browser = await startBrowser()
})
after(async () => { await browser?.close(); await server?.stop(); receiver?.close() })

const until = async (pred, ms = 20000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await pred()) return true
  return pred()
}

test('the administrator registers an endpoint, tests it, reads its deliveries and pauses it', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_admin')
  await page.click('[data-test=menu-webhooks]')
  await page.waitForURL('**/admin/webhooks')
  await page.getByText('还没有登记推送地址').waitFor()
  await page.click('[data-test=webhook-new]')
  const dlg = page.locator('[data-test=webhook-dialog]')
  await dlg.locator('.gname').first().waitFor()
  // every object's events are offered, in words
  assert.deepEqual((await dlg.locator('.gname').allTextContents()).map((s) => s.trim()), ['督办事项', '督查', '整改任务', '结果运用', '督查通报', '目标责任考评', '线索'])
  await dlg.locator('[data-test=webhook-name]').fill('古城县协同办公系统')
  // refused: not https (the server's words, nothing registered)
  await dlg.locator('[data-test=webhook-url]').fill('ftp://oa.gucheng.gov.cn/in')
  await dlg.locator('[data-test=event-item\\.assigned]').click()
  await page.click('[data-test=webhook-save]')
  assert.match(await toast(page, 'error', /https/), /推送地址必须以 https:\/\/ 开头/)
  // the whole inspection group and one item event
  await dlg.locator('[data-test=webhook-url]').fill(`http://127.0.0.1:${receiver.address().port}/ducha`)
  await dlg.locator('.gname', { hasText: /^督查$/ }).click()
  await shot(page, 'webhook-new')
  await page.click('[data-test=webhook-save]')
  assert.match(await toast(page, 'success', /推送地址已登记/), /推送地址已登记/)
  const secret = (await page.locator('[data-test=webhook-secret] code').textContent()).trim()
  assert.match(secret, /^whsec_/)
  const api = await apiAs(server, 'gc_admin')
  const [w] = (await api('GET', '/api/v1/webhooks')).json.webhooks
  assert.equal(w.name, '古城县协同办公系统')
  assert.deepEqual(w.events.sort(), ['inspection.closed', 'inspection.concluded', 'inspection.conclusion_received',
    'inspection.findings_issued', 'inspection.opened', 'inspection.scheme_approved', 'inspection.started',
    'inspection.withdrawn', 'item.assigned'])
  assert.ok(!JSON.stringify(w).includes(secret), 'the list never carries the secret')

  // a test delivery reaches the receiver, signed; the deliveries show it sent
  await page.click(`[data-test=webhook-ping-${w.id}]`)
  assert.match(await toast(page, 'success', /测试推送已排队/), /测试推送已排队/)
  assert.ok(await until(() => got.some((g) => g.body.event === 'webhook.ping')), 'the receiver got the ping')
  const ping = got.find((g) => g.body.event === 'webhook.ping')
  assert.match(ping.headers['x-ducha-signature'], /^hmac-sm3=[0-9a-f]{64}$/)
  await page.click(`[data-test=webhook-deliveries-${w.id}]`)
  const dv = page.locator('[data-test=deliveries-dialog]')
  assert.ok(await until(async () => {
    await dv.getByRole('button', { name: '刷新' }).click()
    await page.waitForLoadState('networkidle')
    return (await dv.locator('[data-test=delivery-state]').allTextContents()).includes('已送达')
  }), 'the delivery is shown sent')
  assert.match(await dv.locator('[data-test=delivery-table] .el-table__row').first().textContent(), /测试推送/)
  await shot(page, 'webhook-deliveries')
  await page.keyboard.press('Escape')

  // paused: shown so; the other county's administrator does not see the endpoint
  await page.locator('[data-test=webhook-table] .el-table__row').first().getByRole('button', { name: '暂停' }).click()
  assert.match(await toast(page, 'success', /已暂停推送/), /已暂停推送/)
  await page.locator('[data-test=webhook-table] .el-table__row', { hasText: '已暂停' }).waitFor()
  assert.equal((await api('GET', `/api/v1/webhooks/${w.id}`)).json.active, false)
  await shot(page, 'webhooks')
  const ap = await apiAs(server, 'ap_admin')
  assert.deepEqual((await ap('GET', '/api/v1/webhooks')).json.webhooks, [])
  await assertNoErrors(t, page)
})
