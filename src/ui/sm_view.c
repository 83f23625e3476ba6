#include "sm_view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_opengl.h> /* only to ask which OpenGL we got: no GL drawing here */

#include "sm_colormap.h"
#include "sm_heatmap.h"
#include "sm_safety.h"
#include "sm_text.h"

#define LUT_N       1024
#define PI          3.14159265358979323846
#define LEGEND_N    256
#define TRAIL_VERTS ((SM_TRAIL_MAX - 1) * 6)
#define GEO_VERTS   (256 * 6) /* overlay quads drawn per batch */
#define RECTS_N     512       /* overlay rectangles drawn per batch */
#define NAME_MAX    64        /* template name, bytes with the terminator */

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

static const pal_t PAL_NORMAL = {{12, 14, 18, 255},    {21, 24, 31, 255},    {7, 8, 11, 255},
                                 {242, 244, 247, 255}, {158, 166, 180, 255}, {112, 120, 134, 255},
                                 {242, 244, 247, 255}, {78, 84, 98, 255}};
static const pal_t PAL_PRESENTER = {
    {0, 0, 0, 255},       {0, 0, 0, 255},       {0, 0, 0, 255},     {255, 255, 255, 255},
    {225, 225, 225, 255}, {185, 185, 185, 255}, {255, 222, 0, 255}, {140, 140, 140, 255}};

enum { AL_LEFT, AL_CENTER, AL_RIGHT };

/* One heatmap texture at its size on screen and what it shows, so an unchanged frame (paused,
 * or the compare map that rarely changes) is not coloured again. */
typedef struct {
    SDL_Texture *tex;
    int tw, th;
    uint16_t last[SM_MAX_CELLS];
    int rows, cols, valid;
    double scale;
} heat_t;

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
    SDL_Texture *legend_tex;
    heat_t heat, heat2;            /* the live map and the compare map */
    uint16_t qcells[SM_MAX_CELLS]; /* calibrated values quantised for sm_heatmap_render */
    Uint32 pixel_format;           /* of the output: opaque pictures in it are plain copies */
    const pal_t *pal;              /* of the picture being drawn */
    int presenter_fs; /* presenter mode made the window fullscreen (undone when it ends) */
    int last_presenter;
    SDL_Texture *marker_tex;
    int marker_px, marker_key;
    int face_px[SM_FACE_COUNT];
    int heat_rect[4], heat_drawn;
    int map_rows, map_cols; /* of the last heatmap drawn, for mouse drags */
    double map_pitch;
    SDL_Vertex verts[TRAIL_VERTS];
    SDL_Vertex geo[GEO_VERTS];
    int geo_n;
    SDL_BlendMode geo_blend;
    SDL_Rect rects[RECTS_N];
    /* Typing a template name: keys go into the name, not to actions. */
    int naming;
    char name[NAME_MAX];
    /* Dragging a no-go zone on the map: corners in output pixels. */
    int dragging;
    double drag_x0, drag_y0, drag_x1, drag_y1;
};

/* ---- small helpers ------------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Opaque colours are drawn without blending: the same pixels, but software renderers (SDL's own,
 * llvmpipe) then fill instead of reading back and mixing every pixel. */
static void set_color(sm_view_t *v, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(v->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(v->ren, c.r, c.g, c.b, c.a);
}

static void fill(sm_view_t *v, SDL_Rect r, SDL_Color c)
{
    set_color(v, c);
    SDL_RenderFillRect(v->ren, &r);
}

static void fill_some_rect(sm_view_t *v, SDL_Rect r, SDL_Color c)
{
    if (r.w > 0 && r.h > 0)
        fill(v, r, c);
}

static void outline(sm_view_t *v, SDL_Rect r, SDL_Color c, int width)
{
    set_color(v, c);
    for (int i = 0; i < width; i++) {
        SDL_Rect o = {r.x - i - 1, r.y - i - 1, r.w + 2 * i + 2, r.h + 2 * i + 2};
        SDL_RenderDrawRect(v->ren, &o);
    }
}

static SDL_Color with_alpha(SDL_Color c, int a)
{
    c.a = (Uint8)(a < 0 ? 0 : a > 255 ? 255 : a);
    return c;
}

static int iround(double x)
{
    return (int)floor(x + 0.5);
}

static double smoothstep(double e0, double e1, double x)
{
    if (x <= e0)
        return 0.0;
    if (x >= e1)
        return 1.0;
    double s = (x - e0) / (e1 - e0);
    return s * s * (3.0 - 2.0 * s);
}

/* Draws s with its top at y, anchored at x per align, scaled down to fit maxw (0: any width).
 * Returns the width drawn; *h (may be NULL) gets the height. */
static int draw_text(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int x, int y,
                     int align, int maxw, int *h)
{
    int w = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, 0, s, &w, &th);
    if (h)
        *h = th;
    if (!tex)
        return 0;
    int dw = w, dh = th;
    if (maxw > 0 && w > maxw) {
        dw = maxw;
        dh = (int)((double)th * maxw / w + 0.5);
    }
    int dx = align == AL_LEFT ? x : align == AL_CENTER ? x - dw / 2 : x - dw;
    /* Keep the scaled text on the same baseline region: centre it vertically in the line. */
    SDL_Rect dst = {dx, y + (th - dh) / 2, dw, dh};
    SDL_RenderCopy(v->ren, tex, NULL, &dst);
    return dw;
}

/* Text turned a quarter to the left (read from bottom to top), centred on (cx, cy), scaled to be
 * at most maxlen long. */
static void draw_text_up(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int cy,
                         int maxlen)
{
    int w = 0, h = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, 0, s, &w, &h);
    if (!tex)
        return;
    if (maxlen > 0 && w > maxlen) {
        h = (int)((double)h * maxlen / w + 0.5);
        w = maxlen;
    }
    SDL_Rect dst = {cx - w / 2, cy - h / 2, w, h};
    SDL_RenderCopyEx(v->ren, tex, NULL, &dst, -90.0, NULL, SDL_FLIP_NONE);
}

/* Thousands grouped with a thin space (U+2009) so "12 345" reads at a glance; one decimal below
 * 10 so small calibrated values (kPa, cm2) keep their meaning. */
static void fmt_value(double x, char *buf, size_t n)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "\xe2\x80\x93"); /* en dash: no value */
        return;
    }
    if (fabs(x) < 10.0 && fabs(x - floor(x + 0.5)) > 0.05) {
        snprintf(buf, n, "%.1f", x);
        return;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(x));
    if (strcmp(digits, "0") == 0)
        x = 0.0; /* no "-0" */
    size_t len = strlen(digits), o = 0;
    if (x < 0 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 4 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            memcpy(buf + o, "\xe2\x80\x89", 3);
            o += 3;
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

static void fmt_time(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    long t = (long)s;
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* ---- colour scale ------------------------------------------------------------------------- */

static uint32_t argb(int r, int g, int b)
{
    return 0xFF000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* Value -> colour, with the bottom of the scale faded into the mat's background: noise and
 * unloaded cells read as "nothing here" instead of a purple wash over the whole mat. */
static void build_lut(sm_view_t *v)
{
    double f = v->floor_frac;
    for (int i = 0; i < LUT_N; i++) {
        double t = (double)i / (LUT_N - 1);
        unsigned char rgb[3];
        sm_colormap_rgb(t, rgb);
        double a = smoothstep(f, 2.0 * f, t);
        v->lut[i] =
            argb(iround(C_MAT.r + (rgb[0] - C_MAT.r) * a), iround(C_MAT.g + (rgb[1] - C_MAT.g) * a),
                 iround(C_MAT.b + (rgb[2] - C_MAT.b) * a));
    }
}

static int make_legend(sm_view_t *v)
{
    v->legend_tex =
        SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, 1, LEGEND_N);
    if (!v->legend_tex)
        return -1;
    uint32_t px[LEGEND_N];
    for (int y = 0; y < LEGEND_N; y++) /* top of the bar = top of the scale */
        px[y] = v->lut[(LEGEND_N - 1 - y) * (LUT_N - 1) / (LEGEND_N - 1)];
    SDL_UpdateTexture(v->legend_tex, NULL, px, (int)sizeof px[0]);
    SDL_SetTextureScaleMode(v->legend_tex, SDL_ScaleModeLinear);
    return 0;
}

/* ---- CoP marker ---------------------------------------------------------------------------- */

static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
    return sqrt(ex * ex + ey * ey);
}

/* A reticle: white ring with four ticks outside it and a small centre dot, all outlined in black
 * so it stands out on every colour of the scale (dark purple to yellow). The inside of the ring
 * stays open so the pressure under the CoP remains visible. Drawn once per size, antialiased. */
static void make_marker(sm_view_t *v, double ring_r, double stroke, double edge)
{
    int key = iround(ring_r * 16) * 4096 + iround(stroke * 16) * 64 + iround(edge * 16);
    if (v->marker_tex && key == v->marker_key)
        return;
    if (v->marker_tex)
        SDL_DestroyTexture(v->marker_tex);
    v->marker_tex = NULL;
    double tick_out = ring_r * 1.85;
    int size = 2 * (int)ceil(tick_out + stroke / 2 + edge + 1.5);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, size, size, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return;
    double c = size / 2.0, dot_r = stroke * 0.55;
    for (int y = 0; y < size; y++) {
        uint32_t *row = (uint32_t *)((unsigned char *)s->pixels + (size_t)y * s->pitch);
        for (int x = 0; x < size; x++) {
            double px = x + 0.5 - c, py = y + 0.5 - c, r = sqrt(px * px + py * py);
            double d = fabs(r - ring_r) - stroke / 2;       /* ring */
            double d_dot = r - dot_r;                       /* centre dot */
            double t0 = ring_r + stroke / 2, t1 = tick_out; /* ticks */
            double dt = seg_dist(px, py, t0, 0, t1, 0);
            dt = fmin(dt, seg_dist(px, py, -t0, 0, -t1, 0));
            dt = fmin(dt, seg_dist(px, py, 0, t0, 0, t1));
            dt = fmin(dt, seg_dist(px, py, 0, -t0, 0, -t1));
            dt -= stroke / 2;
            d = fmin(fmin(d, d_dot), dt);
            double cw = fmin(fmax(0.5 - d, 0), 1);          /* white core coverage */
            double cb = fmin(fmax(0.5 - (d - edge), 0), 1); /* with the black edge */
            double a = cw + cb * (1 - cw);
            int lum = a > 0 ? iround(255 * cw / a) : 0;
            row[x] = (uint32_t)iround(a * 255) << 24 | (uint32_t)lum << 16 | (uint32_t)lum << 8 |
                     (uint32_t)lum;
        }
    }
    v->marker_tex = SDL_CreateTextureFromSurface(v->ren, s);
    SDL_FreeSurface(s);
    if (v->marker_tex) {
        SDL_SetTextureBlendMode(v->marker_tex, SDL_BLENDMODE_BLEND);
        v->marker_px = size;
        v->marker_key = key;
    }
}

/* ---- create / destroy --------------------------------------------------------------------- */

/* 1 when r is OpenGL (ES) rasterised by the CPU. Its context is current right after creation. */
static int gl_on_cpu(SDL_Renderer *r)
{
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(r, &info) != 0 || strncmp(info.name, "opengl", 6) != 0)
        return 0;
    typedef const GLubyte *(APIENTRY * get_string_fn)(GLenum);
    get_string_fn get_string = (get_string_fn)SDL_GL_GetProcAddress("glGetString");
    const char *name = get_string ? (const char *)get_string(GL_RENDERER) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "Software Rasterizer") || strstr(name, "SWR"));
}

/* A window someone can see: an X or Wayland display, or a video driver chosen on purpose
 * (SDL_VIDEODRIVER: KMSDRM on a console, dummy in tests). Without them SDL would quietly fall
 * back to its invisible "offscreen" driver and the session would run with nobody watching. */
static int has_display(void)
{
    const char *names[] = {"SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *e = SDL_getenv(names[i]);
        if (e && *e)
            return 1;
    }
    return 0;
}

/* SDL_RENDER_DRIVER set by whoever started us is their choice, faster or not. */
static int user_chose_renderer(void)
{
    const char *h = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
    return h && *h;
}

/* 32-bit format for opaque textures: the output's own when the renderer takes it (SDL's software
 * renderer then copies rows instead of converting pixels: X11 windows are XRGB8888), else
 * ARGB8888. The colour table's values mean the same in both. */
static Uint32 output_format(sm_view_t *v)
{
    Uint32 want = v->target ? v->target->format->format : SDL_GetWindowPixelFormat(v->win);
    if (want != SDL_PIXELFORMAT_RGB888 && want != SDL_PIXELFORMAT_ARGB8888)
        return SDL_PIXELFORMAT_ARGB8888;
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(v->ren, &info) != 0)
        return SDL_PIXELFORMAT_ARGB8888;
    for (Uint32 i = 0; i < info.num_texture_formats; i++)
        if (info.texture_formats[i] == want)
            return want;
    return SDL_PIXELFORMAT_ARGB8888;
}

