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
#include "sm_text.h"

#define LUT_N       1024
#define LEGEND_N    256
#define TRAIL_VERTS ((SM_TRAIL_MAX - 1) * 6)

/* Palette. The mat's own area is a shade lighter than the window so its outline shows even with
 * nobody on it; the colour scale fades into that shade below the floor. */
static const SDL_Color C_WINDOW = {12, 14, 18, 255};
static const SDL_Color C_MAT = {27, 30, 38, 255};
static const SDL_Color C_FRAME = {78, 84, 98, 255};
static const SDL_Color C_PANEL = {21, 24, 31, 255};
static const SDL_Color C_STATUS = {7, 8, 11, 255};
static const SDL_Color C_TEXT = {242, 244, 247, 255};
static const SDL_Color C_DIM = {158, 166, 180, 255};
static const SDL_Color C_FAINT = {112, 120, 134, 255};
static const SDL_Color C_AMBER = {255, 193, 7, 255};
static const SDL_Color C_BLACK = {0, 0, 0, 255};
static const SDL_Color C_RED = {230, 45, 45, 255};
static const SDL_Color C_BANNER = {30, 66, 108, 255};
static const SDL_Color C_NOTICE_BG = {52, 42, 18, 255};
static const SDL_Color C_NOTICE = {255, 214, 128, 255};

enum { AL_LEFT, AL_CENTER, AL_RIGHT };

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
    SDL_Texture *heat_tex; /* the heatmap at its size on screen: copied without scaling */
    int heat_tw, heat_th;
    Uint32 pixel_format; /* of the output: opaque pictures in it are plain copies */
    /* The frame last uploaded: a paused picture re-rendered 60 times a second is upsampled once. */
    uint16_t last_cells[SM_MAX_CELLS];
    int last_rows, last_cols, heat_valid;
    double last_scale;
    SDL_Texture *marker_tex;
    int marker_px, marker_key;
    int face_px[SM_FACE_COUNT];
    int heat_rect[4], heat_drawn;
    SDL_Vertex verts[TRAIL_VERTS];
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
    if (v->heat_tex)
        SDL_DestroyTexture(v->heat_tex);
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
    v->heat_valid = 0;
    sm_text_flush(v->text);
    if (v->heat_tex)
        SDL_DestroyTexture(v->heat_tex);
    if (v->marker_tex)
        SDL_DestroyTexture(v->marker_tex);
    if (v->legend_tex)
        SDL_DestroyTexture(v->legend_tex);
    v->heat_tex = v->marker_tex = v->legend_tex = NULL;
    make_legend(v); /* the marker and heatmap are made again on the next render */
}

static void toggle_fullscreen(sm_view_t *v)
{
    Uint32 fs = SDL_GetWindowFlags(v->win) & SDL_WINDOW_FULLSCREEN_DESKTOP;
    SDL_SetWindowFullscreen(
        v->win, fs == SDL_WINDOW_FULLSCREEN_DESKTOP ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
}

sm_action_t sm_view_poll(sm_view_t *v)
{
    if (!v || v->headless)
        return SM_ACT_NONE;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        if (e.type == SDL_QUIT)
            return SM_ACT_QUIT;
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE)
            return SM_ACT_QUIT;
        /* Some drivers (Direct3D, after a display change or sleep) lose the contents of render
         * targets or every texture: draw the heatmap again, and rebuild the rest if needed. */
        if (e.type == SDL_RENDER_TARGETS_RESET)
            v->heat_valid = 0;
        if (e.type == SDL_RENDER_DEVICE_RESET)
            device_reset(v);
        /* Resizes need nothing here: every render lays out from the current output size. */
        if (e.type != SDL_KEYDOWN)
            continue;
        /* Auto-repeat may only step through a replay; held keys must not flip pause,
         * fullscreen, or double the speed ten times. */
        int rep = e.key.repeat != 0;
        switch (e.key.keysym.sym) {
        case SDLK_ESCAPE:
        case SDLK_q:
            return SM_ACT_QUIT;
        case SDLK_SPACE:
            if (!rep)
                return SM_ACT_PAUSE;
            break;
        case SDLK_F11:
            if (!rep)
                toggle_fullscreen(v);
            break;
        case SDLK_LEFT:
            return SM_ACT_SEEK_BACK;
        case SDLK_RIGHT:
            return SM_ACT_SEEK_FWD;
        case SDLK_DOWN:
        case SDLK_MINUS:
        case SDLK_KP_MINUS:
            if (!rep)
                return SM_ACT_SLOWER;
            break;
        case SDLK_UP:
        case SDLK_PLUS:
        case SDLK_EQUALS: /* '+' without shift on US layouts */
        case SDLK_KP_PLUS:
            if (!rep)
                return SM_ACT_FASTER;
            break;
        case SDLK_HOME:
            if (!rep)
                return SM_ACT_HOME;
            break;
        default:
            break;
        }
    }
    return SM_ACT_NONE;
}

