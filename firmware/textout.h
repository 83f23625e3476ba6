/*
 * Text mode (BOARD_TEXT builds): the scanner's frames as plain-text lines, for hosts that read
 * DIY mats (`steadymat live --format text`, a serial monitor, a spreadsheet). One frame per
 * line: rows x cols decimal values, row-major, separated by ',', then the NMEA-style checksum
 * `*HH` (the XOR of every byte of the line before the '*', two upper-case hex digits) and
 * "\r\n". No INFO, no replies: a text mat only talks numbers. Main-loop context only.
 */
#ifndef TEXTOUT_H
#define TEXTOUT_H

#include <stdint.h>

void textout_begin(void);
void textout_row(const uint16_t *samples, uint8_t cols);
void textout_end(void);

#endif
