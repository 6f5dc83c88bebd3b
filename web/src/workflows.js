// workflows.js: the workflows the server runs (GET /api/v1/workflows, loaded once after sign-in):
// each one's states, actions, the other entries of its timeline (events), the tasks people wait on (waits) and its parts' states. Their labels
// are merged into the message files as wf.<workflow>.state|action|task.<name> and
// wf.<workflow>.part.<part>.state.<name> (i18n.js), Chinese and English (label_en), so that every
// workflow's words have one place: the server's table.
import { reactive } from 'vue'
import { get } from './api'
import { label, mergeLabels } from './i18n'

export const workflows = reactive({ loaded: false, list: [] })
let pending = null

export function loadWorkflows() {
  if (workflows.loaded) return Promise.resolve(workflows)
  if (!pending) {
    pending = get('/api/v1/workflows', null, { quiet: true }).then((r) => {
      mergeLabels('objectKind', r.workflows.map((w) => ({ name: w.name, label: w.what, label_en: w.what_en })))
      for (const w of r.workflows) {
        mergeLabels(`wf.${w.name}.state`, w.states)
        mergeLabels(`wf.${w.name}.variety`, w.varieties || [])
        mergeLabels(`wf.${w.name}.action`, w.actions)
        // the timeline's other entries (registration, notices, reminders, clocks …), by the same one word list
        mergeLabels(`wf.${w.name}.event`, [...(w.actions || []), ...(w.events || [])])
        // a task may wait in several states under different words; the first names the task
        const tasks = new Map()
        for (const x of w.waits || []) if (!tasks.has(x.task)) tasks.set(x.task, { name: x.task, label: x.label, label_en: x.label_en })
        mergeLabels(`wf.${w.name}.task`, [...tasks.values()])
        for (const p of w.parts || []) mergeLabels(`wf.${w.name}.part.${p.name}.state`, p.states)
      }
      Object.assign(workflows, { list: r.workflows, loaded: true })
      return workflows
    }).catch((e) => { pending = null; throw e })
  }
  return pending
}

// The words of one workflow's state, action or task (serverLabel: the label the row of the API carries),
// and of a kind of object (the workflow's `what`: 督办事项).
export const wfState = (wf, s, serverLabel) => label(`wf.${wf}.state`, s, serverLabel)
export const wfAction = (wf, a, serverLabel) => label(`wf.${wf}.action`, a, serverLabel)
export const wfEvent = (wf, ev, serverLabel) => label(`wf.${wf}.event`, ev, serverLabel)
export const wfTask = (wf, task, serverLabel) => label(`wf.${wf}.task`, task, serverLabel)
export const kindText = (kind) => label('objectKind', kind)
// the kind of one object within its workflow (a result's talk: 约谈), which its to-dos name instead of the workflow's
export const wfVariety = (wf, v, serverLabel) => label(`wf.${wf}.variety`, v, serverLabel)

// The page of an object a message is about: the workflow's link ("/items/%lld") when the server gives
// one, else the item page for items; null when the object has no page of its own.
export function objectLink(type, id) {
  if (!type || !id) return null
  const w = workflows.list.find((x) => x.name === type)
  if (w?.link) return w.link.replace('%lld', String(id))
  return type === 'item' ? `/items/${id}` : null
}
