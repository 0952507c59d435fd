/* kexboot: autoboot policy and countdown. */
#include <errno.h>
#include <string.h>

#include <talloc.h>

#include "discover/autoboot.h"

static const char *const why_names[KB_AB_WHY_MAX] = {
	[KB_AB_NONE] = "none",
	[KB_AB_NEXT_BOOT] = "next-boot",
	[KB_AB_DEFAULT_ID] = "default setting",
	[KB_AB_MARKED] = "marked default",
	[KB_AB_ORDER] = "boot order",
};

const char *kb_autoboot_why_name(uint32_t why)
{
	return why < KB_AB_WHY_MAX ? why_names[why] : "?";
}

/* Index of the first boot-order rule matching e, or n_boot_order. */
static size_t rank(const struct kb_config *cfg, const struct kb_autoboot_entry *e)
{
	for (size_t r = 0; r < cfg->n_boot_order; r++)
		if (kb_rule_match(&cfg->boot_order[r], e->opt, e->dev))
			return r;
	return cfg->n_boot_order;
}

static const struct kb_option *find_id(const struct kb_autoboot_entry *entries, size_t n,
				       const char *id)
{
	if (!id || !*id)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (entries[i].opt && entries[i].opt->id && strcmp(entries[i].opt->id, id) == 0)
			return entries[i].opt;
	return NULL;
}

void kb_autoboot_choose(const struct kb_config *cfg, const struct kb_autoboot_entry *entries,
			size_t n, const char *next_boot, struct kb_autoboot_choice *ret)
{
	size_t best = 0, best_rank = (size_t)-1;
	bool marked = false;

	ret->opt = NULL;
	ret->why = KB_AB_NONE;
	ret->rule = -1;

	if ((ret->opt = find_id(entries, n, next_boot))) {
		ret->why = KB_AB_NEXT_BOOT;
		return;
	}
	if ((ret->opt = find_id(entries, n, cfg->default_id))) {
		ret->why = KB_AB_DEFAULT_ID;
		return;
	}
	/* options marked default by their own config, ranked by boot-order */
	for (size_t i = 0; i < n; i++) {
		if (!entries[i].opt || !entries[i].opt->is_default)
			continue;
		size_t r = rank(cfg, &entries[i]);
		if (!marked || r < best_rank) {
			best = i;
			best_rank = r;
			marked = true;
		}
	}
	if (marked) {
		ret->opt = entries[best].opt;
		ret->why = KB_AB_MARKED;
		ret->rule = best_rank < cfg->n_boot_order ? (int)best_rank : -1;
		return;
	}
	/* otherwise the best-ranked option; unmatched ones never qualify */
	best_rank = cfg->n_boot_order;
	for (size_t i = 0; i < n; i++) {
		if (!entries[i].opt)
			continue;
		size_t r = rank(cfg, &entries[i]);
		if (r < best_rank) {
			best = i;
			best_rank = r;
		}
	}
	if (best_rank < cfg->n_boot_order) {
		ret->opt = entries[best].opt;
		ret->why = KB_AB_ORDER;
		ret->rule = (int)best_rank;
	}
}

struct kb_autoboot {
	const struct kb_config *cfg;
	bool started;
	uint64_t start_ms;
	uint64_t now_ms;     /* last time seen */
	bool wait_done;      /* the wait for preferred devices is over */
	char *waiting_rules; /* unsatisfied wait-for rules, NULL if none */
	char *choice_id;     /* current default, NULL if none */
	bool choice_next_boot;
	bool counting;
	uint64_t decided_ms; /* countdown start */
	bool cancelled;
	bool fired;
	struct kb_autoboot_state state;
};

struct kb_autoboot *kb_autoboot_new(void *ctx, const struct kb_config *cfg)
{
	struct kb_autoboot *ab = talloc_zero(ctx, struct kb_autoboot);

	if (!ab)
		return NULL;
	ab->cfg = cfg;
	ab->state.remaining_s = -1;
	ab->state.enabled = cfg->autoboot && cfg->timeout_s >= 0;
	return ab;
}

void kb_autoboot_set_config(struct kb_autoboot *ab, const struct kb_config *cfg)
{
	ab->cfg = cfg;
}

static bool enabled(const struct kb_autoboot *ab)
{
	return ab->cfg->autoboot && ab->cfg->timeout_s >= 0;
}

static uint64_t wait_end(const struct kb_autoboot *ab)
{
	return ab->start_ms + (uint64_t)ab->cfg->wait_timeout_s * 1000u;
}

static uint64_t deadline(const struct kb_autoboot *ab)
{
	return ab->decided_ms + (uint64_t)(ab->cfg->timeout_s > 0 ? ab->cfg->timeout_s : 0) * 1000u;
}