/* ---- layout ------------------------------------------------------------------------------- */

typedef struct {
    int W, H;
    double u;     /* 1 % of the shorter side: every size below is a multiple of it */
    int m;        /* margin */
    int portrait; /* numbers below the map instead of beside it */
    SDL_Rect banner, notice, status, content;
    SDL_Rect map_area, map, panel;
    int legend_w;
} layout_t;

static void set_faces(sm_view_t *v, double u)
{
    int px[SM_FACE_COUNT];
    px[SM_FACE_SMALL] = iround(fmax(12.0, 2.1 * u));
    px[SM_FACE_LABEL] = iround(fmax(13.0, 2.6 * u));
    px[SM_FACE_BANNER] = iround(fmax(15.0, 3.3 * u));
    px[SM_FACE_MESSAGE] = iround(fmax(20.0, 5.6 * u));
    /* Digits of DejaVu Sans Bold are 0.73 em tall: 9.5 u gives digits about 7 % of the height
     * of a landscape window, readable from the floor 2 m away on a laptop. */
    px[SM_FACE_NUMBER] = iround(fmax(28.0, 9.5 * u));
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
                           double scale, layout_t *L)
{
    memset(L, 0, sizeof *L);
    SDL_GetRendererOutputSize(v->ren, &L->W, &L->H);
    L->u = (L->W < L->H ? L->W : L->H) / 100.0;
    set_faces(v, L->u);
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
    if (!L->portrait) {
        int pw = iround(fmax(0.27 * L->W, 30.0 * L->u));
        L->panel = (SDL_Rect){L->W - pw, y0, pw, y1 - y0};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - pw - L->legend_w - 2 * L->m,
                                 y1 - y0 - 2 * L->m - head - foot};
    } else {
        int ph = iround(fmax(0.26 * (y1 - y0), 24.0 * L->u));
        L->panel = (SDL_Rect){0, y1 - ph, L->W, ph};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - L->legend_w - 2 * L->m,
                                 y1 - ph - y0 - 2 * L->m - head - foot};
    }
    if (L->map_area.w < 8)
        L->map_area.w = 8;
    if (L->map_area.h < 8)
        L->map_area.h = 8;
    /* Square cells: rows x pitch by cols x pitch, as large as fits, centred. */
    double cell = fmin((double)L->map_area.w / f->cols, (double)L->map_area.h / f->rows);
    int mw = iround(cell * f->cols), mh = iround(cell * f->rows);
    int group_w = mw + L->legend_w; /* map and legend travel together */
    int gx = L->map_area.x + (L->map_area.w + L->legend_w - group_w) / 2;
    L->map = (SDL_Rect){gx, L->map_area.y + (L->map_area.h - mh) / 2, mw, mh};
}

/* ---- pieces of the picture ---------------------------------------------------------------- */

static double fallback_scale(const sm_frame_t *f)
{
    uint16_t mx = 0;
    for (int i = 0; f && i < f->rows * f->cols; i++)
        if (f->cells[i] > mx)
            mx = f->cells[i];
    return mx > 1023 ? 4095.0 : 1023.0;
}

/* Colours the frame straight at its size on screen (map_w x map_h), so drawing it is a plain
 * copy: no scaling, no filtering, no blending. A texture scaled by the renderer cost most of a
 * picture with software rendering (SDL's own, or llvmpipe). */
