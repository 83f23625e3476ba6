/* `cmake --install` into a temporary prefix puts a complete Linux application in place: every
 * file is checked, the man page covers every command and key, and the command line of the
 * installed launcher (.desktop) starts the program. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testsupport.h"

#include "sm_safety.h"

static const char *prefix;

static void test_install_puts_every_file_in_place(void **state)
{
    (void)state;
    prefix = strdup(ts_path(ts_tempdir(), "usr")); /* kept for the other tests */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' --install '%s' --prefix '%s' >/dev/null", SM_CMAKE_COMMAND,
             SM_BUILD_DIR, prefix);
    assert_int_equal(system(cmd), 0);
    const char *files[] = {
        "bin/steadymat",
        "share/applications/steadymat.desktop",
        "share/icons/hicolor/scalable/apps/steadymat.svg",
        "share/man/man1/steadymat.1",
        "share/steadymat/calibration/reference-mat-32x24.json",
        "share/steadymat/README.md",
        "lib/udev/rules.d/60-steadymat.rules",
#ifdef SM_HAVE_FIRMWARE
        "bin/steadymat-avrsim",
        "share/steadymat/firmware/steadymat-fw-16x16.hex",
        "share/steadymat/firmware/steadymat-fw-32x24.hex",
        "share/steadymat/firmware/steadymat-fw-48x32.hex",
#endif
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *p = ts_path(prefix, files[i]);
        long size = ts_file_size(p);
        if (size <= 0)
            fail_msg("not installed (or empty): %s", files[i]);
        print_message("%8ld  %s\n", size, files[i]);
    }
    assert_int_equal(access(ts_path(prefix, "bin/steadymat"), X_OK), 0);
#ifdef SM_HAVE_FIRMWARE
    char *hex =
        ts_read_file(ts_path(prefix, "share/steadymat/firmware/steadymat-fw-32x24.hex"), NULL);
    assert_non_null(hex);
    assert_int_equal(hex[0], ':'); /* Intel HEX, what avrdude flashes */
    assert_non_null(strstr(hex, ":00000001FF"));
    free(hex);
#endif
    char *rules = ts_read_file(ts_path(prefix, "lib/udev/rules.d/60-steadymat.rules"), NULL);
    assert_non_null(strstr(rules, "SUBSYSTEM==\"tty\""));
    assert_non_null(strstr(rules, "GROUP=\"dialout\""));
    free(rules);
    /* Installed launchers must not depend on the build tree's own desktop/udev folders. */
    struct stat st;
    assert_int_not_equal(stat(ts_path(prefix, "share/steadymat/desktop"), &st), 0);
}

static void test_man_page_covers_commands_and_keys(void **state)
{
    (void)state;
    char *man = ts_read_file(ts_path(prefix, "share/man/man1/steadymat.1"), NULL);
    assert_non_null(man);
    assert_non_null(strstr(man, ".TH STEADYMAT \"1\""));
    const char *cmds[] = {"live",    "replay",  "sim",    "import", "calibrate",
                          "analyze", "history", "report", "ports"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, ".SS %s\n", cmds[i]);
        if (!strstr(man, want))
            fail_msg("man page lacks the section of '%s'", cmds[i]);
    }
    const char *keys[] = {"Esc, q", "F1",       "F11",         "p, F10", "m, [ and ]", "mouse drag",
                          "format", "raw:SPEC", "time-column", "m1616",  "probe"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strstr(man, keys[i]))
            fail_msg("man page lacks '%s'", keys[i]);
    assert_non_null(strstr(man, "hip fold")); /* the safety words, from --help */
    free(man);
}

/* The Exec line of the installed launcher, run as a desktop would (the installed bin/ on the
 * PATH): the program starts (no mat here: the simulator, with its banner) and ends cleanly. */
static void test_desktop_exec_line_starts_the_program(void **state)
{
    (void)state;
    char *desk = ts_read_file(ts_path(prefix, "share/applications/steadymat.desktop"), NULL);
    assert_non_null(desk);
    assert_non_null(strstr(desk, "[Desktop Entry]"));
    assert_non_null(strstr(desk, "\nIcon=steadymat\n"));
    char *exec = strstr(desk, "\nExec=");
    assert_non_null(exec);
    exec += 6;
    *strchr(exec, '\n') = 0;
    print_message("Exec=%s\n", exec);
    char path[8192];
    snprintf(path, sizeof path, "%s:%s", ts_path(prefix, "bin"), getenv("PATH"));
    const char *log = ts_path(ts_tempdir(), "launcher.log");
    /* Exec= is a command and its arguments (no shell), looked up on the PATH. */
    char *args[16];
    int na = 0;
    for (char *t = strtok(exec, " "); t && na < 15; t = strtok(NULL, " "))
        if (t[0] != '%') /* field codes (%f, %U) expand to nothing without files */
            args[na++] = t;
    args[na] = NULL;
    assert_true(na >= 1);
    assert_string_equal(args[0], "steadymat");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("PATH", path, 1);
        if (!freopen(log, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(126);
        execvp(args[0], args);
        _exit(127);
    }
    int seen = 0;
    for (int i = 0; i < 600 && !seen; i++) { /* up to 60 s on a loaded machine */
        char *l = ts_read_file(log, NULL);
        seen = l && strstr(l, "showing the built-in simulator");
        free(l);
        if (!seen)
            usleep(100000);
    }
    usleep(500000);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    char *l = ts_read_file(log, NULL);
    print_message("launcher stderr:\n%s", l ? l : "");
    assert_true(seen);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(l);
    free(desk);
}

static void test_installed_program_runs(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s/bin/steadymat' --version | grep -q '^steadymat '", prefix);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_puts_every_file_in_place),
        cmocka_unit_test(test_man_page_covers_commands_and_keys),
        cmocka_unit_test(test_desktop_exec_line_starts_the_program),
        cmocka_unit_test(test_installed_program_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
