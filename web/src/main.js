import { createApp } from 'vue'
// Element Plus per component (vite.config.js): the templates' components bring their styles; the toasts and
// confirmations the scripts open (ElMessage, ElMessageBox) bring theirs here
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import * as ICONS from './icons'
import App from './App.vue'
import CardTable from './components/CardTable.vue'
import router from './router'
import { i18n } from './i18n'
import './style.css'

const app = createApp(App)
// every list: an el-table on a desk screen, a card per row on a phone
app.component('CardTable', CardTable)
for (const [name, comp] of Object.entries(ICONS)) app.component(`Icon${name}`, comp)
app.use(i18n)
app.use(router)
app.config.errorHandler = (err) => {
  // errors already shown by api.js carry a status; anything else is a bug worth showing
  if (err && err.status !== undefined) return
  console.error('ducha: unexpected error', err)
}
app.mount('#app')
