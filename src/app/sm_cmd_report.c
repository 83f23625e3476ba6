/* `steadymat report`: one clinical page per session (PNG and PDF), per-frame CSV and the
 * summary JSON; several sessions also get a combined summary page. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sm_analysis.h"
#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_cli.h"
#include "sm_file.h"
#include "sm_metrics.h"
#include "sm_report.h"
#include "sm_report_draw.h"

#ifndef SM_VERSION
#define SM_VERSION "dev"
#endif

#define USAGE 2
#define DPI   150.0

static void help(void)
{
    printf("usage: steadymat report SESSION... --out DIR [--calibration FILE] [--protocol P]\n"
           "                        [--release S] [--tool T]\n\n"
           "Writes the report of each recorded session for notes and for showing a patient. Every\n"
           "page is headed with the patient, date, protocol, side and tool. A session's first\n"
           "page has its first three holds (mean pressure under each, the tool's path and its\n"
           "95%% ellipse), the load over time with the wiggles marked, the sway spectrum and the\n"
           "per-side summary; further pages show the other holds, six a page. Into DIR (created\n"
           "if missing) go, for each SESSION (NAME is its file name without .smsession):\n"
           "  NAME.png      its first page (A4 landscape, 150 dpi); NAME-2.png, NAME-3.png ...\n"
           "                its further pages, when it has more than three holds\n"
           "  NAME.csv      per-frame numbers with a header line (units in the column names)\n"
           "  NAME.json     the summary (the members of 'steadymat analyze --json')\n"
           "and report.pdf with every page of every session; with several sessions also a\n"
           "summary page (summary.png, the last page of report.pdf) and summary.json.\n\n"
           "The session says how it was practised (protocol, release threshold, tool) and with\n"
           "which calibration; the report uses that unless an option overrides it, and says so.\n\n"
           "  --out DIR             where to write\n"
           "  --calibration FILE    the mat's calibration: pressures in kPa (and mmHg), loads\n"
           "                        in N (default: the one the session was recorded with, when\n"
           "                        it is still to be found; else raw counts, uncalibrated)\n"
           "  --protocol P          ball, hook, back or realign (default: the session's own;\n"
           "                        for sessions of SteadyMat 0.1, the history's note of it,\n"
           "                        else ball)\n"
           "  --release S           steady seconds for the release threshold (default: the\n"
           "                        session's)\n"
           "  --tool T              ball, ball:CM or hook (default: the session's)\n");
}

/* ---- per-frame collection ---- */

typedef struct {
    FILE *csv;
    int csv_failed;
    const sm_calib_t *cal;
    double pitch_mm, threshold;
    float *values; /* display values of the current frame */
    /* series for the plots */
    double *t, *load, *tot, *tx, *ty;
    unsigned char *present;
    size_t n, cap;
    int oom;
    int any_tool;
} collect_t;

static int grow(collect_t *c)
{
    size_t cap = c->cap ? c->cap * 2 : 4096;
    double **p[5] = {&c->t, &c->load, &c->tot, &c->tx, &c->ty};
    for (int i = 0; i < 5; i++) {
        double *q = realloc(*p[i], cap * sizeof *q);
        if (!q)
            return 0;
        *p[i] = q;
    }
    unsigned char *pr = realloc(c->present, cap);
    if (!pr)
        return 0;
    c->present = pr;
    c->cap = cap;
    return 1;
}

static void collect_free(collect_t *c)
{
    free(c->t);
    free(c->load);
    free(c->tot);
    free(c->tx);
    free(c->ty);
    free(c->present);
    free(c->values);
}

/* Display values of a frame: kPa when calibrated, else raw counts. */
static void display_values(const sm_calib_t *cal, const sm_frame_t *f, float *out)
{
    if (cal) {
        sm_calib_apply(cal, f, out);
        return;
    }
    for (int i = 0; i < f->rows * f->cols; i++)
        out[i] = f->cells[i];
}