sm_view_t *sm_view_create(const sm_view_config_t *cfg, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    sm_view_config_t c = {0};
    if (cfg)
        c = *cfg;
    if (c.width <= 0)
        c.width = 1280;
    if (c.height <= 0)
        c.height = 800;
    if (c.width < 64 || c.height < 64 || c.width > 16384 || c.height > 16384) {
        set_err(err, errlen, "view size %dx%d out of range (64 to 16384 pixels a side)", c.width,
                c.height);
        return NULL;
    }
    if (!(c.floor_frac > 0.0) || c.floor_frac > 0.25)
        c.floor_frac = 0.02;

    sm_view_t *v = calloc(1, sizeof *v);
    if (!v) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    v->headless = c.headless != 0;
    v->no_readback = c.no_readback != 0;
    v->floor_frac = c.floor_frac;
    v->pal = &PAL_NORMAL;

    if (v->headless) {
        /* No video subsystem at all: a plain surface and SDL's software renderer work anywhere,
         * with or without a display. */
        v->target =
            SDL_CreateRGBSurfaceWithFormat(0, c.width, c.height, 32, SDL_PIXELFORMAT_ARGB8888);
        if (v->target)
            v->ren = SDL_CreateSoftwareRenderer(v->target);
        if (!v->ren) {
            set_err(err, errlen, "cannot create the off-screen picture: %s", SDL_GetError());
            sm_view_destroy(v);
            return NULL;
        }
    } else {
        if (!has_display()) {
            set_err(err, errlen, "cannot open a window (no display): use --headless");
            sm_view_destroy(v);
            return NULL;
        }
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
            set_err(err, errlen, "cannot open a window (no display?): %s; run with --headless",
                    SDL_GetError());
            sm_view_destroy(v);
            return NULL;
        }
        v->video_init = 1;
        Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
        if (c.fullscreen)
            flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        v->win = SDL_CreateWindow(c.title ? c.title : "SteadyMat", SDL_WINDOWPOS_CENTERED,
                                  SDL_WINDOWPOS_CENTERED, c.width, c.height, flags);
        if (!v->win) {
            set_err(err, errlen, "cannot open a window (no display?): %s; run with --headless",
                    SDL_GetError());
            sm_view_destroy(v);
            return NULL;
        }
        SDL_SetWindowMinimumSize(v->win, 480, 320);
        /* SDL starts with text input on: keep it off until a template name is typed, so letters
         * come only as key presses (and no on-screen keyboard or IME pops up). */
        SDL_StopTextInput();
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED);
        if (v->ren && gl_on_cpu(v->ren) && !user_chose_renderer()) {
            /* OpenGL drawn by the CPU (Mesa llvmpipe: Xvfb, VMs, remote X) costs about four
             * times SDL's own software renderer for this picture (4.0 against 1.0 ms at
             * 1280x800), and presents the same way, through the X server. The window's own
             * framebuffer (XShm), not one more texture drawn by that same GL. */
            SDL_DestroyRenderer(v->ren);
            SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
            if (!v->ren) { /* no framebuffer of its own (Wayland): GL after all */
                SDL_ResetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
                v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED);
            }
        }
        if (!v->ren) /* no GPU driver (VMs, remote X): the software renderer still works */
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
        if (!v->ren) {
            set_err(err, errlen, "cannot draw in the window: %s; run with --headless",
                    SDL_GetError());
            sm_view_destroy(v);
            return NULL;
        }
    }
    v->pixel_format = output_format(v);

    v->hm = sm_heatmap_create();
    v->text = sm_text_create(v->ren, c.font_dir);
    build_lut(v);
    if (!v->hm || !v->text || make_legend(v) != 0) {
        set_err(err, errlen, "cannot set up the view: %s", SDL_GetError());
        sm_view_destroy(v);
        return NULL;
    }
    return v;
}

void sm_view_destroy(sm_view_t *v)
{
    if (!v)
        return;
    sm_text_destroy(v->text);
    if (v->heat.tex)
        SDL_DestroyTexture(v->heat.tex);
    if (v->heat2.tex)
        SDL_DestroyTexture(v->heat2.tex);
    if (v->legend_tex)
        SDL_DestroyTexture(v->legend_tex);
    if (v->marker_tex)
        SDL_DestroyTexture(v->marker_tex);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    if (v->target)
        SDL_FreeSurface(v->target);
    if (v->copy)
        SDL_FreeSurface(v->copy);
    sm_heatmap_destroy(v->hm);
    if (v->video_init)
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(v);
}

/* ---- events ------------------------------------------------------------------------------- */

static void device_reset(sm_view_t *v)
{
    sm_text_flush(v->text);
    if (v->heat.tex)
        SDL_DestroyTexture(v->heat.tex);
    if (v->heat2.tex)
        SDL_DestroyTexture(v->heat2.tex);
    if (v->marker_tex)
        SDL_DestroyTexture(v->marker_tex);
    if (v->legend_tex)
        SDL_DestroyTexture(v->legend_tex);
    v->heat.tex = v->heat2.tex = v->marker_tex = v->legend_tex = NULL;
    v->heat.valid = v->heat2.valid = 0;
    v->heat.tw = v->heat.th = v->heat2.tw = v->heat2.th = 0;
    make_legend(v); /* the marker and heatmap are made again on the next render */
}

static void toggle_fullscreen(sm_view_t *v)
{
    Uint32 fs = SDL_GetWindowFlags(v->win) & SDL_WINDOW_FULLSCREEN_DESKTOP;
    SDL_SetWindowFullscreen(
        v->win, fs == SDL_WINDOW_FULLSCREEN_DESKTOP ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
}

/* Window coordinates (mouse) to output pixels (the picture; larger on HiDPI). */
static void window_to_output(sm_view_t *v, int wx, int wy, double *x, double *y)
{
    int ww = 0, wh = 0, ow = 0, oh = 0;
    SDL_GetWindowSize(v->win, &ww, &wh);
    SDL_GetRendererOutputSize(v->ren, &ow, &oh);
    *x = ww > 0 && ow > 0 ? (wx + 0.5) * ow / ww : wx;
    *y = wh > 0 && oh > 0 ? (wy + 0.5) * oh / wh : wy;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Output pixels on the last heatmap to mat millimetres from the mat's top-left corner. A mat of
 * unknown pitch is taken as 10 mm: the zone still lands on the same cells. */
static void output_to_mm(const sm_view_t *v, double x, double y, double *xm, double *ym)
{
    const int *r = v->heat_rect;
    double pitch = v->map_pitch > 0 ? v->map_pitch : 10.0;
    *xm = clampd((x - r[0]) / r[2], 0.0, 1.0) * v->map_cols * pitch;
    *ym = clampd((y - r[1]) / r[3], 0.0, 1.0) * v->map_rows * pitch;
}

static int on_map(const sm_view_t *v, double x, double y)
{
    const int *r = v->heat_rect;
    return v->heat_drawn && x >= r[0] && y >= r[1] && x < r[0] + r[2] && y < r[1] + r[3];
}

static void stop_naming(sm_view_t *v)
{
    v->naming = 0;
    SDL_StopTextInput();
}

/* While a template name is typed every key edits the name: letters must not mute, quit or
 * rate soreness. Enter saves (an empty name does nothing), Esc cancels. */
static sm_action_t naming_key(sm_view_t *v, const SDL_KeyboardEvent *k, sm_view_event_t *ev)
{
    switch (k->keysym.sym) {
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (!v->name[0] || k->repeat)
            return SM_ACT_NONE;
        snprintf(ev->text, sizeof ev->text, "%s", v->name);
        stop_naming(v);
        return SM_ACT_TEMPLATE_SAVE;
    case SDLK_ESCAPE:
        if (!k->repeat)
            stop_naming(v);
        return SM_ACT_NONE;
    case SDLK_BACKSPACE: { /* one character: drop UTF-8 continuation bytes with it */
        size_t n = strlen(v->name);
        while (n > 0 && ((unsigned char)v->name[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0)
            n--;
        v->name[n] = '\0';
        return SM_ACT_NONE;
    }
    default:
        return SM_ACT_NONE;
    }
}

static void naming_text(sm_view_t *v, const char *t)
{
    size_t n = strlen(v->name);
    for (; *t; t++) {
        unsigned char ch = (unsigned char)*t;
        if (ch < 0x20 || ch == 0x7F)
            continue;
        /* Whole UTF-8 sequences only: a name is never cut inside a character. */
        size_t len = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 0;
        if (!len || n + len >= sizeof v->name)
            break;
        memcpy(v->name + n, t, len);
        n += len;
        t += len - 1;
    }
    v->name[n] = '\0';
}

static sm_action_t key_action(sm_view_t *v, const SDL_KeyboardEvent *k, sm_view_event_t *ev)
{
    /* Auto-repeat may only step through a replay or the volume; held keys must not flip pause,
     * fullscreen, or double the speed ten times. */
    int rep = k->repeat != 0;
    SDL_Keycode sym = k->keysym.sym;
    if (sym >= SDLK_0 && sym <= SDLK_9) {
        ev->value = sym - SDLK_0;
        return rep ? SM_ACT_NONE : SM_ACT_SORENESS;
    }
    if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9) {
        ev->value = sym - SDLK_KP_1 + 1;
        return rep ? SM_ACT_NONE : SM_ACT_SORENESS;
    }
    switch (sym) {
    case SDLK_ESCAPE:
        if (v->dragging) { /* Esc while dragging a zone drops the zone, not the session */
            v->dragging = 0;
            return SM_ACT_NONE;
        }
        return SM_ACT_QUIT;
    case SDLK_q:
        return SM_ACT_QUIT;
    case SDLK_SPACE:
        return rep ? SM_ACT_NONE : SM_ACT_PAUSE;
    case SDLK_F11:
        if (!rep)
            toggle_fullscreen(v);
        return SM_ACT_NONE;
    case SDLK_LEFT:
        return SM_ACT_SEEK_BACK;
    case SDLK_RIGHT:
        return SM_ACT_SEEK_FWD;
    case SDLK_DOWN:
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        return rep ? SM_ACT_NONE : SM_ACT_SLOWER;
    case SDLK_UP:
    case SDLK_PLUS:
    case SDLK_EQUALS: /* '+' without shift on US layouts */
    case SDLK_KP_PLUS:
        return rep ? SM_ACT_NONE : SM_ACT_FASTER;
    case SDLK_HOME:
        return rep ? SM_ACT_NONE : SM_ACT_HOME;
    case SDLK_m:
        return rep ? SM_ACT_NONE : SM_ACT_MUTE;
    case SDLK_s:
        return rep ? SM_ACT_NONE : SM_ACT_SOUNDS;
    case SDLK_LEFTBRACKET:
        return SM_ACT_VOL_DOWN;
    case SDLK_RIGHTBRACKET:
        return SM_ACT_VOL_UP;
    case SDLK_h:
        return rep ? SM_ACT_NONE : SM_ACT_PIVOT;
    case SDLK_KP_0:
        ev->value = 0;
        return rep ? SM_ACT_NONE : SM_ACT_SORENESS;
    case SDLK_QUOTE:
        ev->value = 10;
        return rep ? SM_ACT_NONE : SM_ACT_SORENESS;
    case SDLK_t:
        if (!rep) {
            v->naming = 1;
            v->name[0] = '\0';
            v->dragging = 0;
            SDL_StartTextInput();
        }
        return SM_ACT_NONE;
    case SDLK_g:
        if (rep)
            return SM_ACT_NONE;
        return k->keysym.mod & KMOD_SHIFT ? SM_ACT_TEMPLATE_MIRROR : SM_ACT_TEMPLATE_NEXT;
    case SDLK_z:
        return rep ? SM_ACT_NONE : SM_ACT_ZONE_CLEAR;
    case SDLK_F10:
    case SDLK_p:
        return rep ? SM_ACT_NONE : SM_ACT_PRESENTER;
    case SDLK_c:
        return rep ? SM_ACT_NONE : SM_ACT_COMPARE;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        return rep ? SM_ACT_NONE : SM_ACT_NEXT;
    case SDLK_r:
    case SDLK_BACKSPACE:
        return rep ? SM_ACT_NONE : SM_ACT_REDO;
    case SDLK_F1:
        return rep ? SM_ACT_NONE : SM_ACT_SAFETY;
    default:
        return SM_ACT_NONE;
    }
}

/* The drag ends: a box at least a few pixels each way becomes a zone in mat mm. */
static sm_action_t drag_end(sm_view_t *v, sm_view_event_t *ev)
{
    v->dragging = 0;
    double min_px = 4.0;
    if (fabs(v->drag_x1 - v->drag_x0) < min_px || fabs(v->drag_y1 - v->drag_y0) < min_px)
        return SM_ACT_NONE; /* a click, not a drag */
    double xa, ya, xb, yb;
    output_to_mm(v, v->drag_x0, v->drag_y0, &xa, &ya);
    output_to_mm(v, v->drag_x1, v->drag_y1, &xb, &yb);
    ev->zone.ellipse = (SDL_GetModState() & KMOD_SHIFT) != 0;
    ev->zone.x0 = fmin(xa, xb), ev->zone.x1 = fmax(xa, xb);
    ev->zone.y0 = fmin(ya, yb), ev->zone.y1 = fmax(ya, yb);
    ev->zone.active = 0;
    return SM_ACT_ZONE_ADD;
}

static sm_action_t mouse_action(sm_view_t *v, const SDL_Event *e, sm_view_event_t *ev)
{
    double x, y;
    if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        window_to_output(v, e->button.x, e->button.y, &x, &y);
        if (on_map(v, x, y)) {
            v->dragging = 1;
            v->drag_x0 = v->drag_x1 = x;
            v->drag_y0 = v->drag_y1 = y;
        }
    } else if (e->type == SDL_MOUSEMOTION && v->dragging) {
        window_to_output(v, e->motion.x, e->motion.y, &x, &y);
        const int *r = v->heat_rect; /* the box stays on the mat */
        v->drag_x1 = clampd(x, r[0], r[0] + r[2]);
        v->drag_y1 = clampd(y, r[1], r[1] + r[3]);
    } else if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT && v->dragging) {
        window_to_output(v, e->button.x, e->button.y, &x, &y);
        const int *r = v->heat_rect;
        v->drag_x1 = clampd(x, r[0], r[0] + r[2]);
        v->drag_y1 = clampd(y, r[1], r[1] + r[3]);
        return drag_end(v, ev);
    }
    return SM_ACT_NONE;
}

sm_action_t sm_view_poll_event(sm_view_t *v, sm_view_event_t *ev)
{
    sm_view_event_t dummy;
    if (!ev)
        ev = &dummy;
    memset(ev, 0, sizeof *ev);
    if (!v || v->headless)
        return SM_ACT_NONE;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        sm_action_t a = SM_ACT_NONE;
        if (e.type == SDL_QUIT)
            a = SM_ACT_QUIT;
        else if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE)
            a = SM_ACT_QUIT;
        /* Some drivers (Direct3D, after a display change or sleep) lose the contents of render
         * targets or every texture: draw the heatmap again, and rebuild the rest if needed. */
        else if (e.type == SDL_RENDER_TARGETS_RESET)
            v->heat.valid = v->heat2.valid = 0;
        else if (e.type == SDL_RENDER_DEVICE_RESET)
            device_reset(v);
        /* Resizes need nothing here: every render lays out from the current output size. */
        else if (e.type == SDL_TEXTINPUT && v->naming)
            naming_text(v, e.text.text);
        else if (e.type == SDL_KEYDOWN)
            a = v->naming ? naming_key(v, &e.key, ev) : key_action(v, &e.key, ev);
        else if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP ||
                 e.type == SDL_MOUSEMOTION)
            a = mouse_action(v, &e, ev);
        if (a != SM_ACT_NONE) {
            ev->action = a;
            return a;
        }
        memset(ev, 0, sizeof *ev);
    }
    return SM_ACT_NONE;
}

