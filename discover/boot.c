/* kexboot-discover: boot and check requests. An option's resources are
 * resolved to files on their (read-only mounted) devices, the engine's
 * preflight checks run and reach the client, and only then, without a fatal
 * result (or with an authorised force), is the kernel loaded and jumped to. */
#include <errno.h>
#include <regex.h>
#include <string.h>
#include <talloc.h>

#include "discover/daemon.h"
#include "discover/settings.h"
#include "kexec-core/kexec.h"
#include "lib/log.h"

/* The option a request names; NULL with the reason in *why. */
static const struct kb_option *pick_option(struct kb_daemon *d, const struct kb_msg_boot *b,
					   void *ctx, char **why)
{
	const struct kb_option *opt;
	regex_t re;
	unsigned i;
	int r;

	if (b->flags & KB_BOOT_DEFAULT) {
		opt = kb_default_option(d);
		if (!opt)
			*why = talloc_strdup(ctx, "there is no default option");
		return opt;
	}
	if (!b->option_id) {
		*why = talloc_strdup(ctx, "no option named");
		return NULL;
	}
	if (!(b->flags & KB_BOOT_MATCH)) {
		opt = kb_devices_option(d->devices, b->option_id);
		if (!opt)
			*why = talloc_asprintf(ctx, "no option with id '%s'", b->option_id);
		return opt;
	}
	r = regcomp(&re, b->option_id, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char err[128];

		regerror(r, &re, err, sizeof(err));
		*why = talloc_asprintf(ctx, "bad regular expression '%s': %s", b->option_id, err);
		return NULL;
	}
	for (i = 0; (opt = kb_devices_option_at(d->devices, i)); i++)
		if (opt->name && regexec(&re, opt->name, 0, NULL, 0) == 0)
			break;
	regfree(&re);
	if (!opt)
		*why = talloc_asprintf(ctx, "no option name matches '%s'", b->option_id);
	return opt;
}

/* Describe a resource for messages. */
static const char *res_name(void *ctx, const struct kb_resource *res)
{
	switch (res->kind) {
	case KB_RES_DEVICE:
		return talloc_asprintf(ctx, "%s:%s", res->device, res->path);
	case KB_RES_URL:
		return res->url;
	case KB_RES_UNRESOLVED:
		return talloc_asprintf(ctx, "%s:%s (device not present)", res->unresolved, res->path);
	default:
		return "(none)";
	}
}

/* Resolve one resource to a readable file, or say why not. */
static const char *resolve(struct kb_daemon *d, void *ctx, const struct kb_resource *res,
			   const char *what, char **why)
{
	char *path = kb_devices_resolve(d->devices, ctx, res);

	if (!path && !*why)
		*why = talloc_asprintf(ctx, "%s %s: %s", what, res_name(ctx, res),
				       errno == EXDEV	  ? "leads off its device"
				       : errno == ENODEV  ? "device not present"
				       : errno == EREMOTE ? "network download not available"
							  : strerror(errno));
	return path;
}

/* The command line the booted kernel gets: the option's, plus the configured
 * boot console when it names none. */
static char *final_args(struct kb_daemon *d, void *ctx, const char *args)
{
	const char *console = kb_settings_console(d);

	if (!console || (args && (strncmp(args, "console=", 8) == 0 || strstr(args, " console="))))
		return talloc_strdup(ctx, args);
	return talloc_asprintf(ctx, "%s%sconsole=%s", args ? args : "", args && *args ? " " : "",
			       console);
}

static void send_checks(struct kb_client *cl, uint32_t req_id, const char *option_id,
			struct kb_check_result *results, unsigned n)
{
	struct kb_msg msg = { .type = KB_MSG_CHECK_RESULTS };

	msg.u.checks.req_id = req_id;
	msg.u.checks.option_id = (char *)option_id;
	msg.u.checks.results = results;
	msg.u.checks.n_results = n > KB_MSG_MAX_ITEMS ? KB_MSG_MAX_ITEMS : n;
	if (cl)
		kb_client_send(cl, &msg);
}

