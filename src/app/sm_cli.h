/* The command-line interface: one function per subcommand, each returning the exit status
 * (0 success, 1 failure, 2 usage error). */
#ifndef SM_CLI_H
#define SM_CLI_H

#include <stdint.h>

int sm_cli_main(int argc, char **argv);
int sm_cmd_live(int argc, char **argv, int no_args);
int sm_cmd_replay(int argc, char **argv);
int sm_cmd_sim(int argc, char **argv);
int sm_cmd_import(int argc, char **argv);
int sm_cmd_ports(int argc, char **argv);
int sm_cmd_calibrate(int argc, char **argv);
int sm_cmd_analyze(int argc, char **argv);
int sm_cmd_history(int argc, char **argv);
int sm_cmd_report(int argc, char **argv);
int sm_cmd_sounds(int argc, char **argv);

/* Tests: sm_run_config_t.on_present (sm_run.h) for the next `live` commands run in this
 * process, so a test drives the real command's window (e.g. keys pushed as SDL events once a
 * picture is up); NULL: none (the default). */
void sm_cli_set_present_hook(void (*fn)(void *ctx, uint32_t seq, uint64_t present_us), void *ctx);

#include "sm_coach.h"
/* "ball", "hook", "back", "realign" (or the full names) -> protocol; 0 when unknown. */
int sm_parse_protocol(const char *s, sm_protocol_t *out);
/* --tool: "ball" (10 cm), "ball:D" (diameter D cm, 6..15) or "hook" -> kind and ball diameter
 * in mm; 0 when not one of these. */
#define SM_TOOL_HELP "ball:DIAM_CM (6-15, default ball:10) or hook"
int sm_parse_tool(const char *s, sm_tool_kind_t *kind, double *ball_mm);

#endif