sm_action_t sm_view_poll(sm_view_t *v)
{
    sm_view_event_t ev;
    return sm_view_poll_event(v, &ev);
}

int sm_view_text_entry(const sm_view_t *v)
{
    return v && v->naming;
}

/* ---- layout ------------------------------------------------------------------------------- */

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
} layout_t;

static void set_faces(sm_view_t *v, double u, int presenter)
{
    int px[SM_FACE_COUNT];
    px[SM_FACE_SMALL] = iround(fmax(12.0, 2.1 * u));
    px[SM_FACE_LABEL] = iround(fmax(13.0, 2.6 * u));
    px[SM_FACE_BANNER] = iround(fmax(15.0, 3.3 * u));
    px[SM_FACE_MESSAGE] = iround(fmax(20.0, 5.6 * u));
    /* Digits of DejaVu Sans Bold are 0.73 em tall: 9.5 u gives digits about 7 % of the height
     * of a landscape window, readable from the floor 2 m away on a laptop. */
    px[SM_FACE_NUMBER] = iround(fmax(28.0, 9.5 * u));
    /* The coach is read from the floor (1-3 m, head down) or across a room (presenter): the
     * instruction as large as the alert, the hold timer's digits about 12 % of the window's
     * height (16 % presenting). */
    px[SM_FACE_COACH] = iround(fmax(18.0, (presenter ? 8.0 : 5.8) * u));
    px[SM_FACE_HUGE] = iround(fmax(40.0, (presenter ? 22.0 : 16.5) * u));
    sm_text_set_sizes(v->text, px);
    memcpy(v->face_px, px, sizeof px);
}

static int line_h(sm_view_t *v, sm_face f)
{
    int h = sm_text_line_height(v->text, f);
    return h > 0 ? h : v->face_px[f] + v->face_px[f] / 4;
}

/* The widest tick label the legend will need, for its column width. */
static int legend_width(sm_view_t *v, const layout_t *L, double scale)
{
    char buf[48];
    fmt_value(scale, buf, sizeof buf);
    int w = 0, h = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    if (w == 0)
        w = (int)strlen(buf) * v->face_px[SM_FACE_SMALL] * 6 / 10;
    return iround(2.6 * L->u) + iround(1.0 * L->u) + w + iround(1.2 * L->u) +
           line_h(v, SM_FACE_LABEL);
}

static void compute_layout(sm_view_t *v, const sm_view_model_t *m, const sm_frame_t *f,
                           const sm_frame_t *f2, double scale, layout_t *L)
{
    memset(L, 0, sizeof *L);
    SDL_GetRendererOutputSize(v->ren, &L->W, &L->H);
    L->u = (L->W < L->H ? L->W : L->H) / 100.0;
    L->presenter = m->presenter != 0;
    L->coach = m->coach != 0;
    set_faces(v, L->u, L->presenter);
    L->m = iround(2.0 * L->u);
    L->portrait = L->W < L->H * 1.15;

    int y0 = 0, y1 = L->H;
    int sh = iround(line_h(v, SM_FACE_SMALL) * 1.7);
    L->status = (SDL_Rect){0, y1 - sh, L->W, sh};
    y1 -= sh;
    if (m->banner && *m->banner) {
        int bh = iround(line_h(v, SM_FACE_BANNER) * 1.7);
        L->banner = (SDL_Rect){0, 0, L->W, bh};
        y0 += bh;
    }
    if (m->notice && *m->notice) {
        int nh = iround(line_h(v, SM_FACE_LABEL) * 1.6);
        L->notice = (SDL_Rect){0, y1 - nh, L->W, nh};
        y1 -= nh;
    }
    L->content = (SDL_Rect){0, y0, L->W, y1 - y0};
    if (!f)
        return;

    L->legend_w = legend_width(v, L, scale);
    int head = line_h(v, SM_FACE_SMALL);            /* "head end" above the map */
    int foot = line_h(v, SM_FACE_SMALL) + L->m / 2; /* scale bar below it */
    if (f2) {
        L->caption_h = line_h(v, SM_FACE_BANNER) + iround(0.4 * L->u);
        head = L->caption_h;
    }
    if (m->template_text && *m->template_text) {
        L->tmpl_h = iround(line_h(v, SM_FACE_COACH) * 1.15);
        foot += L->tmpl_h;
    }
    /* The coach's panel is wider: its timer and instruction are the largest things on screen
     * after the map. */
    double pw_frac =
        L->coach ? (L->presenter ? (f2 ? 0.36 : 0.40) : 0.35) : (L->presenter ? 0.30 : 0.27);
    if (!L->portrait) {
        int pw = iround(fmax(pw_frac * L->W, (L->coach ? 40.0 : 30.0) * L->u));
        L->panel = (SDL_Rect){L->W - pw, y0, pw, y1 - y0};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - pw - L->legend_w - 2 * L->m,
                                 y1 - y0 - 2 * L->m - head - foot};
    } else {
        int ph = iround(fmax((L->coach ? 0.36 : 0.26) * (y1 - y0), 24.0 * L->u));
        L->panel = (SDL_Rect){0, y1 - ph, L->W, ph};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - L->legend_w - 2 * L->m,
                                 y1 - ph - y0 - 2 * L->m - head - foot};
    }
    if (L->map_area.w < 8)
        L->map_area.w = 8;
    if (L->map_area.h < 8)
        L->map_area.h = 8;
    /* Square cells: rows x pitch by cols x pitch, as large as fits, centred. Side by side, both
     * maps get the same cell size (the same mat shows at the same size). */
    int gap = f2 ? iround(3.0 * L->u) : 0;
    double aw = f2 ? (L->map_area.w - gap) / 2.0 : L->map_area.w;
    double cell = fmin(aw / f->cols, (double)L->map_area.h / f->rows);
    if (f2)
        cell = fmin(cell, fmin(aw / f2->cols, (double)L->map_area.h / f2->rows));
    int mw = iround(cell * f->cols), mh = iround(cell * f->rows);
    int mw2 = f2 ? iround(cell * f2->cols) : 0, mh2 = f2 ? iround(cell * f2->rows) : 0;
    int group_w = mw2 + gap + mw + L->legend_w; /* maps and legend travel together */
    int gx = L->map_area.x + (L->map_area.w + L->legend_w - group_w) / 2;
    int top = L->map_area.y + (L->map_area.h - (mh > mh2 ? mh : mh2)) / 2;
    if (f2)
        L->map2 = (SDL_Rect){gx, top, mw2, mh2};
    L->map = (SDL_Rect){gx + mw2 + gap, top, mw, mh};
}

/* ---- pieces of the picture ---------------------------------------------------------------- */

static double fallback_scale(const sm_frame_t *f, const float *vals)
{
    if (vals) { /* calibrated: the highest value, so the map is never all one colour */
        double vm = 0;
        for (int i = 0; i < f->rows * f->cols; i++)
            if (isfinite(vals[i]) && vals[i] > vm)
                vm = vals[i];
        return vm > 0 ? vm : 1.0;
    }
    uint16_t mx = 0;
    for (int i = 0; f && i < f->rows * f->cols; i++)
        if (f->cells[i] > mx)
            mx = f->cells[i];
    return mx > 1023 ? 4095.0 : 1023.0;
}

/* Calibrated values (floats in the scale's units) as counts for sm_heatmap_render: the scale's
 * top becomes Q_SCALE, so values up to four times the scale keep their shape and a step of the
 * colour table (1/1024 of the scale) is 16 steps here. Below zero and non-finite read as 0. */
#define Q_SCALE 16000.0
static const uint16_t *quantise(sm_view_t *v, const float *vals, int n, double scale)
{
    double k = Q_SCALE / scale;
    for (int i = 0; i < n; i++) {
        double x = vals[i] * k;
        v->qcells[i] = (uint16_t)(x > 0 && x < 65535.0 ? x + 0.5 : x >= 65535.0 ? 65535 : 0);
    }
    return v->qcells;
}

/* Colours the frame straight at its size on screen (map_w x map_h), so drawing it is a plain
 * copy: no scaling, no filtering, no blending. A texture scaled by the renderer cost most of a
 * picture with software rendering (SDL's own, or llvmpipe). vals (NULL: the raw counts) are
 * calibrated values in the units of scale. */
static int upload_heatmap(sm_view_t *v, heat_t *h, const sm_frame_t *f, const float *vals,
                          double scale, int map_w, int map_h)
{
    size_t n = (size_t)f->rows * f->cols;
    const uint16_t *cells = f->cells;
    if (vals) {
        cells = quantise(v, vals, (int)n, scale);
        scale = Q_SCALE;
    }
    if (h->valid && h->tw == map_w && h->th == map_h && h->rows == f->rows && h->cols == f->cols &&
        h->scale == scale && memcmp(h->last, cells, n * sizeof cells[0]) == 0)
        return 0;
    if (!h->tex || h->tw != map_w || h->th != map_h) {
        if (h->tex)
            SDL_DestroyTexture(h->tex);
        h->tex =
            SDL_CreateTexture(v->ren, v->pixel_format, SDL_TEXTUREACCESS_STREAMING, map_w, map_h);
        h->valid = 0;
        h->tw = h->th = 0;
        if (!h->tex)
            return -1;
        SDL_SetTextureBlendMode(h->tex, SDL_BLENDMODE_NONE); /* opaque */
        SDL_SetTextureScaleMode(h->tex, SDL_ScaleModeNearest);
        h->tw = map_w, h->th = map_h;
    }
    void *pixels;
    int pitch;
    if (SDL_LockTexture(h->tex, NULL, &pixels, &pitch) != 0)
        return -1;
    int rc = sm_heatmap_render(v->hm, cells, f->rows, f->cols, map_w, map_h, scale, v->lut, LUT_N,
                               pixels, pitch);
    SDL_UnlockTexture(h->tex);
    if (rc != 0) {
        h->valid = 0;
        return -1;
    }
    memcpy(h->last, cells, n * sizeof cells[0]);
    h->rows = f->rows, h->cols = f->cols, h->scale = scale;
    h->valid = 1;
    return 0;
}

static double nice_step(double span, int target)
{
    double raw = span / (target > 0 ? target : 1);
    double p = pow(10.0, floor(log10(raw)));
    double q = raw / p;
    return (q <= 1.0 ? 1.0 : q <= 2.0 ? 2.0 : q <= 2.5 ? 2.5 : q <= 5.0 ? 5.0 : 10.0) * p;
}

