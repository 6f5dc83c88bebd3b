// The leader in charge (分管领导) at registration (#15): choosing the lead unit proposes the leader whose
// portfolio covers it; the clerk may pick another; the item page and the ledger show the choice.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, pick, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })


test('the lead unit proposes its leader in charge, shown on the item and in the ledger', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.click('[data-test=menu-item-new]')
  await page.fill('[data-test=new-title]', '城区停车设施建设（分管领导建议）')
  const leader = page.locator('[data-test=new-leader]')
  await pick(page, page.locator('[data-test=new-lead]'), '交通运输局', '古城县交通运输局')
  await page.locator('[data-test=new-leader-proposed]', { hasText: '按分管领域建议：李明' }).waitFor()
  await leader.locator('.el-select__selected-item', { hasText: '李明' }).waitFor()
  // the list shows every leader with their portfolio, the covering one marked
  await leader.locator('.el-select__wrapper').click()
  const opt = page.locator('.el-select-dropdown__item', { hasText: '李明' })
  await opt.waitFor()
  assert.match(await opt.textContent(), /分管.*古城县交通运输局/)
  await page.locator('.el-select-dropdown__item', { hasText: '王建国' }).waitFor()
  await shot(page, 'item-new-leader')
  await page.keyboard.press('Escape')
  const due = page.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  await due.fill(inDays(30))
  await due.press('Enter')
  await page.keyboard.press('Escape')
  await page.click('[data-test=new-submit]')
  await page.waitForURL(/\/items\/\d+$/)
  await page.locator('.k', { hasText: '分管领导' }).locator('xpath=following-sibling::span[1]', { hasText: '李明' }).waitFor()
  await page.goto('/items?q=' + encodeURIComponent('停车设施建设'))
  await page.locator('[data-test=ledger-table] .el-table__row', { hasText: '停车设施建设' }).locator('td', { hasText: '李明' }).waitFor()
  await assertNoErrors(t, page)
})
