/*
 * media.h: where and when a photo or video was taken, and a copy without it (pure C, no I/O; fuzzed).
 *
 * Evidence from the ground keeps its location for the team (it shows where the problem was seen); what
 * the inspected unit is shown must not tell it where the unannounced team stood or who took the photo.
 * A photo sent by the public through the clue form is stored only as such a copy: its location, the
 * camera's serial number or a name in it would point at the reporter.
 * Handled: JPEG (every application segment but JFIF, the ICC profile and Adobe's, and comments dropped;
 * what follows the end of the image dropped; the GPS IFD and DateTimeOriginal read), PNG (only the
 * critical and colour chunks kept, nothing after IEND), MP4/MOV (the ©xyz and loci location boxes
 * turned into free boxes of the same size, so every offset stays valid).
 */
#ifndef DUCHA_MEDIA_H
#define DUCHA_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

enum media_kind { MEDIA_UNKNOWN, MEDIA_JPEG, MEDIA_PNG, MEDIA_MP4 };

/* The kind by the bytes, whatever the file is called. */
enum media_kind media_sniff(const unsigned char *data, size_t n);

struct media_meta {
    bool has_location;
    double lat, lon; /* degrees, south and west negative */
    char taken[20];  /* "YYYY:MM:DD HH:MM:SS" as the camera wrote it, "" when absent */
};

/* Reads the location and time of taking; false when the data is not of a known kind. */
bool media_meta(const unsigned char *data, size_t n, struct media_meta *out);

/*
 * Writes a copy of data without location and identifying metadata into out (at least n bytes; the copy
 * is never longer). Returns the copy's length, or 0 when the data is not a well-formed file of a known
 * kind (the caller then refuses it).
 */
size_t media_strip(const unsigned char *data, size_t n, unsigned char *out);

#endif
