#include "sm_rawspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sample_names[] = {"u8", "u16be", "u16le", "u12le"};

int sm_rawspec_is_raw(const char *fmt)
{
    return fmt && (!strncmp(fmt, "raw:", 4) || !strcmp(fmt, "m1616"));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "AAABAC", "AA:AB:AC", "aa ab ac", "0x06": bytes into out; count, or -1. */
static int parse_hex(const char *s, size_t len, uint8_t *out, size_t cap)
{
    size_t k = 0;
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    while (i < len) {
        if (s[i] == ':' || s[i] == ' ' || s[i] == '-') {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return -1;
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0 || k >= cap)
            return -1;
        out[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return (int)k;
}

static sm_status bad(char *err, size_t errlen, const char *what, const char *tok, size_t len)
{
    snprintf(err, errlen, "%s in '%.*s'", what, (int)(len > 60 ? 60 : len), tok);
    return SM_ERR_ARG;
}

sm_status sm_rawspec_parse(const char *fmt, uint16_t rows, uint16_t cols, sm_raw_spec_t *out,
                           char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->poll = -1;
    out->sample = SM_RAW_U8;
    if (!fmt)
        return bad(err, errlen, "no format", "", 0);
    if (!strcmp(fmt, "m1616")) {
        static const uint8_t h[] = {0xAA, 0xAB, 0xAC};
        memcpy(out->header, h, 3);
        out->header_len = 3;
        out->sample = SM_RAW_U16BE;
        out->rows = rows ? rows : 16;
        out->cols = cols ? cols : 16;
    } else if (!strncmp(fmt, "raw:", 4)) {
        const char *s = fmt + 4;
        while (*s) {
            const char *end = strchr(s, ',');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            const char *eq = memchr(s, '=', len);
            if (!eq)
                return bad(err, errlen, "expected key=value", s, len);
            size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
            const char *v = eq + 1;
            if (klen == 6 && !strncmp(s, "header", 6)) {
                int k = parse_hex(v, vlen, out->header, SM_RAW_MAX_MARK);
                if (k <= 0)
                    return bad(err, errlen, "header takes 1 to 8 bytes in hex", s, len);
                out->header_len = (uint8_t)k;
            } else if (klen == 7 && !strncmp(s, "trailer", 7)) {
                int k = parse_hex(v, vlen, out->trailer, SM_RAW_MAX_MARK);
                if (k <= 0)
                    return bad(err, errlen, "trailer takes 1 to 8 bytes in hex", s, len);
                out->trailer_len = (uint8_t)k;
            } else if (klen == 6 && !strncmp(s, "sample", 6)) {
                size_t k = 0;
                for (; k < 4; k++)
                    if (strlen(sample_names[k]) == vlen && !strncmp(v, sample_names[k], vlen))
                        break;
                if (k == 4)
                    return bad(err, errlen, "sample is u8, u16be, u16le or u12le", s, len);
                out->sample = (sm_raw_sample)k;
            } else if (klen == 5 && !strncmp(s, "order", 5)) {
                if (vlen == 4 && !strncmp(v, "rows", 4))
                    out->col_order = 0;
                else if (vlen == 4 && !strncmp(v, "cols", 4))
                    out->col_order = 1;
                else
                    return bad(err, errlen, "order is rows or cols", s, len);
            } else if (klen == 4 && !strncmp(s, "poll", 4)) {
                uint8_t b[2];
                if (parse_hex(v, vlen, b, 1) != 1)
                    return bad(err, errlen, "poll takes one byte in hex", s, len);
                out->poll = b[0];
            } else if (klen == 3 && !strncmp(s, "max", 3)) {
                char num[16];
                char *e;
                snprintf(num, sizeof num, "%.*s", (int)(vlen < 15 ? vlen : 15), v);
                long m = strtol(num, &e, 10);
                if (vlen == 0 || vlen > 5 || *e || m < 1 || m > 65535)
                    return bad(err, errlen, "max takes a number from 1 to 65535", s, len);
                out->max = (uint16_t)m;
            } else {
                return bad(err, errlen, "unknown key (header, trailer, sample, order, poll, max)",
                           s, len);
            }
            s += len;
            if (*s == ',')
                s++;
        }
        out->rows = rows;
        out->cols = cols;
        if (!rows || !cols) {
            snprintf(err, errlen, "--format raw:... needs --rows R --cols C");
            return SM_ERR_ARG;
        }
    } else {
        snprintf(err, errlen, "unknown mat format '%.40s'", fmt);
        return SM_ERR_ARG;
    }
    sm_status st = sm_raw_spec_check(out);
    if (st == SM_ERR_RANGE) {
        snprintf(err, errlen, "mat size %ux%u is outside 1..64", (unsigned)out->rows,
                 (unsigned)out->cols);
        return SM_ERR_ARG;
    }
    if (st != SM_OK) {
        snprintf(err, errlen, "raw: give header=, trailer= or poll= (nothing marks a frame)");
        return SM_ERR_ARG;
    }
    if (out->max && out->sample == SM_RAW_U8 && out->max > 255) {
        snprintf(err, errlen, "max %u is above what u8 samples can hold", (unsigned)out->max);
        return SM_ERR_ARG;
    }
    return SM_OK;
}

static void hex_text(const uint8_t *b, size_t n, char *out, size_t outlen)
{
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && k + 4 < outlen; i++)
        k += (size_t)snprintf(out + k, outlen - k, i ? " %02X" : "%02X", b[i]);
}

void sm_rawspec_describe(const sm_raw_spec_t *spec, const char *fmt, char *buf, size_t buflen)
{
    char h[32] = "", t[32] = "", mark[96] = "";
    hex_text(spec->header, spec->header_len, h, sizeof h);
    hex_text(spec->trailer, spec->trailer_len, t, sizeof t);
    size_t k = 0;
    if (spec->header_len)
        k += (size_t)snprintf(mark + k, sizeof mark - k, "header %s, ", h);
    if (spec->trailer_len && k < sizeof mark)
        k += (size_t)snprintf(mark + k, sizeof mark - k, "trailer %s, ", t);
    if (spec->poll >= 0 && k < sizeof mark)
        snprintf(mark + k, sizeof mark - k, "poll %02X, ", (unsigned)spec->poll);
    snprintf(buf, buflen, "%s (%s%s%s, no checksum)",
             fmt && !strcmp(fmt, "m1616") ? "M1616 module" : "raw mat", mark,
             sample_names[spec->sample], spec->col_order ? ", by columns" : "");
}
