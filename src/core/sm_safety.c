#include "sm_safety.h"

/* DOMAIN.md's safety rules, for a person on the floor with hip pain: when to stop, where never
 * to press, how long and how hard, and when to ask. */
static const char *const lines[] = {
    "Stop at once on sharp or shooting pain, numbness, tingling, or a pulse felt under the ball.",
    "Never in the hip fold (where the leg meets the hip): blood vessels and nerves run there.",
    "Go gently: 30-90 s a spot, one or two spots a side, pressure you can breathe through.",
    "Lie on a firm, non-slip floor; leave a day or two between sessions at first.",
    "Ask a clinician when unsure, and before starting if pregnant, after surgery, or with a "
    "hernia, a clotting problem or unexplained pain.",
    NULL};

const char *sm_safety_line(size_t i)
{
    return i < sizeof lines / sizeof lines[0] ? lines[i] : NULL;
}
