/*
 * archive.h: the archive file (立卷归档, DOMAIN.md §3) as one ZIP, checkable offline:
 *
 *   manifest.json   format, item, events, reports, the list of members with size and SM3
 *   manifest.sig    the archiving office's seal over manifest.json (SM2/SM3), with its public key
 *   audit.json      the item's audit records, each with a Merkle inclusion proof in a tree head of
 *                   the audit log signed with the audit checkpoint key (SM2)
 *   signatures.json every seal signature of the item, with content and public key
 *   seals.json      the seals involved (unit, fingerprint, public key)
 *   documents/      the notice and the record (PDF)
 *   attachments/    the item's attachments
 *
 * archive_verify checks, without a database: the manifest signature and key fingerprint, every
 * member's presence, size and SM3, members not listed, every audit record's inclusion proof and the
 * tree head's signature, and every seal signature.
 */
#ifndef DUCHA_ARCHIVE_H
#define DUCHA_ARCHIVE_H

#include "core/ctx.h"

#include <jansson.h>

/* A member: bytes in memory (data, len) or a file on disk (path). */
struct archive_member {
    const char *name;
    const void *data;
    size_t len;
    const char *path;
};

/*
 * Writes the ZIP to zip_path (via a temporary file, renamed at the end). manifest: the base object
 * (borrowed; "format" and "members" are set on it). The manifest is sealed with seal_unit_id's seal
 * when seals are available (seal_available), else left unsigned. *sm3 / *size: the ZIP's digest
 * and size (arena). Errors: 500 with a message when a file cannot be read or written.
 */
enum err archive_write(struct ctx *c, const char *zip_path, json_t *manifest, const struct archive_member *m, int n,
                       int64_t seal_unit_id, const char **sm3, int64_t *size);

/* audit.json for one object: {"format", "tree_head", "records"} (audit_object_records). No
 * permission check: the caller checked the object. */
enum err archive_audit_records(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);

struct archive_report {
    int checked; /* members whose hash matched */
    int nproblems;
    const char **problems;         /* "member: what is wrong" (arena) */
    const char *fingerprint;       /* of the key that sealed the manifest, or NULL */
    int audit_records;             /* audit records proved to be in the signed audit tree */
    const char *audit_fingerprint; /* of the audit checkpoint key, or NULL */
    const char *item_number;
};

/* Verifies an archive file. Returns true if everything matches; problems are listed either way. */
bool archive_verify(const char *zip_path, struct arena *a, struct archive_report *out);

#endif
