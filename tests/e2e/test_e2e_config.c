/* Settings remembered between runs: a session with a mat writes them, the next run without
 * flags uses them, flags win, --no-config ignores them, a broken file costs one line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "testsupport.h"

static const char *cfg_dir;

static const char *str(json_object *j, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(j, k, &v))
        fail_msg("no '%s' in %s", k, json_object_to_json_string(j));
    return json_object_get_string(v);
}

static void test_a_mat_session_is_remembered(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    cfg_dir = strdup(ts_path(dir, "cfg"));
    setenv("XDG_CONFIG_HOME", cfg_dir, 1);
    static char link[512];
    snprintf(link, sizeof link, "%s", ts_path(dir, "mat"));
    const char *sim[] = {"steadymat", "sim", "--pty",  link, "--format", "text",
                         "--rows",    "16",  "--cols", "16", NULL};
    pid_t pid = ts_spawn_steadymat(sim, NULL);
    assert_int_equal(ts_wait_path(link, 20), 0);
    const char *first[] = {"steadymat", "live",       "--port",     link,     "--format",
                           "text",      "--rows",     "16",         "--cols", "16",
                           "--volume",  "30",         "--protocol", "hook",   "--patient",
                           "A. Person", "--headless", "--duration", "2",      NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(first, 60, NULL, &err), 0);
    free(err);
    char *text = ts_read_file(ts_path(cfg_dir, "steadymat/config"), NULL);
    assert_non_null(text);
    print_message("%s", text);
    json_object *c = json_tokener_parse(text);
    assert_non_null(c);
    assert_string_equal(str(c, "port"), link);
    assert_string_equal(str(c, "mat_format"), "text");
    assert_int_equal(atoi(str(c, "baud")), 115200);
    assert_int_equal(atoi(str(c, "rows")), 16);
    assert_int_equal(atoi(str(c, "volume")), 30);
    assert_string_equal(str(c, "protocol"), "hook");
    assert_string_equal(str(c, "patient"), "A. Person");
    json_object_put(c);
    free(text);

    /* Next time, no flags: the same mat, format and size, and the same practice. */
    const char *again[] = {"steadymat", "live", "--headless", "--duration", "2", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(again, 60, &rc, &err);
    print_message("%s", err ? err : "");
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_string_equal(str(j, "source"), link);
    assert_int_equal((int)ts_json_num(j, "rows"), 16);
    json_object_put(j);
    free(err);
    /* ... and kept the practice of last time (written back as it was used). */
    const char *cfile = ts_path(cfg_dir, "steadymat/config");
    text = ts_read_file(cfile, NULL);
    assert_non_null(strstr(text, "\"protocol\": \"hook\""));
    assert_non_null(strstr(text, "\"volume\": 30"));
    free(text);

    /* A flag wins over the file. */
    const char *flag[] = {"steadymat",  "live", "--protocol", "back", "--headless",
                          "--duration", "2",    "--json",     NULL};
    j = ts_run_json(flag, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object_put(j);
    text = ts_read_file(cfile, NULL);
    assert_non_null(strstr(text, "\"protocol\": \"back\""));
    free(text);

    /* --no-config: as if there were none (no mat named: the simulator). */
    const char *none[] = {"steadymat", "live",    "--no-config", "--headless", "--duration",
                          "1",         "--speed", "10",          "--json",     NULL};
    j = ts_run_json(none, 60, &rc, NULL);
    assert_non_null(j);
    assert_string_equal(str(j, "source_kind"), "sim");
    json_object_put(j);
    text = ts_read_file(cfile, NULL); /* and leaves the file alone */
    assert_non_null(strstr(text, "\"protocol\": \"back\""));
    free(text);
    ts_kill(pid, SIGTERM);
}

static void test_a_broken_file_costs_one_line(void **state)
{
    (void)state;
    const char *path = ts_path(cfg_dir, "steadymat/config");
    const char *broken = "{\"format\": \"steadymat-config\", \"version\": 1, \"volume\": \"loud\"}";
    assert_int_equal(ts_write_file(path, broken, strlen(broken)), 0);
    const char *argv[] = {"steadymat",  "live", "--sim",      "ball-steady", "--speed", "10",
                          "--duration", "1",    "--headless", "--json",      NULL};
    int rc;
    char *err = NULL;
    json_object *j = ts_run_json(argv, 60, &rc, &err);
    print_message("stderr: %s", err ? err : "");
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "volume must be a whole number 0..100; using the defaults"));
    int lines = 0; /* lines that speak of the config */
    for (char *l = strtok(err, "\n"); l; l = strtok(NULL, "\n"))
        lines += strstr(l, "config") != NULL;
    assert_int_equal(lines, 1);
    json_object_put(j);
    free(err);
    /* The broken file is left for its owner to fix. */
    char *text = ts_read_file(path, NULL);
    assert_non_null(strstr(text, "\"loud\""));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_mat_session_is_remembered),
        cmocka_unit_test(test_a_broken_file_costs_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