static int upload_heatmap(sm_view_t *v, const sm_frame_t *f, double scale, int map_w, int map_h)
{
    size_t n = (size_t)f->rows * f->cols;
    if (v->heat_valid && v->heat_tw == map_w && v->heat_th == map_h && v->last_rows == f->rows &&
        v->last_cols == f->cols && v->last_scale == scale &&
        memcmp(v->last_cells, f->cells, n * sizeof f->cells[0]) == 0)
        return 0;
    if (!v->heat_tex || v->heat_tw != map_w || v->heat_th != map_h) {
        if (v->heat_tex)
            SDL_DestroyTexture(v->heat_tex);
        v->heat_tex =
            SDL_CreateTexture(v->ren, v->pixel_format, SDL_TEXTUREACCESS_STREAMING, map_w, map_h);
        v->heat_valid = 0;
        v->heat_tw = v->heat_th = 0;
        if (!v->heat_tex)
            return -1;
        SDL_SetTextureBlendMode(v->heat_tex, SDL_BLENDMODE_NONE); /* opaque */
        SDL_SetTextureScaleMode(v->heat_tex, SDL_ScaleModeNearest);
        v->heat_tw = map_w, v->heat_th = map_h;
    }
    void *pixels;
    int pitch;
    if (SDL_LockTexture(v->heat_tex, NULL, &pixels, &pitch) != 0)
        return -1;
    int rc = sm_heatmap_render(v->hm, f->cells, f->rows, f->cols, map_w, map_h, scale, v->lut,
                               LUT_N, pixels, pitch);
    SDL_UnlockTexture(v->heat_tex);
    if (rc != 0) {
        v->heat_valid = 0;
        return -1;
    }
    memcpy(v->last_cells, f->cells, n * sizeof f->cells[0]);
    v->last_rows = f->rows, v->last_cols = f->cols, v->last_scale = scale;
    v->heat_valid = 1;
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
    outline(v, bar, C_FRAME, 1);

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
        fill(v, tick, C_DIM);
        char buf[48];
        if (step < 1.0)
            snprintf(buf, sizeof buf, "%.*f", step < 0.1 ? 2 : 1, val);
        else
            fmt_value(val, buf, sizeof buf);
        int w = draw_text(v, SM_FACE_SMALL, C_DIM, buf, label_x, y - lh / 2, AL_LEFT, 0, NULL);
        if (w > max_label_w)
            max_label_w = w;
    }
    /* Units along the bar, read from bottom to top: the scale is never unlabelled. */
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    int ux = label_x + max_label_w + iround(0.6 * L->u) + line_h(v, SM_FACE_LABEL) / 2;
    draw_text_up(v, SM_FACE_LABEL, C_TEXT, units, ux, bar.y + bar.h / 2, bar.h);
}

static void draw_scale_bar(sm_view_t *v, const layout_t *L, const sm_frame_t *f, double pitch)
{
    if (!(pitch > 0) || !isfinite(pitch))
        return;
    double px_per_cm = (double)L->map.w / (f->cols * pitch / 10.0);
    static const int cms[] = {1, 2, 5, 10, 20, 50, 100};
    int cm = 0;
    for (size_t i = 0; i < sizeof cms / sizeof cms[0]; i++)
        if (cms[i] * px_per_cm <= 0.34 * L->map.w)
            cm = cms[i];
    if (!cm)
        return;
    int len = iround(cm * px_per_cm), th = L->u >= 8 ? 2 : 1;
    int y = L->map.y + L->map.h + L->m / 2 + line_h(v, SM_FACE_SMALL) / 2;
    SDL_Rect bar = {L->map.x, y - th / 2, len, th};
    fill(v, bar, C_DIM);
    SDL_Rect e1 = {L->map.x, y - 3 * th, th, 6 * th},
             e2 = {L->map.x + len - th, y - 3 * th, th, 6 * th};
    fill(v, e1, C_DIM);
    fill(v, e2, C_DIM);
    char buf[32];
    snprintf(buf, sizeof buf, "%d cm", cm);
    draw_text(v, SM_FACE_SMALL, C_DIM, buf, L->map.x + len + iround(L->u),
              y - line_h(v, SM_FACE_SMALL) / 2, AL_LEFT, 0, NULL);
    char dims[64];
    snprintf(dims, sizeof dims, "%d \xc3\x97 %d cells, %.3g mm pitch", f->rows, f->cols, pitch);
    int dw = 0, dh = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, dims, &dw, &dh);
    if (dw > 0 && dw <= L->map.w - len - iround(9 * L->u))
        draw_text(v, SM_FACE_SMALL, C_FAINT, dims, L->map.x + L->map.w,
                  y - line_h(v, SM_FACE_SMALL) / 2, AL_RIGHT, 0, NULL);
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
                SDL_Color k = layer == 0 ? C_BLACK : C_TEXT;
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

