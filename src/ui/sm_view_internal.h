/*
 * The live view's insides, shared by its files and by the tests that draw one layer off-screen.
 * Not for the app: it uses sm_view.h only.
 *
 * What the window shows is a stack of layers (sm_layer_*.c), each drawn by one function over the
 * same read-only context (the model, the layout, the frames and the colour scale), composed in
 * order by the table in sm_view.c:
 *
 *   heatmap   sm_layer_heatmap.c   the map(s), their captions, the scale bar and the colour legend
 *   zones     sm_layer_zones.c     no-go zones (and the one being dragged)
 *   marks     sm_layer_marks.c     template outline, ghosts, replaced cells, the tool, their key,
 *                                  the template's offset in words
 *   trail     sm_layer_trail.c     the CoP's fading trail and its reticle
 *   coach     sm_layer_coach.c     the coach's panel: phase, hold timer, meter, instruction
 *   numbers   sm_layer_numbers.c   the big total, area and peak (in the panel without the coach;
 *                                  a row under the map in the clinician view)
 *   badges    sm_layer_status.c    REC / PAUSED / REPLAY pills
 *   messages  sm_layer_messages.c  waiting screen, banner, notice, alert, no-go banner
 *   name box  sm_layer_messages.c  the template name being typed
 *   toast     sm_layer_toast.c     the short answer to the last key
 *   status    sm_layer_status.c    the status line at the bottom
 *   calibration sm_layer_calscreen.c  the calibration's "you will need" and result screens
 *   safety    sm_layer_safety.c    the safety screen over everything
 *
 * Around them: sm_view_window.c (window, renderer, screenshots), sm_view_input.c (keys, text
 * entry, mouse drags), sm_view_layout.c (where everything goes), sm_view_draw.c (text, fills,
 * thick lines shared by the layers), sm_view_damage.c (drawing again only the parts of the
 * picture that changed). Layers draw through the helpers below (fill, sm_view_text,
 * sm_view_copy, sm_view_geometry ...), not SDL directly: the helpers are what tell which parts
 * changed. (The calibration screens draw straight and say so: those pictures are drawn whole.)
 * Thread context: main thread only, like sm_view.h.
 */
#ifndef SM_VIEW_INTERNAL_H
#define SM_VIEW_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "sm_heatmap.h"
#include "sm_text.h"
#include "sm_view.h"

#define LUT_N         1024
#define PI            3.14159265358979323846
#define LEGEND_N      256
#define TRAIL_VERTS   ((SM_TRAIL_MAX - 1) * 6)
#define CULL_VERTS    (TRAIL_VERTS > GEO_VERTS ? TRAIL_VERTS : GEO_VERTS)
#define GEO_VERTS     (256 * 6) /* overlay quads drawn per batch */
#define RECTS_N       512       /* overlay rectangles drawn per batch */
#define NAME_MAX      64        /* template name, bytes with the terminator */
#define SM_VIEW_FAULT 3         /* labels: a replaced faulty cell (sm_view_model_t.labels) */

/* Names typed in the window (sm_view.naming): a template's (NAME_MAX) or the patient's. */
#define TYPED_MAX       128 /* a name being typed (a patient's: 127 bytes), with the NUL */
#define NAMING_TEMPLATE 1
#define NAMING_PATIENT  2

/* Palette. The mat's own area is a shade lighter than the window so its outline shows even with
 * nobody on it; the colour scale fades into that shade below the floor. */
static const SDL_Color C_MAT = {27, 30, 38, 255};
static const SDL_Color C_AMBER = {255, 193, 7, 255};
static const SDL_Color C_BLACK = {0, 0, 0, 255};
static const SDL_Color C_RED = {230, 45, 45, 255};
static const SDL_Color C_BANNER = {30, 66, 108, 255};
static const SDL_Color C_NOTICE_BG = {52, 42, 18, 255};
static const SDL_Color C_NOTICE = {255, 214, 128, 255};

