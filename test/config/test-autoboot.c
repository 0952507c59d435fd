/* Unit tests: discover/autoboot.c (default choice and countdown). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/autoboot.h"
#include "discover/config.h"

static struct kb_device disk = {.id = "sda1", .type = KB_DEVICE_DISK, .uuid = "1111-AAAA",
				.label = "ROOT"};
static struct kb_device disk2 = {.id = "sdb1", .type = KB_DEVICE_DISK, .uuid = "2222-bbbb",
				 .label = "DATA", .partlabel = "esp"};
static struct kb_device cd = {.id = "sr0", .type = KB_DEVICE_OPTICAL, .label = "DEBIAN_12"};
static struct kb_device eth0 = {.id = "eth0", .type = KB_DEVICE_NETWORK};
static struct kb_device eth1 = {.id = "eth1", .type = KB_DEVICE_NETWORK};
static struct kb_device user = {.id = "user", .type = KB_DEVICE_USER};

static struct kb_option o_disk0 = {.id = "sda1:grub2:0", .name = "Debian GNU/Linux"};
static struct kb_option o_disk1 = {.id = "sda1:grub2:1", .name = "Debian (recovery)"};
static struct kb_option o_disk2 = {.id = "sdb1:bls:0", .name = "Fedora Linux 40"};
static struct kb_option o_cd = {.id = "sr0:syslinux:0", .name = "Install Debian"};
static struct kb_option o_net0 = {.id = "eth0:pxe:0", .name = "PXE install"};
static struct kb_option o_net1 = {.id = "eth1:pxe:0", .name = "PXE rescue"};
static struct kb_option o_user = {.id = "user:user:0", .name = "My kernel"};

static struct kb_config *cfg_with(void *ctx, const char *const *kv)
{
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;

	assert_non_null(cfg);
	for (; kv && kv[0]; kv += 2) {
		int r = kb_config_set(cfg, ctx, kv[0], kv[1], &err);
		if (r)
			fail_msg("set %s=%s: %s", kv[0], kv[1], err);
	}
	return cfg;
}

static const char *choose(const struct kb_config *cfg, struct kb_autoboot_entry *e, size_t n,
			  const char *next, uint32_t *why)
{
	struct kb_autoboot_choice c;
	kb_autoboot_choose(cfg, e, n, next, &c);
	if (why)
		*why = c.why;
	return c.opt ? c.opt->id : NULL;
}

static void reset_defaults(void)
{
	o_disk0.is_default = o_disk1.is_default = o_disk2.is_default = false;
	o_cd.is_default = o_net0.is_default = o_net1.is_default = o_user.is_default = false;
}

static void test_choice_order(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_autoboot_entry e[] = {
		{&o_disk0, &disk}, {&o_disk1, &disk}, {&o_disk2, &disk2}, {&o_cd, &cd},
		{&o_net0, &eth0},  {&o_net1, &eth1},  {&o_user, &user},
	};
	size_t n = sizeof(e) / sizeof(e[0]);
	uint32_t why;

	reset_defaults();
	/* nothing marked, no rules: nothing is chosen */
	struct kb_config *cfg = cfg_with(ctx, NULL);
	assert_null(choose(cfg, e, n, NULL, &why));
	assert_int_equal(why, KB_AB_NONE);

	/* marked default wins over boot-order */
	o_disk2.is_default = true;
	cfg = cfg_with(ctx, (const char *[]){"boot-order", "network", NULL});
	assert_string_equal(choose(cfg, e, n, NULL, &why), "sdb1:bls:0");
	assert_int_equal(why, KB_AB_MARKED);

	/* several marked defaults: boot-order decides between them */
	o_disk0.is_default = true;
	o_net1.is_default = true;
	assert_string_equal(choose(cfg, e, n, NULL, &why), "eth1:pxe:0");
	cfg = cfg_with(ctx, (const char *[]){"boot-order", "uuid:2222-BBBB, network", NULL});
	assert_string_equal(choose(cfg, e, n, NULL, &why), "sdb1:bls:0");
	/* none of them ranked: list order */
	cfg = cfg_with(ctx, NULL);
	assert_string_equal(choose(cfg, e, n, NULL, &why), "sda1:grub2:0");

	/* the "default" setting beats marked defaults */
	cfg = cfg_with(ctx, (const char *[]){"default", "user:user:0", NULL});
	assert_string_equal(choose(cfg, e, n, NULL, &why), "user:user:0");
	assert_int_equal(why, KB_AB_DEFAULT_ID);
	/* a missing one is skipped */
	cfg = cfg_with(ctx, (const char *[]){"default", "gone:x:0", NULL});
	assert_string_equal(choose(cfg, e, n, NULL, &why), "sda1:grub2:0");

	/* next-boot beats everything */
	cfg = cfg_with(ctx, (const char *[]){"default", "user:user:0", NULL});
	assert_string_equal(choose(cfg, e, n, "sr0:syslinux:0", &why), "sr0:syslinux:0");
	assert_int_equal(why, KB_AB_NEXT_BOOT);
	assert_string_equal(choose(cfg, e, n, "absent", &why), "user:user:0");

	/* no marked defaults: boot-order picks, each rule kind */
	reset_defaults();
	static const struct {
		const char *order;
		const char *expect;
	} cases[] = {
		{"disk", "sda1:grub2:0"},
		{"optical, disk", "sr0:syslinux:0"},
		{"user, disk", "user:user:0"},
		{"network", "eth0:pxe:0"},
		{"interface:eth1, network", "eth1:pxe:0"},
		{"uuid:2222-bbbb", "sdb1:bls:0"},
		{"label:DEBIAN_12", "sr0:syslinux:0"},
		{"label:esp", "sdb1:bls:0"},        /* partlabel */
		{"name~recovery, disk", "sda1:grub2:1"},
		{"name~^Fedora, name~Debian", "sdb1:bls:0"},
		{"label:NOPE, uuid:0000", NULL},    /* matching nothing: nothing */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg = cfg_with(ctx, (const char *[]){"boot-order", cases[i].order, NULL});
		const char *got = choose(cfg, e, n, NULL, &why);
		if (!cases[i].expect)
			assert_null(got);
		else if (!got || strcmp(got, cases[i].expect))
			fail_msg("boot-order '%s': got %s, want %s", cases[i].order,
				 got ? got : "(none)", cases[i].expect);
		else
			assert_int_equal(why, KB_AB_ORDER);
	}
	talloc_free(ctx);
}