static void on_frame(void *ctx, const sm_frame_t *f, double t_s, const sm_pipeline_t *p)
{
    collect_t *c = ctx;
    const sm_contact_frame_t *cf = sm_pipeline_contact(p);
    const sm_coach_out_t *co = sm_pipeline_coach_out(p);
    int cells = f->rows * f->cols;
    display_values(c->cal, f, c->values);
    sm_metrics_t m;
    double tool_load = NAN;
    if (c->cal) {
        sm_metrics_compute_values(c->values, f->rows, f->cols, c->pitch_mm, 0, &m);
        m.total = sm_calib_force_n(c->cal, c->values);
        if (cf->present) {
            const uint8_t *lab = sm_pipeline_labels(p, f->rows, f->cols);
            double kpa = 0;
            for (int i = 0; lab && i < cells; i++)
                if (lab[i] == SM_CONTACT_TOOL)
                    kpa += c->values[i];
            tool_load = sm_kpa_area_to_n(kpa, c->pitch_mm * c->pitch_mm);
        }
    } else {
        sm_metrics_compute(f, c->pitch_mm, c->threshold, &m);
        if (cf->present)
            tool_load = cf->load;
    }
    if (c->n == c->cap && !grow(c)) {
        c->oom = 1;
        return;
    }
    c->t[c->n] = t_s;
    c->present[c->n] = (unsigned char)cf->present;
    c->tx[c->n] = cf->present ? cf->x_mm : NAN;
    c->ty[c->n] = cf->present ? cf->y_mm : NAN;
    c->load[c->n] = tool_load;
    c->tot[c->n] = m.total;
    c->any_tool |= cf->present;
    c->n++;
    if (c->csv && !c->csv_failed) {
        char x[32] = "", y[32] = "", l[32] = "";
        if (cf->present) {
            snprintf(x, sizeof x, "%.1f", cf->x_mm);
            snprintf(y, sizeof y, "%.1f", cf->y_mm);
            snprintf(l, sizeof l, "%.*f", c->cal ? 2 : 0, tool_load);
        }
        if (fprintf(c->csv, "%.4f,%.*f,%.*f,%.1f,%d,%s,%s,%s,%.3f,%s,%d\n", t_s, c->cal ? 2 : 0,
                    m.total, c->cal ? 2 : 0, m.peak, m.area_cm2, cf->present, x, y, l, co->meter,
                    co->phase_name ? co->phase_name : "", co->moving) < 0)
            c->csv_failed = 1;
    }
}

/* ---- helpers ---- */

/* A report file is health data: created private (0600), never through a symlink. Returns an
 * open stream, or NULL with the message in err. */
