/* kexboot: autoboot policy. Which option is the default (pure), and the
 * countdown state machine the daemon drives. No timers and no I/O inside:
 * the daemon calls kb_autoboot_update() whenever options or settings
 * change and kb_autoboot_tick() once a second (and right after each
 * update) with a monotonic time in milliseconds.
 *
 * Default choice, in order:
 *  1. the one-shot next-boot option (cfg->next_boot), consumed when booted;
 *  2. the option named by the "default" setting (cfg->default_id);
 *  3. options their own config marks default (is_default): when several
 *     do, the boot-order rules rank them (earliest matching rule first,
 *     then list order);
 *  4. otherwise the option ranked first by the boot-order rules (options
 *     matching no rule are never chosen here).
 * With no match at all nothing is chosen and nothing boots.
 */
#ifndef KB_DISCOVER_AUTOBOOT_H
#define KB_DISCOVER_AUTOBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discover/config.h"
#include "lib/types.h"

#define KB_AUTOBOOT_MAX_WAITING_TEXT 512 /* bytes of the "waiting for" description */

/* An option with the device it came from (dev may be NULL). */
struct kb_autoboot_entry {
	const struct kb_option *opt;
	const struct kb_device *dev;
};

enum kb_autoboot_why {
	KB_AB_NONE = 0,       /* nothing to boot */
	KB_AB_NEXT_BOOT = 1,  /* one-shot next-boot */
	KB_AB_DEFAULT_ID = 2, /* the "default" setting */
	KB_AB_MARKED = 3,     /* the config marks it default */
	KB_AB_ORDER = 4,      /* boot-order rules */
	KB_AB_WHY_MAX = 5,
};

struct kb_autoboot_choice {
	const struct kb_option *opt; /* NULL when nothing qualifies */
	uint32_t why;                /* enum kb_autoboot_why */
	int rule;                    /* index of the boot-order rule that ranked it, -1 none */
};

/* Pure: choose the default among entries (in menu order) given cfg (its
 * boot-order and default) and next_boot (NULL or an option id). */
void kb_autoboot_choose(const struct kb_config *cfg, const struct kb_autoboot_entry *entries,
			size_t n, const char *next_boot, struct kb_autoboot_choice *ret);

/* "next-boot", "default setting", "marked default", "boot order", "none". */
const char *kb_autoboot_why_name(uint32_t why);

struct kb_autoboot;

/* A state machine over cfg (kept by pointer: it must outlive ab, or be
 * replaced with kb_autoboot_set_config). Child of ctx; NULL on ENOMEM.
 * The wait for preferred devices starts at the first update or tick. */
struct kb_autoboot *kb_autoboot_new(void *ctx, const struct kb_config *cfg);

/* Point ab at new or changed settings; takes effect at the next update. */
void kb_autoboot_set_config(struct kb_autoboot *ab, const struct kb_config *cfg);

/* Re-decide with the current options (copied as needed). A changed
 * choice restarts the countdown. Returns 1 when the visible state changed
 * (broadcast it), 0 when not, -ENOMEM. Call kb_autoboot_tick right after. */
int kb_autoboot_update(struct kb_autoboot *ab, const struct kb_autoboot_entry *entries, size_t n,
		       uint64_t now_ms);

/* Advance time. Returns 1 when the option *ret_id (owned by ab, valid
 * until the next call) must be booted now, with *ret_consumed_next_boot
 * telling the daemon to clear next-boot (kb_config_set "next-boot" "")
 * and save; after that ab is finished and never fires again. Returns 0
 * otherwise; *ret_changed (optional) says whether the state changed. */
int kb_autoboot_tick(struct kb_autoboot *ab, uint64_t now_ms, const char **ret_id,
		     bool *ret_consumed_next_boot, bool *ret_changed);

/* User input on any console (or a client's cancel): stop the wait and
 * the countdown for good. Returns 1 if that changed the state. */
int kb_autoboot_cancel(struct kb_autoboot *ab);

/* Was autoboot cancelled? */
bool kb_autoboot_cancelled(const struct kb_autoboot *ab);

/* What autoboot will do, for clients (owned by ab; valid until the next
 * update/tick/cancel). remaining_s rounds up. */
const struct kb_autoboot_state *kb_autoboot_get_state(const struct kb_autoboot *ab);

#endif
