// toast.js: the message (toast) that says an action succeeded, shown once the page shows the action's outcome.
// A page used to call ElMessage.success and then reload its data or go to another page: the message appeared over
// the old page, and its few seconds ran out while the page fetched and re-rendered (a province's bulletin redraws
// hundreds of rows), so on a busy machine it was gone before the new page was there to read beside it. toast()
// waits until the page has settled — no request of api.js in flight, no navigation pending, the re-render painted —
// and then shows it (at most SETTLE_MS later: a page that polls never holds it back for long). api.js reports its
// requests and router.js its navigations here; this module imports neither (they import the pages that use it).
import { nextTick } from 'vue'
import { ElMessage } from 'element-plus'

const SETTLE_MS = 8000
let inflight = 0
let navigating = false

/** api.js: a request starts (busy) and ends (idle). */
export const busy = () => { inflight++ }
export const idle = () => { inflight = Math.max(0, inflight - 1) }
/** router.js: a navigation starts, and ends (done, failed or aborted; a redirect starts again). */
export const navStart = () => { navigating = true }
export const navEnd = () => { navigating = false }

// a painted frame (a hidden tab paints no frames: then a short wait)
const frame = () => new Promise((resolve) => {
  const timer = setTimeout(resolve, 100)
  requestAnimationFrame(() => { clearTimeout(timer); setTimeout(resolve, 0) })
})

/** Resolves once the page has settled (two painted frames in a row with nothing in flight), or after SETTLE_MS. */
export async function settled() {
  const until = Date.now() + SETTLE_MS
  let quiet = 0
  while (quiet < 2 && Date.now() < until) {
    await nextTick()
    await frame()
    quiet = inflight || navigating ? 0 : quiet + 1
  }
}

/**
 * Shows message (success, or the type given) once the page has settled.
 * @param {string} message
 * @param {'success' | 'info' | 'warning' | 'error'} [type]
 */
export async function toast(message, type = 'success') {
  await settled()
  ElMessage({ message, type })
}
