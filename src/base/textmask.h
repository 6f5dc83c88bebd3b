/*
 * textmask.h: what of a text written by the public must not reach those it is about: the writer's own name,
 * phone and e-mail wherever they occur, and any phone number, e-mail address or ID card number, each replaced
 * by a bracketed word saying what was there ("【电话已隐去】"). Pure, no I/O.
 */
#ifndef DUCHA_TEXTMASK_H
#define DUCHA_TEXTMASK_H

#include "base/arena.h"

/*
 * text (UTF-8) with these parts replaced (overlapping parts become one):
 * - name (NULL or shorter than 2 characters: none) at every occurrence, as "【姓名已隐去】";
 * - email (NULL: none) at every occurrence, ASCII letters in any case, and any address of the form
 *   local@domain.tld, as "【邮箱已隐去】";
 * - a run of digits (ASCII or full-width, one separator allowed between two digits: space, U+3000, - . ( )
 *   and their full-width forms; a leading +) whose digits are the digits of phone (at least 5), a mainland
 *   mobile number (1[3-9] and 9 digits, also after 86 or 0086) or a landline with its area code (0, not 00,
 *   10 to 12 digits in all), as "【电话已隐去】";
 * - 18 digits, or 17 and X, as "【证件号已隐去】" (a resident ID card number).
 * A run counts from a digit not preceded by a digit, to the longest end not followed by a digit that makes
 * one of these. *masked (may be NULL): how many parts were replaced. Arena memory.
 */
char *text_mask_contacts(struct arena *a, const char *text, const char *name, const char *phone, const char *email,
                         int *masked);

#endif