static void start(struct kb_autoboot *ab, uint64_t now)
{
	if (!ab->started) {
		ab->started = true;
		ab->start_ms = now;
	}
	ab->now_ms = now;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Start the countdown if everything is ready for it. */
static void maybe_count(struct kb_autoboot *ab)
{
	if (!enabled(ab) || ab->cancelled || ab->fired || !ab->choice_id) {
		ab->counting = false;
		return;
	}
	if (ab->wait_done && !ab->counting) {
		ab->counting = true;
		ab->decided_ms = ab->now_ms;
	}
}

/* Rebuild the visible state; 1 if it changed, -ENOMEM. */
static int publish(struct kb_autoboot *ab)
{
	struct kb_autoboot_state s = {0};
	char *waiting = NULL;
	bool changed;

	s.enabled = enabled(ab);
	s.active = ab->counting && !ab->fired && !ab->cancelled;
	s.remaining_s = -1;
	if (s.active) {
		uint64_t d = deadline(ab);
		s.remaining_s = d > ab->now_ms ? (int32_t)((d - ab->now_ms + 999) / 1000) : 0;
	} else if (ab->fired) {
		s.remaining_s = 0;
	}
	if (s.enabled && !ab->cancelled && !ab->fired && !ab->wait_done && ab->waiting_rules) {
		uint64_t end = wait_end(ab);
		waiting = talloc_asprintf(ab, "%s (%u s left)", ab->waiting_rules,
					  (unsigned)(end > ab->now_ms ? (end - ab->now_ms + 999) / 1000
								      : 0));
		if (!waiting)
			return -ENOMEM;
	}
	s.waiting_for = waiting;
	if (ab->choice_id && !(s.option_id = talloc_strdup(ab, ab->choice_id))) {
		talloc_free(waiting);
		return -ENOMEM;
	}

	changed = s.enabled != ab->state.enabled || s.active != ab->state.active ||
		  s.remaining_s != ab->state.remaining_s ||
		  !str_eq(s.option_id, ab->state.option_id) ||
		  !str_eq(s.waiting_for, ab->state.waiting_for);
	talloc_free(ab->state.waiting_for);
	talloc_free(ab->state.option_id);
	ab->state = s;
	return changed;
}

/* Describe the wait-for rules no present option satisfies (NULL if all are). */
static int unsatisfied(struct kb_autoboot *ab, const struct kb_autoboot_entry *entries, size_t n,
		       char **ret)
{
	char *text = NULL;

	for (size_t r = 0; r < ab->cfg->n_wait_for; r++) {
		const struct kb_rule *rule = &ab->cfg->wait_for[r];
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = kb_rule_match(rule, entries[i].opt, entries[i].dev);
		if (found)
			continue;
		char *s = kb_rule_format(ab, rule);
		if (!s)
			goto nomem;
		if (!text)
			text = s;
		else if (strlen(text) < KB_AUTOBOOT_MAX_WAITING_TEXT) {
			text = talloc_asprintf_append(text, ", %s", s);
			talloc_free(s);
			if (!text)
				return -ENOMEM;
		} else {
			talloc_free(s);
		}
	}
	*ret = text;
	return 0;
nomem:
	talloc_free(text);
	return -ENOMEM;
}

int kb_autoboot_update(struct kb_autoboot *ab, const struct kb_autoboot_entry *entries, size_t n,
		       uint64_t now_ms)
{
	struct kb_autoboot_choice c;
	char *waiting = NULL;
	int r;

	start(ab, now_ms);
	if (ab->fired)
		return 0;
	kb_autoboot_choose(ab->cfg, entries, n, ab->cfg->next_boot, &c);
	if (!str_eq(c.opt ? c.opt->id : NULL, ab->choice_id)) {
		talloc_free(ab->choice_id);
		ab->choice_id = NULL;
		if (c.opt && !(ab->choice_id = talloc_strdup(ab, c.opt->id)))
			return -ENOMEM;
		ab->counting = false; /* a new choice gets the full timeout */
	}
	ab->choice_next_boot = c.why == KB_AB_NEXT_BOOT;

	if (!ab->wait_done) {
		r = unsatisfied(ab, entries, n, &waiting);
		if (r < 0)
			return r;
		talloc_free(ab->waiting_rules);
		ab->waiting_rules = waiting;
		/* a one-shot override names its target: nothing to wait for */
		if (!waiting || ab->choice_next_boot || now_ms >= wait_end(ab))
			ab->wait_done = true;
	}
	maybe_count(ab);
	return publish(ab);
}

int kb_autoboot_tick(struct kb_autoboot *ab, uint64_t now_ms, const char **ret_id,
		     bool *ret_consumed_next_boot, bool *ret_changed)
{
	int r;

	if (ret_changed)
		*ret_changed = false;
	start(ab, now_ms);
	if (ab->fired || ab->cancelled)
		return 0;
	if (!ab->wait_done && now_ms >= wait_end(ab))
		ab->wait_done = true;
	maybe_count(ab);
	if (ab->counting && now_ms >= deadline(ab)) {
		ab->fired = true;
		r = publish(ab);
		if (ret_changed)
			*ret_changed = r > 0;
		*ret_id = ab->choice_id;
		*ret_consumed_next_boot = ab->choice_next_boot;
		return 1;
	}
	r = publish(ab);
	if (ret_changed)
		*ret_changed = r > 0;
	return 0;
}

int kb_autoboot_cancel(struct kb_autoboot *ab)
{
	if (ab->cancelled || ab->fired)
		return 0;
	ab->cancelled = true;
	ab->counting = false;
	ab->wait_done = true;
	return publish(ab) != 0;
}

bool kb_autoboot_cancelled(const struct kb_autoboot *ab)
{
	return ab->cancelled;
}

const struct kb_autoboot_state *kb_autoboot_get_state(const struct kb_autoboot *ab)
{
	return &ab->state;
}
