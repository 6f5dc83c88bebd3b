// titles.js: a title set in 《》 (书名号) as the server sets it (src/base/utf8.c utf8_inner_title; GB/T 15834): the
// 《》 inside a title become 〈〉 — 《关于贯彻〈条例〉的通知》, never 《关于贯彻《条例》的通知》. Every place the web
// sets a title in 《》 uses these (the office app and the public pages alike).

/** The title as it stands inside 《》: its own 《》 turned to 〈〉. */
export const innerTitle = (s) => String(s ?? '').replace(/《/g, '〈').replace(/》/g, '〉')

/** The title in 《》. */
export const bookTitle = (s) => `《${innerTitle(s)}》`
