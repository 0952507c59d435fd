/* kexboot-discover: boot and check requests. An option's resources are
 * resolved to files on their (read-only mounted) devices, the engine's
 * preflight checks run and reach the client, and only then, without a fatal
 * result (or with an authorised force), is the kernel loaded and jumped to. */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <string.h>
#include <talloc.h>

#include "discover/daemon.h"
#include "discover/download.h"
#include "discover/network.h"
#include "discover/settings.h"
#include "kexec-core/kexec.h"
#include "lib/log.h"

/* A network file fetched for a boot. */
struct fetched {
	struct kb_boot_job *job;
	const char *url;
	const char *what; /* "kernel", "initrd", "device tree" */
	struct kb_download *dl;
	const char *path; /* set when done */
	uint64_t size, now, total;
};

/* A boot or check waiting for its network files (at most one at a time). */
struct kb_boot_job {
	struct kb_daemon *d;
	struct kb_client *cl;      /* NULL for autoboot, or once the client left */
	struct job_guard *guard;   /* child of cl: tells us when it goes */
	uint16_t type;
	struct kb_msg_boot b;      /* the request, copied */
	char *device_id;           /* for status lines */
	struct fetched *files;     /* talloc array */
	unsigned n_files, n_pending;
};

struct job_guard {
	struct kb_boot_job *job;
};

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

/* A fetched file for a URL resource, NULL if none. */
static const struct fetched *fetched_for(const struct kb_boot_job *job, const struct kb_resource *res)
{
	unsigned i;

	for (i = 0; job && res->kind == KB_RES_URL && res->url && i < job->n_files; i++)
		if (job->files[i].path && strcmp(job->files[i].url, res->url) == 0)
			return &job->files[i];
	return NULL;
}

/* Resolve one resource to a readable file, or say why not. */
static const char *resolve(struct kb_daemon *d, const struct kb_boot_job *job, void *ctx,
			   const struct kb_resource *res, const char *what, char **why)
{
	const struct fetched *f = fetched_for(job, res);
	char *path = f ? talloc_strdup(ctx, f->path) : kb_devices_resolve(d->devices, ctx, res);

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

/* "kernel URL (N bytes)" for the dry-run message: where a fetched file came from. */
static const char *shown(void *ctx, const struct kb_boot_job *job, const struct kb_resource *res,
			 const char *path)
{
	const struct fetched *f = fetched_for(job, res);

	if (!f)
		return path;
	return talloc_asprintf(ctx, "%s (%llu bytes, downloaded to %s)", f->url,
			       (unsigned long long)f->size, path);
}

/* Shared by client requests and autoboot (cl NULL). Returns the status sent. */
static int boot_option(struct kb_daemon *d, struct kb_client *cl, uint16_t type,
		       const struct kb_msg_boot *b, const struct kb_boot_job *job)
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

	spec.kernel = resolve(d, job, tmp, &opt->kernel, "kernel", &why);
	initrds = talloc_zero_array(tmp, const char *, opt->n_initrds + 1);
	for (i = 0; initrds && i < opt->n_initrds; i++)
		initrds[i] = resolve(d, job, tmp, &opt->initrds[i], "initrd", &why);
	spec.initrds = initrds;
	spec.n_initrds = opt->n_initrds;
	if (opt->dtb.kind != KB_RES_NONE)
		spec.dtb = resolve(d, job, tmp, &opt->dtb, "device tree", &why);
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
				      shown(tmp, job, &opt->kernel, spec.kernel), spec.n_initrds ? " initrd " : "",
				      spec.n_initrds ? shown(tmp, job, &opt->initrds[0], spec.initrds[0]) : "",
				      spec.cmdline ? spec.cmdline : "");
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
		char st[KX_EXEC_STATUS_SIZE];

		r = kx_exec(d->kx, &eo, st);
		why = talloc_asprintf(tmp, "kexec failed: %s", st[0] ? st : strerror(-r));
	}
	d->devices = kb_devices_new(d);
	if (d->devices)
		kb_devices_rescan(d->devices);
	if (d->devices && d->network)
		kb_network_republish(d->network, false);
reply:
	if (r < 0)
		kb_status(d, KB_STATUS_ERROR, opt ? opt->device_id : NULL, "%s", why);
	if (cl)
		kb_client_reply(cl, b->req_id, r, r == 0 && spec.cmdline ? spec.cmdline : NULL, "%s",
				why ? why : "");
	talloc_free(tmp);
	return r;
}

