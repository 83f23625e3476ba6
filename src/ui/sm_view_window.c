/* The live view's window (or, headless, its off-screen picture): creating and destroying it,
 * the renderer choice, presenter mode's fullscreen, presenting and keeping a copy for
 * screenshots. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_opengl.h> /* only to ask which OpenGL we got: no GL drawing here */

#include "sm_view_internal.h"

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

/* SDL's software renderer draws into the window's framebuffer, and on X11 SDL 2 makes that
 * framebuffer an OpenGL texture by default: on a machine without a GPU (Xvfb, VMs, remote X) that
 * is Mesa llvmpipe drawing the whole window once more every picture, 2.5 times the CPU of the
 * window's own shared-memory framebuffer (40 % against 16 % of a core at 100 Hz, 1280x800). A hint
 * set by whoever started us stays theirs; without a framebuffer of its own (Wayland) the texture
 * after all. */
static SDL_Renderer *software_renderer(SDL_Window *win, Uint32 flags)
{
    const char *h = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
    if (h && *h)
        return SDL_CreateRenderer(win, -1, flags);
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_Renderer *r = SDL_CreateRenderer(win, -1, flags);
    if (!r) {
        SDL_ResetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
        r = SDL_CreateRenderer(win, -1, flags);
    }
    return r;
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

/* SDL's software renderer draws into the window's framebuffer (or the headless surface) and
 * presents it as it is: what was drawn stays until drawn over, so a picture can redraw only what
 * changed (sm_view_damage.c). GPU renderers swap buffers whose contents are then undefined. */
static int keeps_picture(sm_view_t *v)
{
    if (v->headless)
        return 1;
    SDL_RendererInfo info;
    return SDL_GetRendererInfo(v->ren, &info) == 0 && strcmp(info.name, "software") == 0;
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
    v->pal = &SM_PAL_NORMAL;

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
        const char *drv = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
        if (drv && SDL_strcasecmp(drv, "software") == 0)
            v->ren = software_renderer(v->win, SDL_RENDERER_ACCELERATED);
        else
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
        if (!v->ren) { /* no GPU driver (VMs, remote X): the software renderer still works */
            v->ren = software_renderer(v->win, SDL_RENDERER_SOFTWARE);
        }
        if (!v->ren) {
            set_err(err, errlen, "cannot draw in the window: %s; run with --headless",
                    SDL_GetError());
            sm_view_destroy(v);
            return NULL;
        }
    }
    v->pixel_format = output_format(v);
    v->retained = keeps_picture(v);

    v->hm = sm_heatmap_create();
    v->text = sm_text_create(v->ren, c.font_dir);
    sm_view_lut_build(v);
    if (!v->hm || !v->text || sm_view_legend_make(v) != 0) {
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
    sm_view_cache_drop(&v->legend);
    sm_view_cache_drop(&v->safety);
    sm_view_cache_drop(&v->status);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    if (v->target)
        SDL_FreeSurface(v->target);
    if (v->copy)
        SDL_FreeSurface(v->copy);
    sm_heatmap_destroy(v->hm);
    free(v->heat.px);
    free(v->heat2.px);
    if (v->video_init)
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(v);
}

/* ---- events ------------------------------------------------------------------------------- */

void sm_view_device_reset(sm_view_t *v)
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
    sm_view_cache_drop(&v->legend);
    sm_view_cache_drop(&v->safety);
    sm_view_cache_drop(&v->status);
    v->heat.tex = v->heat2.tex = v->marker_tex = v->legend_tex = NULL;
    v->heat.valid = v->heat2.valid = 0;
    v->heat.tw = v->heat.th = v->heat2.tw = v->heat2.th = 0;
    sm_view_damage_all(v);
    sm_view_legend_make(v); /* the marker and heatmap are made again on the next render */
}

void sm_view_targets_lost(sm_view_t *v)
{
    v->heat.valid = v->heat2.valid = 0;
    v->legend.valid = v->safety.valid = v->status.valid = 0;
    sm_view_damage_all(v);
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

void sm_view_present(sm_view_t *v, const sm_layout_t *L, const SDL_Rect *parts, int n)
{
    v->have_picture = 1;
    if (v->headless) {
        SDL_RenderFlush(v->ren);
        return;
    }
    if (!v->no_readback && keep_copy(v, L->W, L->H) != 0)
        v->have_picture = 0;
    /* Drawn in parts by SDL's software renderer, which draws into the window's own framebuffer:
     * only those parts go to the screen. Sending the whole window (SDL_RenderPresent) costs this
     * process about 0.15 ms a picture at 1280x800 on X11, most of a picture drawn in parts. */
    if (n > 0 && v->retained) {
        SDL_RenderFlush(v->ren);
        if (SDL_UpdateWindowSurfaceRects(v->win, parts, n) == 0)
            return;
    }
    SDL_RenderPresent(v->ren);
}

/* Presenter mode goes fullscreen (a projector, a big screen) and back when it ends, unless the
 * window was fullscreen already. */
void sm_view_presenter_window(sm_view_t *v, int presenter)
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

void sm_view_draw_stats(const sm_view_t *v, sm_view_draw_stats_t *s)
{
    memset(s, 0, sizeof *s);
    if (!v)
        return;
    const sm_view_damage_t *d = &v->dmg;
    s->pictures = d->pictures;
    s->in_parts = d->parts_pictures;
    s->unchanged = d->skipped_pictures;
    s->drawn_percent = d->pictures > 0 ? 100.0 * d->drawn_sum / d->pictures : 0.0;
}
