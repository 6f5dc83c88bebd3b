// The clue tests' shared setup (test_clues, test_clue_photos): a phone camera's photo (a JPEG that names the
// camera and carries a GPS location in its Exif), the public form filled on a phone, and the check that the office's
// page shows a photo as stored (without the camera's name); the office's actions on a clue's page.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { ARTIFACTS, choose, inDays, pick } from './helper.js'

// the photo's path under the artifacts (name: its file name there; rgb: its colour, so that two differ)
export function photoWithLocation(name, rgb) {
  const path = join(ARTIFACTS, name)
  execFileSync('/usr/bin/python3', ['-c', `
from PIL import Image
img = Image.new("RGB", (320, 240), tuple(${JSON.stringify(rgb)}))
ex = Image.Exif()
ex[0x010F] = "ZhenPhone"
ex[0x8825] = {1: "N", 2: (36.0, 12.0, 30.5), 3: "E", 4: (111.0, 40.0, 10.0)}
img.save(${JSON.stringify(path)}, "JPEG", exif=ex.tobytes())
`])
  return path
}

// the form of /p/clue, open on the page: the category (its label), area 城关镇, the place (null: left empty) and
// the description
export async function fillClue(page, category, place, description) {
  await page.locator('[data-test=pub-category] label', { hasText: category }).click()
  await choose(page, '[data-test=pub-area]', '城关镇')
  if (place !== null) await page.fill('[data-test=pub-place]', place)
  await page.fill('[data-test=pub-description]', description)
}

// the first picture of the office's clue page, as the page fetches it, no longer names the camera
export async function assertStoredWithoutCamera(page) {
  const src = await page.locator('[data-test=clue-photos] img').first().getAttribute('src')
  const stored = await page.evaluate(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer()).join(','), src)
  assert.ok(!Buffer.from(stored.split(',').map(Number)).includes('ZhenPhone'), 'the stored photo still names the camera')
}

// an action of the office's clue page through its dialog: fill(dlg) fills it in before it is sent
export async function act(page, action, fill) {
  await page.click(`[data-test=clue-act-${action}]`)
  const dlg = page.locator('[data-test=clue-dialog]')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await page.click('[data-test=clue-f-submit]')
  await dlg.waitFor({ state: 'hidden' })
}

// the clue numbered `number`, to be sorted, converted into an item `title` led by 住房和城乡建设局 in 30 days;
// check(dlg), when given, looks at the dialog first. The item's id (the office is left on its page).
export async function convertToItem(office, number, title, check) {
  await office.goto('/clues')
  const row = office.locator('[data-test=clue-table] .el-table__row', { hasText: number })
  await row.waitFor()
  await row.click()
  await office.locator('[data-test=clue-state]', { hasText: '待分拣' }).waitFor()
  await act(office, 'convert_item', async (dlg) => {
    if (check) await check(dlg)
    await pick(office, dlg.locator('.el-form-item', { hasText: '牵头单位' }), '住房和城乡建设局', '古城县住房和城乡建设局')
    await dlg.locator('.el-form-item', { hasText: '事项名称' }).locator('input').fill(title)
    const due = dlg.locator('.el-form-item', { hasText: '时限' }).locator('input')
    await due.fill(inDays(30))
    await due.press('Enter')
    await dlg.locator('.el-dialog__title').click()
  })
  await office.locator('[data-test=clue-state]', { hasText: '已转办' }).waitFor()
  const link = office.locator('[data-test=clue-item]')
  await link.click()
  await office.waitForURL(/\/items\/\d+$/)
  return Number(office.url().split('/').pop())
}