static int guard_destructor(struct job_guard *g)
{
	if (g->job) {
		/* the client went away: nobody wants these files any more */
		g->job->guard = NULL;
		g->job->cl = NULL;
		kb_status(g->job->d, KB_STATUS_INFO, g->job->device_id,
			  "downloads cancelled: the client that asked for them left");
		talloc_free(g->job);
	}
	return 0;
}

static int job_destructor(struct kb_boot_job *job)
{
	if (job->guard) {
		job->guard->job = NULL;
		TALLOC_FREE(job->guard);
	}
	if (job->d->boot_job == job)
		job->d->boot_job = NULL;
	return 0; /* downloads are children: their files go with them */
}

/* End a job with an error for its client. */
static void job_fail(struct kb_boot_job *job, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_fail(struct kb_boot_job *job, int r, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = talloc_vasprintf(job, fmt, ap);
	va_end(ap);
	kb_status(job->d, KB_STATUS_ERROR, job->device_id, "%s", why ? why : "download failed");
	if (job->cl)
		kb_client_reply(job->cl, job->b.req_id, r, NULL, "%s", why ? why : "download failed");
	talloc_free(job);
}

void kb_boot_cancel_pending(struct kb_daemon *d, const char *why)
{
	if (d->boot_job)
		job_fail(d->boot_job, -ECANCELED, "%s", why);
}

static void job_progress(struct kb_download *dl, uint64_t now, uint64_t total, void *data)
{
	struct fetched *f = data;
	struct kb_boot_job *job = f->job;
	struct kb_status st = { .type = KB_STATUS_PROGRESS, .progress = -1, .device_id = job->device_id };
	struct kb_msg msg = { .type = KB_MSG_STATUS };
	uint64_t sum_now = 0, sum_total = 0;
	bool known = true;
	unsigned i;

	f->now = now;
	f->total = total;
	for (i = 0; i < job->n_files; i++) {
		sum_now += job->files[i].now;
		sum_total += job->files[i].total;
		known = known && job->files[i].total;
	}
	if (known && sum_total)
		st.progress = (int32_t)(sum_now * 100 / sum_total);
	if (total)
		st.message = talloc_asprintf(job, "downloading %s %s: %llu of %llu KiB", f->what, f->url,
					     (unsigned long long)now / 1024, (unsigned long long)total / 1024);
	else
		st.message = talloc_asprintf(job, "downloading %s %s: %llu KiB", f->what, f->url,
					     (unsigned long long)now / 1024);
	if (!st.message)
		return;
	msg.u.status = &st;
	kb_server_broadcast(job->d->server, &msg);
	talloc_free(st.message);
}

static void job_done(struct kb_download *dl, int status, const char *path, uint64_t size,
		     const char *why, void *data)
{
	struct fetched *f = data;
	struct kb_boot_job *job = f->job;
	struct kb_daemon *d = job->d;

	if (status < 0) {
		job_fail(job, status, "%s %s: %s", f->what, f->url, why ? why : strerror(-status));
		return;
	}
	f->path = path;
	f->size = size;
	kb_status(d, KB_STATUS_INFO, job->device_id, "downloaded %s %s: %llu bytes", f->what, f->url,
		  (unsigned long long)size);
	if (--job->n_pending)
		return;
	/* every file is here: the same checks and load as for local files */
	job->d->boot_job = NULL;
	boot_option(d, job->cl, job->type, &job->b, job);
	talloc_free(job);
}

static bool is_remote(const struct kb_resource *res)
{
	return res->kind == KB_RES_URL && res->url && strncmp(res->url, "file://", 7) != 0;
}

static int job_add(struct kb_boot_job *job, const struct kb_resource *res, const char *what)
{
	unsigned i;

	if (!is_remote(res))
		return 0;
	for (i = 0; i < job->n_files; i++)
		if (strcmp(job->files[i].url, res->url) == 0)
			return 0;
	job->files = talloc_realloc(job, job->files, struct fetched, job->n_files + 1);
	if (!job->files)
		return -ENOMEM;
	memset(&job->files[job->n_files], 0, sizeof(job->files[0]));
	job->files[job->n_files].job = job;
	job->files[job->n_files].url = talloc_strdup(job, res->url);
	job->files[job->n_files].what = what;
	job->n_files++;
	return 0;
}

/* Does the option need network files? Start fetching them; true when the
 * request now waits for them (it has been answered or will be). */
static bool start_downloads(struct kb_daemon *d, struct kb_client *cl, uint16_t type,
			    const struct kb_msg_boot *b)
{
	void *tmp = talloc_new(NULL);
	const struct kb_option *opt, *chosen;
	struct kb_boot_job *job;
	char *why = NULL;
	unsigned i;
	bool remote;
	int r;

	chosen = pick_option(d, b, tmp, &why);
	opt = b->override ? b->override : chosen;
	remote = opt && (is_remote(&opt->kernel) || is_remote(&opt->dtb));
	for (i = 0; opt && i < opt->n_initrds; i++)
		remote = remote || is_remote(&opt->initrds[i]);
	if (!remote || !d->network) {
		talloc_free(tmp);
		return false;
	}
	if (cl && type == KB_MSG_CHECK && !kb_client_privileged(cl)) {
		kb_client_reply(cl, b->req_id, -EPERM, NULL,
				"checking '%s' means downloading its files: that needs a privileged client",
				opt->name);
		talloc_free(tmp);
		return true;
	}
	if (cl && type != KB_MSG_CHECK) {
		bool is_default = !b->override && !(b->flags & KB_BOOT_FORCE) &&
				  chosen == kb_default_option(d);

		r = kb_settings_authorise(d, cl, b->override ? KB_REQ_EDIT : KB_REQ_BOOT, is_default,
					  b->password, &why);
		if (r < 0) {
			kb_client_reply(cl, b->req_id, r, NULL, "%s", why ? why : "not allowed");
			talloc_free(why);
			talloc_free(tmp);
			return true;
		}
	}
	kb_boot_cancel_pending(d, "cancelled: another boot request came");
	job = talloc_zero(d, struct kb_boot_job);
	if (!job)
		goto nomem;
	talloc_set_destructor(job, job_destructor);
	job->d = d;
	job->type = type;
	job->b = *b;
	job->b.option_id = talloc_strdup(job, chosen ? chosen->id : b->option_id);
	job->b.flags &= ~(uint32_t)(KB_BOOT_DEFAULT | KB_BOOT_MATCH);
	job->b.password = b->password ? talloc_strdup(job, b->password) : NULL;
	job->b.override = b->override ? kb_option_dup(job, b->override) : NULL;
	job->device_id = talloc_strdup(job, opt->device_id);
	if ((b->override && !job->b.override) || job_add(job, &opt->kernel, "kernel") < 0 ||
	    job_add(job, &opt->dtb, "device tree") < 0)
		goto nomem;
	for (i = 0; i < opt->n_initrds; i++)
		if (job_add(job, &opt->initrds[i], "initrd") < 0)
			goto nomem;
	if (cl) {
		job->cl = cl;
		job->guard = talloc_zero(cl, struct job_guard);
		if (!job->guard)
			goto nomem;
		job->guard->job = job;
		talloc_set_destructor(job->guard, guard_destructor);
	}
	d->boot_job = job;
	kb_status(d, KB_STATUS_INFO, job->device_id, "'%s': downloading %u file%s", opt->name,
		  job->n_files, job->n_files == 1 ? "" : "s");
	job->n_pending = job->n_files;
	for (i = 0; i < job->n_files; i++) {
		struct fetched *f = &job->files[i];
		struct kb_download_opts o = { .retries = -1,
					      .proxy = kb_network_proxy(d->network, job->device_id) };

		/* the array no longer moves: the file's slot is its callback data */
		f->dl = kb_download_start(kb_network_downloader(d->network), job, f->url, &o, job_done,
					  job_progress, f, &why);
		if (!f->dl) {
			job_fail(job, -errno, "%s %s: %s", f->what, f->url, why ? why : strerror(errno));
			talloc_free(tmp);
			return true;
		}
	}
	talloc_free(tmp);
	return true;
nomem:
	talloc_free(job);
	talloc_free(tmp);
	if (cl)
		kb_client_reply(cl, b->req_id, -ENOMEM, NULL, "out of memory");
	return true;
}

void kb_boot_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg)
{
	if (start_downloads(d, cl, msg->type, &msg->u.boot))
		return;
	boot_option(d, cl, msg->type, &msg->u.boot, NULL);
}


int kb_boot_autoboot(struct kb_daemon *d, const char *id)
{
	struct kb_msg_boot b = { .option_id = (char *)id };

	if (start_downloads(d, NULL, KB_MSG_BOOT, &b))
		return 0;
	return boot_option(d, NULL, KB_MSG_BOOT, &b, NULL);
}
