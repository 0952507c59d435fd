/* Unit tests for lib/log.c: level names, threshold and the file target. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/log.h"

static void test_level_parse(void **state)
{
	assert_int_equal(kb_log_level_parse("err"), KB_LOG_ERR);
	assert_int_equal(kb_log_level_parse("warn"), KB_LOG_WARN);
	assert_int_equal(kb_log_level_parse("notice"), KB_LOG_NOTICE);
	assert_int_equal(kb_log_level_parse("INFO"), KB_LOG_INFO);
	assert_int_equal(kb_log_level_parse("debug"), KB_LOG_DEBUG);
	assert_int_equal(kb_log_level_parse("0"), KB_LOG_ERR);
	assert_int_equal(kb_log_level_parse("4"), KB_LOG_DEBUG);
	assert_int_equal(kb_log_level_parse("5"), -EINVAL);
	assert_int_equal(kb_log_level_parse("40"), -EINVAL);
	assert_int_equal(kb_log_level_parse(""), -EINVAL);
	assert_int_equal(kb_log_level_parse("verbose"), -EINVAL);
	assert_int_equal(kb_log_level_parse(NULL), -EINVAL);
}

static void test_file_target(void **state)
{
	char path[] = "/tmp/kb-test-log.XXXXXX";
	int fd = mkstemp(path);
	char buf[1024] = { 0 };
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kb_log_open(KB_LOG_FILE, path, KB_LOG_INFO), 0);
	assert_int_equal(kb_log_get_level(), KB_LOG_INFO);
	log_info("visible %d", 42);
	log_debug("hidden");
	errno = ENOENT;
	log_err("with errno: %m");
	kb_log_set_level(KB_LOG_DEBUG);
	log_debug("now visible\n");
	kb_log_close();
	assert_int_equal(kb_log_open(KB_LOG_FILE, "/nonexistent-dir/x.log", KB_LOG_INFO), -ENOENT);

	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "info: visible 42\n"));
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, "err: with errno: No such file or directory\n"));
	assert_non_null(strstr(buf, "debug: now visible\n"));
	assert_null(strstr(buf, "visible\n\n"));
	/* lines start with a date stamp "YYYY-MM-DD HH:MM:SS.mmm" */
	assert_true(buf[4] == '-' && buf[7] == '-' && buf[10] == ' ' && buf[13] == ':' && buf[19] == '.');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_file_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