static void draw_legend(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, double scale)
{
    int bw = iround(2.6 * L->u);
    SDL_Rect bar = {L->map.x + L->map.w + iround(1.6 * L->u), L->map.y, bw, L->map.h};
    SDL_RenderCopy(v->ren, v->legend_tex, NULL, &bar);
    outline(v, bar, v->pal->frame, 1);

    int lh = line_h(v, SM_FACE_SMALL);
    int target = bar.h / (lh * 3);
    if (target > 8)
        target = 8;
    double step = nice_step(scale, target < 2 ? 2 : target);
    int label_x = bar.x + bar.w + iround(1.0 * L->u);
    int max_label_w = 0;
    for (int i = 0;; i++) {
        double val = i * step;
        if (val > scale * (1.0 + 1e-9))
            break;
        int y = bar.y + bar.h - 1 - iround((bar.h - 1) * val / scale);
        SDL_Rect tick = {bar.x + bar.w, y - (L->u >= 8 ? 1 : 0), iround(0.7 * L->u),
                         L->u >= 8 ? 2 : 1};
        fill(v, tick, v->pal->dim);
        char buf[48];
        if (step < 1.0)
            snprintf(buf, sizeof buf, "%.*f", step < 0.1 ? 2 : 1, val);
        else
            fmt_value(val, buf, sizeof buf);
        int w =
            draw_text(v, SM_FACE_SMALL, v->pal->dim, buf, label_x, y - lh / 2, AL_LEFT, 0, NULL);
        if (w > max_label_w)
            max_label_w = w;
    }
    /* Units along the bar, read from bottom to top: the scale is never unlabelled. */
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    int ux = label_x + max_label_w + iround(0.6 * L->u) + line_h(v, SM_FACE_LABEL) / 2;
    draw_text_up(v, SM_FACE_LABEL, v->pal->text, units, ux, bar.y + bar.h / 2, bar.h);
}

/* Returns the x where the scale bar's label ends (the map's left edge when none is drawn). */
static int draw_scale_bar(sm_view_t *v, const layout_t *L, const sm_frame_t *f, double pitch,
                          int reserved)
{
    if (!(pitch > 0) || !isfinite(pitch))
        return L->map.x;
    double px_per_cm = (double)L->map.w / (f->cols * pitch / 10.0);
    static const int cms[] = {1, 2, 5, 10, 20, 50, 100};
    int cm = 0;
    for (size_t i = 0; i < sizeof cms / sizeof cms[0]; i++)
        if (cms[i] * px_per_cm <= 0.34 * L->map.w)
            cm = cms[i];
    if (!cm)
        return L->map.x;
    int len = iround(cm * px_per_cm), th = L->u >= 8 ? 2 : 1;
    int y = L->map.y + L->map.h + L->m / 2 + line_h(v, SM_FACE_SMALL) / 2;
    SDL_Rect bar = {L->map.x, y - th / 2, len, th};
    fill(v, bar, v->pal->dim);
    SDL_Rect e1 = {L->map.x, y - 3 * th, th, 6 * th},
             e2 = {L->map.x + len - th, y - 3 * th, th, 6 * th};
    fill(v, e1, v->pal->dim);
    fill(v, e2, v->pal->dim);
    char buf[32];
    snprintf(buf, sizeof buf, "%d cm", cm);
    int end = L->map.x + len + iround(L->u);
    end += draw_text(v, SM_FACE_SMALL, v->pal->dim, buf, end, y - line_h(v, SM_FACE_SMALL) / 2,
                     AL_LEFT, 0, NULL);
    char dims[64];
    snprintf(dims, sizeof dims, "%d \xc3\x97 %d cells, %.3g mm pitch", f->rows, f->cols, pitch);
    int dw = 0, dh = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, dims, &dw, &dh);
    if (!reserved && dw > 0 && dw <= L->map.w - len - iround(9 * L->u))
        draw_text(v, SM_FACE_SMALL, v->pal->faint, dims, L->map.x + L->map.w,
                  y - line_h(v, SM_FACE_SMALL) / 2, AL_RIGHT, 0, NULL);
    return end;
}

static void cell_to_px(const layout_t *L, const sm_frame_t *f, double row, double col, float *x,
                       float *y)
{
    *x = (float)(L->map.x + col * L->map.w / f->cols);
    *y = (float)(L->map.y + row * L->map.h / f->rows);
}

static void push_quad(SDL_Vertex *vt, float ax, float ay, float bx, float by, float half,
                      SDL_Color c0, SDL_Color c1)
{
    float dx = bx - ax, dy = by - ay, len = sqrtf(dx * dx + dy * dy);
    /* Extend each segment by half its width so consecutive segments overlap at the joints. */
    float ux = dx / len, uy = dy / len, nx = -uy * half, ny = ux * half;
    ax -= ux * half * 0.5f, ay -= uy * half * 0.5f;
    bx += ux * half * 0.5f, by += uy * half * 0.5f;
    SDL_FPoint p[4] = {
        {ax + nx, ay + ny}, {ax - nx, ay - ny}, {bx + nx, by + ny}, {bx - nx, by - ny}};
    static const int idx[6] = {0, 1, 2, 2, 1, 3};
    for (int i = 0; i < 6; i++) {
        vt[i].position = p[idx[i]];
        vt[i].color = idx[i] < 2 ? c0 : c1;
        vt[i].tex_coord = (SDL_FPoint){0, 0};
    }
}

/* The last few seconds of the CoP as a line that fades out with age: black under white, so it
 * reads on every colour of the scale. */
static void draw_trail(sm_view_t *v, const layout_t *L, const sm_view_model_t *m,
                       const sm_frame_t *f)
{
    const sm_trail_t *tr = m->trail;
    if (!tr || tr->count < 2)
        return;
    double span = m->trail_s > 0 ? m->trail_s : 3.0;
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_BLEND); /* untextured geometry uses it */
    float core = (float)fmax(1.0, 0.2 * L->u), edge = core + (float)fmax(1.0, 0.15 * L->u);
    for (int layer = 0; layer < 2; layer++) {
        int nv = 0;
        float px = 0, py = 0;
        double pt = 0;
        int have = 0;
        for (size_t i = 0; i < tr->count; i++) {
            double t, r, c;
            if (!sm_trail_get(tr, i, &t, &r, &c))
                break;
            double age = m->now_s - t;
            if (age > span || age < -1e-6 || !isfinite(r) || !isfinite(c)) {
                have = 0;
                continue;
            }
            float x, y;
            cell_to_px(L, f, r, c, &x, &y);
            if (have && (x != px || y != py) && nv + 6 <= TRAIL_VERTS) {
                double a0 = 1.0 - (m->now_s - pt) / span, a1 = 1.0 - age / span;
                SDL_Color k = layer == 0 ? C_BLACK : C_TOOL;
                int amax = layer == 0 ? 170 : 235;
                push_quad(v->verts + nv, px, py, x, y, layer == 0 ? edge : core,
                          with_alpha(k, iround(amax * a0)), with_alpha(k, iround(amax * a1)));
                nv += 6;
            }
            px = x, py = y, pt = t, have = 1;
        }
        if (nv)
            SDL_RenderGeometry(v->ren, NULL, v->verts, nv, NULL, 0);
    }
}

static void draw_marker(sm_view_t *v, const layout_t *L, const sm_metrics_t *mt,
                        const sm_frame_t *f)
{
    double cell = (double)L->map.w / f->cols;
    double ring = fmax(2.0 * L->u, 0.55 * cell);
    if (ring > 4.0 * L->u)
        ring = 4.0 * L->u;
    make_marker(v, ring, fmax(2.0, 0.42 * L->u), fmax(1.2, 0.22 * L->u));
    if (!v->marker_tex)
        return;
    float x, y;
    cell_to_px(L, f, mt->cop_row, mt->cop_col, &x, &y);
    SDL_Rect dst = {iround(x) - v->marker_px / 2, iround(y) - v->marker_px / 2, v->marker_px,
                    v->marker_px};
    SDL_RenderCopy(v->ren, v->marker_tex, NULL, &dst);
}

/* ---- overlays on the heatmap -------------------------------------------------------------- */

/* Thick lines go through one batch of triangles per colour and blend mode: a contour of a few
 * dozen segments is one call, not one per segment. */
static void geo_flush(sm_view_t *v)
{
    if (v->geo_n) {
        SDL_SetRenderDrawBlendMode(v->ren, v->geo_blend);
        SDL_RenderGeometry(v->ren, NULL, v->geo, v->geo_n, NULL, 0);
    }
    v->geo_n = 0;
}

static void geo_line(sm_view_t *v, float ax, float ay, float bx, float by, float width, SDL_Color c)
{
    SDL_BlendMode bm = c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND;
    if (v->geo_n && (bm != v->geo_blend || v->geo_n + 6 > GEO_VERTS))
        geo_flush(v);
    v->geo_blend = bm;
    if (ax == bx && ay == by)
        return;
    push_quad(v->geo + v->geo_n, ax, ay, bx, by, width / 2, c, c);
    v->geo_n += 6;
}

static void rects_flush(sm_view_t *v, int n, SDL_Color c)
{
    if (n > 0) {
        set_color(v, c);
        SDL_RenderFillRects(v->ren, v->rects, n);
    }
}

/* Cell-centre coordinates (row, col; cell (r, c)'s centre is (r + 0.5, c + 0.5)) to pixels. */
static void cell_px(SDL_Rect map, const sm_frame_t *f, double row, double col, float *x, float *y)
{
    *x = (float)(map.x + col * map.w / f->cols);
    *y = (float)(map.y + row * map.h / f->rows);
}

typedef struct {
    const uint8_t *cells;
    int value; /* the cells equal to value (-1: any non-zero) are inside */
    int rows, cols;
} mask_t;

static int inside(const mask_t *k, int r, int c)
{
    if (r < 0 || c < 0 || r >= k->rows || c >= k->cols)
        return 0;
    uint8_t x = k->cells[r * k->cols + c];
    return k->value < 0 ? x != 0 : x == k->value;
}

/* The outline of a set of cells by marching squares over the cell centres: it runs half way
 * between a cell inside and its neighbour outside, with the corners cut at 45 degrees, so a
 * round contact gets a rounded outline instead of a staircase. dash (0..1): each segment draws
 * only its middle part (a dashed line); 0 draws it whole. Diagonal pairs join (saddles connect)
 * so a blob touching at a corner stays one outline. */
static void draw_contour(sm_view_t *v, SDL_Rect map, const sm_frame_t *f, const mask_t *k,
                         float width, SDL_Color c, double dash)
{
    /* Edge midpoints of the square between centres (i, j) .. (i + 1, j + 1), in cells:
     * 0 top, 1 right, 2 bottom, 3 left. */
    static const double er[4] = {0.0, 0.5, 1.0, 0.5}, ec[4] = {0.5, 1.0, 0.5, 0.0};
    /* Per case (tl 8, tr 4, br 2, bl 1): up to two segments as pairs of edges, -1 ends. */
    static const signed char seg[16][4] = {
        {-1, -1, -1, -1}, {3, 2, -1, -1}, {2, 1, -1, -1}, {3, 1, -1, -1},
        {0, 1, -1, -1},   {3, 0, 2, 1},   {0, 2, -1, -1}, {3, 0, -1, -1},
        {3, 0, -1, -1},   {0, 2, -1, -1}, {0, 1, 3, 2},   {0, 1, -1, -1},
        {3, 1, -1, -1},   {2, 1, -1, -1}, {3, 2, -1, -1}, {-1, -1, -1, -1}};
    double keep = dash > 0 ? dash : 1.0;
    for (int i = -1; i < k->rows; i++) {
        for (int j = -1; j < k->cols; j++) {
            int cs = inside(k, i, j) << 3 | inside(k, i, j + 1) << 2 |
                     inside(k, i + 1, j + 1) << 1 | inside(k, i + 1, j);
            for (int s = 0; s < 4 && seg[cs][s] >= 0; s += 2) {
                int e0 = seg[cs][s], e1 = seg[cs][s + 1];
                double r0 = i + 0.5 + er[e0], c0 = j + 0.5 + ec[e0];
                double r1 = i + 0.5 + er[e1], c1 = j + 0.5 + ec[e1];
                double t0 = (1 - keep) / 2, t1 = 1 - t0;
                float ax, ay, bx, by;
                cell_px(map, f, r0 + (r1 - r0) * t0, c0 + (c1 - c0) * t0, &ax, &ay);
                cell_px(map, f, r0 + (r1 - r0) * t1, c0 + (c1 - c0) * t1, &bx, &by);
                geo_line(v, ax, ay, bx, by, width, c);
            }
        }
    }
    geo_flush(v);
}

/* An outline that reads on every colour of the scale: a dark edge under a light core. */
static void draw_outline_mask(sm_view_t *v, const layout_t *L, SDL_Rect map, const sm_frame_t *f,
                              const mask_t *k, SDL_Color c, double dash)
{
    float w = (float)fmax(2.0, iround(0.26 * L->u));
    draw_contour(v, map, f, k, w + 2.0f * (float)fmax(1.0, iround(0.12 * L->u)), C_BLACK, dash);
    draw_contour(v, map, f, k, w, c, dash);
}

/* Likely crosstalk ghosts: a dashed square just inside each cell. Replaced faulty cells: a small
 * grey cross, so a maker sees which readings are made up. */
