// The results' tests' shared steps (test_results_phone, test_results_talk_phone): a result of a kind drafted
// for 古城县交通运输局 from /results/new, and an action taken on a result's page through its dialog, which fits;
// the bulletins' draft dialog opened from /bulletins (test_results, test_bulletin_lists).
import { pick, fitsThePhone } from './helper.js'

// Opens the form, chooses the kind and the transport bureau, fills the title and the facts.
export async function startDraft(page, kind, title, content) {
  await page.goto('/results/new')
  await page.click(`[data-test=res-kind-${kind}]`)
  await pick(page, page.locator('[data-test=res-unit]'), '交通运输局', '古城县交通运输局')
  await page.fill('[data-test=res-title]', title)
  await page.fill('[data-test=res-content]', content)
}

export async function act(page, action) {
  await page.click(`[data-test=act-${action}]`)
  const dlg = page.locator('[data-test=res-action-dialog]:visible')
  await dlg.waitFor()
  await fitsThePhone(page)
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}

export const stateIs = (page, text) => page.locator('[data-test=res-state]', { hasText: text }).waitFor()

// Opens the bulletins' draft dialog from the list (the office); returns the dialog.
export async function openBulletinDialog(page) {
  await page.goto('/bulletins')
  await page.locator('[data-test=bul-table]').waitFor()
  await page.click('[data-test=bul-new]')
  const dlg = page.locator('[data-test=bul-dialog]')
  await dlg.waitFor()
  return dlg
}