static struct kb_autoboot *ab_new(void *ctx, const struct kb_config *cfg)
{
	struct kb_autoboot *ab = kb_autoboot_new(ctx, cfg);
	assert_non_null(ab);
	return ab;
}

static void test_countdown(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = cfg_with(ctx, (const char *[]){"timeout", "3", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}};
	const struct kb_autoboot_state *s;
	const char *id = NULL;
	bool consumed = true, changed;
	uint64_t t = 100000;

	reset_defaults();
	o_disk0.is_default = true;
	/* nothing yet */
	assert_int_equal(kb_autoboot_update(ab, e, 0, t), 0);
	s = kb_autoboot_get_state(ab);
	assert_true(s->enabled);
	assert_false(s->active);
	assert_null(s->option_id);
	assert_int_equal(kb_autoboot_tick(ab, t, &id, &consumed, &changed), 0);

	/* an option appears: countdown of 3 s */
	t += 500;
	assert_int_equal(kb_autoboot_update(ab, e, 1, t), 1);
	s = kb_autoboot_get_state(ab);
	assert_true(s->active);
	assert_int_equal(s->remaining_s, 3);
	assert_string_equal(s->option_id, "sda1:grub2:0");
	assert_null(s->waiting_for);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(kb_autoboot_tick(ab, t + i * 1000, &id, &consumed, &changed), 0);
		assert_true(changed);
		assert_int_equal(kb_autoboot_get_state(ab)->remaining_s, 3 - i);
	}
	assert_int_equal(kb_autoboot_tick(ab, t + 2999, &id, &consumed, &changed), 0);
	assert_int_equal(kb_autoboot_tick(ab, t + 3000, &id, &consumed, &changed), 1);
	assert_string_equal(id, "sda1:grub2:0");
	assert_false(consumed);
	s = kb_autoboot_get_state(ab);
	assert_false(s->active);
	assert_int_equal(s->remaining_s, 0);
	/* fires once */
	assert_int_equal(kb_autoboot_tick(ab, t + 9000, &id, &consumed, &changed), 0);
	assert_int_equal(kb_autoboot_update(ab, e, 1, t + 9000), 0);
	talloc_free(ctx);
}