/* Overlays on the heatmap: colours that none of viridis' (purple, blue, green, yellow) take. */
static const SDL_Color C_TOOL = {255, 255, 255, 255};    /* the tool's contact */
static const SDL_Color C_COP = {190, 194, 202, 255};     /* the whole body's CoP: subdued */
static const SDL_Color C_TEMPLATE = {255, 84, 214, 255}; /* the clinician's placement */
static const SDL_Color C_GHOST = {0, 240, 255, 255};     /* crosstalk ghost? */
static const SDL_Color C_FAULT = {150, 150, 150, 255};   /* replaced faulty cell */
static const SDL_Color C_ZONE = {235, 30, 30, 255};      /* no-go zone */
/* The coach's states: still, drifting, moving, released. */
static const SDL_Color C_GOOD = {46, 204, 113, 255};
static const SDL_Color C_WARN = {255, 170, 0, 255};
static const SDL_Color C_BAD = {240, 50, 40, 255};
static const SDL_Color C_TRACK = {44, 48, 58, 255};

/* Colours that differ between the normal view and presenter mode (black ground, white and
 * yellow type: for projectors and big screens seen from across a room). */
typedef struct {
    SDL_Color window, panel, status, text, dim, faint, number, frame;
} pal_t;

/* sm_view.c: the normal view and presenter mode. */
extern const pal_t SM_PAL_NORMAL, SM_PAL_PRESENTER;

enum { AL_LEFT, AL_CENTER, AL_RIGHT };

/* A part of the picture that changes rarely (the colour legend): drawn once into an opaque
 * texture of its own, copied every picture after, drawn again when its key changes. */
typedef struct {
    SDL_Texture *tex;
    SDL_Rect r;   /* where it goes, output pixels */
    uint32_t key; /* sm_view_hash of everything it shows */
    int valid;    /* tex holds the picture of key at r */
    int drawing;  /* between sm_view_cache_begin and _end */
} sm_view_cache_t;

/* One heatmap texture at its size on screen and what it shows, so an unchanged frame (paused,
 * or the compare map that rarely changes) is not coloured again. last: the values drawn, each
 * within one of the scale's 256 colours of the frame's. */
#define HEAT_RECTS 48
typedef struct {
    SDL_Texture *tex;
    int tw, th;
    uint16_t last[SM_MAX_CELLS];
    int rows, cols, valid;
    double scale;
    /* The picture coloured, kept (tw x th), so a new frame colours and uploads only the part
     * around the cells that changed (sm_heatmap_render_changed). */
    uint32_t *px;
    size_t px_cap; /* pixels px has room for */
    /* What the last upload changed (map pixels): the parts of the picture to draw again. */
    sm_heatmap_rect_t changed[HEAT_RECTS];
    int n_changed;
} heat_t;

/* Drawing only what changed (sm_view_damage.c): the picture in tiles, each with the hash of what
 * the layers drew on it. */
#define DMG_MAX_TILES 4096 /* tiles of 32 px (more on huge outputs): 1000 at 1280x800 */
#define DMG_SCALED    64   /* scaled copies followed per picture (more: drawn whole) */
#define DMG_RECTS     24   /* parts found per picture (more: drawn whole) ... */
#define DMG_PARTS     4    /* ... joined into at most this many to draw */
#define DMG_LAYERS    16   /* layers followed (sm_view.c has 13) */
typedef struct {
    int keying;         /* the layers only add what they would draw to the tiles */
    int full;           /* the next picture is drawn whole */
    int unkeyed;        /* this picture has a part drawn without keys: the next is whole too */
    uint32_t frame_key; /* palette, type sizes: a change draws the picture whole */
    int W, H, tile, tx, ty;
    uint32_t cur[DMG_MAX_TILES], prev[DMG_MAX_TILES];
    uint8_t forced[DMG_MAX_TILES], dirty[DMG_MAX_TILES];
    SDL_Rect kclip; /* keying: the clip a layer set (sm_view_damage_clip) */
    int kclip_on;
    SDL_Rect scaled[DMG_SCALED]; /* boxes of this picture's scaled copies */
    int n_scaled;
    SDL_Rect clip; /* drawing: the part being drawn again */
    int clipping;  /* drawing a part (else the whole picture) */
    int in_cache;  /* drawing into a kept part's own texture: no part clip there */
    long drawn_px; /* pixels drawn again by the last picture (the whole: W x H) */
    /* Keying: where each layer draws (the union of its primitives' boxes), so a part that
     * misses a layer does not run it. */
    SDL_Rect layer_box[DMG_LAYERS];
    int layer;                                       /* the layer being keyed */
    long pictures, parts_pictures, skipped_pictures; /* counts, for benchmarks */
    double drawn_sum; /* fractions of the picture drawn again, summed over the pictures */
} sm_view_damage_t;