static FILE *create_private(const char *path, char *err, size_t errlen)
{
    int fd = sm_file_create(path, 1);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, sm_file_why(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

static int write_text(const char *path, const char *text, char *err, size_t errlen)
{
    FILE *f = create_private(path, err, errlen);
    if (!f)
        return 0;
    int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* File stem: the session's name without .smsession, unique among the outputs. */
static void make_stem(const char *path, char stems[][128], size_t i, char *out, size_t n)
{
    char b[128];
    snprintf(b, sizeof b, "%s", base_name(path));
    char *dot = strrchr(b, '.');
    if (dot && dot != b)
        *dot = 0;
    if (!b[0] || !strcmp(b, "report") || !strcmp(b, "summary"))
        snprintf(b, sizeof b, "session-%zu", i + 1);
    snprintf(out, n, "%s", b);
    for (int k = 2;; k++) {
        int taken = 0;
        for (size_t j = 0; j < i; j++)
            taken |= !strcmp(stems[j], out);
        if (!taken)
            break;
        snprintf(out, n, "%.100s-%d", b, k);
    }
}

static void date_text(int64_t ms, char *b, size_t n)
{
    if (ms <= 0) {
        snprintf(b, n, "date not recorded");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(b, n, "%a %d %b %Y, %H:%M", &tm))
        snprintf(b, n, "date not recorded");
}

/* The session's own protocol and keys, from its history sidecar when there is one. */
static int read_sidecar(const char *path, sm_history_meta_t *m)
{
    char side[PATH_MAX + 16], err[200];
    snprintf(side, sizeof side, "%s%s", path, ".meta.json");
    char *text;
    size_t n;
    if (sm_file_read(side, SM_HISTORY_LINE_MAX, &text, &n, err, sizeof err) != SM_OK)
        return 0;
    sm_status s = sm_history_meta_parse(text, n, m, err, sizeof err);
    free(text);
    return s == SM_OK;
}

/* Pass 2: mean display values over each drawn hold. */
static int hold_images(const char *path, const sm_calib_t *cal, double first_s,
                       const sm_coach_hold_t *h, const size_t *idx, size_t k, int cells,
                       float **img, char *err, size_t errlen)
{
    sm_session_reader_t *r = NULL;
    if (sm_session_reader_open(path, &r, err, errlen) != SM_OK)
        return 0;
    sm_session_record_t *rec = malloc(sizeof *rec);
    double *sum = calloc((size_t)cells * k, sizeof *sum);
    unsigned long *cnt = calloc(k, sizeof *cnt);
    float *v = malloc(SM_MAX_CELLS * sizeof *v);
    int ok = rec && sum && v && cnt;
    uint64_t first = (uint64_t)llround(first_s * 1e6);
    while (ok && sm_session_reader_next(r, rec) == SM_OK) {
        if (rec->kind != SM_REC_FRAME || rec->frame.rows * rec->frame.cols != cells)
            continue;
        double t = (rec->frame.t_us >= first ? rec->frame.t_us - first : 0) / 1e6;
        int used = 0;
        for (size_t j = 0; j < k; j++) {
            if (t < h[idx[j]].start_s || t > h[idx[j]].end_s)
                continue;
            if (!used)
                display_values(cal, &rec->frame, v);
            used = 1;
            for (int c = 0; c < cells; c++)
                sum[j * cells + c] += v[c];
            cnt[j]++;
        }
    }
    for (size_t j = 0; ok && j < k; j++) {
        img[j] = malloc((size_t)cells * sizeof *img[j]);
        if (!img[j]) {
            ok = 0;
            break;
        }
        for (int c = 0; c < cells; c++)
            img[j][c] = cnt[j] ? (float)(sum[j * cells + c] / cnt[j]) : 0.0f;
    }
    if (!ok)
        snprintf(err, errlen, "out of memory");
    free(v);
    free(sum);
    free(cnt);
    free(rec);
    sm_session_reader_close(r);
    return ok;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Top of the colour scale. The tool presses far harder than the body lying around it, so a
 * scale up to the tool's peak leaves the body invisible; the top is the body's level (99th
 * percentile of the cells away from the held spots) times 1.5, but at least a quarter of the
 * tool's peak and at most all of it. Cells above the top are drawn at the top colour (the
 * legend says so). *clipped is set when that happens. */
static double scale_top(float *const *img, size_t k, const sm_coach_hold_t *h, const size_t *idx,
                        int rows, int cols, double pitch, int *clipped)
{
    double spot = 0;
    size_t cells = (size_t)rows * cols, nb = 0;
    float *body = malloc(cells * (k ? k : 1) * sizeof *body);
    for (size_t j = 0; j < k; j++) {
        int r0 = (int)(h[idx[j]].y_mm / pitch), c0 = (int)(h[idx[j]].x_mm / pitch);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                double v = img[j][r * cols + c];
                if (abs(r - r0) <= 3 && abs(c - c0) <= 3)
                    spot = fmax(spot, v);
                else if (body)
                    body[nb++] = (float)v;
            }
    }
    double level = 0;
    if (body && nb) {
        qsort(body, nb, sizeof *body, cmp_float);
        level = body[(size_t)(0.99 * (double)(nb - 1))];
    }
    free(body);
    double top = fmin(spot, fmax(1.5 * level, 0.25 * spot));
    if (!(top > 0))
        top = fmax(spot, level);
    *clipped = 0;
    for (size_t j = 0; j < k; j++)
        for (size_t c = 0; c < cells; c++)
            *clipped |= img[j][c] > top * 1.0001;
    return top;
}

/* ---- one session ---- */

typedef struct {
    const char *out_dir;
    const char *calib_path;
    sm_sessinfo_flags_t flags;
    sm_rd_pdf_t *pdf;
    size_t index, count;
    size_t pngs; /* page images written */
} report_t;

/* The sides the session's holds were on, for the page header. */
static const char *sides_text(const sm_history_entry_t *e)
{
    int r = e->side[SM_HISTORY_RIGHT].holds > 0, l = e->side[SM_HISTORY_LEFT].holds > 0;
    return r && l ? "right and left" : r ? "right" : l ? "left" : "none held";
}

static int one_session(report_t *rp, const char *path, const char *stem, sm_history_entry_t *entry,
                       json_object *summary_arr, char *err, size_t errlen)
{
    int ok = 0;
    char file[PATH_MAX];
    sm_calib_t *cal = NULL;
    sm_calib_data_t *cd = NULL;
    sm_history_meta_t *meta = calloc(1, sizeof *meta);
    collect_t c;
    memset(&c, 0, sizeof c);
    sm_analysis_t a;
    memset(&a, 0, sizeof a);
    float **img = NULL;
    double *f = NULL, *psd = NULL;
    double **hx = NULL, **hy = NULL;
    sm_rd_hold_t *rh = NULL;
    size_t nimg = 0;
    c.values = malloc(SM_MAX_CELLS * sizeof *c.values);
    if (!meta || !c.values) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* the header first: the calibration must fit the mat */
    sm_session_reader_t *r = NULL;
    if (sm_session_reader_open(path, &r, err, errlen) != SM_OK)
        goto done;
    sm_session_header_t hdr = *sm_session_reader_header(r);
    sm_session_reader_close(r);
    /* how it was practised: the session's header, else its sidecar, unless overridden */
    int have_meta = read_sidecar(path, meta);
    sm_sessinfo_t info;
    sm_sessinfo_resolve(&hdr, have_meta ? meta : NULL, &rp->flags, &info);
    char prefix[PATH_MAX + 32];
    snprintf(prefix, sizeof prefix, "steadymat report: %s: ", base_name(path));
    char cal_from[PATH_MAX + 64] = "";
    if (rp->calib_path) {
        cd = malloc(sizeof *cd);
        if (!cd) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        char e2[300];
        if (sm_calib_file_load(rp->calib_path, &hdr.mat, cd, e2, sizeof e2) != SM_OK ||
            sm_calib_create(cd, &cal, e2, sizeof e2) != SM_OK) {
            snprintf(err, errlen, "%s (for %s)", e2, path);
            goto done;
        }
        snprintf(cal_from, sizeof cal_from, "%s (overridden by --calibration)", rp->calib_path);
    } else {
        /* the calibration the session was recorded with, when it is still to be found */
        char cpath[PATH_MAX], why[400];
        if (sm_sessinfo_calib_find(path, NULL, &hdr, &cal, cpath, sizeof cpath, why, sizeof why))
            snprintf(cal_from, sizeof cal_from, "%s (from the session: %s)", info.calib_id, cpath);
        else if (why[0])
            fprintf(stderr, "%s%s\n", prefix, why);
    }
    sm_analysis_opts_t o = {.protocol = SM_PROTO_BALL_RELEASE, .on_frame = on_frame, .ctx = &c};
    sm_analysis_opts_apply(&o, &info);
    o.cal = cal;
    if (have_meta) {
        o.inputs = meta->inputs;
        o.n_inputs = meta->n_inputs;
    }
    c.cal = cal;
    c.pitch_mm = hdr.mat.pitch_mm > 0 ? hdr.mat.pitch_mm : 25;
    c.threshold = 0.02 * (hdr.mat.sample_max ? hdr.mat.sample_max : 1023);
    snprintf(file, sizeof file, "%s/%s.csv", rp->out_dir, stem);
    c.csv = create_private(file, err, errlen);
    if (!c.csv)
        goto done;
    const char *u = cal ? "N" : "counts";
    fprintf(c.csv,
            "t_s,total_%s,peak_%s,contact_area_cm2,tool_present,tool_x_mm,tool_y_mm,"
            "tool_load_%s,steadiness_0_1,phase,moving\n",
            u, cal ? "kPa" : "counts", u);
    sm_status st = sm_analysis_run(path, &o, &a, err, errlen);
    int csv_bad = fclose(c.csv) != 0 || c.csv_failed;
    c.csv = NULL;
    if (st != SM_OK) {
        remove(file);
        goto done;
    }
    sm_analysis_settle(&a, &info);
    if (csv_bad) {
        snprintf(err, errlen, "cannot write %s: %s", file, strerror(errno));
        goto done;
    }
    if (c.oom) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* how it was analysed, and why */
    sm_sessinfo_print(stderr, prefix, &info);
    if (cal_from[0])
        fprintf(stderr, "%scalibration: %s\n", prefix, cal_from);
    const sm_coach_t *co = sm_pipeline_coach(a.pipe);
    size_t nh = 0, ne = 0;
    const sm_coach_hold_t *holds = sm_coach_holds(co, &nh);
    const sm_coach_event_t *events = sm_coach_events(co, &ne);

    /* JSON: the members of analyze --json, then the report's own */
    json_object *j = json_object_new_object();
    json_object_object_add(j, "source", json_object_new_string(path));
    json_object_object_add(j, "frames", json_object_new_int64((int64_t)a.frames));
    json_object_object_add(j, "duration_s", json_object_new_double(a.duration_s));
    sm_sessinfo_json(j, &info);
    json_object_object_add(j, "sway_of", json_object_new_string(a.of_tool ? "tool" : "body"));
    sm_report_sway(j, a.have_sway ? &a.sway : NULL);
    sm_report_coach(j, co);
    json_object_object_add(j, "units",
                           json_object_new_string(cal ? "kPa" : "raw counts (uncalibrated)"));
    json_object_object_add(j, "start_unix_ms", json_object_new_int64(hdr.start_unix_ms));
    json_object_object_add(j, "session_source", json_object_new_string(hdr.source));
    json_object_object_add(j, "calibration", cal_from[0] ? json_object_new_string(cal_from) : NULL);
    snprintf(file, sizeof file, "%s/%s.json", rp->out_dir, stem);
    int jok = write_text(file, sm_report_json_text(j, "report"), err, errlen);
    if (jok && summary_arr)
        json_object_array_add(summary_arr, json_object_get(j));
    json_object_put(j);
    if (!jok)
        goto done;

    /* every hold is drawn (pages as needed) */
    size_t k = nh;
    int cells = hdr.mat.rows * hdr.mat.cols;
    size_t ka = k ? k : 1;
    img = calloc(ka, sizeof *img);
    hx = calloc(ka, sizeof *hx);
    hy = calloc(ka, sizeof *hy);
    rh = calloc(ka, sizeof *rh);
    if (!img || !hx || !hy || !rh) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    nimg = k;
    size_t *idx = malloc(ka * sizeof *idx);
    if (!idx) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        idx[i] = i;
    if (k && !hold_images(path, cal, a.first_s, holds, idx, k, cells, img, err, errlen)) {
        free(idx);
        goto done;
    }
    int clipped = 0;
    double image_max =
        scale_top(img, k, holds, idx, hdr.mat.rows, hdr.mat.cols, c.pitch_mm, &clipped);
    free(idx);
    for (size_t i = 0; i < k; i++) {
        const sm_coach_hold_t *hd = &holds[i];
        size_t np = 0;
        hx[i] = malloc((c.n ? c.n : 1) * sizeof *hx[i]);
        hy[i] = malloc((c.n ? c.n : 1) * sizeof *hy[i]);
        if (!hx[i] || !hy[i]) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        for (size_t q = 0; q < c.n; q++)
            if (c.present[q] && c.t[q] >= hd->start_s && c.t[q] <= hd->end_s) {
                hx[i][np] = c.tx[q];
                hy[i][np] = c.ty[q];
                np++;
            }
        rh[i].hold = *hd;
        rh[i].number = (int)i + 1;
        rh[i].image = img[i];
        rh[i].px = hx[i];
        rh[i].py = hy[i];
        rh[i].np = np;
    }
    /* the load series: the tool's, or the whole frame's when no tool was ever found */
    /* spectrum */
    size_t nb = 0;
    sm_sway_config_t sc;
    sm_sway_config_default(&sc, a.rate_hz > 0 ? a.rate_hz : 1);
    if (a.n >= 3 && a.rate_hz > 0 &&
        sm_sway_spectrum(&sc, a.x, a.y, a.n, NULL, NULL, 0, &nb) == SM_OK && nb) {
        f = malloc(nb * sizeof *f);
        psd = malloc(nb * sizeof *psd);
        if (!f || !psd || sm_sway_spectrum(&sc, a.x, a.y, a.n, f, psd, nb, &nb) != SM_OK)
            nb = 0;
    }
    char date[64], mat[160], footer[200];
    date_text(hdr.start_unix_ms, date, sizeof date);
    int ml = snprintf(mat, sizeof mat, "%u x %u cells, %g mm pitch", hdr.mat.rows, hdr.mat.cols,
                      hdr.mat.pitch_mm > 0 ? hdr.mat.pitch_mm : 25);
    if (hdr.mat.name[0] && ml > 0 && (size_t)ml < sizeof mat)
        ml += snprintf(mat + ml, sizeof mat - (size_t)ml, ", %s", hdr.mat.name);
    if (hdr.mat.uid[0] && ml > 0 && (size_t)ml < sizeof mat)
        snprintf(mat + ml, sizeof mat - (size_t)ml, ", id %s", hdr.mat.uid);
    snprintf(footer, sizeof footer, "SteadyMat %s  ·  session %zu of %zu", SM_VERSION,
             rp->index + 1, rp->count - (rp->count > 1));
    sm_rd_page_t pg;
    memset(&pg, 0, sizeof pg);
    pg.date = date;
    pg.file = base_name(path);
    pg.source = hdr.source[0] ? hdr.source : "unknown";
    pg.mat = mat;
    pg.protocol = sm_protocol_title(info.protocol);
    pg.patient = info.patient;
    pg.tool = sm_sesstool_name(info.tool);
    /* the person's right on the map, as the live view shows it for the protocol coached */
    sm_posture_t posture = sm_coach_posture(info.protocol);
    pg.right_edge = posture == SM_POSTURE_PRONE ? 1 : posture == SM_POSTURE_SUPINE ? 2 : 0;
    pg.duration_s = a.duration_s;
    pg.frames = a.frames;
    pg.rate_hz = a.rate_hz;
    pg.calibrated = cal != NULL;
    pg.footer = footer;
    pg.rows = hdr.mat.rows;
    pg.cols = hdr.mat.cols;
    pg.pitch_mm = c.pitch_mm;
    pg.image_max = image_max > 0 ? image_max : 1;
    pg.image_clipped = clipped;
    pg.release_target_s = info.threshold_s;
    pg.holds = rh;
    pg.n_holds = k;
    pg.t_s = c.t;
    pg.load = c.any_tool ? c.load : c.tot;
    pg.n_load = c.n;
    pg.load_is_tool = c.any_tool;
    pg.events = events;
    pg.n_events = ne;
    pg.all_holds = holds;
    pg.n_all_holds = nh;
    pg.f_hz = f;
    pg.psd = psd;
    pg.n_psd = nb;
    pg.of_tool = a.of_tool;
    pg.have_sway = a.have_sway;
    pg.sway = a.sway;
    pg.breath_bpm = sm_coach_breath_bpm(co);
    memset(entry, 0, sizeof *entry);
    snprintf(entry->session, sizeof entry->session, "%s", base_name(path));
    sm_analysis_entry_info(&a, path, &info, entry);
    memcpy(pg.side, entry->side, sizeof pg.side);
    pg.sides = sides_text(entry);
    /* NAME.png is the first page, NAME-2.png ... the further pages of holds */
    size_t pages = sm_rd_session_pages(&pg);
    for (size_t pgi = 0; pgi < pages; pgi++) {
        if (pgi == 0)
            snprintf(file, sizeof file, "%s/%s.png", rp->out_dir, stem);
        else
            snprintf(file, sizeof file, "%s/%s-%zu.png", rp->out_dir, stem, pgi + 1);
        if (sm_file_prepare(file, err, errlen) != SM_OK ||
            sm_rd_png_session(file, &pg, pgi, DPI, err, errlen) != SM_OK)
            goto done;
        rp->pngs++;
    }
    sm_rd_pdf_session(rp->pdf, &pg);
    ok = 1;
done:
    for (size_t i = 0; i < nimg; i++) {
        free(img[i]);
        free(hx[i]);
        free(hy[i]);
    }
    free(img);
    free(hx);
    free(hy);
    free(rh);
    free(f);
    free(psd);
    if (c.csv)
        fclose(c.csv);
    collect_free(&c);
    sm_analysis_free(&a);
    sm_calib_destroy(cal);
    free(cd);
    free(meta);
    return ok;
}

static int summary_outputs(report_t *rp, const sm_history_entry_t *e, size_t n, json_object *arr,
                           char *err, size_t errlen)
{
    char title[96], file[PATH_MAX];
    snprintf(title, sizeof title, "Summary of %zu sessions", n);
    sm_history_entry_t *sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    memcpy(sorted, e, n * sizeof *sorted);
    sm_history_list_t l = {sorted, n, n};
    sm_history_list_sort(&l);
    char sub[160], d0[64], d1[64];
    date_text(sorted[0].start_unix_ms, d0, sizeof d0);
    date_text(sorted[n - 1].start_unix_ms, d1, sizeof d1);
    snprintf(sub, sizeof sub, "From %s to %s, oldest first", d0, d1);
    /* one patient's sessions: a line per protocol */
    int one_patient = sorted[0].patient[0] != 0;
    for (size_t i = 1; i < n; i++)
        one_patient &= !strcmp(sorted[i].patient, sorted[0].patient);
    sm_rd_sessions_t s = {sorted, n, title, sub, one_patient};
    sm_rd_pdf_summary(rp->pdf, &s);
    snprintf(file, sizeof file, "%s/summary.png", rp->out_dir);
    int ok = sm_file_prepare(file, err, errlen) == SM_OK &&
             sm_rd_png_summary(file, &s, DPI, err, errlen) == SM_OK;
    free(sorted);
    if (!ok)
        return 0;
    /* summary.json: every session's summary, and the totals per side */
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sessions", json_object_get(arr));
    json_object *sides = json_object_new_object();
    for (int sd = 0; sd < SM_HISTORY_SIDES; sd++) {
        int holds = 0, released = 0, wiggles = 0, spots = 0;
        double steady = 0;
        for (size_t i = 0; i < n; i++) {
            holds += e[i].side[sd].holds;
            released += e[i].side[sd].released;
            wiggles += e[i].side[sd].wiggles;
            spots += e[i].side[sd].spots;
            steady += e[i].side[sd].steady_s;
        }
        json_object *x = json_object_new_object();
        json_object_object_add(x, "spots", json_object_new_int(spots));
        json_object_object_add(x, "holds", json_object_new_int(holds));
        json_object_object_add(x, "released", json_object_new_int(released));
        json_object_object_add(x, "steady_s", json_object_new_double(steady));
        json_object_object_add(x, "wiggles", json_object_new_int(wiggles));
        json_object_object_add(sides, sd == SM_HISTORY_RIGHT ? "right" : "left", x);
    }
    json_object_object_add(o, "sides", sides);
    snprintf(file, sizeof file, "%s/summary.json", rp->out_dir);
    ok = write_text(file, sm_report_json_text(o, "report"), err, errlen);
    json_object_put(o);
    return ok;
}

int sm_cmd_report(int argc, char **argv)
{
    report_t rp;
    memset(&rp, 0, sizeof rp);
    const char **sessions = calloc((size_t)(argc > 0 ? argc : 1), sizeof *sessions);
    size_t ns = 0;
    if (!sessions) {
        fprintf(stderr, "steadymat report: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            free(sessions);
            return 0;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken = sm_sessinfo_option(argc, argv, &i, &rp.flags, "report");
        if (taken < 0) {
            free(sessions);
            return USAGE;
        }
        if (taken)
            continue;
        int has_value = !strcmp(a, "--out") || !strcmp(a, "--calibration");
        if (has_value && i + 1 >= argc) {
            fprintf(stderr, "steadymat report: %s needs a value (see 'steadymat report --help')\n",
                    a);
            free(sessions);
            return USAGE;
        }
        if (!strcmp(a, "--out")) {
            rp.out_dir = argv[++i];
        } else if (!strcmp(a, "--calibration")) {
            rp.calib_path = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr,
                    "steadymat report: unknown option '%s' (see 'steadymat report --help')\n", a);
            free(sessions);
            return USAGE;
        } else {
            sessions[ns++] = a;
        }
    }
    if (!ns || !rp.out_dir) {
        fprintf(stderr, "steadymat report: %s (see 'steadymat report --help')\n",
                !ns ? "which sessions? steadymat report SESSION... --out DIR"
                    : "where to? give --out DIR");
        free(sessions);
        return USAGE;
    }
    char err[700];
    /* every session must open before anything is written */
    for (size_t i = 0; i < ns; i++) {
        sm_session_reader_t *r = NULL;
        if (sm_session_reader_open(sessions[i], &r, err, sizeof err) != SM_OK) {
            fprintf(stderr, "steadymat report: %s\n", err);
            free(sessions);
            return 1;
        }
        sm_session_reader_close(r);
    }
    struct stat st;
    if (stat(rp.out_dir, &st) != 0) {
        if (sm_file_mkdirs(rp.out_dir) != 0) {
            fprintf(stderr, "steadymat report: cannot create %s: %s\n", rp.out_dir,
                    strerror(errno));
            free(sessions);
            return 1;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "steadymat report: %s is not a folder\n", rp.out_dir);
        free(sessions);
        return 1;
    }
    char pdf[PATH_MAX];
    snprintf(pdf, sizeof pdf, "%s/report.pdf", rp.out_dir);
    if (sm_file_prepare(pdf, err, sizeof err) != SM_OK ||
        sm_rd_pdf_open(pdf, &rp.pdf, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat report: %s\n", err);
        free(sessions);
        return 1;
    }
    rp.count = ns + (ns > 1);
    char(*stems)[128] = calloc(ns, sizeof *stems);
    sm_history_entry_t *entries = calloc(ns, sizeof *entries);
    json_object *arr = json_object_new_array();
    int rc = 0;
    if (!stems || !entries) {
        snprintf(err, sizeof err, "out of memory");
        rc = 1;
    }
    for (size_t i = 0; !rc && i < ns; i++) {
        rp.index = i;
        make_stem(sessions[i], stems, i, stems[i], sizeof stems[i]);
        if (!one_session(&rp, sessions[i], stems[i], &entries[i], arr, err, sizeof err))
            rc = 1;
    }
    if (!rc && ns > 1) {
        rp.index = ns;
        if (!summary_outputs(&rp, entries, ns, arr, err, sizeof err))
            rc = 1;
    }
    char err2[600];
    if (sm_rd_pdf_close(rp.pdf, err2, sizeof err2) != SM_OK && !rc) {
        snprintf(err, sizeof err, "%s", err2);
        rc = 1;
    }
    if (rc)
        fprintf(stderr, "steadymat report: %s\n", err);
    else
        fprintf(stderr,
                "steadymat report: %zu session%s written to %s (report.pdf, %zu page image%s, "
                "%s)\n",
                ns, ns == 1 ? "" : "s", rp.out_dir, rp.pngs, rp.pngs == 1 ? "" : "s",
                ns == 1 ? "NAME.csv, NAME.json"
                        : "NAME.csv/.json per session, summary.png, "
                          "summary.json");
    json_object_put(arr);
    sm_rd_cleanup();
    free(entries);
    free(stems);
    free(sessions);
    return rc;
}
