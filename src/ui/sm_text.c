#include "sm_text.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>

/* The cache holds every string of one picture with room to spare (a picture draws about 30), and
 * evicts the least recently used: numbers that change every frame recycle a few slots instead of
 * growing. A key holds the longest paragraph the view draws (a safety screen line, about 500
 * bytes), so a screen left up is not rendered again 60 times a second; only longer strings are
 * rendered each time into a scratch texture. */
#define CACHE_N 64
#define KEY_MAX 1024

typedef struct {
    SDL_Texture *tex;
    int w, h;
    uint32_t hash;
    int face, wrap;
    SDL_Color c;
    unsigned long used;
    char s[KEY_MAX];
} entry;

/* Sizes of strings measured (laid out by HarfBuzz, which costs about as much as drawing them):
 * the view measures the same few labels every picture. */
#define MEASURE_N   64
#define MEASURE_MAX 256
typedef struct {
    uint32_t hash;
    int face, w, h; /* face -1: empty slot */
    char s[MEASURE_MAX];
} measured;

struct sm_text {
    SDL_Renderer *r;
    int ttf_ok;
    TTF_Font *font[SM_FACE_COUNT];
    int px[SM_FACE_COUNT];
    void *file[2]; /* the regular and the bold font files, read once: FreeType reads glyphs from
                      memory, not with a seek and a read of the file for each new one */
    char path[512];
    entry cache[CACHE_N];
    uint32_t hashes[CACHE_N]; /* cache[i].hash, side by side */
    measured sizes[MEASURE_N];
    int sizes_next; /* the slot the next new string takes (round robin) */
    unsigned long clock;
    unsigned long renders;
    SDL_Texture *scratch;
};

static const char *const font_dirs[] = {
#ifdef SM_ASSET_DIR
    SM_ASSET_DIR "/fonts",
#endif
#ifdef SM_INSTALL_ASSET_DIR
    SM_INSTALL_ASSET_DIR "/fonts",
#endif
    "/usr/share/fonts/truetype/dejavu",   /* Debian, Ubuntu (fonts-dejavu-core) */
    "/usr/share/fonts/dejavu-sans-fonts", /* Fedora */
    "/usr/share/fonts/dejavu",            /* openSUSE, older Fedora */
    "/usr/share/fonts/TTF",               /* Arch */
    "/usr/local/share/fonts/dejavu",      /* FreeBSD ports, manual installs */
    "/usr/local/share/fonts",
};

static const int bold_face[SM_FACE_COUNT] = {0, 0, 0, 1, 1, 1, 1};

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

/* Finds a folder holding DejaVuSans.ttf; bold falls back to regular when missing. */
static int find_fonts(const char *only, char *reg, char *bold, size_t n)
{
    const char *env = getenv("STEADYMAT_FONT_DIR");
    size_t ndirs = only ? 0 : sizeof font_dirs / sizeof font_dirs[0];
    for (size_t i = 0; i <= ndirs; i++) {
        const char *dir = only ? only : i == 0 ? env : font_dirs[i - 1];
        if (!dir || !*dir)
            continue;
        snprintf(reg, n, "%s/DejaVuSans.ttf", dir);
        if (!file_exists(reg))
            continue;
        snprintf(bold, n, "%s/DejaVuSans-Bold.ttf", dir);
        if (!file_exists(bold))
            snprintf(bold, n, "%s", reg);
        return 1;
    }
    return 0;
}

static void flush(sm_text_t *t)
{
    for (int i = 0; i < MEASURE_N; i++)
        t->sizes[i].face = -1;
    for (int i = 0; i < CACHE_N; i++) {
        if (t->cache[i].tex)
            SDL_DestroyTexture(t->cache[i].tex);
        memset(&t->cache[i], 0, sizeof t->cache[i]);
    }
    if (t->scratch)
        SDL_DestroyTexture(t->scratch);
    t->scratch = NULL;
}

sm_text_t *sm_text_create(SDL_Renderer *r, const char *font_dir)
{
    sm_text_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->r = r;
    for (int i = 0; i < MEASURE_N; i++)
        t->sizes[i].face = -1;
    if (TTF_Init() != 0)
        return t;
    t->ttf_ok = 1;
    char reg[512], bold[512];
    if (!find_fonts(font_dir, reg, bold, sizeof reg))
        return t;
    size_t len[2] = {0, 0};
    for (int b = 0; b < 2; b++)
        t->file[b] = SDL_LoadFile(b ? bold : reg, &len[b]);
    for (int f = 0; f < SM_FACE_COUNT; f++) {
        int b = bold_face[f] != 0;
        t->px[f] = 16;
        SDL_RWops *rw =
            t->file[b] && len[b] <= INT_MAX ? SDL_RWFromConstMem(t->file[b], (int)len[b]) : NULL;
        t->font[f] = rw ? TTF_OpenFontRW(rw, 1, t->px[f]) : NULL;
        if (!t->font[f]) {
            for (int g = 0; g < f; g++)
                TTF_CloseFont(t->font[g]);
            memset(t->font, 0, sizeof t->font);
            return t;
        }
        TTF_SetFontWrappedAlign(t->font[f], TTF_WRAPPED_ALIGN_CENTER);
    }
    snprintf(t->path, sizeof t->path, "%s", reg);
    return t;
}