struct sm_view {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Surface *target; /* headless: the picture itself */
    SDL_Surface *copy;   /* windowed: read back from the renderer before each present */
    int video_init, headless, no_readback, have_picture;
    double floor_frac;
    sm_text_t *text;
    sm_heatmap_t *hm;
    uint32_t lut[LUT_N];
    float lut_lab[LUT_N][3]; /* the same colours in CIE L*a*b*: how different they look */
    float step_de2;          /* (Delta E*ab of one of the scale's colours)^2, sm_colormap_step_de */
    SDL_Texture *legend_tex;
    heat_t heat, heat2;              /* the live map and the compare map */
    uint16_t qcells[SM_MAX_CELLS];   /* calibrated values quantised for sm_heatmap_render */
    uint16_t fixcells[SM_MAX_CELLS]; /* the same with replaced faulty cells filled in */
    uint16_t shown[SM_MAX_CELLS];    /* what a heatmap upload draws (within a colour) */
    Uint32 pixel_format;             /* of the output: opaque pictures in it are plain copies */
    const pal_t *pal;                /* of the picture being drawn */
    int presenter_fs; /* presenter mode made the window fullscreen (undone when it ends) */
    int last_presenter;
    SDL_Texture *marker_tex;
    int marker_px, marker_key;
    int cop_have; /* the body's CoP was drawn at cop_at on a map at cop_map */
    float cop_at[2];
    SDL_Rect cop_map;
    /* The trail's points this picture (sm_layer_trail_prepare): where, how old, and whether the
     * line is broken before it. */
    struct {
        float x, y;
        double age;
        int brk;
    } trail_pt[SM_TRAIL_MAX];
    int trail_n;
    int no_cache; /* tests: draw the cached parts straight, every picture, whole */
    int retained; /* the renderer keeps its picture between presents (software) */
    sm_view_damage_t dmg;
    sm_view_cache_t legend; /* the colour legend with its ticks, numbers and units */
    sm_view_cache_t safety; /* the safety panel (sm_layer_safety.c) */
    sm_view_cache_t status; /* the status line (sm_layer_status.c) */
    int face_px[SM_FACE_COUNT];
    int heat_rect[4], heat_drawn;
    int map_rows, map_cols; /* of the last heatmap drawn, for mouse drags */
    double map_pitch;
    SDL_Vertex verts[TRAIL_VERTS];
    SDL_Vertex geo[GEO_VERTS];
    SDL_Vertex cull[CULL_VERTS]; /* sm_view_geometry: the triangles that reach the part drawn */
    int geo_n;
    SDL_BlendMode geo_blend;
    SDL_Rect rects[RECTS_N];
    /* Typing a name (NAMING_TEMPLATE or NAMING_PATIENT; 0 none): keys go into the name, not to
     * actions. patient: the model's patient at the last render, what n starts the box with. */
    int naming;
    unsigned long events_seen; /* sm_view_events_seen */
    char name[TYPED_MAX];
    char patient[TYPED_MAX];
    /* Dragging a no-go zone on the map: corners in output pixels. */
    int dragging;
    double drag_x0, drag_y0, drag_x1, drag_y1;
};

