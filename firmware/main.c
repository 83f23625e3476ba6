/* SteadyMat mat firmware: ATmega328P, protocol v1. Everything happens in device.c and scan.c;
 * the registers are in hal_avr.c, the pins and sizes in board.h. */
#include "device.h"
#include "hal.h"

int main(void)
{
    device_cfg_t cfg;
    hal_init();
    device_cfg_board(&cfg);
    device_init(&cfg);
    for (;;)
        device_poll();
}