/* One big number with its caption above and units below; returns the height used. */
static int draw_metric(sm_view_t *v, const layout_t *L, int x, int y, int w, const char *caption,
                       const char *value, const char *units)
{
    int h1 = 0, h2 = 0, h3 = 0;
    draw_text(v, SM_FACE_LABEL, C_DIM, caption, x, y, AL_LEFT, w, &h1);
    y += h1;
    draw_text(v, SM_FACE_NUMBER, C_TEXT, value, x - iround(0.3 * L->u), y, AL_LEFT, w, &h2);
    /* DejaVu's line box has room for descenders digits never use: tuck the units up. */
    y += h2 - h2 / 7;
    draw_text(v, SM_FACE_LABEL, C_DIM, units, x, y, AL_LEFT, w, &h3);
    return h1 + h2 - h2 / 7 + h3;
}

static void draw_panel(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->panel, C_PANEL);
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
                fill(v, sep, with_alpha(C_FRAME, 160));
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
        x += draw_badge(v, L, x, y, C_RED, C_TEXT, "\xe2\x97\x8f REC") + gap;
    if (m->paused)
        x += draw_badge(v, L, x, y, C_AMBER, C_BLACK, "PAUSED") + gap;
    if (m->replay)
        draw_badge(v, L, x, y, C_BANNER, C_TEXT, "REPLAY");
}

