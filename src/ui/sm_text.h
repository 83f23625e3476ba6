/*
 * Text for the live view: DejaVu Sans (regular and bold) through SDL2_ttf, in a few sizes
 * ("faces") that follow the window size, and a bounded cache of rendered strings so that drawing
 * the same label 60 times a second costs one texture copy.
 *
 * Fonts are looked for in $STEADYMAT_FONT_DIR, SM_ASSET_DIR/fonts, SM_INSTALL_ASSET_DIR/fonts and
 * the usual system font folders, or only in the folder given to sm_text_create. Without a font
 * everything still works and draws no text.
 * Thread context: main thread only (owns textures of the renderer it was created with).
 */
#ifndef SM_TEXT_H
#define SM_TEXT_H

#include <stddef.h>

#include <SDL.h>

typedef enum {
    SM_FACE_SMALL = 0, /* status line, legend ticks */
    SM_FACE_LABEL,     /* captions above the big numbers, units */
    SM_FACE_BANNER,    /* banner, notice, badges */
    SM_FACE_MESSAGE,   /* alert and waiting screen (bold) */
    SM_FACE_NUMBER,    /* the big numbers (bold) */
    SM_FACE_COACH,     /* the coach's phase and instruction (bold) */
    SM_FACE_HUGE,      /* the coach's hold timer, the largest text on screen (bold) */
    SM_FACE_COUNT
} sm_face;

typedef struct sm_text sm_text_t;

/* font_dir: look only there; NULL: search the usual places. Never fails for a missing font
 * (sm_text_available() is then 0); NULL only without memory. */
sm_text_t *sm_text_create(SDL_Renderer *r, const char *font_dir);
void sm_text_destroy(sm_text_t *t); /* NULL-safe */

int sm_text_available(const sm_text_t *t);
/* Path of the regular font in use, "" when none. */
const char *sm_text_font_path(const sm_text_t *t);

/* Set the pixel size of every face. Changing a size empties the cache; same sizes cost nothing. */
void sm_text_set_sizes(sm_text_t *t, const int px[SM_FACE_COUNT]);
int sm_text_line_height(const sm_text_t *t, sm_face face);

/* Rendered string (UTF-8) as a texture owned by the cache, valid until the next call of any
 * sm_text function. wrap_px > 0 wraps at that width (centred lines). NULL when there is no font
 * or the string is empty; *w and *h are then 0. */
SDL_Texture *sm_text_get(sm_text_t *t, sm_face face, SDL_Color c, int wrap_px, const char *s,
                         int *w, int *h);
/* Size the string would take without wrapping (0 x 0 when there is no font). */
void sm_text_measure(sm_text_t *t, sm_face face, const char *s, int *w, int *h);

/* Drop every cached texture (after the renderer lost its textures: SDL_RENDER_DEVICE_RESET). */
void sm_text_flush(sm_text_t *t);

/* Cache statistics, to check that long sessions do not grow it. */
void sm_text_stats(const sm_text_t *t, int *entries, size_t *bytes);
/* Strings rendered since sm_text_create (cache misses): an unchanged picture renders none. */
unsigned long sm_text_renders(const sm_text_t *t);

#endif
