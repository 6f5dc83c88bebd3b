// A success message (toast) is shown once the page shows what the action did (web/src/toast.js): it used to be
// shown over the old page — before the page re-rendered the saved bulletin, before the new draft's page opened —
// and its seconds ran out while the page fetched and redrew (test_bulletin_levels' 已保存 vanished at once). Each
// message's moment is caught where Element Plus appends it (Node.appendChild): what the page showed then.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// records, for each message appended, its text, the path and the bulletin page's levels and state at that moment
async function watchMessages(page) {
  await page.evaluate(() => {
    window.shown = []
    const append = Node.prototype.appendChild
    Node.prototype.appendChild = function (n) {
      if (n?.classList?.contains('el-message')) {
        window.shown.push({ text: n.textContent.trim(), path: location.pathname,
          levels: document.querySelector('[data-test=bul-levels]')?.textContent.trim() ?? null,
          state: document.querySelector('[data-test=bul-state]')?.textContent.trim() ?? null })
      }
      return append.call(this, n)
    }
  })
}
const shownAs = async (page, re) => (await page.evaluate(() => window.shown)).filter((m) => re.test(m.text))

test('the message of a save appears over the page re-rendered with what was saved', async (t) => {
  const asOffice = await apiAs(server, 'lc_office')
  const proposed = (await asOffice('GET', '/api/v1/bulletins')).json.proposed_period
  const b = await asOffice('POST', '/api/v1/bulletins', { period_from: proposed.from, period_to: proposed.to })
  assert.equal(b.status, 201)
  const office = await newPage(browser, server)
  await loginTo(office, 'lc_office', `/bulletins/${b.json.id}`)
  await office.locator('[data-test=bul-levels]', { hasText: '本级' }).waitFor()
  await watchMessages(office)
  await office.locator('[data-test=bul-w-levels-below]').click()
  await office.click('[data-test=bul-save]')
  await toast(office, 'success', /已保存/)
  const [saved] = await shownAs(office, /已保存/)
  assert.equal(saved.levels, '本级及下级', 'the page showed the counted-again bulletin when the message appeared')
  await office.locator('.el-message--success', { hasText: '已保存' }).waitFor()
  await shot(office, 'toast-after-save')
  await assertNoErrors(t, office)
})

test('the message of a new draft appears on the draft\'s own page', async (t) => {
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/bulletins')
  await office.locator('[data-test=bul-table]').waitFor()
  await watchMessages(office)
  await office.click('[data-test=bul-new]')
  const dlg = office.locator('[data-test=bul-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=bul-create]').click()
  await office.waitForURL(/\/bulletins\/\d+$/)
  await toast(office, 'success', /草稿已生成/)
  const [drafted] = await shownAs(office, /草稿已生成/)
  assert.equal(drafted.path, new URL(office.url()).pathname, 'shown on the new page, not the list')
  assert.equal(drafted.state, '草稿', 'the draft was on screen')
  await shot(office, 'toast-after-navigation')
  await assertNoErrors(t, office)
})
