/*
 * filetype.h: what a file's bytes are, whatever it is called (libmagic), and whether such bytes may be
 * a file with a given extension. Uploads of every kind are checked here: item attachments
 * (src/items/attachments.c) and the public clue form's photos (src/clues). Types a browser would run
 * or a system would execute (HTML, SVG, XML, scripts, programs) never fit any extension.
 */
#ifndef DUCHA_FILETYPE_H
#define DUCHA_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

/* The MIME type libmagic reads in the file at path (or in data[0..n)), copied into out (outlen bytes);
 * false when libmagic is unavailable or cannot read it. Thread-safe. */
bool filetype_of_file(const char *path, char *out, size_t outlen);
bool filetype_of_bytes(const void *data, size_t n, char *out, size_t outlen);

/* True when content of MIME type `type` may carry extension ext ("jpg", "docx" …): never a dangerous
 * type; for a known extension, one of the types its format is read as; any other type otherwise. */
bool filetype_fits(const char *ext, const char *type);

#endif