static void draw_cell_marks(sm_view_t *v, const layout_t *L, SDL_Rect map, const sm_frame_t *f,
                            const uint8_t *ghosts, const uint8_t *labels)
{
    double cw = (double)map.w / f->cols, ch = (double)map.h / f->rows;
    if (ghosts) {
        int t = iround(fmax(1.0, 0.2 * L->u)), n = 0;
        /* Three dashes a side on small cells, more on big ones: dash and gap about 0.8 u. */
        double side = fmin(cw, ch) * 0.8;
        int parts = (int)(side / fmax(2.0, 0.8 * L->u));
        parts = parts < 3 ? 3 : parts | 1; /* odd: every side starts and ends with a dash */
        double d = side / parts;
        for (int r = 0; r < f->rows; r++)
            for (int c = 0; c < f->cols; c++) {
                if (!ghosts[r * f->cols + c])
                    continue;
                double x0 = map.x + (c + 0.5) * cw - side / 2,
                       y0 = map.y + (r + 0.5) * ch - side / 2;
                for (int p = 0; p < parts; p += 2) {
                    if (n + 4 > RECTS_N) {
                        rects_flush(v, n, C_GHOST);
                        n = 0;
                    }
                    int a = iround(p * d), len = iround((p + 1) * d) - a;
                    v->rects[n++] = (SDL_Rect){iround(x0) + a, iround(y0), len, t};
                    v->rects[n++] = (SDL_Rect){iround(x0) + a, iround(y0 + side) - t, len, t};
                    v->rects[n++] = (SDL_Rect){iround(x0), iround(y0) + a, t, len};
                    v->rects[n++] = (SDL_Rect){iround(x0 + side) - t, iround(y0) + a, t, len};
                }
            }
        rects_flush(v, n, C_GHOST);
    }
    if (labels) {
        float w = (float)fmax(1.5, 0.22 * L->u);
        double hs = fmin(cw, ch) * 0.2;
        for (int r = 0; r < f->rows; r++)
            for (int c = 0; c < f->cols; c++) {
                if (labels[r * f->cols + c] != 3)
                    continue;
                float x = (float)(map.x + (c + 0.5) * cw), y = (float)(map.y + (r + 0.5) * ch);
                geo_line(v, x - (float)hs, y - (float)hs, x + (float)hs, y + (float)hs, w, C_FAULT);
                geo_line(v, x - (float)hs, y + (float)hs, x + (float)hs, y - (float)hs, w, C_FAULT);
            }
        geo_flush(v);
    }
}

/* Where the line x + y = k crosses the zone's shape: t range along x, 0 when it misses. */
static int hatch_span(int ellipse, double x0, double y0, double x1, double y1, double k, double *ta,
                      double *tb)
{
    if (!ellipse) {
        *ta = fmax(x0, k - y1);
        *tb = fmin(x1, k - y0);
        return *tb > *ta;
    }
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
    if (a <= 0 || b <= 0)
        return 0;
    /* ((t - cx) / a)^2 + ((k - t - cy) / b)^2 = 1, a quadratic in t */
    double d = k - cy, qa = 1 / (a * a) + 1 / (b * b);
    double qb = -2 * cx / (a * a) - 2 * d / (b * b);
    double qc = cx * cx / (a * a) + d * d / (b * b) - 1;
    double disc = qb * qb - 4 * qa * qc;
    if (disc <= 0)
        return 0;
    *ta = (-qb - sqrt(disc)) / (2 * qa);
    *tb = (-qb + sqrt(disc)) / (2 * qa);
    return 1;
}

/* A no-go zone: translucent red with red hatching and a thick border, so it reads as "keep out"
 * over any colour of the map. flash: the border blinks red and white (the tool is in it). */
static void draw_zone_shape(sm_view_t *v, const layout_t *L, int ellipse, double x0, double y0,
                            double x1, double y1, int fill_a, int flash, double now_s)
{
    if (x1 - x0 < 1 || y1 - y0 < 1)
        return;
    /* translucent fill: a rectangle, or the ellipse as one span per pixel row */
    SDL_Color fc = with_alpha(C_ZONE, fill_a);
    if (!ellipse) {
        fill(v,
             (SDL_Rect){iround(x0), iround(y0), iround(x1) - iround(x0), iround(y1) - iround(y0)},
             fc);
    } else {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
        int n = 0;
        for (int y = iround(y0); y < iround(y1); y++) {
            double dy = (y + 0.5 - cy) / b;
            if (dy * dy >= 1)
                continue;
            double hw = a * sqrt(1 - dy * dy);
            if (n == RECTS_N) {
                rects_flush(v, n, fc);
                n = 0;
            }
            v->rects[n++] = (SDL_Rect){iround(cx - hw), y, iround(cx + hw) - iround(cx - hw), 1};
        }
        rects_flush(v, n, fc);
    }
    /* hatching at 45 degrees, opaque (drawn without blending: cheap on software renderers) */
    double step = fmax(6.0, 1.8 * L->u);
    float hw = (float)fmax(1.0, 0.2 * L->u);
    SDL_Color hc = {200, 24, 24, 255};
    for (double k = floor((x0 + y0) / step) * step + step; k < x1 + y1; k += step) {
        double ta, tb;
        if (hatch_span(ellipse, x0, y0, x1, y1, k, &ta, &tb))
            geo_line(v, (float)ta, (float)(k - ta), (float)tb, (float)(k - tb), hw, hc);
    }
    geo_flush(v);
    /* the border: thick, and blinking (about 2.5 times a second) while the tool is inside */
    int on = flash && fmod(now_s * 2.5, 1.0) < 0.5;
    SDL_Color bc = on ? C_TOOL : C_ZONE;
    float bw = (float)fmax(3.0, (flash ? 0.8 : 0.5) * L->u);
    if (!ellipse) { /* four opaque bars centred on the box's edges */
        int t = iround(bw), h = t / 2;
        int ax = iround(x0), ay = iround(y0), bx = iround(x1), by = iround(y1);
        fill(v, (SDL_Rect){ax - h, ay - h, bx - ax + t, t}, bc);
        fill(v, (SDL_Rect){ax - h, by - h, bx - ax + t, t}, bc);
        fill(v, (SDL_Rect){ax - h, ay - h, t, by - ay + t}, bc);
        fill(v, (SDL_Rect){bx - h, ay - h, t, by - ay + t}, bc);
    } else {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
        const int N = 72;
        for (int i = 0; i < N; i++) {
            double p0 = 2 * PI * i / N, p1 = 2 * PI * (i + 1) / N;
            geo_line(v, (float)(cx + a * cos(p0)), (float)(cy + b * sin(p0)),
                     (float)(cx + a * cos(p1)), (float)(cy + b * sin(p1)), bw, bc);
        }
    }
    geo_flush(v);
}

static void draw_zones(sm_view_t *v, const layout_t *L, const sm_view_model_t *m,
                       const sm_frame_t *f)
{
    double pitch = m->pitch_mm > 0 && isfinite(m->pitch_mm) ? m->pitch_mm : 10.0;
    double sx = L->map.w / (f->cols * pitch), sy = L->map.h / (f->rows * pitch);
    SDL_Rect clip = L->map; /* a zone drawn past the mat's edge stays on the map */
    SDL_RenderSetClipRect(v->ren, &clip);
    int any_active = 0;
    for (int i = 0; m->zones && i < m->n_zones; i++)
        any_active |= m->zones[i].active != 0;
    for (int i = 0; m->zones && i < m->n_zones; i++) {
        const sm_view_zone_t *z = &m->zones[i];
        if (!isfinite(z->x0) || !isfinite(z->x1) || !isfinite(z->y0) || !isfinite(z->y1))
            continue;
        double x0 = L->map.x + fmin(z->x0, z->x1) * sx, x1 = L->map.x + fmax(z->x0, z->x1) * sx;
        double y0 = L->map.y + fmin(z->y0, z->y1) * sy, y1 = L->map.y + fmax(z->y0, z->y1) * sy;
        /* The app says which zone the tool is in; if it does not, every zone warns. */
        int hot = z->active || (m->zone_alert && !any_active);
        draw_zone_shape(v, L, z->ellipse, x0, y0, x1, y1, hot ? 110 : 70, hot && m->zone_alert,
                        m->now_s);
    }
    if (v->dragging) { /* the box being dragged, where the mouse is */
        int ell = (SDL_GetModState() & KMOD_SHIFT) != 0;
        draw_zone_shape(v, L, ell, fmin(v->drag_x0, v->drag_x1), fmin(v->drag_y0, v->drag_y1),
                        fmax(v->drag_x0, v->drag_x1), fmax(v->drag_y0, v->drag_y1), 60, 0, 0);
    }
    SDL_RenderSetClipRect(v->ren, NULL);
}

static int any_set(const uint8_t *a, int n, int value)
{
    for (int i = 0; a && i < n; i++)
        if (value < 0 ? a[i] != 0 : a[i] == value)
            return 1;
    return 0;
}

/* Everything drawn over the live map, bottom to top: zones, template, ghosts and faults, the
 * tool's outline (the thing to look at). */
static void draw_overlays(sm_view_t *v, const layout_t *L, const sm_view_model_t *m,
                          const sm_frame_t *f)
{
    int n = f->rows * f->cols;
    if ((m->zones && m->n_zones > 0) || v->dragging)
        draw_zones(v, L, m, f);
    if (m->template_mask && any_set(m->template_mask, n, -1)) {
        mask_t k = {m->template_mask, -1, f->rows, f->cols};
        draw_outline_mask(v, L, L->map, f, &k, m->template_on_target ? C_GOOD : C_TEMPLATE, 0.6);
    }
    if (m->ghosts || m->labels)
        draw_cell_marks(v, L, L->map, f, m->ghosts, m->labels);
    if (m->labels && any_set(m->labels, n, 2)) {
        mask_t k = {m->labels, 2, f->rows, f->cols};
        draw_outline_mask(v, L, L->map, f, &k, C_TOOL, 0);
    }
}

static int key_items(const sm_view_model_t *m, const sm_frame_t *f, const char *txt[4],
                     SDL_Color col[4], int kind[4])
{
    int n = f->rows * f->cols, k = 0;
    /* most important first: it is drawn at the right end and kept when room runs out */
    if (m->labels && any_set(m->labels, n, 2))
        txt[k] = "tool", col[k] = C_TOOL, kind[k++] = 0;
    if (m->template_mask && any_set(m->template_mask, n, -1))
        txt[k] = "template", col[k] = m->template_on_target ? C_GOOD : C_TEMPLATE, kind[k++] = 1;
    if (m->ghosts && any_set(m->ghosts, n, -1))
        txt[k] = "\xe2\x96\xa1 ghost?", col[k] = C_GHOST, kind[k++] = 2;
    if (m->labels && any_set(m->labels, n, 3))
        txt[k] = "\xc3\x97 replaced cell", col[k] = C_FAULT, kind[k++] = 2;
    return k;
}

/* What the marks on the map mean, on the line below it, right-aligned, between left and the
 * map's right edge: only the marks shown, the least important dropped when there is no room. */
static void draw_key(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, const sm_frame_t *f,
                     int y, int left)
{
    const char *txt[4];
    SDL_Color col[4];
    int kind[4];
    int k = key_items(m, f, txt, col, kind);
    int x = L->map.x + L->map.w, gap = iround(1.6 * L->u), lh = line_h(v, SM_FACE_SMALL);
    int sym = iround(2.4 * L->u), th = iround(fmax(2.0, 0.26 * L->u));
    for (int i = 0; i < k; i++) {
        int w = 0, h = 0;
        sm_text_measure(v->text, SM_FACE_SMALL, txt[i], &w, &h);
        int sw = kind[i] < 2 ? sym + iround(0.5 * L->u) : 0;
        if (x - w - sw < left)
            break;
        draw_text(v, SM_FACE_SMALL, col[i], txt[i], x, y, AL_RIGHT, 0, NULL);
        x -= w;
        int ly = y + lh / 2 - th / 2;
        if (kind[i] == 0) { /* a solid line, like the tool's outline */
            fill(v, (SDL_Rect){x - sw, ly, sym, th}, col[i]);
        } else if (kind[i] == 1) { /* dashes, like the template's */
            fill(v, (SDL_Rect){x - sw, ly, sym * 2 / 5, th}, col[i]);
            fill(v, (SDL_Rect){x - sw + sym * 3 / 5, ly, sym * 2 / 5, th}, col[i]);
        }
        x -= sw + gap;
    }
}

/* The template's offset in large type under the map: the clinician reads it from across the
 * room, green when the tool is on target. */
static void draw_template_text(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    int y = L->map.y + L->map.h + L->m / 2 + line_h(v, SM_FACE_SMALL) + iround(0.15 * L->tmpl_h);
    SDL_Color c = m->template_on_target ? C_GOOD : C_TEMPLATE;
    int left = L->map2.w ? L->map2.x : L->map.x;
    int right = L->map.x + L->map.w + L->legend_w;
    draw_text(v, SM_FACE_COACH, c, m->template_text, (left + right) / 2, y, AL_CENTER, right - left,
              NULL);
}

/* The box where a template name is typed, over the bottom of the map. */
static void draw_name_box(sm_view_t *v, const layout_t *L)
{
    char buf[NAME_MAX + 48];
    snprintf(buf, sizeof buf, "Save template as: %s\xe2\x96\x8f", v->name);
    const char *hint = "Enter saves \xc2\xb7 Esc cancels";
    int lh = line_h(v, SM_FACE_BANNER), sh = line_h(v, SM_FACE_SMALL);
    int pad = iround(1.4 * L->u);
    SDL_Rect over = L->map.w ? L->map : L->content;
    int w = iround(fmin(over.w + L->legend_w, 80.0 * L->u));
    SDL_Rect box = {over.x + over.w / 2 - w / 2, over.y + over.h - lh - sh - 3 * pad, w,
                    lh + sh + 2 * pad};
    if (box.x < L->m)
        box.x = L->m;
    fill(v, box, v->pal->panel);
    outline(v, box, C_TEMPLATE, iround(fmax(2.0, 0.3 * L->u)));
    draw_text(v, SM_FACE_BANNER, v->pal->text, buf, box.x + pad, box.y + pad, AL_LEFT,
              box.w - 2 * pad, NULL);
    draw_text(v, SM_FACE_SMALL, v->pal->dim, hint, box.x + pad, box.y + pad + lh, AL_LEFT,
              box.w - 2 * pad, NULL);
}

