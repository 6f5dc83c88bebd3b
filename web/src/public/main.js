// public/main.js: the entry of the public pages (互联网+督查: /p/clue, /p/track, /p/survey/<key>;
// web/public.html, served by `ducha serve` for every /p/ address). A member of the public on a phone
// loads only what these pages use: Vue, its router and vue-i18n, the Element Plus components below
// with their styles, the pages' own words and the proof-of-work solver. No office store, session,
// chart or icon set, and no other Element Plus component: a page using one more must register it here
// (the browser tests fail on an unknown element).
import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
// each component from its own module (the package's index would bring every component into the shared chunk)
import { ElAlert } from 'element-plus/es/components/alert/index.mjs'
import { ElButton } from 'element-plus/es/components/button/index.mjs'
import { ElCard } from 'element-plus/es/components/card/index.mjs'
import { ElCheckbox, ElCheckboxGroup } from 'element-plus/es/components/checkbox/index.mjs'
import { ElConfigProvider } from 'element-plus/es/components/config-provider/index.mjs'
import { ElForm, ElFormItem } from 'element-plus/es/components/form/index.mjs'
import { ElInput } from 'element-plus/es/components/input/index.mjs'
import { ElRadio, ElRadioButton, ElRadioGroup } from 'element-plus/es/components/radio/index.mjs'
import { ElResult } from 'element-plus/es/components/result/index.mjs'
import { ElSelect, ElOption } from 'element-plus/es/components/select/index.mjs'
import { ElSwitch } from 'element-plus/es/components/switch/index.mjs'
import { ElTag } from 'element-plus/es/components/tag/index.mjs'
import { ElTimeline, ElTimelineItem } from 'element-plus/es/components/timeline/index.mjs'
import 'element-plus/es/components/alert/style/css'
import 'element-plus/es/components/button/style/css'
import 'element-plus/es/components/card/style/css'
import 'element-plus/es/components/checkbox/style/css'
import 'element-plus/es/components/checkbox-group/style/css'
import 'element-plus/es/components/config-provider/style/css'
import 'element-plus/es/components/form/style/css'
import 'element-plus/es/components/form-item/style/css'
import 'element-plus/es/components/input/style/css'
import 'element-plus/es/components/option/style/css'
import 'element-plus/es/components/radio/style/css'
import 'element-plus/es/components/radio-button/style/css'
import 'element-plus/es/components/radio-group/style/css'
import 'element-plus/es/components/result/style/css'
import 'element-plus/es/components/select/style/css'
import 'element-plus/es/components/switch/style/css'
import 'element-plus/es/components/tag/style/css'
import 'element-plus/es/components/timeline/style/css'
import 'element-plus/es/components/timeline-item/style/css'
import 'element-plus/es/components/message/style/css'
import PublicApp from './PublicApp.vue'
import { i18n, t } from './i18n'
import '../style.css'

const routes = [
  { path: '/p/clue', name: 'pub-clue', component: () => import('../views/public/ClueSubmit.vue'), meta: { title: 'menu.pub-clue' } },
  { path: '/p/survey/:key', name: 'pub-survey', component: () => import('../views/public/SurveyAnswer.vue'), meta: { title: 'menu.pub-survey' } },
  { path: '/p/track', name: 'pub-track', component: () => import('../views/public/ClueTrack.vue'), meta: { title: 'menu.pub-track' } },
  // any other public address (a mistyped link): the submission page
  { path: '/:rest(.*)*', redirect: { name: 'pub-clue' } },
]
const router = createRouter({ history: createWebHistory(), routes })
router.afterEach((to) => { document.title = t(to.meta.title) })

const app = createApp(PublicApp)
for (const c of [ElAlert, ElButton, ElCard, ElCheckbox, ElCheckboxGroup, ElConfigProvider, ElForm, ElFormItem, ElInput,
  ElOption, ElRadio, ElRadioButton, ElRadioGroup, ElResult, ElSelect, ElSwitch, ElTag, ElTimeline, ElTimelineItem]) app.use(c)
app.use(i18n)
app.use(router)
app.config.errorHandler = (err) => { console.error('ducha: unexpected error', err) }
app.mount('#app')
