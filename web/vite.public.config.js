// The public pages' build (web/public.html, src/public/main.js): see vite.config.js.
import { pageConfig } from './vite.config.js'

export default pageConfig('public')