void sm_text_destroy(sm_text_t *t)
{
    if (!t)
        return;
    flush(t);
    for (int f = 0; f < SM_FACE_COUNT; f++)
        if (t->font[f])
            TTF_CloseFont(t->font[f]);
    if (t->ttf_ok)
        TTF_Quit();
    SDL_free(t->file[0]);
    SDL_free(t->file[1]);
    free(t);
}

int sm_text_available(const sm_text_t *t)
{
    return t && t->font[0] != NULL;
}

const char *sm_text_font_path(const sm_text_t *t)
{
    return t ? t->path : "";
}

void sm_text_set_sizes(sm_text_t *t, const int px[SM_FACE_COUNT])
{
    if (!sm_text_available(t))
        return;
    int changed = 0;
    for (int f = 0; f < SM_FACE_COUNT; f++) {
        int p = px[f] < 6 ? 6 : px[f];
        if (p == t->px[f])
            continue;
        if (TTF_SetFontSize(t->font[f], p) == 0)
            t->px[f] = p;
        changed = 1;
    }
    if (changed)
        flush(t);
}

int sm_text_line_height(const sm_text_t *t, sm_face face)
{
    if (!sm_text_available(t))
        return 0;
    return TTF_FontHeight(t->font[face]);
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static SDL_Texture *render(sm_text_t *t, sm_face face, SDL_Color c, int wrap_px, const char *s,
                           int *w, int *h)
{
    t->renders++;
    SDL_Surface *surf = wrap_px > 0
                            ? TTF_RenderUTF8_Blended_Wrapped(t->font[face], s, c, (Uint32)wrap_px)
                            : TTF_RenderUTF8_Blended(t->font[face], s, c);
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(t->r, surf);
    if (tex) {
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
        /* Scaled-down text (fitted into a box) stays smooth. */
        SDL_SetTextureScaleMode(tex, SDL_ScaleModeLinear);
        *w = surf->w;
        *h = surf->h;
    }
    SDL_FreeSurface(surf);
    return tex;
}

SDL_Texture *sm_text_get(sm_text_t *t, sm_face face, SDL_Color c, int wrap_px, const char *s,
                         int *w, int *h)
{
    *w = *h = 0;
    if (!sm_text_available(t) || !s || !*s || face < 0 || face >= SM_FACE_COUNT)
        return NULL;
    if (wrap_px < 0)
        wrap_px = 0;
    t->clock++;
    size_t len = strlen(s);
    if (len >= KEY_MAX) {
        if (t->scratch)
            SDL_DestroyTexture(t->scratch);
        t->scratch = render(t, face, c, wrap_px, s, w, h);
        return t->scratch;
    }
    uint32_t hash = fnv1a(s);
    /* the hashes side by side: a look-up reads one small array, not 64 entries of 1 KB */
    for (int i = 0; i < CACHE_N; i++) {
        entry *e = &t->cache[i];
        if (t->hashes[i] == hash && e->tex && e->face == (int)face && e->wrap == wrap_px &&
            e->c.r == c.r && e->c.g == c.g && e->c.b == c.b && e->c.a == c.a &&
            strcmp(e->s, s) == 0) {
            e->used = t->clock;
            *w = e->w;
            *h = e->h;
            return e->tex;
        }
    }
    int victim = 0;
    for (int i = 0; i < CACHE_N; i++) {
        entry *e = &t->cache[i];
        if (!e->tex || (t->cache[victim].tex && e->used < t->cache[victim].used))
            victim = i;
    }
    entry *e = &t->cache[victim];
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    memset(e, 0, sizeof *e);
    e->tex = render(t, face, c, wrap_px, s, &e->w, &e->h);
    if (!e->tex)
        return NULL;
    e->hash = hash;
    t->hashes[victim] = hash;
    e->face = (int)face;
    e->wrap = wrap_px;
    e->c = c;
    e->used = t->clock;
    memcpy(e->s, s, len + 1);
    *w = e->w;
    *h = e->h;
    return e->tex;
}

void sm_text_measure(sm_text_t *t, sm_face face, const char *s, int *w, int *h)
{
    *w = *h = 0;
    if (!sm_text_available(t) || !s || !*s || face < 0 || face >= SM_FACE_COUNT)
        return;
    size_t len = strlen(s);
    uint32_t hash = fnv1a(s);
    if (len < MEASURE_MAX)
        for (int i = 0; i < MEASURE_N; i++) {
            const measured *e = &t->sizes[i];
            if (e->face == (int)face && e->hash == hash && strcmp(e->s, s) == 0) {
                *w = e->w;
                *h = e->h;
                return;
            }
        }
    if (TTF_SizeUTF8(t->font[face], s, w, h) != 0) {
        *w = *h = 0;
        return;
    }
    if (len < MEASURE_MAX) {
        measured *e = &t->sizes[t->sizes_next];
        t->sizes_next = (t->sizes_next + 1) % MEASURE_N;
        e->hash = hash;
        e->face = (int)face;
        e->w = *w;
        e->h = *h;
        memcpy(e->s, s, len + 1);
    }
}

void sm_text_flush(sm_text_t *t)
{
    if (t)
        flush(t);
}

void sm_text_stats(const sm_text_t *t, int *entries, size_t *bytes)
{
    int n = 0;
    size_t b = 0;
    for (int i = 0; t && i < CACHE_N; i++) {
        if (!t->cache[i].tex)
            continue;
        n++;
        b += (size_t)t->cache[i].w * (size_t)t->cache[i].h * 4u;
    }
    *entries = n;
    *bytes = b;
}

unsigned long sm_text_renders(const sm_text_t *t)
{
    return t ? t->renders : 0;
}
