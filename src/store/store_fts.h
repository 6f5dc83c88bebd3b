/* store_fts.h: the SQLite FTS5 tokenizer of the ledger search (private to src/store). */
#ifndef DUCHA_STORE_FTS_H
#define DUCHA_STORE_FTS_H

#include <sqlite3.h>

/* Registers the FTS5 tokenizer "ducha" (base/grams.h) and the rank function ducha_rank on connection h;
 * SQLITE_OK or an error (logged). */
int store_fts_register(sqlite3 *h);

#endif
