#include "ts_link.h"

#include <poll.h>
#include <time.h>

#include "testsupport.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sink(void *ctx, const uint8_t *b, uint16_t n)
{
    ts_link_t *l = ctx;
    assert_int_equal(sm_transport_write(l->t, b, n), SM_OK);
}

void ts_link_open(ts_link_t *l, const char *path)
{
    char err[200];
    l->off = l->len = 0;
    assert_int_equal(sm_transport_open(path, 1000000, -1, &l->t, err, sizeof err), SM_OK);
    sm_proto_parser_init(&l->p);
}

void ts_link_close(ts_link_t *l)
{
    sm_transport_close(l->t);
    l->t = NULL;
}

void ts_link_send(ts_link_t *l, uint8_t cmd, uint8_t token, uint16_t arg)
{
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, sink, l);
    sm_proto_cmd_t c = {cmd, token, arg};
    sm_proto_write_cmd(&w, &c);
}

int ts_link_next(ts_link_t *l, uint8_t type, double timeout_s)
{
    double end = now_s() + timeout_s;
    for (;;) {
        while (l->off < l->len) {
            int got = 0;
            l->off += sm_proto_parser_feed(&l->p, l->buf + l->off, l->len - l->off, &l->m, &got);
            if (got && l->m.type == type)
                return 1;
        }
        double left = end - now_s();
        if (left <= 0)
            return 0;
        struct pollfd pf = {sm_transport_fd(l->t), POLLIN, 0};
        poll(&pf, 1, (int)(left * 1000) + 1);
        l->off = 0;
        assert_int_equal(sm_transport_read(l->t, l->buf, sizeof l->buf, &l->len), SM_OK);
    }
}