static void test_timeout_zero_and_negative(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}};
	const char *id = NULL;
	bool consumed;

	reset_defaults();
	o_disk0.is_default = true;
	/* 0: boots at once, on the tick right after the update */
	struct kb_config *cfg = cfg_with(ctx, (const char *[]){"timeout", "0", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	assert_int_equal(kb_autoboot_update(ab, e, 1, 5000), 1);
	assert_int_equal(kb_autoboot_tick(ab, 5000, &id, &consumed, NULL), 1);
	assert_string_equal(id, "sda1:grub2:0");

	/* negative: never, however long */
	cfg = cfg_with(ctx, (const char *[]){"timeout", "-1", NULL});
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 5000);
	const struct kb_autoboot_state *s = kb_autoboot_get_state(ab);
	assert_false(s->enabled);
	assert_false(s->active);
	assert_string_equal(s->option_id, "sda1:grub2:0"); /* still shown as the default */
	for (uint64_t t = 5000; t < 5000 + 86400000ull; t += 3600000)
		assert_int_equal(kb_autoboot_tick(ab, t, &id, &consumed, NULL), 0);

	/* autoboot = false: never either */
	cfg = cfg_with(ctx, (const char *[]){"autoboot", "false", "timeout", "0", NULL});
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 5000);
	assert_int_equal(kb_autoboot_tick(ab, 5000, &id, &consumed, NULL), 0);
	assert_int_equal(kb_autoboot_tick(ab, 500000, &id, &consumed, NULL), 0);
	talloc_free(ctx);
}

static void test_cancel(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = cfg_with(ctx, (const char *[]){"timeout", "5", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}};
	const char *id;
	bool consumed;

	reset_defaults();
	o_disk0.is_default = true;
	kb_autoboot_update(ab, e, 1, 0);
	assert_true(kb_autoboot_get_state(ab)->active);
	assert_int_equal(kb_autoboot_cancel(ab), 1);
	assert_int_equal(kb_autoboot_cancel(ab), 0);
	assert_true(kb_autoboot_cancelled(ab));
	assert_false(kb_autoboot_get_state(ab)->active);
	assert_int_equal(kb_autoboot_get_state(ab)->remaining_s, -1);
	/* new options after a cancel do not restart it */
	kb_autoboot_update(ab, e, 1, 1000);
	assert_int_equal(kb_autoboot_tick(ab, 60000, &id, &consumed, NULL), 0);
	assert_false(kb_autoboot_get_state(ab)->active);
	talloc_free(ctx);
}

static void test_better_choice_restarts(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg =
		cfg_with(ctx, (const char *[]){"timeout", "10", "boot-order", "network, disk", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}, {&o_net0, &eth0}};
	const char *id;
	bool consumed;

	reset_defaults();
	kb_autoboot_update(ab, e, 1, 0);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "sda1:grub2:0");
	kb_autoboot_tick(ab, 6000, &id, &consumed, NULL);
	assert_int_equal(kb_autoboot_get_state(ab)->remaining_s, 4);
	/* a better-ranked option appears: it gets the full timeout */
	assert_int_equal(kb_autoboot_update(ab, e, 2, 6000), 1);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "eth0:pxe:0");
	assert_int_equal(kb_autoboot_get_state(ab)->remaining_s, 10);
	assert_int_equal(kb_autoboot_tick(ab, 10000, &id, &consumed, NULL), 0);
	/* the chosen one goes away: back to the other, restarted */
	kb_autoboot_update(ab, e, 1, 12000);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "sda1:grub2:0");
	assert_int_equal(kb_autoboot_tick(ab, 21999, &id, &consumed, NULL), 0);
	assert_int_equal(kb_autoboot_tick(ab, 22000, &id, &consumed, NULL), 1);
	assert_string_equal(id, "sda1:grub2:0");
	/* everything gone: nothing counts down */
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 0);
	kb_autoboot_update(ab, e, 0, 1000);
	assert_false(kb_autoboot_get_state(ab)->active);
	assert_null(kb_autoboot_get_state(ab)->option_id);
	assert_int_equal(kb_autoboot_tick(ab, 100000, &id, &consumed, NULL), 0);
	talloc_free(ctx);
}

static void test_next_boot_consumed(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg =
		cfg_with(ctx, (const char *[]){"timeout", "1", "next-boot", "sr0:syslinux:0", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}, {&o_cd, &cd}};
	const char *id;
	bool consumed = false;
	char *err;

	reset_defaults();
	o_disk0.is_default = true;
	kb_autoboot_update(ab, e, 1, 0);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "sda1:grub2:0");
	kb_autoboot_update(ab, e, 2, 500);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "sr0:syslinux:0");
	assert_int_equal(kb_autoboot_tick(ab, 1500, &id, &consumed, NULL), 1);
	assert_string_equal(id, "sr0:syslinux:0");
	assert_true(consumed);
	/* the daemon clears it; the next run falls back to the marked default */
	assert_int_equal(kb_config_set(cfg, ctx, "next-boot", "", &err), 0);
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 2, 0);
	assert_string_equal(kb_autoboot_get_state(ab)->option_id, "sda1:grub2:0");
	assert_int_equal(kb_autoboot_tick(ab, 1000, &id, &consumed, NULL), 1);
	assert_false(consumed);
	talloc_free(ctx);
}

