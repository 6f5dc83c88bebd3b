// clues.js: the words of clues (线索) the server gives (GET /api/v1/clues/meta: categories, states,
// close reasons, findings, sources, with their Chinese labels), loaded once by the clue pages.
import { ref } from 'vue'
import { get } from './api'

export const clueMeta = ref(null)
let pending = null

export function loadClueMeta() {
  if (clueMeta.value) return Promise.resolve(clueMeta.value)
  if (!pending) {
    pending = get('/api/v1/clues/meta').then((m) => (clueMeta.value = m)).catch((e) => { pending = null; throw e })
  }
  return pending
}

// The label of one name of a meta list (categories, close_reasons, findings, sources).
export const clueLabel = (list, name) => clueMeta.value?.[list]?.find((x) => x.name === name)?.label || name || ''
