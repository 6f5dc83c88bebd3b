// features.js: which server APIs exist (they land module by module); probed once after sign-in.
import { reactive } from 'vue'
export const features = reactive({ items: false, inbox: false, calendar: false, rules: false, probed: false })
