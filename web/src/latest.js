// latest.js: the latest load wins. A list page loads again on every search, filter, page or tab; two loads
// can be in flight, and their answers can arrive out of order (the first page's after a search's). Only the
// answer to the load started last may change the page.
//
//   const latest = useLatest()
//   async function load() {
//     loading.value = true
//     try { rows.value = (await latest(get('/api/v1/users', { q }))).users } catch { rows.value = [] } finally { loading.value = false }
//   }
//
// latest(p) settles as p does while no later call of the same latest() was made; once one was, it never
// settles: the stale load stops at its await and none of its assignments, catch or finally run (the latest
// load's do, loading included). One latest() per list (a page with two independent lists has two).

/**
 * @returns {<T>(p: Promise<T>) => Promise<T>}
 */
export function useLatest() {
  let seq = 0
  // a fresh pending promise each time: nothing holds it, so the stale load is collected with it
  /** @type {() => Promise<never>} */
  const never = () => new Promise(() => {})
  return (p) => {
    const mine = ++seq
    return p.then((v) => (mine === seq ? v : never()), (e) => (mine === seq ? Promise.reject(e) : never()))
  }
}
