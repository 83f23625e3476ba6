/* The live view's input: keys to actions, the template's or the patient's name being typed,
 * no-go zones dragged with the mouse on the map. Window events (close, device reset) are handled
 * here too. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "sm_view_internal.h"

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

/* While a name is typed every key edits the name: letters must not mute, quit or rate
 * soreness. Enter saves (an empty template name does nothing; an empty patient's name means no
 * name), Esc cancels. */
static sm_action_t naming_key(sm_view_t *v, const SDL_KeyboardEvent *k, sm_view_event_t *ev)
{
    switch (k->keysym.sym) {
    case SDLK_RETURN:
    case SDLK_KP_ENTER: {
        int patient = v->naming == NAMING_PATIENT;
        if ((!v->name[0] && !patient) || k->repeat)
            return SM_ACT_NONE;
        snprintf(ev->text, sizeof ev->text, "%s", v->name);
        stop_naming(v);
        return patient ? SM_ACT_PATIENT : SM_ACT_TEMPLATE_SAVE;
    }
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
    size_t cap = v->naming == NAMING_PATIENT ? TYPED_MAX : NAME_MAX;
    for (; *t; t++) {
        unsigned char ch = (unsigned char)*t;
        if (ch < 0x20 || ch == 0x7F)
            continue;
        /* Whole UTF-8 sequences only: a name is never cut inside a character. */
        size_t len = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 0;
        if (!len || n + len >= cap)
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
    case SDLK_n: /* the box starts empty for a template, with the name so far for the patient */
        if (!rep) {
            v->naming = sym == SDLK_n ? NAMING_PATIENT : NAMING_TEMPLATE;
            snprintf(v->name, sizeof v->name, "%s", sym == SDLK_n ? v->patient : "");
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
    case SDLK_v:
        return rep ? SM_ACT_NONE : SM_ACT_CLINICIAN;
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

unsigned long sm_view_events_seen(const sm_view_t *v)
{
    return v ? v->events_seen : 0;
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
        v->events_seen++;
        sm_action_t a = SM_ACT_NONE;
        if (e.type == SDL_QUIT)
            a = SM_ACT_QUIT;
        else if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE)
            a = SM_ACT_QUIT;
        /* Some drivers (Direct3D, after a display change or sleep) lose the contents of render
         * targets or every texture: draw the heatmap again, and rebuild the rest if needed. */
        else if (e.type == SDL_RENDER_TARGETS_RESET)
            sm_view_targets_lost(v);
        else if (e.type == SDL_RENDER_DEVICE_RESET)
            sm_view_device_reset(v);
        /* Resizes need nothing here: every render lays out from the current output size (and
         * a new size is drawn whole). Uncovered, the window shows the whole picture again. */
        else if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_EXPOSED)
            sm_view_damage_all(v);
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