/* Where everything goes in one picture (output pixels), from sm_view_layout. */
typedef struct {
    int W, H;
    double u;     /* 1 % of the shorter side: every size below is a multiple of it */
    int m;        /* margin */
    int portrait; /* numbers below the map instead of beside it */
    int presenter, coach;
    SDL_Rect banner, notice, status, content;
    SDL_Rect map_area, map, panel;
    SDL_Rect map2; /* the compare map (w 0: none), left of the live map, the same size */
    int legend_w;
    int caption_h; /* compare: the labels above the maps */
    int tmpl_h;    /* the template's offset text below the map */
    /* Presenter mode with the coach: the instruction on one line across the whole width, above
     * the status line (w 0: in the panel). */
    SDL_Rect instr;
    /* The clinician view with the coach: total, area and peak in a row under the map, digits
     * at least 40 px tall at 1280x800 (w 0: none). */
    SDL_Rect numbers;
} sm_layout_t;

/* What every layer draws from: read-only for the layers. */
typedef struct {
    const sm_view_model_t *m;
    const sm_layout_t *L;
    const sm_frame_t *f;   /* the live frame, NULL when there is none (or it is unusable) */
    const sm_frame_t *f2;  /* the compare frame, NULL: one map */
    double scale;          /* top of the colour scale, in the values' units */
    int heat_ok, heat2_ok; /* the maps' textures are up to date */
    int cop_ok;            /* the body's CoP is drawn, at (cop_x, cop_y) in the window */
    float cop_x, cop_y;
} sm_view_ctx_t;

typedef void (*sm_layer_draw_fn)(sm_view_t *v, const sm_view_ctx_t *c);
typedef struct {
    const char *name;
    sm_layer_draw_fn draw;
} sm_layer_t;

/* The layers, bottom to top, as sm_view_render draws them; *n gets their count. */
const sm_layer_t *sm_view_layers(int *n);
/* Everything before the layers: palette, layout, heatmap upload, the map's place for mouse
 * drags. Fills *c (pointing at *L and m). Returns 0 when the window is minimised (draw nothing). */
int sm_view_prepare(sm_view_t *v, const sm_view_model_t *m, sm_layout_t *L, sm_view_ctx_t *c);
/* The window colour behind what the layers do not cover. */
void sm_view_clear(sm_view_t *v, const sm_view_ctx_t *c);

/* ---- small helpers (sm_view_draw.c and inline) ------------------------------------------- */

/* ---- drawing only what changed (sm_view_damage.c) ----------------------------------------- */

/* Tiles for a W x H picture (a new size: the next picture is drawn whole). */
void sm_view_damage_setup(sm_view_t *v, int W, int H);
/* Starts keying: the layers' primitives call _note instead of drawing. */
void sm_view_damage_begin(sm_view_t *v);
/* Keying: a primitive would draw what h sums up inside box; scaled: a scaled copy. */
void sm_view_damage_note(sm_view_t *v, SDL_Rect box, uint32_t h, int scaled);
/* Keying: like _note for an opaque primitive: the tiles it covers whole show nothing drawn
 * under it, so what was under them (and whether it changed) no longer counts. */
void sm_view_damage_cover(sm_view_t *v, SDL_Rect box, uint32_t h);
/* Keying: box changed whatever the primitives say (the map's newly coloured parts). */
void sm_view_damage_mark(sm_view_t *v, SDL_Rect box);
/* The next picture is drawn whole (a window exposed, textures lost, a layer that cannot key). */
void sm_view_damage_all(sm_view_t *v);
/* Ends keying: the parts to draw again into rects (at most max). Returns their count (0:
 * nothing changed), or -1: draw the picture whole. */
int sm_view_damage_plan(sm_view_t *v, SDL_Rect *rects, int max);
/* A layer's clip (NULL: none), combined with the part being drawn. */
void sm_view_damage_clip(sm_view_t *v, const SDL_Rect *r);
/* 1 when box is outside the part being drawn (nothing of it would show). */
int sm_view_damage_skip(const sm_view_t *v, SDL_Rect box);

uint32_t sm_view_hash(uint32_t h, const void *p, size_t n);

static inline int iround(double x)
{
    return (int)floor(x + 0.5);
}

static inline double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static inline SDL_Color with_alpha(SDL_Color c, int a)
{
    c.a = (Uint8)(a < 0 ? 0 : a > 255 ? 255 : a);
    return c;
}