/* The safety screen: the words of sm_safety.h in large type on a panel over the whole view
 * (first run, and s / F1). The panel grows to fit; the font is the coach's, readable from the
 * floor. */
static void draw_safety(sm_view_t *v, const layout_t *L)
{
    int pad = iround(2.0 * L->u);
    int w = iround(fmin(L->W - 2.0 * L->m, 120.0 * L->u));
    char body[1024];
    size_t k = 0;
    body[0] = 0;
    for (size_t i = 0; sm_safety_line(i) && k < sizeof body; i++)
        k += (size_t)snprintf(body + k, sizeof body - k, "%s\xe2\x80\xa2 %s", i ? "\n" : "",
                              sm_safety_line(i));
    int th = 0, tw = 0, hh = 0;
    SDL_Texture *tex =
        sm_text_get(v->text, SM_FACE_BANNER, v->pal->text, w - 2 * pad, body, &tw, &th);
    const char *hint = "Enter or space closes it \xc2\xb7 F1 shows it again";
    int head = line_h(v, SM_FACE_MESSAGE), sh = line_h(v, SM_FACE_SMALL);
    int bh = head + (tex ? th : 0) + sh + 4 * pad;
    if (bh > L->H - 2 * L->m)
        bh = L->H - 2 * L->m;
    SDL_Rect box = {(L->W - w) / 2, (L->H - bh) / 2, w, bh};
    fill(v, box, v->pal->panel);
    outline(v, box, C_AMBER, iround(fmax(2.0, 0.4 * L->u)));
    draw_text(v, SM_FACE_MESSAGE, C_AMBER, "\xe2\x9a\xa0 " SM_SAFETY_TITLE, box.x + pad,
              box.y + pad, AL_LEFT, box.w - 2 * pad, &hh);
    if (tex) {
        SDL_Rect dst = {box.x + pad, box.y + 2 * pad + head, tw, th};
        SDL_RenderCopy(v->ren, tex, NULL, &dst);
    }
    draw_text(v, SM_FACE_SMALL, v->pal->dim, hint, box.x + pad, box.y + box.h - pad - sh, AL_LEFT,
              box.w - 2 * pad, NULL);
}

/* The tool in a no-go zone: a red box with white bold text across the top of the map (the map
 * stays visible below it, to see where the tool is). */
static void draw_zone_banner(sm_view_t *v, const layout_t *L, const char *text)
{
    int pad = iround(1.8 * L->u);
    SDL_Rect over = L->map2.w
                        ? (SDL_Rect){L->map2.x, L->map.y, L->map.x + L->map.w - L->map2.x, L->map.h}
                        : L->map;
    int bw = over.w + L->legend_w;
    if (bw > iround(110 * L->u))
        bw = iround(110 * L->u);
    char s[512];
    snprintf(s, sizeof s, "\xe2\x9a\xa0 %s", text);
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, SM_FACE_MESSAGE, C_TOOL, bw - 2 * pad, s, &tw, &th);
    int bh = (tex ? th : line_h(v, SM_FACE_MESSAGE)) + 2 * pad;
    SDL_Rect box = {over.x + over.w / 2 - bw / 2, over.y + iround(over.h * 0.04), bw, bh};
    if (box.x < L->m)
        box.x = L->m;
    fill(v, box, C_BAD);
    outline(v, box, C_TOOL, iround(fmax(2.0, 0.4 * L->u)));
    if (tex) {
        SDL_Rect dst = {box.x + (box.w - tw) / 2, box.y + pad, tw, th};
        SDL_RenderCopy(v->ren, tex, NULL, &dst);
    }
}

/* One big number with its caption above and units below; returns the height used. */
static int draw_metric(sm_view_t *v, const layout_t *L, int x, int y, int w, const char *caption,
                       const char *value, const char *units)
{
    int h1 = 0, h2 = 0, h3 = 0;
    draw_text(v, SM_FACE_LABEL, v->pal->dim, caption, x, y, AL_LEFT, w, &h1);
    y += h1;
    draw_text(v, SM_FACE_NUMBER, v->pal->text, value, x - iround(0.3 * L->u), y, AL_LEFT, w, &h2);
    /* DejaVu's line box has room for descenders digits never use: tuck the units up. */
    y += h2 - h2 / 7;
    draw_text(v, SM_FACE_LABEL, v->pal->dim, units, x, y, AL_LEFT, w, &h3);
    return h1 + h2 - h2 / 7 + h3;
}

static void draw_panel(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->panel, v->pal->panel);
    const sm_metrics_t *mt = m->metrics;
    char total[48], area[48], peak[48];
    fmt_value(mt ? mt->total : NAN, total, sizeof total);
    fmt_value(mt && m->pitch_mm > 0 ? mt->area_cm2 : NAN, area, sizeof area);
    fmt_value(mt ? mt->peak : NAN, peak, sizeof peak);
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    const char *lunits = m->load_units && *m->load_units ? m->load_units : units;
    const char *caps[3] = {"TOTAL LOAD", "CONTACT AREA", "PEAK"};
    const char *vals[3] = {total, area, peak};
    const char *uns[3] = {lunits, m->pitch_mm > 0 ? "cm\xc2\xb2" : "cm\xc2\xb2 (pitch unknown)",
                          units};
    int pad = iround(2.4 * L->u);
    if (!L->portrait) {
        int x = L->panel.x + pad, w = L->panel.w - 2 * pad;
        int y = L->panel.y + pad;
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                SDL_Rect sep = {x, y, w, 1};
                fill(v, sep, with_alpha(v->pal->frame, 160));
                y += pad;
            }
            y += draw_metric(v, L, x, y, w, caps[i], vals[i], uns[i]) + pad;
        }
    } else {
        int cw = (L->panel.w - pad) / 3;
        for (int i = 0; i < 3; i++)
            draw_metric(v, L, L->panel.x + pad + i * cw, L->panel.y + pad, cw - 2 * pad, caps[i],
                        vals[i], uns[i]);
    }
}

/* A pill with text, top-left at (x, y); returns its width. */
static int draw_badge(sm_view_t *v, const layout_t *L, int x, int y, SDL_Color bg, SDL_Color fg,
                      const char *s)
{
    int w = 0, h = 0;
    sm_text_measure(v->text, SM_FACE_BANNER, s, &w, &h);
    if (!w)
        return 0;
    int px = iround(1.2 * L->u), py = iround(0.3 * L->u);
    SDL_Rect r = {x, y, w + 2 * px, h + 2 * py};
    fill(v, r, bg);
    draw_text(v, SM_FACE_BANNER, fg, s, x + px, y + py, AL_LEFT, 0, NULL);
    return r.w;
}

/* State that changes what the numbers mean (frozen, replayed, being recorded), big enough to
 * notice from the floor: at the foot of the side panel, or over the map's top corner when the
 * numbers sit below the map. */
static void draw_badges(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    int gap = iround(L->u), bh = line_h(v, SM_FACE_BANNER) + 2 * iround(0.3 * L->u);
    int x, y;
    if (!L->portrait) {
        x = L->panel.x + iround(2.4 * L->u);
        y = L->panel.y + L->panel.h - iround(2.4 * L->u) - bh;
    } else {
        x = L->map.x + gap;
        y = L->map.y + gap;
    }
    if (m->recording)
        x += draw_badge(v, L, x, y, C_RED, v->pal->text, "\xe2\x97\x8f REC") + gap;
    if (m->paused)
        x += draw_badge(v, L, x, y, C_AMBER, C_BLACK, "PAUSED") + gap;
    if (m->replay)
        draw_badge(v, L, x, y, C_BANNER, v->pal->text, "REPLAY");
}

/* ---- the coach's panel -------------------------------------------------------------------- */

static SDL_Color mix(SDL_Color a, SDL_Color b, double t)
{
    SDL_Color c = {(Uint8)iround(a.r + (b.r - a.r) * t), (Uint8)iround(a.g + (b.g - a.g) * t),
                   (Uint8)iround(a.b + (b.b - a.b) * t), 255};
    return c;
}

/* Text scaled to fit w and h (either 0: no limit), centred on cx, top at y; returns the height
 * drawn. wrap > 0 wraps (centred lines). */
static int draw_fit(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int y, int w,
                    int h, int wrap)
{
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, wrap, s, &tw, &th);
    if (!tex)
        return 0;
    double k = 1.0;
    if (w > 0 && tw > w)
        k = (double)w / tw;
    if (h > 0 && th * k > h)
        k = (double)h / th;
    SDL_Rect dst = {cx - iround(tw * k) / 2, y, iround(tw * k), iround(th * k)};
    SDL_RenderCopy(v->ren, tex, NULL, &dst);
    return dst.h;
}

static int coach_known(const char *s)
{
    return s && *s && strcmp(s, "unknown") != 0;
}

/* The phase, with the side as a blue tag before it: "[RIGHT] Hold". */
static int coach_phase(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int lh = line_h(v, SM_FACE_COACH);
    char side[16] = "";
    if (coach_known(m->side)) {
        size_t i = 0;
        for (; m->side[i] && i + 1 < sizeof side; i++)
            side[i] = (char)(m->side[i] >= 'a' && m->side[i] <= 'z' ? m->side[i] - 32 : m->side[i]);
        side[i] = '\0';
    }
    const char *phase = m->phase && *m->phase ? m->phase : "";
    int pw = 0, ph = 0, sw = 0, sh = 0, gap = iround(1.2 * L->u), pad = iround(1.0 * L->u);
    sm_text_measure(v->text, SM_FACE_COACH, phase, &pw, &ph);
    sm_text_measure(v->text, SM_FACE_BANNER, side, &sw, &sh);
    int tag_w = side[0] ? sw + 2 * pad : 0;
    int total = tag_w + (tag_w && pw ? gap : 0) + pw;
    int left = x + (total < w ? (w - total) / 2 : 0);
    if (tag_w) {
        int bh = line_h(v, SM_FACE_BANNER) + iround(0.4 * L->u);
        SDL_Rect tag = {left, y + (lh - bh) / 2, tag_w, bh};
        fill(v, tag, C_BANNER);
        draw_text(v, SM_FACE_BANNER, C_TOOL, side, left + pad, tag.y + iround(0.2 * L->u), AL_LEFT,
                  0, NULL);
        left += tag_w + gap;
    }
    if (pw)
        draw_text(v, SM_FACE_COACH, v->pal->text, phase, left, y, AL_LEFT, x + w - left, NULL);
    return lh;
}

/* The hold timer "42 / 60 s" (steady seconds of the target), the largest text on screen, or
 * "Release!" in green once the threshold is met; under it a bar filling up to the target. */
static int coach_timer(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int px = v->face_px[SM_FACE_HUGE];
    int lh = line_h(v, SM_FACE_HUGE), sh = line_h(v, SM_FACE_MESSAGE);
    /* DejaVu's line box starts about 0.2 em above the digits: tuck the timer up into it. */
    int tuck = iround(0.16 * px);
    int row = lh - tuck - iround(0.2 * px);
    double st = isfinite(m->steady_s) && m->steady_s > 0 ? m->steady_s : 0.0;
    double tg = isfinite(m->target_s) && m->target_s > 0 ? m->target_s : 0.0;
    char num[32], suf[32];
    snprintf(num, sizeof num, "%ld", (long)floor(st));
    if (m->release_met) {
        draw_fit(v, SM_FACE_HUGE, C_GOOD, "Release!", x + w / 2, y - tuck, w, 0, 0);
    } else {
        snprintf(suf, sizeof suf, tg > 0 ? " / %.0f s" : " s", tg);
        int nw = 0, nh = 0, xw = 0, xh = 0;
        sm_text_measure(v->text, SM_FACE_HUGE, num, &nw, &nh);
        sm_text_measure(v->text, SM_FACE_MESSAGE, suf, &xw, &xh);
        double k = nw + xw > w && nw + xw > 0 ? (double)w / (nw + xw) : 1.0;
        int left = x + (w - iround((nw + xw) * k)) / 2;
        SDL_Color nc = m->moving ? C_WARN : v->pal->number;
        /* the suffix on the digits' baseline (about 0.8 of either line box down) */
        int base = y - tuck + iround(0.8 * lh * k);
        draw_text(v, SM_FACE_HUGE, nc, num, left, y - tuck, AL_LEFT, iround(nw * k), NULL);
        draw_text(v, SM_FACE_MESSAGE, v->pal->dim, suf, left + iround(nw * k),
                  base - iround(0.8 * sh * k), AL_LEFT, iround(xw * k), NULL);
    }
    y += row + iround(0.8 * L->u);
    /* progress towards the release threshold */
    int bh = iround(fmax(4.0, 1.3 * L->u));
    if (tg > 0) {
        SDL_Rect track = {x, y, w, bh};
        fill(v, track, C_TRACK);
        double p = fmin(st / tg, 1.0);
        fill_some_rect(v, (SDL_Rect){x, y, iround(w * p), bh},
                       m->release_met ? C_GOOD : v->pal->text);
        if (m->release_met) {
            char buf[48];
            snprintf(buf, sizeof buf, "%.0f s steady", st);
            int sy = y + bh + iround(0.3 * L->u);
            draw_text(v, SM_FACE_LABEL, C_GOOD, buf, x + w / 2, sy, AL_CENTER, w, NULL);
            return row + iround(0.8 * L->u) + bh + iround(0.3 * L->u) + line_h(v, SM_FACE_LABEL);
        }
    }
    return row + iround(0.8 * L->u) + bh;
}

