// The demo's field photos are pictures a browser draws (they were a few hundred bytes of fake JPEG that showed
// as a broken image): the office opens the school-canteen inspection's field work and sees 二中食堂留样冰箱.jpg
// drawn, as kept for the team (its Exif position shown beside it) and as the copy without location that is
// served outside the team.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the demo field photo is drawn, as kept and without location', async (t) => {
  const api = await apiAs(server, 'gc_office')
  const list = await api('GET', '/api/v1/inspections?per_page=200')
  assert.equal(list.status, 200)
  let insp, photo
  for (const it of list.json.inspections) {
    const ev = await api('GET', `/api/v1/inspections/${it.id}/evidence`)
    photo = ev.status === 200 && ev.json.evidence.find((e) => e.filename === '二中食堂留样冰箱.jpg')
    if (photo) { insp = it; break }
  }
  assert.ok(photo, 'the demo has the canteen inspection with its field photo')
  assert.equal(photo.content_type, 'image/jpeg')

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', `/inspections/${insp.id}?tab=field`)
  const card = office.locator('[data-test=insp-evidence]', { hasText: '二中食堂留样冰箱.jpg' })
  await card.waitFor()
  // the position read from its Exif: the field record's (35.623, 111.361)
  await card.locator('.muted', { hasText: '35.6230, 111.3610' }).waitFor()
  const img = card.locator('img')
  await img.evaluate((el) => el.decode())
  const drawn = await img.evaluate((el) => ({ complete: el.complete, w: el.naturalWidth, h: el.naturalHeight }))
  assert.deepEqual(drawn, { complete: true, w: 480, h: 360 })
  // the copy without location decodes too (loaded with the office's session)
  const clean = await office.evaluate(async (url) => {
    const im = new Image()
    im.src = url
    await im.decode()
    return { w: im.naturalWidth, h: im.naturalHeight }
  }, photo.clean_url)
  assert.deepEqual(clean, { w: 480, h: 360 })
  await shot(office, 'demo-photo')
  await assertNoErrors(t, office)
})
