// The clue tests' shared setup (test_clues, test_clue_photos): a phone camera's photo (a JPEG that names the
// camera and carries a GPS location in its Exif), the public form filled on a phone, and the check that the office's
// page shows a photo as stored (without the camera's name).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { ARTIFACTS, choose } from './helper.js'

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