/* Shared by client requests and autoboot (cl NULL). Returns the status sent. */
static int boot_option(struct kb_daemon *d, struct kb_client *cl, uint16_t type,
		       const struct kb_msg_boot *b)
{
	bool check_only = type == KB_MSG_CHECK;
	bool dry_run = d->opts.dry_run || (b->flags & KB_BOOT_DRY_RUN);
	void *tmp = talloc_new(NULL);
	const struct kb_option *opt, *chosen;
	const char **initrds = NULL;
	struct kb_check_result *results = NULL;
	struct kx_spec spec = { 0 };
	unsigned n_results = 0, i;
	char *why = NULL, *method = NULL;
	int r;

	chosen = pick_option(d, b, tmp, &why);
	opt = b->override ? b->override : chosen;
	if (!opt) {
		r = -ENOENT;
		goto reply;
	}
	/* restricted mode: anything but the default, unedited, needs the password */
	if (!check_only && cl) {
		bool is_default = !b->override && !(b->flags & KB_BOOT_FORCE) &&
				  chosen == kb_default_option(d);

		r = kb_settings_authorise(d, cl, b->override ? KB_REQ_EDIT : KB_REQ_BOOT, is_default,
					  b->password, &why);
		if (r < 0) {
			talloc_steal(tmp, why);
			goto reply;
		}
	}

	spec.kernel = resolve(d, tmp, &opt->kernel, "kernel", &why);
	initrds = talloc_zero_array(tmp, const char *, opt->n_initrds + 1);
	for (i = 0; initrds && i < opt->n_initrds; i++)
		initrds[i] = resolve(d, tmp, &opt->initrds[i], "initrd", &why);
	spec.initrds = initrds;
	spec.n_initrds = opt->n_initrds;
	if (opt->dtb.kind != KB_RES_NONE)
		spec.dtb = resolve(d, tmp, &opt->dtb, "device tree", &why);
	spec.cmdline = final_args(d, tmp, opt->args);
	if (why) {
		r = -ENOENT;
		goto reply;
	}

	r = kx_check(tmp, d->kx, &spec, &results, &n_results);
	if (r < 0) {
		why = talloc_asprintf(tmp, "preflight checks failed: %s", strerror(-r));
		goto reply;
	}
	send_checks(cl, b->req_id, opt->id, results, n_results);
	if (check_only) {
		unsigned fatal = 0;

		for (i = 0; i < n_results; i++)
			fatal += results[i].severity == KB_SEV_FATAL;
		why = talloc_asprintf(tmp, "%u preflight results, %u fatal", n_results, fatal);
		r = 0;
		goto reply;
	}
	if (kx_results_fatal(results, n_results) && !(b->flags & KB_BOOT_FORCE)) {
		for (i = 0; i < n_results && results[i].severity != KB_SEV_FATAL; i++)
			;
		why = talloc_asprintf(tmp, "refusing to boot '%s': %s", opt->name,
				      results[i].message);
		r = -ECANCELED;
		goto reply;
	}
	if (dry_run) {
		why = talloc_asprintf(tmp, "dry run: would boot '%s': kernel %s%s%s args '%s'", opt->name,
				      spec.kernel, spec.n_initrds ? " initrd " : "",
				      spec.n_initrds ? spec.initrds[0] : "", spec.cmdline ? spec.cmdline : "");
		kb_status(d, KB_STATUS_BOOT, opt->device_id, "%s", why);
		r = 0;
		goto reply;
	}

	kb_status(d, KB_STATUS_BOOT, opt->device_id, "booting '%s'", opt->name);
	r = kx_load(tmp, d->kx, &spec, KX_SKIP_CHECKS | ((b->flags & KB_BOOT_FORCE) ? KX_FORCE : 0),
		    &method, NULL, NULL);
	if (r < 0) {
		why = talloc_asprintf(tmp, "loading '%s' failed: %s", opt->name,
				      r == -EKEYREJECTED ? "signature rejected" : strerror(-r));
		goto reply;
	}
	kb_status(d, KB_STATUS_BOOT, opt->device_id, "loaded with %s; jumping", method);
	kb_settings_booting(d, opt->id);
	/* our mounts go first: the engine unmounts everything under the runtime dir */
	TALLOC_FREE(d->devices);
	{
		struct kx_exec_opts eo = { .own_prefix = d->opts.runtime_dir };

		r = kx_exec(d->kx, &eo);
	}
	why = talloc_asprintf(tmp, "kexec failed: %s", strerror(-r));
	d->devices = kb_devices_new(d);
	if (d->devices)
		kb_devices_rescan(d->devices);
reply:
	if (r < 0)
		kb_status(d, KB_STATUS_ERROR, opt ? opt->device_id : NULL, "%s", why);
	if (cl)
		kb_client_reply(cl, b->req_id, r, r == 0 && spec.cmdline ? spec.cmdline : NULL, "%s",
				why ? why : "");
	talloc_free(tmp);
	return r;
}

void kb_boot_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg)
{
	boot_option(d, cl, msg->type, &msg->u.boot);
}


int kb_boot_autoboot(struct kb_daemon *d, const char *id)
{
	struct kb_msg_boot b = { .option_id = (char *)id };

	return boot_option(d, NULL, KB_MSG_BOOT, &b);
}
