/* kexboot logging: levels, to stderr, a file or syslog. lib/ and kexec-core/
 * log at debug only; programs log once where they decide what to do. */
#ifndef KB_LOG_H
#define KB_LOG_H

#include <stdarg.h>

enum kb_log_level {
	KB_LOG_ERR = 0,
	KB_LOG_WARN = 1,
	KB_LOG_NOTICE = 2,
	KB_LOG_INFO = 3,
	KB_LOG_DEBUG = 4,
};

enum kb_log_target {
	KB_LOG_STDERR = 0,
	KB_LOG_FILE = 1,
	KB_LOG_SYSLOG = 2,
};

/* Select target (path used for KB_LOG_FILE) and threshold. 0 or -errno. */
int kb_log_open(enum kb_log_target target, const char *ident_or_path, enum kb_log_level level);
void kb_log_set_level(enum kb_log_level level);
enum kb_log_level kb_log_get_level(void);
/* "err", "warn", "notice", "info", "debug" (or 0..4) to a level; -EINVAL if unknown. */
int kb_log_level_parse(const char *s);
void kb_log_close(void);

void kb_log(enum kb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kb_logv(enum kb_log_level level, const char *fmt, va_list ap);

#define log_err(...) kb_log(KB_LOG_ERR, __VA_ARGS__)
#define log_warn(...) kb_log(KB_LOG_WARN, __VA_ARGS__)
#define log_notice(...) kb_log(KB_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) kb_log(KB_LOG_INFO, __VA_ARGS__)
#define log_debug(...) kb_log(KB_LOG_DEBUG, __VA_ARGS__)

#endif
