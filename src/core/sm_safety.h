/*
 * The safety words, in one place: the README's safety box, the first-run screen in the window,
 * `steadymat --help` and the man page all show these lines (a test checks the README against
 * them). Plain text, UTF-8, each line short enough for a large font on a laptop screen.
 */
#ifndef SM_SAFETY_H
#define SM_SAFETY_H

#include <stddef.h>

#define SM_SAFETY_TITLE "Safety first"

/* The lines of the safety box, in order; NULL after the last. Static storage. */
const char *sm_safety_line(size_t i);

#endif
