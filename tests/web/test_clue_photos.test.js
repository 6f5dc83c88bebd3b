// The photos of a public clue are stored without their location after the answer (the photo worker): the office
// sees "处理中" in a photo's place until the worker has stored it, then the picture, without reloading the page;
// a photo that is no image is shown as not accepted, with its reason, and the clue is kept; the clue converted into
// an item while its photos wait gives the item the photo once stored. The worker is held by the test hook
// test_hold_photos (with the test clock) until the office has seen the photos waiting and converted the clue.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { startServer, startBrowser, newPage, loginOk, shot, assertNoErrors, PHONE } from './helper.js'
import { assertStoredWithoutCamera, convertToItem, fillClue, photoWithLocation } from './clues.js'

let server, browser
before(async () => { server = await startServer(['--test-clock']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// writes (value null: deletes) a row of the server's settings table, as tests/api/conftest.py's put_setting does
function setting(key, value) {
  execFileSync('/usr/bin/python3', ['-c', `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=60)
if sys.argv[3] == "-":
    con.execute("DELETE FROM settings WHERE key = ?", (sys.argv[2],))
else:
    con.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (sys.argv[2], sys.argv[3]))
con.commit()
`, server.db, key, value ?? '-'])
}

test('the office sees a photo 处理中 until it is stored, then the picture; a broken one with its reason', async (t) => {
  setting('test_hold_photos', '1')
  const phone = await newPage(browser, server, PHONE)
  await phone.goto('/p/clue')
  await phone.locator('[data-test=pub-form]').waitFor()
  await fillClue(phone, '安全生产', '照片队列街口', '照片队列街口的路灯杆倾斜，底座松动，刮风时摇晃，行人经过很危险。')
  await phone.setInputFiles('[data-test=pub-photos]', [
    { name: '现场.jpg', mimeType: 'image/jpeg', buffer: readFileSync(photoWithLocation('clue-photo-queued.jpg', [60, 120, 170])) },
    { name: '坏照片.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200)]) },
  ])
  await phone.click('[data-test=pub-submit]')
  await phone.locator('[data-test=pub-done]').waitFor({ timeout: 60000 })
  const number = (await phone.locator('[data-test=pub-done]').textContent()).match(/古线〔\d{4}〕\d+号/)[0]

  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-clues]')
  await office.locator('[data-test=clue-table] .el-table__row', { hasText: number }).click()
  await office.locator('[data-test=clue-state]').waitFor()
  const photos = office.locator('[data-test=clue-photos]')
  assert.equal(await photos.locator('[data-test=clue-photo-pending]').count(), 2)
  assert.equal(await photos.locator('img').count(), 0, 'a photo as it was sent is never shown')
  assert.match(await photos.textContent(), /处理中/)
  await shot(office, 'clue-photos-pending')
  const clueUrl = office.url()
  // converted into an item meanwhile: the dialog says the photos follow; the item has none yet
  const itemId = await convertToItem(office, number, '照片队列街口路灯杆加固', async (dlg) => {
    await dlg.locator('[data-test=clue-f-photos-later]', { hasText: '处理完成后将自动附到督办事项' }).waitFor()
    await shot(office, 'clue-convert-photos-later')
  })
  await office.locator('.panel-title', { hasText: '附件材料（0）' }).waitFor()
  const atts = office.locator('.att-row')
  assert.equal(await atts.count(), 0)
  await office.goto(clueUrl)
  // the worker goes on (its next pass within 5 s); the page reads the photos' states again by itself
  setting('test_hold_photos', null)
  await photos.locator('img').first().waitFor({ timeout: 30000 })
  await photos.locator('[data-test=clue-photo-rejected]', { hasText: '照片未被接收：照片已损坏或不完整' }).waitFor()
  assert.equal(await photos.locator('[data-test=clue-photo-pending]').count(), 0)
  await shot(office, 'clue-photos-settled')
  await assertStoredWithoutCamera(office)
  // the item was given the photo once stored (not the rejected one), as 线索照片1.jpg
  await office.goto(`/items/${itemId}`)
  await atts.first().waitFor()
  assert.deepEqual((await atts.locator('a').allTextContents()).map((x) => x.trim()), ['线索照片1.jpg'])
  assert.match(await atts.first().textContent(), /· 系统/) // attached by the worker, not by a person
  await shot(office, 'clue-item-photo-attached')
  await assertNoErrors(t, office)
})
