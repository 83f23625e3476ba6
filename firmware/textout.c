/* Text mode frames; see textout.h. */
#include "textout.h"

#include "hal.h"

static uint8_t buf[16]; /* bytes gathered for the UART */
static uint8_t n;
static uint8_t sum; /* XOR of the line so far */
static uint8_t first;

static void flush(void)
{
    hal_uart_write(buf, n);
    n = 0;
}

static void put(uint8_t c)
{
    if (n == sizeof buf)
        flush();
    buf[n++] = c;
}

static void put_sum(uint8_t c)
{
    sum ^= c;
    put(c);
}

void textout_begin(void)
{
    n = 0;
    sum = 0;
    first = 1;
}

void textout_row(const uint16_t *samples, uint8_t cols)
{
    uint8_t i;
    for (i = 0; i < cols; i++) {
        uint8_t digits[5], k = 0;
        uint16_t v = samples[i];
        if (!first)
            put_sum(',');
        first = 0;
        do {
            digits[k++] = (uint8_t)('0' + v % 10u);
            v /= 10u;
        } while (v);
        while (k)
            put_sum(digits[--k]);
    }
    flush(); /* a row at a time, as the binary writer streams them */
}

void textout_end(void)
{
    static const char hx[] = "0123456789ABCDEF";
    put('*');
    put((uint8_t)hx[sum >> 4]);
    put((uint8_t)hx[sum & 15u]);
    put('\r');
    put('\n');
    flush();
}
