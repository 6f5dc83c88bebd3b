/*
 * blob.h: content-addressed files under a directory: the bytes are stored once under
 * {dir}/{h[0..1]}/{h}, where h names them (a digest of the content computed by the caller). Writes are
 * atomic (a temporary file, fsync, rename): a reader sees the whole file or none.
 */
#ifndef DUCHA_BLOB_H
#define DUCHA_BLOB_H

#include <stdbool.h>
#include <stddef.h>

/* The path of blob h under dir into out (size outlen); false if it does not fit. */
bool blob_path(const char *dir, const char *h, char *out, size_t outlen);
/* Stores n bytes as blob h under dir (kept when a file of that size is there already); false on an I/O
 * error (errno tells which). */
bool blob_store(const char *dir, const char *h, const void *data, size_t n);

#endif
