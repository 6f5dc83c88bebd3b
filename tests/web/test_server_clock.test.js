// The app's "today" is the server's: on a server whose clock (the test clock here; in life, a computer whose
// own clock is wrong) stands on Monday 2027-03-15, the workbench says so, whatever this computer's date is;
// the session answer carries the server's "now".
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(['--test-clock']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the workbench shows the server\'s date, not the browser\'s', async (t) => {
  const admin = await apiAs(server, 'admin')
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: '2027-03-15T09:30:00+08:00' })).status, 200)
  const office = await apiAs(server, 'gc_office')
  const s = await office('GET', '/api/v1/session')
  assert.equal(s.status, 200)
  assert.match(s.json.now, /^2027-03-15T01:3\d:\d\dZ$/) // the test clock runs on from where it was set
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  const line = page.getByText(/^今天是 /)
  await line.waitFor()
  assert.equal((await line.textContent()).trim(), '今天是 2027年3月15日 星期一')
  assert.match(await page.locator('.wb .big').textContent(), /^上午好/)
  await shot(page, 'server-clock-workbench')
  await assertNoErrors(t, page)
})
