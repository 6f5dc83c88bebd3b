// @ts-check
// forpeople.js: the server's sentences name a field both ways for an integrator, “约谈时间（talk_at）”; a person
// reads the label, so what the office app and the public pages show leaves out the member's name in full-width
// brackets (the field itself is marked at its input). Other brackets — （第 1 行第 1 列）, （古督考〔2026〕1号） — stay.
const MEMBER = /（[a-z][a-z0-9_]*(?:\.[a-z0-9_]+|\[\d*\])*）/g

/** @type {(m: string) => string} */
export const forPeople = (m) => m.replace(MEMBER, '')

/** The error message of a reply's body, for people; '' when it has none. @type {(body: any) => string} */
export const errorText = (body) => (typeof body?.error?.message === 'string' ? forPeople(body.error.message) : '')