static inline SDL_Color mix(SDL_Color a, SDL_Color b, double t)
{
    SDL_Color c = {(Uint8)iround(a.r + (b.r - a.r) * t), (Uint8)iround(a.g + (b.g - a.g) * t),
                   (Uint8)iround(a.b + (b.b - a.b) * t), 255};
    return c;
}

/* Opaque colours are drawn without blending: the same pixels, but software renderers (SDL's own,
 * llvmpipe) then fill instead of reading back and mixing every pixel. */
static inline void set_color(sm_view_t *v, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(v->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(v->ren, c.r, c.g, c.b, c.a);
}

static inline void fill(sm_view_t *v, SDL_Rect r, SDL_Color c)
{
    if (v->dmg.keying) {
        uint32_t h = sm_view_hash(0x66696c6cu, &c, sizeof c);
        if (c.a == 255)
            sm_view_damage_cover(v, r, h);
        else
            sm_view_damage_note(v, r, h, 0);
        return;
    }
    if (sm_view_damage_skip(v, r))
        return;
    set_color(v, c);
    SDL_RenderFillRect(v->ren, &r);
}

static inline void fill_some_rect(sm_view_t *v, SDL_Rect r, SDL_Color c)
{
    if (r.w > 0 && r.h > 0)
        fill(v, r, c);
}

void sm_view_outline(sm_view_t *v, SDL_Rect r, SDL_Color c, int width);
/* Draws s with its top at y, anchored at x per align (AL_*), scaled down to fit maxw (0: any
 * width). Returns the width drawn; *h (may be NULL) gets the height. */
int sm_view_text(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int x, int y, int align,
                 int maxw, int *h);
/* Text turned a quarter to the left (read from bottom to top), centred on (cx, cy), scaled to be
 * at most maxlen long. */
void sm_view_text_up(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int cy,
                     int maxlen);
/* Text scaled to fit w and h (either 0: no limit), centred on cx, top at y; returns the height
 * drawn. wrap > 0 wraps (centred lines). */
int sm_view_text_fit(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int y, int w,
                     int h, int wrap);
/* A pill with text in the banner face, top-left at (x, y); returns its width. */
int sm_view_badge(sm_view_t *v, const sm_layout_t *L, int x, int y, SDL_Color bg, SDL_Color fg,
                  const char *s);
int sm_view_line_h(sm_view_t *v, sm_face f);
/* Thousands grouped with a thin space; one decimal below 10; an en dash for no value. */
void sm_view_fmt_value(double x, char *buf, size_t n);
void sm_view_fmt_time(double s, char *buf, size_t n); /* m:ss or h:mm:ss */
/* One thick segment as two triangles (6 vertices), colour c0 at a and c1 at b. */
void sm_view_quad(SDL_Vertex *vt, float ax, float ay, float bx, float by, float half, SDL_Color c0,
                  SDL_Color c1);
/* Thick lines batched per colour and blend mode; flush before drawing anything else. */
void sm_view_geo_line(sm_view_t *v, float ax, float ay, float bx, float by, float width,
                      SDL_Color c);
void sm_view_geo_flush(sm_view_t *v);
/* Fills v->rects[0..n) in c. */
void sm_view_rects_flush(sm_view_t *v, int n, SDL_Color c);
/* n vertices of untextured triangles, blended or not. */
void sm_view_geometry(sm_view_t *v, const SDL_Vertex *vt, int n, SDL_BlendMode blend);
/* A texture copied to dst, whose look key sums up (a text's: sm_view_text_key); scaled: its
 * size differs from dst's. */
void sm_view_copy(sm_view_t *v, SDL_Texture *tex, SDL_Rect dst, uint32_t key, int scaled);
/* The look of the text texture sm_text_get gives for these arguments. */
uint32_t sm_view_text_key(sm_face face, SDL_Color c, int wrap, const char *s);

/* FNV-1a over n bytes (strings with their terminator; NULL as ""), continuing from h (start
 * with 2166136261u): the key of a cached part. (sm_view_hash is declared above, for fill.) */
uint32_t sm_view_hash_str(uint32_t h, const char *s);
/* A cached part at r whose look is summed up by key. Returns 1 when the picture kept for key is
 * still good: it has been copied to r and there is nothing to draw. Returns 0 when the caller
 * must draw it now, in the view's own coordinates, everything inside r (filled with bg
 * already), then call sm_view_cache_end (which copies it to r). A renderer that cannot draw into
 * textures gets the drawing straight, every time. */
int sm_view_cache_begin(sm_view_t *v, sm_view_cache_t *c, SDL_Rect r, uint32_t key, SDL_Color bg);
void sm_view_cache_end(sm_view_t *v, sm_view_cache_t *c);
void sm_view_cache_drop(sm_view_cache_t *c); /* frees the texture (device reset, destroy) */

/* ---- layout (sm_view_layout.c) ----------------------------------------------------------- */

void sm_view_layout(sm_view_t *v, const sm_view_model_t *m, const sm_frame_t *f,
                    const sm_frame_t *f2, double scale, sm_layout_t *L);

/* ---- the heatmap's colour table and textures (sm_layer_heatmap.c) ------------------------ */

void sm_view_lut_build(sm_view_t *v);
int sm_view_legend_make(sm_view_t *v);
/* Top of the colour scale when the model gives none. */
double sm_view_fallback_scale(const sm_frame_t *f, const float *vals);
/* Colours the frame into h at map_w x map_h (skipped when nothing changed); 0 or -1. labels
 * (may be NULL): cells labelled SM_VIEW_FAULT are drawn with their neighbours' median. */
int sm_view_heat_upload(sm_view_t *v, heat_t *h, const sm_frame_t *f, const float *vals,
                        const uint8_t *labels, double scale, int map_w, int map_h);

/* The x where the scale bar's label ends (the map's left edge when there is no bar). */
int sm_view_scale_bar_end(sm_view_t *v, const sm_layout_t *L, const sm_frame_t *f, double pitch);
/* How many kinds of marks the key under the map explains (sm_layer_marks.c). */
int sm_view_key_count(const sm_view_model_t *m, const sm_frame_t *f);

/* ---- window (sm_view_window.c) ----------------------------------------------------------- */

void sm_view_device_reset(sm_view_t *v);
/* The renderer lost what its textures held: everything drawn once is drawn again. */
void sm_view_targets_lost(sm_view_t *v);
/* Presenter mode makes the window fullscreen and back. */
void sm_view_presenter_window(sm_view_t *v, int presenter);
/* Present the picture (keeping a copy for screenshots when asked). */
void sm_view_present(sm_view_t *v, const sm_layout_t *L, const SDL_Rect *parts, int n);

/* ---- the layers ---------------------------------------------------------------------------- */

void sm_layer_heatmap_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_zones_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_marks_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_trail_draw(sm_view_t *v, const sm_view_ctx_t *c);
/* Once a picture, before the layers: where the body's CoP is drawn (c->cop_*). */
void sm_layer_trail_prepare(sm_view_t *v, sm_view_ctx_t *c);
void sm_layer_coach_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_numbers_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_badges_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_messages_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_namebox_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_status_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_toast_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_safety_draw(sm_view_t *v, const sm_view_ctx_t *c);
void sm_layer_calscreen_draw(sm_view_t *v, const sm_view_ctx_t *c);

/* Where the calibration screen puts its parts (sm_layer_calscreen.c), for the layer and tests:
 * the title, the list, the curve's plot area (inside its axes; w 0: no chart) and the mask map
 * (w 0: none). */
typedef struct {
    SDL_Rect box, title, list, chart, mask;
} sm_calscreen_rects_t;
void sm_view_calscreen_rects(sm_view_t *v, const sm_layout_t *L, const sm_view_calscreen_t *s,
                             sm_calscreen_rects_t *r);

/* The no-go banner across the top of the map (sm_layer_zones.c; drawn by the messages layer,
 * in place of the alert box). */
void sm_view_zone_banner(sm_view_t *v, const sm_layout_t *L, const char *text);

#endif