/* The steadiness meter: a wide bar, green when still, amber when drifting, red and pulsing
 * (twice a second) while the tool is moving. */
static int coach_meter(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    double q = isfinite(m->meter) ? fmin(fmax(m->meter, 0.0), 1.0) : 0.0;
    SDL_Color c;
    const char *word;
    if (m->mat_lost) {
        c = (SDL_Color){150, 150, 160, 255}, word = "PAUSED";
    } else if (m->moving) {
        double pulse = 0.5 + 0.5 * sin(2 * PI * 2.0 * m->now_s);
        c = mix(C_BAD, (SDL_Color){255, 140, 120, 255}, 0.6 * pulse);
        word = "MOVING";
    } else if (q >= 0.7) {
        c = C_GOOD, word = "STILL";
    } else if (q >= 0.4) {
        c = C_WARN, word = "UNSTEADY";
    } else {
        c = C_BAD, word = "UNSTEADY";
    }
    int lh = line_h(v, SM_FACE_LABEL);
    draw_text(v, SM_FACE_LABEL, v->pal->dim, "STEADINESS", x, y, AL_LEFT, w / 2, NULL);
    draw_text(v, SM_FACE_BANNER, c, word, x + w, y + lh - line_h(v, SM_FACE_BANNER), AL_RIGHT,
              w / 2, NULL);
    y += lh + iround(0.4 * L->u);
    int bh = iround(fmax(14.0, (L->presenter ? 7.0 : 6.0) * L->u));
    SDL_Rect track = {x, y, w, bh};
    fill(v, track, C_TRACK);
    /* moving: the whole bar lights up (the meter's value alone could be a sliver) */
    int fw = m->moving ? w : iround(w * q);
    fill_some_rect(v, (SDL_Rect){x, y, fw, bh}, c);
    return lh + iround(0.4 * L->u) + bh;
}

static int coach_instruction(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x,
                             int y, int w, int max_h)
{
    (void)L;
    if (!m->instruction || !*m->instruction || max_h <= 0)
        return 0;
    SDL_Color c = m->release_met ? C_GOOD : m->moving ? C_WARN : v->pal->text;
    return draw_fit(v, SM_FACE_COACH, c, m->instruction, x + w / 2, y, w, max_h, w);
}

/* Breathing rate and the per-side summary: small, for the clinician. */
static int coach_small(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int lh = line_h(v, SM_FACE_LABEL), h = 0;
    char buf[64];
    if (m->protocol_text && *m->protocol_text) {
        draw_text(v, SM_FACE_LABEL, v->pal->dim, m->protocol_text, x + w / 2, y, AL_CENTER, w,
                  NULL);
        h += lh;
    }
    if (m->tool_status && *m->tool_status) {
        draw_text(v, SM_FACE_LABEL, C_WARN, m->tool_status, x + w / 2, y + h, AL_CENTER, w, NULL);
        h += lh;
    }
    if (m->breath_bpm > 0 && isfinite(m->breath_bpm)) {
        snprintf(buf, sizeof buf, "breathing %.0f /min", m->breath_bpm);
        draw_text(v, SM_FACE_LABEL, v->pal->dim, buf, x + w / 2, y + h, AL_CENTER, w, NULL);
        h += lh;
    }
    if (m->sides_text && *m->sides_text) {
        draw_text(v, SM_FACE_LABEL, v->pal->dim, m->sides_text, x + w / 2, y + h, AL_CENTER, w,
                  NULL);
        h += lh;
    }
    (void)L;
    return h;
}

/* Total, area and peak in one compact row: still there, no longer the headline. */
static int coach_numbers(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int x, int y,
                         int w)
{
    const sm_metrics_t *mt = m->metrics;
    char vals[3][48];
    fmt_value(mt ? mt->total : NAN, vals[0], sizeof vals[0]);
    fmt_value(mt && m->pitch_mm > 0 ? mt->area_cm2 : NAN, vals[1], sizeof vals[1]);
    fmt_value(mt ? mt->peak : NAN, vals[2], sizeof vals[2]);
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    const char *lunits = m->load_units && *m->load_units ? m->load_units : units;
    const char *caps[3] = {"total", "area cm\xc2\xb2", "peak"};
    const char *uns[3] = {lunits, "", units};
    int cw = w / 3, sh = line_h(v, SM_FACE_SMALL), bh = line_h(v, SM_FACE_BANNER);
    SDL_Rect sep = {x, y, w, 1};
    fill(v, sep, v->pal->frame);
    y += iround(0.6 * L->u);
    for (int i = 0; i < 3; i++) {
        int cx = x + i * cw + cw / 2;
        draw_text(v, SM_FACE_SMALL, v->pal->faint, caps[i], cx, y, AL_CENTER, cw - 4, NULL);
        draw_text(v, SM_FACE_BANNER, v->pal->text, vals[i], cx, y + sh, AL_CENTER, cw - 4, NULL);
        if (*uns[i]) /* units already said in the legend; shown only when short */
            draw_text(v, SM_FACE_SMALL, v->pal->faint, uns[i], cx, y + sh + bh, AL_CENTER, cw - 4,
                      NULL);
    }
    return iround(0.6 * L->u) + 2 * sh + bh;
}

/* The sound state at a glance: a speaker with one to three bars for the volume, or a red
 * "SOUND OFF" tag. Right-aligned at (right, y); returns the width. */
static int draw_sound(sm_view_t *v, const layout_t *L, const sm_view_model_t *m, int right, int y,
                      int h)
{
    if (m->muted) {
        int w = 0, th = 0;
        sm_text_measure(v->text, SM_FACE_BANNER, "SOUND OFF", &w, &th);
        int px = iround(1.2 * L->u);
        if (!w)
            w = iround(12 * L->u);
        return draw_badge(v, L, right - w - 2 * px, y, C_BAD, C_TOOL, "SOUND OFF");
    }
    /* speaker: a box and a cone, then volume bars growing to the right */
    SDL_Color c = v->pal->dim;
    float s = (float)h, x0 = (float)right - 2.1f * s, cy = (float)y + s / 2;
    int nb = m->volume > 0.66 ? 3 : m->volume > 0.33 ? 2 : m->volume > 0.0 ? 1 : 0;
    fill(v, (SDL_Rect){iround(x0), iround(cy - 0.17f * s), iround(0.25f * s), iround(0.34f * s)},
         c);
    SDL_Vertex tri[6];
    SDL_FPoint p[4] = {{x0 + 0.24f * s, cy - 0.17f * s},
                       {x0 + 0.6f * s, cy - 0.45f * s},
                       {x0 + 0.24f * s, cy + 0.17f * s},
                       {x0 + 0.6f * s, cy + 0.45f * s}};
    static const int idx[6] = {0, 1, 2, 2, 1, 3};
    for (int i = 0; i < 6; i++)
        tri[i] = (SDL_Vertex){p[idx[i]], c, {0, 0}};
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
    SDL_RenderGeometry(v->ren, NULL, tri, 6, NULL, 0);
    for (int i = 0; i < 3; i++) {
        int bh = iround(s * (0.35f + 0.3f * i)), bx = iround(x0 + s * (0.85f + 0.42f * i));
        SDL_Rect bar = {bx, iround(cy) - bh / 2, iround(fmax(2.0, 0.22 * s)), bh};
        fill(v, bar, i < nb ? c : C_TRACK);
    }
    return iround(2.1f * s);
}

static void draw_coach(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->panel, v->pal->panel);
    int pad = iround(2.2 * L->u), gap = iround(1.6 * L->u);
    int bottom_row = line_h(v, SM_FACE_BANNER) + 2 * iround(0.3 * L->u);
    int nums_h = iround(0.6 * L->u) + 2 * line_h(v, SM_FACE_SMALL) + line_h(v, SM_FACE_BANNER);
    SDL_Rect p = L->panel;
    if (!L->portrait) {
        int x = p.x + pad, w = p.w - 2 * pad, y = p.y + pad;
        int y_end = p.y + p.h - pad - bottom_row - gap - nums_h - gap;
        y += coach_phase(v, L, m, x, y, w) + gap / 2;
        y += coach_timer(v, L, m, x, y, w) + gap;
        y += coach_meter(v, L, m, x, y, w) + gap;
        int small_h = (m->breath_bpm > 0) + (m->sides_text && *m->sides_text) +
                      (m->tool_status && *m->tool_status) + (m->protocol_text && *m->protocol_text);
        small_h *= line_h(v, SM_FACE_LABEL);
        y += coach_instruction(v, L, m, x, y, w, y_end - y - small_h - gap) + gap;
        if (y + small_h <= y_end)
            coach_small(v, L, m, x, y, w);
        coach_numbers(v, L, m, x, y_end + gap, w);
    } else {
        /* wide and short: timer and meter on the left, words on the right */
        int cw = (p.w - 3 * pad) / 2;
        int xl = p.x + pad, xr = xl + cw + pad, y = p.y + pad;
        int yl = y + coach_phase(v, L, m, xl, y, cw) + gap / 2;
        yl += coach_timer(v, L, m, xl, yl, cw) + gap;
        coach_meter(v, L, m, xl, yl, cw);
        int y_end = p.y + p.h - pad - bottom_row - gap - nums_h;
        int small_h = (m->breath_bpm > 0) + (m->sides_text && *m->sides_text) +
                      (m->tool_status && *m->tool_status) + (m->protocol_text && *m->protocol_text);
        small_h *= line_h(v, SM_FACE_LABEL);
        int yr = y + coach_instruction(v, L, m, xr, y, cw, y_end - y - small_h - gap) + gap / 2;
        if (yr + small_h <= y_end - gap / 2)
            coach_small(v, L, m, xr, yr, cw);
        coach_numbers(v, L, m, xr, y_end, cw);
    }
    int sy = p.y + p.h - pad - bottom_row;
    draw_sound(v, L, m, p.x + p.w - pad, sy + iround(0.15 * bottom_row), iround(0.7 * bottom_row));
}

static void draw_status(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->status, v->pal->status);
    int lh = line_h(v, SM_FACE_SMALL);
    int y = L->status.y + (L->status.h - lh) / 2, x = L->m, gap = iround(2.4 * L->u);
    char buf[256];
    if (m->recording)
        x += draw_text(v, SM_FACE_SMALL, C_RED, "\xe2\x97\x8f REC", x, y, AL_LEFT, 0, NULL) + gap;
    if (m->paused)
        x += draw_text(v, SM_FACE_SMALL, C_AMBER, "PAUSED", x, y, AL_LEFT, 0, NULL) + gap;
    if (m->replay) {
        char pos[32], len[32];
        fmt_time(m->pos_s, pos, sizeof pos);
        fmt_time(m->len_s, len, sizeof len);
        snprintf(buf, sizeof buf, "REPLAY %s / %s  at %g\xc3\x97", pos, len,
                 m->speed > 0 ? m->speed : 1.0);
        x += draw_text(v, SM_FACE_SMALL, v->pal->text, buf, x, y, AL_LEFT, 0, NULL) + gap;
    }
    if (m->source_label && *m->source_label) /* a long path must not push the counters away */
        x += draw_text(v, SM_FACE_SMALL, v->pal->dim, m->source_label, x, y, AL_LEFT, L->W * 3 / 10,
                       NULL) +
             gap;
    snprintf(buf, sizeof buf, m->fps > 0 && m->fps < 10 ? "%.1f frames/s" : "%.0f frames/s",
             m->fps > 0 ? m->fps : 0.0);
    x += draw_text(v, SM_FACE_SMALL, v->pal->dim, buf, x, y, AL_LEFT, 0, NULL) + gap;
    const char *sat = "SATURATED: cells at full scale";
    int sat_w = 0, h = 0;
    if (m->frame && (m->frame->flags & SM_FRAME_SATURATED))
        sm_text_measure(v->text, SM_FACE_SMALL, sat, &sat_w, &h);
    else
        sat = NULL;
    int room = L->W - L->m - x - (sat ? sat_w + gap : 0);
    int bad =
        m->link_text ? m->link_bad : (m->crc_errors || m->resyncs || m->seq_gaps || m->frames_lost);
    if (L->presenter && !bad) /* presenting: the link counters only when they matter */
        room = 0;
    if (m->link_text)
        snprintf(buf, sizeof buf, "%s", m->link_text);
    else
        snprintf(
            buf, sizeof buf,
            "link: CRC errors %lu \xc2\xb7 resyncs %lu \xc2\xb7 gaps %lu \xc2\xb7 frames lost %lu",
            m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    int w = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    if (w > room && !m->link_text) /* narrow window: the same counters, shorter words */
        snprintf(buf, sizeof buf, "CRC %lu \xc2\xb7 resync %lu \xc2\xb7 gap %lu \xc2\xb7 lost %lu",
                 m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    if (room > 0)
        x += draw_text(v, SM_FACE_SMALL, bad ? C_AMBER : v->pal->faint, buf, x, y, AL_LEFT, room,
                       NULL) +
             gap;
    if (sat)
        draw_text(v, SM_FACE_SMALL, C_AMBER, sat, x, y, AL_LEFT, L->W - L->m - x, NULL);
}

static void draw_strip(sm_view_t *v, SDL_Rect r, SDL_Color bg, SDL_Color fg, sm_face face,
                       const char *s, int margin)
{
    fill(v, r, bg);
    int lh = line_h(v, face);
    draw_text(v, face, fg, s, r.x + r.w / 2, r.y + (r.h - lh) / 2, AL_CENTER, r.w - 2 * margin,
              NULL);
}

/* The urgent message: a big amber box with black text (the caution colours) over a dimmed map,
 * so it is the first thing anyone sees, from across the room. */
static void draw_alert(sm_view_t *v, const layout_t *L, SDL_Rect over, const char *alert)
{
    SDL_Rect dim = over;
    fill(v, dim, with_alpha(C_BLACK, 150));
    int pad = iround(2.2 * L->u);
    /* As wide as the map's column (map, legend and margins) so the message takes two or three
     * lines of big text, not five. */
    int bw = (L->panel.w && !L->portrait ? L->panel.x : L->W) - 2 * L->m;
    if (bw > iround(110 * L->u))
        bw = iround(110 * L->u);
    char s[512];
    snprintf(s, sizeof s, "\xe2\x9a\xa0 %s", alert);
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, SM_FACE_MESSAGE, C_BLACK, bw - 2 * pad, s, &tw, &th);
    int bh = (tex ? th : line_h(v, SM_FACE_MESSAGE)) + 2 * pad;
    int cx = over.x + over.w / 2, cy = over.y + over.h / 2;
    SDL_Rect box = {cx - bw / 2, cy - bh / 2, bw, bh};
    if (box.x < L->m)
        box.x = L->m;
    if (box.x + box.w > L->W - L->m)
        box.x = L->W - L->m - box.w;
    fill(v, box, C_AMBER);
    outline(v, box, C_BLACK, iround(fmax(2.0, 0.4 * L->u)));
    if (tex) {
        SDL_Rect dst = {box.x + (box.w - tw) / 2, box.y + pad, tw, th};
        SDL_RenderCopy(v->ren, tex, NULL, &dst);
    }
}