static void draw_status(sm_view_t *v, const layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->status, C_STATUS);
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
        x += draw_text(v, SM_FACE_SMALL, C_TEXT, buf, x, y, AL_LEFT, 0, NULL) + gap;
    }
    if (m->source_label && *m->source_label) /* a long path must not push the counters away */
        x += draw_text(v, SM_FACE_SMALL, C_DIM, m->source_label, x, y, AL_LEFT, L->W * 3 / 10,
                       NULL) +
             gap;
    snprintf(buf, sizeof buf, m->fps > 0 && m->fps < 10 ? "%.1f frames/s" : "%.0f frames/s",
             m->fps > 0 ? m->fps : 0.0);
    x += draw_text(v, SM_FACE_SMALL, C_DIM, buf, x, y, AL_LEFT, 0, NULL) + gap;
    const char *sat = "SATURATED: cells at full scale";
    int sat_w = 0, h = 0;
    if (m->frame && (m->frame->flags & SM_FRAME_SATURATED))
        sm_text_measure(v->text, SM_FACE_SMALL, sat, &sat_w, &h);
    else
        sat = NULL;
    int room = L->W - L->m - x - (sat ? sat_w + gap : 0);
    int bad = m->crc_errors || m->resyncs || m->seq_gaps || m->frames_lost;
    snprintf(buf, sizeof buf,
             "link: CRC errors %lu \xc2\xb7 resyncs %lu \xc2\xb7 gaps %lu \xc2\xb7 frames lost %lu",
             m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    int w = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    if (w > room) /* narrow window: the same counters, shorter words */
        snprintf(buf, sizeof buf, "CRC %lu \xc2\xb7 resync %lu \xc2\xb7 gap %lu \xc2\xb7 lost %lu",
                 m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    if (room > 0)
        x += draw_text(v, SM_FACE_SMALL, bad ? C_AMBER : C_FAINT, buf, x, y, AL_LEFT, room, NULL) +
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
    draw_text(v, SM_FACE_MESSAGE, C_DIM, "Waiting for the mat\xe2\x80\xa6", L->W / 2, cy, AL_CENTER,
              L->W - 4 * L->m, NULL);
    if (m->source_label && *m->source_label) {
        char buf[300];
        snprintf(buf, sizeof buf, "Listening to %s", m->source_label);
        draw_text(v, SM_FACE_LABEL, C_FAINT, buf, L->W / 2, cy + lh + iround(L->u), AL_CENTER,
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

/* The window colour behind everything. The map (when its heatmap is drawn), the side panel, the
 * status line and the strips paint every one of their pixels opaque, so only the rest of the
 * map's column is filled: a full clear would write most of the picture twice. */
static void clear_background(sm_view_t *v, const layout_t *L, int heat_ok)
{
    SDL_Rect col = L->content, map = L->map;
    if (L->panel.w && !L->portrait)
        col.w = L->panel.x - col.x;
    else if (L->panel.w)
        col.h = L->panel.y - col.y;
    if (!heat_ok || map.x < col.x || map.y < col.y || map.x + map.w > col.x + col.w ||
        map.y + map.h > col.y + col.h) { /* waiting screen, or a window too small to lay out */
        SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(v->ren, C_WINDOW.r, C_WINDOW.g, C_WINDOW.b, 255);
        SDL_RenderClear(v->ren);
        return;
    }
    int right = map.x + map.w, bottom = map.y + map.h;
    fill_some(v, col.x, col.y, col.w, map.y - col.y, C_WINDOW);
    fill_some(v, col.x, bottom, col.w, col.y + col.h - bottom, C_WINDOW);
    fill_some(v, col.x, map.y, map.x - col.x, map.h, C_WINDOW);
    fill_some(v, right, map.y, col.x + col.w - right, map.h, C_WINDOW);
}

sm_status sm_view_render(sm_view_t *v, const sm_view_model_t *m)
{
    if (!v || !m)
        return SM_ERR_ARG;
    const sm_frame_t *f = frame_usable(m->frame) ? m->frame : NULL;
    double scale = m->scale_max;
    if (!(scale > 0) || !isfinite(scale))
        scale = fallback_scale(f);

    /* A minimised window shows nothing: keep the last picture and spend no time drawing. */
    if (v->win && (SDL_GetWindowFlags(v->win) & SDL_WINDOW_MINIMIZED))
        return SM_OK;

    layout_t L;
    compute_layout(v, m, f, scale, &L);
    int heat_ok = f && upload_heatmap(v, f, scale, L.map.w, L.map.h) == 0;
    clear_background(v, &L, heat_ok);
    v->heat_drawn = 0;
    memset(v->heat_rect, 0, sizeof v->heat_rect);

    if (f) {
        if (heat_ok)
            SDL_RenderCopy(v->ren, v->heat_tex, NULL, &L.map); /* covers the map: no fill under */
        else
            fill(v, L.map, C_MAT);
        outline(v, L.map, C_FRAME, 1);
        v->heat_rect[0] = L.map.x, v->heat_rect[1] = L.map.y;
        v->heat_rect[2] = L.map.w, v->heat_rect[3] = L.map.h;
        v->heat_drawn = 1;
        /* Row 0 is the head end of the mat. */
        draw_text(v, SM_FACE_SMALL, C_FAINT, "\xe2\x96\xb2 head end", L.map.x + L.map.w / 2,
                  L.map.y - line_h(v, SM_FACE_SMALL) - iround(0.3 * L.u), AL_CENTER, 0, NULL);
        draw_scale_bar(v, &L, f, m->pitch_mm);
        draw_legend(v, &L, m, scale);
        draw_trail(v, &L, m, f);
        if (m->metrics && m->metrics->has_contact && isfinite(m->metrics->cop_row) &&
            isfinite(m->metrics->cop_col))
            draw_marker(v, &L, m->metrics, f);
        draw_panel(v, &L, m);
        draw_badges(v, &L, m);
    } else if (!(m->alert && *m->alert)) {
        draw_waiting(v, &L, m);
    }

    if (L.banner.h)
        draw_strip(v, L.banner, C_BANNER, C_TEXT, SM_FACE_BANNER, m->banner, L.m);
    if (L.notice.h)
        draw_strip(v, L.notice, C_NOTICE_BG, C_NOTICE, SM_FACE_LABEL, m->notice, L.m);
    if (m->alert && *m->alert) {
        SDL_Rect over = f ? L.map : L.content;
        draw_alert(v, &L, over, m->alert);
    }
    draw_status(v, &L, m);

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
