// public/main.js: the entry of the public pages (互联网+督查: /p/clue, /p/track, /p/survey/<key>; the
// published bulletins /public/bulletins[/<id>]; web/public.html, served by `ducha serve` for every /p/ and
// /public/ address). A member of the public on a phone
// loads only what these pages use: Vue, the pages' own words (i18n.js), their stylesheet (public.css),
// the page of the address (PublicApp.vue, nav.js) and, when sending, the proof-of-work solver. No router,
// no vue-i18n, no Element Plus (plain form controls styled by public.css), nothing of the office app:
// tests/web/test_public_weight.test.js keeps the submission page under its budget.
import { createApp } from 'vue'
import PublicApp from './PublicApp.vue'
import { t } from './i18n'
import { path, pageOf } from './nav'
import './public.css'

// any other public address (a mistyped link) is the submission page's
if (pageOf(path.value).name === 'clue' && path.value !== '/p/clue') {
  history.replaceState(null, '', '/p/clue')
  path.value = '/p/clue'
}

const app = createApp(PublicApp)
app.config.globalProperties.$t = t
app.config.errorHandler = (err) => { console.error('ducha: unexpected error', err) }
app.mount('#app')