static void test_wait_for(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = cfg_with(
		ctx, (const char *[]){"timeout", "2", "wait-for", "label:DATA, interface:eth0",
				      "wait-timeout", "20", "boot-order", "network, disk", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}, {&o_disk2, &disk2}, {&o_net0, &eth0}};
	const struct kb_autoboot_state *s;
	const char *id;
	bool consumed, changed;

	reset_defaults();
	/* only sda1: a default is known but autoboot waits for the rest */
	kb_autoboot_update(ab, e, 1, 0);
	s = kb_autoboot_get_state(ab);
	assert_false(s->active);
	assert_string_equal(s->option_id, "sda1:grub2:0");
	assert_non_null(s->waiting_for);
	assert_non_null(strstr(s->waiting_for, "label:DATA"));
	assert_non_null(strstr(s->waiting_for, "interface:eth0"));
	assert_non_null(strstr(s->waiting_for, "20 s left"));
	assert_int_equal(kb_autoboot_tick(ab, 5000, &id, &consumed, &changed), 0);
	assert_true(changed); /* the seconds left changed */
	assert_non_null(strstr(kb_autoboot_get_state(ab)->waiting_for, "15 s left"));
	/* one of two appears: still waiting, only for the other */
	kb_autoboot_update(ab, e, 2, 6000);
	s = kb_autoboot_get_state(ab);
	assert_null(strstr(s->waiting_for, "label:DATA"));
	assert_non_null(strstr(s->waiting_for, "interface:eth0"));
	/* both: the decision is made (network ranks first) and counting starts */
	kb_autoboot_update(ab, e, 3, 7000);
	s = kb_autoboot_get_state(ab);
	assert_null(s->waiting_for);
	assert_true(s->active);
	assert_string_equal(s->option_id, "eth0:pxe:0");
	assert_int_equal(kb_autoboot_tick(ab, 9000, &id, &consumed, NULL), 1);
	assert_string_equal(id, "eth0:pxe:0");

	/* the preferred device never comes: decide when wait-timeout ends */
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 0);
	assert_int_equal(kb_autoboot_tick(ab, 19999, &id, &consumed, NULL), 0);
	assert_false(kb_autoboot_get_state(ab)->active);
	assert_int_equal(kb_autoboot_tick(ab, 20000, &id, &consumed, NULL), 0);
	s = kb_autoboot_get_state(ab);
	assert_true(s->active);
	assert_null(s->waiting_for);
	assert_int_equal(s->remaining_s, 2);
	assert_int_equal(kb_autoboot_tick(ab, 22000, &id, &consumed, NULL), 1);
	assert_string_equal(id, "sda1:grub2:0");

	/* cancel during the wait stops everything */
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 0);
	kb_autoboot_cancel(ab);
	assert_null(kb_autoboot_get_state(ab)->waiting_for);
	assert_int_equal(kb_autoboot_tick(ab, 60000, &id, &consumed, NULL), 0);

	/* a next-boot target present ends the wait at once */
	char *err;
	assert_int_equal(kb_config_set(cfg, ctx, "next-boot", "sda1:grub2:0", &err), 0);
	ab = ab_new(ctx, cfg);
	kb_autoboot_update(ab, e, 1, 0);
	assert_true(kb_autoboot_get_state(ab)->active);
	talloc_free(ctx);
}

static void test_config_change(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = cfg_with(ctx, (const char *[]){"timeout", "10", NULL});
	struct kb_autoboot *ab = ab_new(ctx, cfg);
	struct kb_autoboot_entry e[] = {{&o_disk0, &disk}};
	const char *id;
	bool consumed;
	char *err;

	reset_defaults();
	o_disk0.is_default = true;
	kb_autoboot_update(ab, e, 1, 0);
	/* shorter timeout applies to the running countdown */
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "2", &err), 0);
	kb_autoboot_set_config(ab, cfg);
	kb_autoboot_update(ab, e, 1, 1000);
	assert_int_equal(kb_autoboot_get_state(ab)->remaining_s, 1);
	/* switched off: stops */
	assert_int_equal(kb_config_set(cfg, ctx, "autoboot", "false", &err), 0);
	assert_int_equal(kb_autoboot_update(ab, e, 1, 1500), 1);
	assert_false(kb_autoboot_get_state(ab)->active);
	assert_false(kb_autoboot_get_state(ab)->enabled);
	assert_int_equal(kb_autoboot_tick(ab, 5000, &id, &consumed, NULL), 0);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choice_order),	   cmocka_unit_test(test_countdown),
		cmocka_unit_test(test_timeout_zero_and_negative), cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_better_choice_restarts), cmocka_unit_test(test_next_boot_consumed),
		cmocka_unit_test(test_wait_for),	   cmocka_unit_test(test_config_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