static void draw_waiting(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    int lh = line_h(v, SM_FACE_MESSAGE), sh = line_h(v, SM_FACE_LABEL);
    int cy = L->content.y + L->content.h / 2 - (lh + sh) / 2;
    draw_text(v, SM_FACE_MESSAGE, v->pal->dim, "Waiting for the mat\xe2\x80\xa6", L->W / 2, cy,
              AL_CENTER, L->W - 4 * L->m, NULL);
    if (m->source_label && *m->source_label) {
        char buf[300];
        snprintf(buf, sizeof buf, "Listening to %s", m->source_label);
        draw_text(v, SM_FACE_LABEL, v->pal->faint, buf, L->W / 2, cy + lh + iround(L->u), AL_CENTER,
                  L->W - 4 * L->m, NULL);
    }
}

/* ---- render ------------------------------------------------------------------------------- */

static int frame_usable(const sm_frame_t *f)
{
    return f && f->rows >= 1 && f->cols >= 1 && f->rows <= SM_MAX_ROWS && f->cols <= SM_MAX_COLS;
}

static int keep_copy(sm_view_t *v, int w, int h)
{
    if (!v->copy || v->copy->w != w || v->copy->h != h) {
        if (v->copy)
            SDL_FreeSurface(v->copy);
        v->copy = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!v->copy)
            return -1;
    }
    return SDL_RenderReadPixels(v->ren, NULL, SDL_PIXELFORMAT_ARGB8888, v->copy->pixels,
                                v->copy->pitch);
}

static void fill_some(sm_view_t *v, int x, int y, int w, int h, SDL_Color c)
{
    if (w > 0 && h > 0)
        fill(v, (SDL_Rect){x, y, w, h}, c);
}

/* The window colour behind everything. The maps (when their heatmaps are drawn), the side
 * panel, the status line and the strips paint every one of their pixels opaque, so only the rest
 * of the maps' column is filled: a full clear would write most of the picture twice. */
static void clear_background(sm_view_t *v, const layout_t *L, int heat_ok)
{
    SDL_Rect col = L->content, map = L->map;
    if (L->panel.w && !L->portrait)
        col.w = L->panel.x - col.x;
    else if (L->panel.w)
        col.h = L->panel.y - col.y;
    SDL_Rect band = map; /* the row of maps: the compare map, a gap, the live map */
    if (L->map2.w) {
        band.x = L->map2.x;
        band.w = map.x + map.w - band.x;
        band.h = map.h > L->map2.h ? map.h : L->map2.h;
    }
    if (!heat_ok || band.x < col.x || band.y < col.y || band.x + band.w > col.x + col.w ||
        band.y + band.h > col.y + col.h) { /* waiting screen, or a window too small to lay out */
        SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(v->ren, v->pal->window.r, v->pal->window.g, v->pal->window.b, 255);
        SDL_RenderClear(v->ren);
        return;
    }
    SDL_Color w = v->pal->window;
    int right = band.x + band.w, bottom = band.y + band.h;
    fill_some(v, col.x, col.y, col.w, band.y - col.y, w);
    fill_some(v, col.x, bottom, col.w, col.y + col.h - bottom, w);
    fill_some(v, col.x, band.y, band.x - col.x, band.h, w);
    fill_some(v, right, band.y, col.x + col.w - right, band.h, w);
    if (L->map2.w) { /* between the maps, and under the shorter one */
        int gx = L->map2.x + L->map2.w;
        fill_some(v, gx, band.y, map.x - gx, band.h, w);
        fill_some(v, L->map2.x, L->map2.y + L->map2.h, L->map2.w, bottom - L->map2.y - L->map2.h,
                  w);
        fill_some(v, map.x, map.y + map.h, map.w, bottom - map.y - map.h, w);
    }
}

/* Presenter mode goes fullscreen (a projector, a big screen) and back when it ends, unless the
 * window was fullscreen already. */
static void presenter_window(sm_view_t *v, int presenter)
{
    if (!v->win || presenter == v->last_presenter)
        return;
    v->last_presenter = presenter;
    int fs = (SDL_GetWindowFlags(v->win) & SDL_WINDOW_FULLSCREEN) != 0;
    if (presenter && !fs) {
        v->presenter_fs = SDL_SetWindowFullscreen(v->win, SDL_WINDOW_FULLSCREEN_DESKTOP) == 0;
    } else if (!presenter && v->presenter_fs) {
        if (fs)
            SDL_SetWindowFullscreen(v->win, 0);
        v->presenter_fs = 0;
    }
}

static void draw_map(sm_view_t *v, heat_t *h, SDL_Rect r, int ok)
{
    if (ok)
        SDL_RenderCopy(v->ren, h->tex, NULL, &r); /* covers the map: no fill under */
    else
        fill(v, r, C_MAT);
    outline(v, r, v->pal->frame, 1);
}

sm_status sm_view_render(sm_view_t *v, const sm_view_model_t *m)
{
    if (!v || !m)
        return SM_ERR_ARG;
    const sm_frame_t *f = frame_usable(m->frame) ? m->frame : NULL;
    const sm_frame_t *f2 = f && frame_usable(m->compare_frame) ? m->compare_frame : NULL;
    v->pal = m->presenter ? &PAL_PRESENTER : &PAL_NORMAL;
    double scale = m->scale_max;
    if (!(scale > 0) || !isfinite(scale))
        scale = f ? fallback_scale(f, m->values) : 1023.0;

    presenter_window(v, m->presenter != 0);
    /* A minimised window shows nothing: keep the last picture and spend no time drawing. */
    if (v->win && (SDL_GetWindowFlags(v->win) & SDL_WINDOW_MINIMIZED))
        return SM_OK;

    layout_t L;
    compute_layout(v, m, f, f2, scale, &L);
    int heat_ok = f && upload_heatmap(v, &v->heat, f, m->values, scale, L.map.w, L.map.h) == 0;
    int heat2_ok =
        f2 && upload_heatmap(v, &v->heat2, f2, m->compare_values, scale, L.map2.w, L.map2.h) == 0;
    clear_background(v, &L, heat_ok && (!f2 || heat2_ok));
    v->heat_drawn = 0;
    memset(v->heat_rect, 0, sizeof v->heat_rect);

    if (f) {
        draw_map(v, &v->heat, L.map, heat_ok);
        v->heat_rect[0] = L.map.x, v->heat_rect[1] = L.map.y;
        v->heat_rect[2] = L.map.w, v->heat_rect[3] = L.map.h;
        v->heat_drawn = 1;
        v->map_rows = f->rows, v->map_cols = f->cols;
        v->map_pitch = m->pitch_mm > 0 && isfinite(m->pitch_mm) ? m->pitch_mm : 0.0;
        int cap_y = L.map.y - L.caption_h;
        if (f2) { /* side by side: what to compare with on the left, live on the right */
            draw_map(v, &v->heat2, L.map2, heat2_ok);
            const char *cl = m->compare_label && *m->compare_label ? m->compare_label : "Compare";
            const char *ll = m->live_label && *m->live_label ? m->live_label : "Live";
            draw_text(v, SM_FACE_BANNER, v->pal->text, cl, L.map2.x + L.map2.w / 2, cap_y,
                      AL_CENTER, L.map2.w, NULL);
            draw_text(v, SM_FACE_BANNER, v->pal->text, ll, L.map.x + L.map.w / 2, cap_y, AL_CENTER,
                      L.map.w, NULL);
        } else {
            /* Row 0 is the head end of the mat. */
            draw_text(v, SM_FACE_SMALL, v->pal->faint, "\xe2\x96\xb2 head end",
                      L.map.x + L.map.w / 2, L.map.y - line_h(v, SM_FACE_SMALL) - iround(0.3 * L.u),
                      AL_CENTER, 0, NULL);
        }
        const char *kt[4];
        SDL_Color kc[4];
        int kk[4];
        int has_key = key_items(m, f, kt, kc, kk) > 0;
        int sb_end = draw_scale_bar(v, &L, f, m->pitch_mm, has_key);
        if (has_key)
            draw_key(v, &L, m, f, L.map.y + L.map.h + L.m / 2, sb_end + iround(2.0 * L.u));
        draw_legend(v, &L, m, scale);
        draw_overlays(v, &L, m, f);
        draw_trail(v, &L, m, f);
        if (m->metrics && m->metrics->has_contact && isfinite(m->metrics->cop_row) &&
            isfinite(m->metrics->cop_col))
            draw_marker(v, &L, m->metrics, f);
        if (L.tmpl_h)
            draw_template_text(v, &L, m);
        if (m->coach)
            draw_coach(v, &L, m);
        else
            draw_panel(v, &L, m);
        draw_badges(v, &L, m);
    } else if (!(m->alert && *m->alert)) {
        draw_waiting(v, &L, m);
    }

    if (L.banner.h)
        draw_strip(v, L.banner, C_BANNER, C_TOOL, SM_FACE_BANNER, m->banner, L.m);
    if (L.notice.h)
        draw_strip(v, L.notice, C_NOTICE_BG, C_NOTICE, SM_FACE_LABEL, m->notice, L.m);
    if (f && m->zone_alert) {
        draw_zone_banner(
            v, &L, m->alert && *m->alert ? m->alert : "Out of the hip fold - move the tool now");
    } else if (m->alert && *m->alert) {
        SDL_Rect over = f ? L.map : L.content;
        draw_alert(v, &L, over, m->alert);
    }
    if (v->naming)
        draw_name_box(v, &L);
    draw_status(v, &L, m);
    if (m->safety)
        draw_safety(v, &L);

    v->have_picture = 1;
    if (v->headless) {
        SDL_RenderFlush(v->ren);
        return SM_OK;
    }
    if (!v->no_readback && keep_copy(v, L.W, L.H) != 0)
        v->have_picture = 0;
    SDL_RenderPresent(v->ren);
    return SM_OK;
}

sm_status sm_view_screenshot(sm_view_t *v, const char *png_path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!v || !png_path || !*png_path) {
        set_err(err, errlen, "screenshot: no file name");
        return SM_ERR_ARG;
    }
    SDL_Surface *s = v->headless ? v->target : v->copy;
    if (!v->have_picture || !s) {
        set_err(err, errlen, "screenshot: %s",
                v->no_readback ? "the view was started without keeping pictures (no_readback)"
                               : "nothing has been drawn yet");
        return SM_ERR_ARG;
    }
    if (IMG_SavePNG(s, png_path) != 0) {
        set_err(err, errlen, "cannot write %s: %s", png_path, IMG_GetError());
        return SM_ERR_IO;
    }
    return SM_OK;
}

void sm_view_output_size(const sm_view_t *v, int *w, int *h)
{
    *w = *h = 0;
    if (v && v->ren)
        SDL_GetRendererOutputSize(v->ren, w, h);
}

int sm_view_heatmap_rect(const sm_view_t *v, int rect[4])
{
    if (!v || !v->heat_drawn) {
        rect[0] = rect[1] = rect[2] = rect[3] = 0;
        return 0;
    }
    memcpy(rect, v->heat_rect, sizeof v->heat_rect);
    return 1;
}

void sm_view_cache_stats(const sm_view_t *v, int *entries, size_t *bytes)
{
    sm_text_stats(v ? v->text : NULL, entries, bytes);
}
