#include "sm_ports.h"

#include <libserialport.h>
#include <stdio.h>
#include <string.h>

#include "sm_clock.h"
#include "sm_source.h"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int sm_ports_list(sm_port_desc_t *out, int max)
{
    struct sp_port **list = NULL;
    if (sp_list_ports(&list) != SP_OK)
        return -1;
    int n = 0;
    for (; list[n]; n++) {
        if (n >= max)
            continue;
        struct sp_port *p = list[n];
        sm_port_desc_t *d = &out[n];
        memset(d, 0, sizeof *d);
        copy(d->name, sizeof d->name, sp_get_port_name(p));
        copy(d->description, sizeof d->description, sp_get_port_description(p));
        d->vid = d->pid = -1;
        d->usb = sp_get_port_transport(p) == SP_TRANSPORT_USB;
        if (d->usb) {
            sp_get_port_usb_vid_pid(p, &d->vid, &d->pid);
            copy(d->manufacturer, sizeof d->manufacturer, sp_get_port_usb_manufacturer(p));
            copy(d->product, sizeof d->product, sp_get_port_usb_product(p));
            copy(d->serial, sizeof d->serial, sp_get_port_usb_serial(p));
        }
    }
    sp_free_port_list(list);
    return n;
}

sm_status sm_port_probe_report(const char *path, int baud, int timeout_ms, sm_mat_info_t *info,
                               char *what, size_t whatlen)
{
    sm_wire_config_t cfg;
    sm_wire_config_default(&cfg);
    cfg.path = path;
    cfg.baud = baud;
    cfg.stale_s = 1e9; /* no nagging while probing */
    sm_source_t *src = NULL;
    char err[200];
    if (sm_wire_source_create(&cfg, &src, err, sizeof err) != SM_OK) {
        snprintf(what, whatlen, "cannot probe: %s", err);
        return SM_ERR_ARG;
    }
    static sm_frame_t frame; /* large: keep it off the stack */
    uint64_t start = sm_clock_now_us();
    sm_status result = SM_ERR_NODEV;
    sm_source_status_t st;
    uint64_t got_frame = 0;
    for (;;) {
        uint64_t wall = sm_clock_now_us() - start;
        sm_status s = sm_source_next(src, wall, &frame);
        sm_source_status(src, &st);
        if (s == SM_OK && !got_frame)
            got_frame = wall ? wall : 1;
        /* A streaming mat's frames may come before its INFO: wait a little for the name. */
        if (st.have_info || (got_frame && wall - got_frame > 500000u)) {
            *info = st.mat;
            result = SM_OK;
            break;
        }
        if (!st.connected && st.disconnects == 0 && wall > 0 && st.message[0] &&
            strstr(st.message, "not there"))
            break; /* no such device: don't wait */
        if (wall >= (uint64_t)timeout_ms * 1000u) {
            if (got_frame) {
                *info = st.mat;
                result = SM_OK;
            }
            break;
        }
        sm_io_wait(sm_source_fd(src), 20);
    }
    if (result == SM_OK)
        snprintf(what, whatlen, "SteadyMat '%s' %ux%u, %.1f mm, firmware %s, id %s",
                 info->name[0] ? info->name : "?", info->rows, info->cols, info->pitch_mm,
                 info->firmware[0] ? info->firmware : "?", info->uid[0] ? info->uid : "?");
    else if (!st.ever_connected && !st.connected && st.message[0])
        snprintf(what, whatlen, "cannot open: %s", st.message);
    else if (st.rx_bytes)
        snprintf(what, whatlen,
                 "bytes arrive but no SteadyMat answer in %d ms (another device, or another "
                 "--baud than %d? a text or raw mat: steadymat live --format ...)",
                 timeout_ms, baud);
    else
        snprintf(what, whatlen, "no answer in %d ms", timeout_ms);
    sm_source_destroy(src);
    return result;
}

sm_status sm_port_probe(const char *path, int baud, int timeout_ms, sm_mat_info_t *info)
{
    char what[256];
    return sm_port_probe_report(path, baud, timeout_ms, info, what, sizeof what);
}

sm_status sm_ports_find_mat(int baud, int timeout_ms, char *path_out, size_t n, sm_mat_info_t *info)
{
    sm_port_desc_t ports[32];
    int count = sm_ports_list(ports, 32);
    if (count > 32)
        count = 32;
    /* Only USB adapters (FTDI, CH340, CDC-ACM...): a mat is always one, and probing legacy
     * ttyS ports would cost seconds each. Other ports are reachable with --port. */
    for (int i = 0; i < count; i++) {
        if (!ports[i].usb)
            continue;
        if (sm_port_probe(ports[i].name, baud, timeout_ms, info) == SM_OK) {
            snprintf(path_out, n, "%s", ports[i].name);
            return SM_OK;
        }
    }
    return SM_ERR_NODEV;
}
