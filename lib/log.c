/* kexboot logging: one process-wide target and threshold. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static enum kb_log_target log_target = KB_LOG_STDERR;
static enum kb_log_level log_level = KB_LOG_NOTICE;
static FILE *log_file;

static const char *const level_names[] = {
	[KB_LOG_ERR] = "err",
	[KB_LOG_WARN] = "warn",
	[KB_LOG_NOTICE] = "notice",
	[KB_LOG_INFO] = "info",
	[KB_LOG_DEBUG] = "debug",
};

static const int level_syslog[] = {
	[KB_LOG_ERR] = LOG_ERR,
	[KB_LOG_WARN] = LOG_WARNING,
	[KB_LOG_NOTICE] = LOG_NOTICE,
	[KB_LOG_INFO] = LOG_INFO,
	[KB_LOG_DEBUG] = LOG_DEBUG,
};

/* Select target (path used for KB_LOG_FILE) and threshold. 0 or -errno. */
int kb_log_open(enum kb_log_target target, const char *ident_or_path, enum kb_log_level level)
{
	FILE *f = NULL;

	if ((unsigned)level > KB_LOG_DEBUG)
		return -EINVAL;
	switch (target) {
	case KB_LOG_STDERR:
		break;
	case KB_LOG_FILE:
		if (!ident_or_path)
			return -EINVAL;
		f = fopen(ident_or_path, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
		break;
	case KB_LOG_SYSLOG:
		break;
	default:
		return -EINVAL;
	}
	kb_log_close();
	if (target == KB_LOG_SYSLOG)
		openlog(ident_or_path ? ident_or_path : "kexboot", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_file = f;
	log_target = target;
	log_level = level;
	return 0;
}

/* Set the threshold: messages above level are dropped. */
void kb_log_set_level(enum kb_log_level level)
{
	if ((unsigned)level <= KB_LOG_DEBUG)
		log_level = level;
}

/* Current threshold. */
enum kb_log_level kb_log_get_level(void)
{
	return log_level;
}

/* "err", "warn", "notice", "info", "debug" (or 0..4) to a level; -EINVAL if unknown. */
int kb_log_level_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(s, level_names[i]))
			return (int)i;
	if (!strcasecmp(s, "error"))
		return KB_LOG_ERR;
	if (!strcasecmp(s, "warning"))
		return KB_LOG_WARN;
	if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	return -EINVAL;
}

/* Back to stderr; closes a log file or the syslog connection. */
void kb_log_close(void)
{
	if (log_target == KB_LOG_FILE && log_file)
		fclose(log_file);
	else if (log_target == KB_LOG_SYSLOG)
		closelog();
	log_file = NULL;
	log_target = KB_LOG_STDERR;
}

/* Log a message at level through the selected target (va_list form). */
void kb_logv(enum kb_log_level level, const char *fmt, va_list ap)
{
	FILE *out;
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	int saved_errno = errno; /* keep %m and the caller's errno intact */

	if ((unsigned)level > KB_LOG_DEBUG || level > log_level)
		return;
	if (log_target == KB_LOG_SYSLOG) {
		vsyslog(level_syslog[level], fmt, ap);
		errno = saved_errno;
		return;
	}
	out = (log_target == KB_LOG_FILE && log_file) ? log_file : stderr;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	flockfile(out);
	fprintf(out, "%s.%03ld [%d] %s: ", stamp, ts.tv_nsec / 1000000L, (int)getpid(),
		level_names[level]);
	errno = saved_errno;
	vfprintf(out, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', out);
	funlockfile(out);
	fflush(out);
	errno = saved_errno;
}

/* Log a message at level through the selected target. */
void kb_log(enum kb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kb_logv(level, fmt, ap);
	va_end(ap);
}
