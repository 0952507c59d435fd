/* kexboot-discover: network interfaces, DHCP and network boot configs
 * (see network.h). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <net/if.h> /* before the linux/ headers, which then skip their copies */
#include <net/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/config.h"
#include "discover/daemon.h"
#include "discover/download.h"
#include "discover/network.h"
#include "discover/parser.h"
#include "discover/pxe.h"
#include "lib/log.h"

#define KB_NET_NETLINK_BUF 32768 /* bytes read from rtnetlink at once */

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h: carrier (glibc's net/if.h lacks it) */
#endif

enum if_state {
	IF_DOWN = 0,      /* no carrier */
	IF_CONFIGURING,   /* udhcpc or the static hook running */
	IF_FETCHING,      /* downloading configs */
	IF_DONE,          /* options published (or none offered) */
	IF_FAILED,        /* waiting before the next DHCP round */
	IF_DISABLED,      /* network.<if>.method = disabled */
};

/* One DHCP client's round (udhcpc for IPv4, udhcpc6 for IPv6). */
enum dhcp_run {
	DHCP_IDLE = 0,  /* not run this round (no udhcpc6, static) */
	DHCP_RUNNING,
	DHCP_BOUND,     /* its lease was read */
	DHCP_FAILED,    /* no answer, or no usable lease */
};

struct fetched_file {
	char *url;
	struct kb_download *dl; /* holds the file; NULL when absent on the server */
	char *path;
	uint64_t size;
};

struct iface {
	struct kb_network *net;
	char *name;
	int index;
	char mac[18];
	unsigned flags;
	enum if_state state;
	pid_t pid;                 /* udhcpc / hook, 0 if none */
	struct kb_source *child;
	struct kb_source *timer;   /* DHCP timeout or retry */
	char *lease_file;
	struct kb_lease *lease;
	pid_t pid6;                /* udhcpc6, 0 if none */
	struct kb_source *child6;
	char *lease6_file;
	struct kb_lease *lease6;
	enum dhcp_run v4, v6;
	struct kb_pxe_plan *plan;
	void *fetch_ctx;           /* everything of one fetch run; freed to cancel it */
	struct kb_download *dl;    /* the transfer in flight */
	struct fetched_file *files;
	unsigned n_files;
	unsigned next_config;      /* candidate index in plan->configs */
	char *config_url;          /* the config found */
	char **queue;              /* files a parse asked for */
	unsigned n_queue, rounds;
	char *status;
};

struct kb_network {
	struct kb_daemon *d;
	struct kb_downloader *dlr;
	int nl_fd;
	struct kb_source *nl_src;
	struct iface **ifaces;
	unsigned n_ifaces;
	char *dir; /* RUNTIME_DIR/net */
	const char *hook;
	char *dhcp6;        /* the udhcpc6 program, NULL when there is none */
	bool dhcp6_busybox; /* dhcp6 is busybox: run its udhcpc6 applet */
};

static void fetch_next(struct iface *ifc);
static void parse_and_publish(struct iface *ifc);

static bool wanted(struct kb_network *net, const char *name)
{
	unsigned i;

	for (i = 0; i < net->d->opts.n_iface_globs; i++)
		if (fnmatch(net->d->opts.iface_globs[i], name, 0) == 0)
			return true;
	return false;
}

static const struct kb_net_config *if_config(struct kb_network *net, const char *name)
{
	const struct kb_config *cfg = net->d->config;
	size_t i;

	for (i = 0; cfg && i < cfg->n_net; i++)
		if (cfg->net[i].ifname && strcmp(cfg->net[i].ifname, name) == 0)
			return &cfg->net[i];
	return NULL;
}

const char *kb_network_proxy(struct kb_network *net, const char *device_id)
{
	const struct kb_config *cfg = net->d->config;
	const struct kb_net_config *c = device_id ? if_config(net, device_id) : NULL;
	size_t i;

	if (c)
		return c->proxy && *c->proxy ? c->proxy : NULL;
	/* a URL that came from no interface (a user option): the first
	 * interface we manage that has a proxy */
	for (i = 0; cfg && i < cfg->n_net; i++)
		if (cfg->net[i].proxy && *cfg->net[i].proxy && wanted(net, cfg->net[i].ifname))
			return cfg->net[i].proxy;
	return NULL;
}

struct kb_downloader *kb_network_downloader(struct kb_network *net)
{
	return net->dlr;
}

/* Publish the interface's device with a status line. */
static void publish(struct iface *ifc, const char *status)
{
	struct kb_daemon *d = ifc->net->d;
	struct kb_device dev = { 0 };

	if (status) {
		talloc_free(ifc->status);
		ifc->status = talloc_strdup(ifc, status);
	}
	dev.id = ifc->name;
	dev.type = KB_DEVICE_NETWORK;
	dev.state = KB_DEVSTATE_PROBED;
	dev.mac = ifc->mac[0] ? ifc->mac : NULL;
	dev.status = ifc->status;
	if (d->devices && kb_devices_net_update(d->devices, &dev) < 0)
		log_warn("%s: cannot publish the interface", ifc->name);
}

static void set_status(struct iface *ifc, uint32_t type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_status(struct iface *ifc, uint32_t type, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = talloc_vasprintf(ifc, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	publish(ifc, s);
	kb_status(ifc->net->d, type, ifc->name, "%s", s);
	talloc_free(s);
}

/* Stop whatever runs for the interface: DHCP child, timers, downloads. */
static void stop_work(struct iface *ifc)
{
	TALLOC_FREE(ifc->child);
	TALLOC_FREE(ifc->child6);
	if (ifc->pid > 0) {
		/* SIGKILL: it cannot linger, so reaping it here does not block */
		kill(ifc->pid, SIGKILL);
		waitpid(ifc->pid, NULL, 0);
		ifc->pid = 0;
	}
	if (ifc->pid6 > 0) {
		kill(ifc->pid6, SIGKILL);
		waitpid(ifc->pid6, NULL, 0);
		ifc->pid6 = 0;
	}
	ifc->v4 = ifc->v6 = DHCP_IDLE;
	TALLOC_FREE(ifc->lease6);
	TALLOC_FREE(ifc->timer);
	TALLOC_FREE(ifc->fetch_ctx); /* downloads, files, queue */
	ifc->dl = NULL;
	ifc->files = NULL;
	ifc->n_files = 0;
	ifc->queue = NULL;
	ifc->n_queue = 0;
	ifc->config_url = NULL;
	TALLOC_FREE(ifc->plan);
	TALLOC_FREE(ifc->lease);
}

static int iface_destructor(struct iface *ifc)
{
	struct kb_network *net = ifc->net;
	unsigned i;

	stop_work(ifc);
	for (i = 0; i < net->n_ifaces; i++)
		if (net->ifaces[i] == ifc) {
			memmove(&net->ifaces[i], &net->ifaces[i + 1],
				(net->n_ifaces - i - 1) * sizeof(net->ifaces[0]));
			net->n_ifaces--;
			break;
		}
	return 0;
}

/* Is the interface named in a wait-for rule (or a "network" one)? */
static bool awaited(struct iface *ifc)
{
	const struct kb_config *cfg = ifc->net->d->config;
	struct kb_device dev = { .id = ifc->name, .type = KB_DEVICE_NETWORK };
	size_t i;

	for (i = 0; cfg && i < cfg->n_wait_for; i++)
		if (kb_rule_match_device(&cfg->wait_for[i], &dev))
			return true;
	return false;
}

static void dhcp_retry(struct kb_source *src, void *data);
static void start_config(struct iface *ifc);

static void fail_round(struct iface *ifc)
{
	ifc->state = IF_FAILED;
	TALLOC_FREE(ifc->timer);
	ifc->timer = kb_loop_add_timer(ifc->net->d->loop, ifc, KB_NET_DHCP_RETRY_MS, false, dhcp_retry, ifc);
}

static void dhcp_retry(struct kb_source *src, void *data)
{
	struct iface *ifc = data;

	TALLOC_FREE(ifc->timer);
	if (ifc->state == IF_FAILED)
		start_config(ifc);
}

/* Read the lease the hook wrote to file into *ret (replacing it). */
static int read_lease(struct iface *ifc, const char *file, struct kb_lease **ret, char **ret_warnings)
{
	char *buf = talloc_size(ifc, KB_LEASE_MAX_FILE_SIZE + 1);
	ssize_t n;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		talloc_free(buf);
		return r;
	}
	n = read(fd, buf, KB_LEASE_MAX_FILE_SIZE + 1);
	close(fd);
	if (n < 0) {
		talloc_free(buf);
		return -EIO;
	}
	TALLOC_FREE(*ret);
	r = kb_lease_parse(ifc, buf, (size_t)n, ret, ret_warnings);
	talloc_free(buf);
	return r;
}

static const char *lease_addr(const struct kb_lease *l)
{
	return l->ip ? l->ip : l->ipv6 ? l->ipv6 : "?";
}

/* Read a DHCP client's lease (v6: udhcpc6's). 0 or -errno, said in a status. */
static int take_lease(struct iface *ifc, bool v6, bool is_static)
{
	char *warnings = NULL;
	int r;

	r = read_lease(ifc, v6 ? ifc->lease6_file : ifc->lease_file, v6 ? &ifc->lease6 : &ifc->lease, &warnings);
	if (warnings) {
		kb_status(ifc->net->d, KB_STATUS_ERROR, ifc->name, "%s: %s", v6 ? "DHCPv6" : "DHCP", warnings);
		talloc_free(warnings);
	}
	if (r < 0)
		set_status(ifc, KB_STATUS_ERROR, "%s: no usable lease (%s)",
			   is_static ? "static address" : v6 ? "DHCPv6" : "DHCP", strerror(-r));
	return r;
}

/* Go for the boot configs a lease points at. 1: a plan is followed (or
 * refused, said in a status), 0: the lease offers no network boot (*why).
 * origin: where the address came from, for the status ("from DHCP server
 * 10.0.0.1"); source: what named the configs when the lease did not (NULL). */
static int follow_lease(struct iface *ifc, const struct kb_lease *l, const char *origin,
			const char *source, char **why)
{
	int r;

	r = kb_pxe_plan(ifc, l, ifc->mac, &ifc->plan, why);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		ifc->state = IF_DONE;
		set_status(ifc, KB_STATUS_ERROR, "address %s: refusing the network boot %s: %s", lease_addr(l),
			   source ? source : "offer", *why ? *why : strerror(-r));
		return 1;
	}
	if (source)
		ifc->plan->source = talloc_strdup(ifc->plan, source);
	set_status(ifc, KB_STATUS_INFO, "address %s %s; boot configs from %s%s (%s)", lease_addr(l), origin,
		   ifc->plan->root ? ifc->plan->root : "", ifc->plan->root ? ifc->plan->prefix : ifc->plan->configs[0],
		   ifc->plan->source ? ifc->plan->source : "?");
	ifc->state = IF_FETCHING;
	ifc->fetch_ctx = talloc_new(ifc);
	ifc->next_config = 0;
	ifc->rounds = 0;
	fetch_next(ifc);
	return 1;
}

#define KB_NET_ORIGIN_LEN 320 /* "from DHCP server <value>" for a status */

static const char *dhcp_origin(char *buf, const struct kb_lease *l)
{
	if (l->serverid)
		snprintf(buf, KB_NET_ORIGIN_LEN, "from DHCP server %s", l->serverid);
	else
		snprintf(buf, KB_NET_ORIGIN_LEN, "from a DHCP%s server", l->ip ? "" : "v6");
	return buf;
}

/* A DHCP client ended: the first lease offering a network boot is followed
 * (IPv4's first when both are there); with none, wait for the other client,
 * then say what was got, or try again later when nobody answered. */
static void dhcp_decide(struct iface *ifc)
{
	char *why4 = NULL, *why6 = NULL, origin[KB_NET_ORIGIN_LEN];

	if (ifc->state != IF_CONFIGURING)
		return; /* the other client's lease is followed already */
	if (ifc->v4 == DHCP_BOUND && follow_lease(ifc, ifc->lease, dhcp_origin(origin, ifc->lease), NULL, &why4))
		return;
	if (ifc->v6 == DHCP_BOUND && follow_lease(ifc, ifc->lease6, dhcp_origin(origin, ifc->lease6), NULL, &why6))
		return;
	if (ifc->v4 == DHCP_RUNNING || ifc->v6 == DHCP_RUNNING) {
		if (ifc->v4 == DHCP_BOUND || ifc->v6 == DHCP_BOUND)
			set_status(ifc, KB_STATUS_INFO, "address %s; no network boot offered yet, %s still running",
				   lease_addr(ifc->v4 == DHCP_BOUND ? ifc->lease : ifc->lease6),
				   ifc->v4 == DHCP_RUNNING ? "DHCPv4" : "DHCPv6");
		return;
	}
	TALLOC_FREE(ifc->timer);
	if (ifc->v4 == DHCP_BOUND || ifc->v6 == DHCP_BOUND) {
		const struct kb_lease *l = ifc->v4 == DHCP_BOUND ? ifc->lease : ifc->lease6;

		ifc->state = IF_DONE;
		set_status(ifc, KB_STATUS_INFO, "address %s %s: %s", lease_addr(l), dhcp_origin(origin, l),
			   why4 ? why4 : why6 ? why6 : "no network boot offered");
		return;
	}
	set_status(ifc, KB_STATUS_ERROR,
		   "no DHCP answer after %d tries of %d s (KB_NET_DHCP_TRIES, KB_NET_DHCP_TRY_TIMEOUT_S)%s; trying again in %d s",
		   KB_NET_DHCP_TRIES, KB_NET_DHCP_TRY_TIMEOUT_S, ifc->v6 == DHCP_FAILED ? ", DHCPv4 nor DHCPv6" : "",
		   KB_NET_DHCP_RETRY_MS / 1000);
	fail_round(ifc);
}

/* A static address is set: fetch network.<if>.boot-url if there is one,
 * as DHCP's boot file would be (a loader's directory is searched the
 * PXELINUX way; a config or iPXE script is read as it is). */
static void static_done(struct iface *ifc)
{
	const struct kb_net_config *c = if_config(ifc->net, ifc->name);
	char *why = NULL, source[KB_NET_ORIGIN_LEN];

	ifc->state = IF_DONE;
	if (c && c->boot_url && *c->boot_url) {
		snprintf(source, sizeof(source), "network.%s.boot-url", ifc->name);
		ifc->lease->bootfile = talloc_strdup(ifc->lease, c->boot_url);
		if (ifc->lease->bootfile && follow_lease(ifc, ifc->lease, "(static)", source, &why))
			return;
	}
	set_status(ifc, KB_STATUS_INFO, "static address %s", lease_addr(ifc->lease));
}

static void on_child(struct kb_source *src, pid_t pid, int status, void *data)
{
	struct iface *ifc = data;
	bool is_static = ifc->state == IF_CONFIGURING && if_config(ifc->net, ifc->name) &&
			 if_config(ifc->net, ifc->name)->method == KB_NET_STATIC;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	TALLOC_FREE(ifc->child);
	ifc->pid = 0;
	if (is_static) {
		TALLOC_FREE(ifc->timer);
		if (!ok) {
			set_status(ifc, KB_STATUS_ERROR, "static address: the hook failed (status %d)",
				   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			fail_round(ifc);
		} else if (take_lease(ifc, false, true) < 0) {
			fail_round(ifc);
		} else {
			static_done(ifc);
		}
		return;
	}
	ifc->v4 = ok && take_lease(ifc, false, false) == 0 ? DHCP_BOUND : DHCP_FAILED;
	dhcp_decide(ifc);
}

static void on_child6(struct kb_source *src, pid_t pid, int status, void *data)
{
	struct iface *ifc = data;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	TALLOC_FREE(ifc->child6);
	ifc->pid6 = 0;
	ifc->v6 = ok && take_lease(ifc, true, false) == 0 ? DHCP_BOUND : DHCP_FAILED;
	if (ifc->v6 == DHCP_BOUND)
		log_info("%s: DHCPv6 address %s%s%s", ifc->name, lease_addr(ifc->lease6),
			 ifc->lease6->boot_url6 ? ", boot file URL " : "",
			 ifc->lease6->boot_url6 ? ifc->lease6->boot_url6 : "");
	else
		log_info("%s: no DHCPv6 lease (udhcpc6 status %d)", ifc->name,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	dhcp_decide(ifc);
}

static void dhcp_timeout(struct kb_source *src, void *data)
{
	struct iface *ifc = data;

	TALLOC_FREE(ifc->timer);
	if (ifc->pid > 0) {
		log_warn("%s: DHCP client still running after %d ms (KB_NET_DHCP_TIMEOUT_MS): stopping it",
			 ifc->name, KB_NET_DHCP_TIMEOUT_MS);
		kill(ifc->pid, SIGTERM);
	}
	if (ifc->pid6 > 0) {
		log_warn("%s: DHCPv6 client still running after %d ms (KB_NET_DHCP_TIMEOUT_MS): stopping it",
			 ifc->name, KB_NET_DHCP_TIMEOUT_MS);
		kill(ifc->pid6, SIGTERM);
	}
}

/* Run udhcpc (or, static, the hook itself) as a child of the loop. */
static int spawn(struct iface *ifc, const struct kb_net_config *c)
{
	struct kb_network *net = ifc->net;
	char tries[16], tmo[16], *resolv;
	sigset_t none;
	pid_t pid;

	snprintf(tries, sizeof(tries), "%d", KB_NET_DHCP_TRIES);
	snprintf(tmo, sizeof(tmo), "%d", KB_NET_DHCP_TRY_TIMEOUT_S);
	resolv = talloc_asprintf(ifc, "%s/resolv.conf", net->dir);
	if (!resolv)
		return -ENOMEM;
	unlink(ifc->lease_file);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* the loop blocks the signals it watches: udhcpc must get them */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setenv("KB_LEASE_FILE", ifc->lease_file, 1);
		setenv("KB_RESOLV_CONF", resolv, 1);
		if (c && c->method == KB_NET_STATIC) {
			char *slash = c->address ? strchr(c->address, '/') : NULL;

			setenv("interface", ifc->name, 1);
			if (slash) {
				*slash = '\0';
				setenv("mask", slash + 1, 1);
			}
			setenv("ip", c->address ? c->address : "", 1);
			if (c->gateway)
				setenv("router", c->gateway, 1);
			if (c->dns) {
				char *dns = strdup(c->dns), *p;

				for (p = dns; p && *p; p++)
					if (*p == ',')
						*p = ' ';
				if (dns)
					setenv("dns", dns, 1);
			}
			execl(net->hook, net->hook, "bound", (char *)NULL);
			_exit(127);
		}
		execlp("udhcpc", "udhcpc", "-i", ifc->name, "-s", net->hook, "-f", "-q", "-n", "-t", tries,
		       "-T", tmo, "-O", "66", "-O", "67", "-O", "150", "-O", "209", "-O", "210",
		       (char *)NULL);
		execlp("busybox", "busybox", "udhcpc", "-i", ifc->name, "-s", net->hook, "-f", "-q", "-n", "-t",
		       tries, "-T", tmo, "-O", "66", "-O", "67", "-O", "150", "-O", "209", "-O", "210",
		       (char *)NULL);
		_exit(127);
	}
	talloc_free(resolv);
	ifc->pid = pid;
	ifc->child = kb_loop_add_child(net->d->loop, ifc, pid, on_child, ifc);
	ifc->timer = kb_loop_add_timer(net->d->loop, ifc, KB_NET_DHCP_TIMEOUT_MS, false, dhcp_timeout, ifc);
	if (!ifc->child) {
		kill(pid, SIGTERM);
		ifc->pid = 0;
		return -ENOMEM;
	}
	return 0;
}

#define KB_NET_LINK_LOCAL_WAIT_MS 3000 /* udhcpc6 started anyway after this */
#define KB_NET_LINK_LOCAL_POLL_MS 50

/* Has the interface an IPv6 link-local address (tentative or not)? */
static bool has_link_local(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 && strcmp(i->ifa_name, ifname) == 0 &&
			IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr);
	freeifaddrs(ifa);
	return found;
}

/* Run udhcpc6 with the same hook (KB_DHCP6=1 tells it apart) beside udhcpc.
 * udhcpc6 sends from the interface's link-local address and exits at once
 * ("can't get link-local IPv6 address") when there is none yet: the kernel
 * adds it when it sees the link ready, which can be just after the carrier
 * we saw (a veth, a virtio NIC). The child waits for it, a bounded time. */
static int spawn6(struct iface *ifc)
{
	struct kb_network *net = ifc->net;
	char tries[16], tmo[16], *resolv;
	sigset_t none;
	pid_t pid;

	snprintf(tries, sizeof(tries), "%d", KB_NET_DHCP_TRIES);
	snprintf(tmo, sizeof(tmo), "%d", KB_NET_DHCP_TRY_TIMEOUT_S);
	resolv = talloc_asprintf(ifc, "%s/resolv.conf", net->dir);
	if (!resolv)
		return -ENOMEM;
	unlink(ifc->lease6_file);
	pid = fork();
	if (pid < 0) {
		talloc_free(resolv);
		return -errno;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setenv("KB_LEASE_FILE", ifc->lease6_file, 1);
		setenv("KB_RESOLV_CONF", resolv, 1);
		setenv("KB_DHCP6", "1", 1);
		for (int waited = 0; !has_link_local(ifc->name) && waited < KB_NET_LINK_LOCAL_WAIT_MS;
		     waited += KB_NET_LINK_LOCAL_POLL_MS)
			usleep(KB_NET_LINK_LOCAL_POLL_MS * 1000);
		/* -O 59 -O 60: the boot file URL and its parameters (RFC 5970) */
		if (net->dhcp6_busybox)
			execl(net->dhcp6, "busybox", "udhcpc6", "-i", ifc->name, "-s", net->hook, "-f", "-q", "-n",
			      "-t", tries, "-T", tmo, "-O", "59", "-O", "60", (char *)NULL);
		else
			execl(net->dhcp6, "udhcpc6", "-i", ifc->name, "-s", net->hook, "-f", "-q", "-n", "-t", tries,
			      "-T", tmo, "-O", "59", "-O", "60", (char *)NULL);
		_exit(127);
	}
	talloc_free(resolv);
	ifc->pid6 = pid;
	ifc->child6 = kb_loop_add_child(net->d->loop, ifc, pid, on_child6, ifc);
	if (!ifc->child6) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ifc->pid6 = 0;
		return -ENOMEM;
	}
	return 0;
}

/* Carrier is there: configure the interface as the settings say. */
static void start_config(struct iface *ifc)
{
	const struct kb_net_config *c = if_config(ifc->net, ifc->name);
	int r;

	stop_work(ifc);
	kb_devices_net_set_options(ifc->net->d->devices, ifc->name, NULL, 0);
	if (c && c->method == KB_NET_DISABLED) {
		ifc->state = IF_DISABLED;
		publish(ifc, "disabled in the settings");
		return;
	}
	if (c && c->method == KB_NET_STATIC && !c->address) {
		ifc->state = IF_DONE;
		set_status(ifc, KB_STATUS_ERROR, "static configuration without an address");
		return;
	}
	ifc->state = IF_CONFIGURING;
	r = spawn(ifc, c);
	if (r < 0) {
		set_status(ifc, KB_STATUS_ERROR, "cannot start the DHCP client: %s", strerror(-r));
		fail_round(ifc);
		return;
	}
	ifc->v4 = DHCP_RUNNING;
	if (!(c && c->method == KB_NET_STATIC) && ifc->net->dhcp6) {
		r = spawn6(ifc);
		if (r < 0)
			log_warn("%s: cannot start udhcpc6 (%s): IPv4 only", ifc->name, strerror(-r));
		else
			ifc->v6 = DHCP_RUNNING;
	}
	if (c && c->method == KB_NET_STATIC)
		set_status(ifc, KB_STATUS_INFO, "configuring static address %s", c->address);
	else if (awaited(ifc))
		set_status(ifc, KB_STATUS_INFO, "DHCP%s running; autoboot waits for this interface's options",
			   ifc->v6 == DHCP_RUNNING ? " and DHCPv6" : "");
	else
		set_status(ifc, KB_STATUS_INFO, "DHCP%s running", ifc->v6 == DHCP_RUNNING ? " and DHCPv6" : "");
}

/* ---- fetching and parsing boot configs ---- */

static struct fetched_file *find_file(struct iface *ifc, const char *url)
{
	unsigned i;

	for (i = 0; i < ifc->n_files; i++)
		if (strcmp(ifc->files[i].url, url) == 0)
			return &ifc->files[i];
	return NULL;
}

static struct fetched_file *add_file(struct iface *ifc, const char *url)
{
	struct fetched_file *f = talloc_realloc(ifc->fetch_ctx, ifc->files, struct fetched_file,
						 ifc->n_files + 1);

	if (!f)
		return NULL;
	ifc->files = f;
	f = &f[ifc->n_files++];
	memset(f, 0, sizeof(*f));
	f->url = talloc_strdup(ifc->files, url);
	return f;
}

static void fetch_done(struct kb_download *dl, int status, const char *path, uint64_t size,
		       const char *why, void *data)
{
	struct iface *ifc = data;
	const char *url = kb_download_url(dl);
	struct fetched_file *f;
	bool searching = !ifc->config_url;

	ifc->dl = NULL;
	if (status == 0) {
		f = add_file(ifc, url);
		if (!f) {
			talloc_free(dl);
			return;
		}
		f->dl = dl;
		f->path = talloc_strdup(ifc->files, path);
		f->size = size;
		if (searching)
			ifc->config_url = talloc_strdup(ifc->fetch_ctx, url);
		fetch_next(ifc);
		return;
	}
	if (status == -ENOENT) {
		log_debug("%s: %s: %s", ifc->name, url, why);
		f = add_file(ifc, url); /* absent: the parse sees ENOENT */
		talloc_free(dl);
		if (searching && ifc->plan->explicit_config) {
			set_status(ifc, KB_STATUS_ERROR, "%s named by %s: %s", url, ifc->plan->source, why);
			ifc->state = IF_DONE;
			return;
		}
		(void)f;
		fetch_next(ifc);
		return;
	}
	set_status(ifc, KB_STATUS_ERROR, "cannot fetch %s: %s", url, why ? why : strerror(-status));
	talloc_free(dl);
	if (searching) {
		ifc->state = IF_DONE;
		return;
	}
	add_file(ifc, url);
	fetch_next(ifc);
}

static void start_fetch(struct iface *ifc, const char *url)
{
	struct kb_download_opts o = { .max_size = KB_CONFIG_MAX_SIZE, .timeout_s = KB_NET_CONFIG_TIMEOUT_S,
				      .retries = KB_NET_CONFIG_RETRIES,
				      .proxy = kb_network_proxy(ifc->net, ifc->name) };
	char *why = NULL;

	ifc->dl = kb_download_start(ifc->net->dlr, ifc->fetch_ctx, url, &o, fetch_done, NULL, ifc, &why);
	if (!ifc->dl) {
		set_status(ifc, KB_STATUS_ERROR, "cannot fetch %s: %s", url, why ? why : strerror(errno));
		add_file(ifc, url);
		if (!ifc->config_url) {
			ifc->state = IF_DONE;
			return;
		}
		fetch_next(ifc);
	}
}

/* The next step: the next search candidate, the next queued file, or parse. */
static void fetch_next(struct iface *ifc)
{
	if (!ifc->config_url) {
		if (ifc->next_config >= ifc->plan->n_configs) {
			set_status(ifc, KB_STATUS_ERROR, "no boot config found (%u tried, the last %s)",
				   ifc->plan->n_configs, ifc->plan->configs[ifc->plan->n_configs - 1]);
			ifc->state = IF_DONE;
			return;
		}
		start_fetch(ifc, ifc->plan->configs[ifc->next_config++]);
		return;
	}
	while (ifc->n_queue) {
		char *url = ifc->queue[--ifc->n_queue];

		if (find_file(ifc, url))
			continue;
		if (ifc->n_files >= KB_NET_MAX_FILES) {
			kb_status(ifc->net->d, KB_STATUS_ERROR, ifc->name,
				  "%s not fetched: more than %u files (KB_NET_MAX_FILES)", url, KB_NET_MAX_FILES);
			add_file(ifc, url);
			continue;
		}
		start_fetch(ifc, url);
		return;
	}
	parse_and_publish(ifc);
}

/* A kb_parse_fs over the fetched files: paths on the server root, or URLs.
 * A read of a file not fetched yet is queued for the next round. */
struct net_fs {
	struct kb_parse_fs fs;
	struct iface *ifc;
	const char *root;       /* server root URL for device paths */
	const char *primary;    /* the path the config is parsed as ... */
	const char *primary_url;/* ... and where it came from */
	struct kb_device *dev;
};

static char *fs_url(struct net_fs *nf, void *ctx, const char *path)
{
	if (kb_is_url(path))
		return talloc_strdup(ctx, path);
	if (nf->primary && strcmp(path, nf->primary) == 0)
		return talloc_strdup(ctx, nf->primary_url);
	return talloc_asprintf(ctx, "%s%s", nf->root, path);
}

static void queue_url(struct iface *ifc, const char *url)
{
	unsigned i;

	for (i = 0; i < ifc->n_queue; i++)
		if (strcmp(ifc->queue[i], url) == 0)
			return;
	if (ifc->n_queue >= KB_NET_MAX_FILES)
		return;
	ifc->queue = talloc_realloc(ifc->fetch_ctx, ifc->queue, char *, ifc->n_queue + 1);
	if (ifc->queue)
		ifc->queue[ifc->n_queue++] = talloc_strdup(ifc->queue, url);
	else
		ifc->n_queue = 0;
}

static int fs_lookup(struct net_fs *nf, const char *dev, const char *path, struct fetched_file **ret)
{
	void *tmp = talloc_new(NULL);
	char *url;
	struct fetched_file *f;

	if (dev && strcmp(dev, nf->ifc->name) != 0) {
		talloc_free(tmp);
		return -ENODEV;
	}
	url = fs_url(nf, tmp, path);
	if (!url) {
		talloc_free(tmp);
		return -ENOMEM;
	}
	f = find_file(nf->ifc, url);
	if (!f) {
		struct kb_url u;

		/* fetch it next round, if it is a URL we would fetch at all */
		if (kb_url_parse(tmp, url, &u, NULL) == 0)
			queue_url(nf->ifc, url);
		talloc_free(tmp);
		return -ENOENT;
	}
	talloc_free(tmp);
	if (!f->dl)
		return -ENOENT;
	*ret = f;
	return 0;
}

static int fs_read_file(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			size_t max, char **ret_buf, size_t *ret_len)
{
	struct net_fs *nf = (struct net_fs *)fs;
	struct fetched_file *f;
	char *buf;
	ssize_t n;
	int fd, r;

	r = fs_lookup(nf, dev, path, &f);
	if (r < 0)
		return r;
	if (f->size > max)
		return -EFBIG;
	buf = talloc_size(ctx, f->size + 1);
	if (!buf)
		return -ENOMEM;
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		talloc_free(buf);
		return r;
	}
	n = read(fd, buf, f->size);
	close(fd);
	if (n < 0 || (uint64_t)n != f->size) {
		talloc_free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*ret_buf = buf;
	*ret_len = (size_t)n;
	return 0;
}

static int fs_stat(struct kb_parse_fs *fs, const char *dev, const char *path, struct kb_file_info *ret)
{
	struct net_fs *nf = (struct net_fs *)fs;
	struct fetched_file *f;
	int r;

	/* stat only looks, except at device trees: FDTDIR probes its
	 * candidates with stat, so a DTB not fetched yet is queued, and the
	 * next round's parse finds it (the first candidate there wins) */
	if (!kb_is_url(path) && !(nf->primary && !strcmp(path, nf->primary))) {
		void *tmp = talloc_new(NULL);
		char *url = fs_url(nf, tmp, path);
		size_t n = strlen(path);

		f = url ? find_file(nf->ifc, url) : NULL;
		if (!f && url && n > 4 && !strcasecmp(path + n - 4, ".dtb") && (!dev || !strcmp(dev, nf->ifc->name)))
			queue_url(nf->ifc, url);
		talloc_free(tmp);
		if (!f || !f->dl)
			return -ENOENT;
	} else {
		r = fs_lookup(nf, dev, path, &f);
		if (r < 0)
			return r;
	}
	ret->type = KB_FILE_REGULAR;
	ret->size = f->size;
	ret->ino = (uint64_t)(f - nf->ifc->files) + 1;
	return 0;
}

static int fs_list_dir(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		       char ***ret_names, unsigned *ret_n)
{
	return -ENOENT; /* TFTP and HTTP have no directory listings */
}

static int fs_find_device(struct kb_parse_fs *fs, const char *kind, const char *value,
			  const char **ret_dev)
{
	return -ENODEV;
}

static const struct kb_device *fs_get_device(struct kb_parse_fs *fs, const char *dev)
{
	struct net_fs *nf = (struct net_fs *)fs;

	return !dev || strcmp(dev, nf->ifc->name) == 0 ? nf->dev : NULL;
}

/* Device paths on the server root become URLs. */
static int to_url(struct kb_option *opt, struct kb_resource *res, const char *ifname, const char *root)
{
	char *url;

	if (res->kind != KB_RES_DEVICE || !res->device || strcmp(res->device, ifname) != 0)
		return 0;
	url = talloc_asprintf(opt, "%s%s", root, res->path);
	if (!url)
		return -ENOMEM;
	/* parsers may carve strings out of one block: drop, never free, the old ones */
	res->device = NULL;
	res->path = NULL;
	res->kind = KB_RES_URL;
	res->url = url;
	return 0;
}

static void parse_and_publish(struct iface *ifc)
{
	struct kb_daemon *d = ifc->net->d;
	void *tmp = talloc_new(NULL);
	struct net_fs nf = { 0 };
	struct kb_parse_ctx pctx;
	struct kb_url u;
	struct fetched_file *cfg = find_file(ifc, ifc->config_url);
	const struct kb_parser *parser;
	char *buf = NULL;
	size_t len = 0;
	unsigned i, j;
	int r;

	if (!tmp || !cfg || kb_url_parse(tmp, ifc->config_url, &u, NULL) < 0)
		goto out;
	nf.fs.read_file = fs_read_file;
	nf.fs.stat = fs_stat;
	nf.fs.list_dir = fs_list_dir;
	nf.fs.find_device = fs_find_device;
	nf.fs.get_device = fs_get_device;
	nf.ifc = ifc;
	nf.primary_url = ifc->config_url;
	/* relative names resolve on the config's own server */
	nf.root = kb_url_root(tmp, &u);
	nf.primary = u.path;
	if (ifc->plan->root && strcmp(nf.root, ifc->plan->root) == 0 && ifc->plan->explicit_config &&
	    !strcmp(ifc->plan->source, "option 209")) {
		/* PXELINUX: a config named by option 209 works from the prefix */
		const char *base = strrchr(u.path, '/');

		nf.primary = talloc_asprintf(tmp, "%spxelinux.cfg/%s", ifc->plan->prefix, base ? base + 1 : u.path);
	}
	nf.dev = talloc_zero(tmp, struct kb_device);
	nf.dev->id = ifc->name;
	nf.dev->type = KB_DEVICE_NETWORK;
	nf.dev->mac = ifc->mac[0] ? ifc->mac : NULL;

	kb_parse_ctx_init(&pctx, tmp, &nf.fs, nf.dev, d->opts.arch, d->opts.compatible);
	r = kb_parse_read_config(&pctx, tmp, NULL, nf.primary, &buf, &len);
	if (r < 0) {
		set_status(ifc, KB_STATUS_ERROR, "cannot read the config from %s: %s", ifc->config_url,
			   strerror(-r));
		ifc->state = IF_DONE;
		goto out;
	}
	parser = len >= 6 && strncmp(buf, "#!ipxe", 6) == 0 ? &kb_parser_ipxe : &kb_parser_syslinux;
	r = parser->parse(&pctx, nf.primary, buf, len);
	if (ifc->n_queue && ifc->rounds < KB_NET_MAX_FETCH_ROUNDS) {
		/* included or chained files: fetch them and parse again */
		ifc->rounds++;
		talloc_free(tmp);
		fetch_next(ifc);
		return;
	}
	if (ifc->n_queue)
		kb_status(d, KB_STATUS_ERROR, ifc->name, "files still missing after %u rounds (KB_NET_MAX_FETCH_ROUNDS)",
			  KB_NET_MAX_FETCH_ROUNDS);
	ifc->n_queue = 0;
	if (r < 0)
		kb_status(d, KB_STATUS_ERROR, ifc->name, "%s: %s parser: %s", ifc->config_url, parser->name,
			  strerror(-r));
	for (i = 0; i < pctx.n_errors && i < KB_NET_MAX_STATUS_ERRORS; i++) {
		const struct kb_parse_error *pe = &pctx.errors[i];
		const char *file = pe->file && strcmp(pe->file, nf.primary) == 0 ? ifc->config_url : pe->file;

		kb_status(d, KB_STATUS_ERROR, ifc->name, "%s:%u: %s", file ? file : "?", pe->line, pe->message);
	}
	for (i = 0; i < pctx.n_options; i++) {
		struct kb_option *o = pctx.options[i];

		r = to_url(o, &o->kernel, ifc->name, nf.root);
		for (j = 0; r == 0 && j < o->n_initrds; j++)
			r = to_url(o, &o->initrds[j], ifc->name, nf.root);
		if (r == 0)
			r = to_url(o, &o->dtb, ifc->name, nf.root);
		if (r < 0)
			goto out;
	}
	ifc->state = IF_DONE;
	kb_devices_net_set_options(d->devices, ifc->name, pctx.options, pctx.n_options);
	set_status(ifc, KB_STATUS_INFO, "%u boot option%s from %s", pctx.n_options,
		   pctx.n_options == 1 ? "" : "s", ifc->config_url);
	/* the config files are no longer needed */
	TALLOC_FREE(ifc->fetch_ctx);
	ifc->files = NULL;
	ifc->n_files = 0;
	ifc->queue = NULL;
	ifc->config_url = NULL;
out:
	talloc_free(tmp);
}

/* ---- links ---- */

static struct iface *find_iface(struct kb_network *net, int index)
{
	unsigned i;

	for (i = 0; i < net->n_ifaces; i++)
		if (net->ifaces[i]->index == index)
			return net->ifaces[i];
	return NULL;
}

static void bring_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			log_warn("%s: cannot bring the link up: %m", name);
	}
	close(s);
}

static void link_gone(struct kb_network *net, struct iface *ifc)
{
	log_info("%s: interface removed", ifc->name);
	if (net->d->devices)
		kb_devices_net_remove(net->d->devices, ifc->name);
	talloc_free(ifc);
}

static void link_event(struct kb_network *net, struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *a;
	int alen = (int)IFLA_PAYLOAD(nh);
	const char *name = NULL;
	const unsigned char *mac = NULL;
	unsigned mac_len = 0;
	struct iface *ifc = find_iface(net, ifi->ifi_index);
	bool carrier;

	for (a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0 &&
		    memchr(RTA_DATA(a), '\0', RTA_PAYLOAD(a)))
			name = RTA_DATA(a);
		else if (a->rta_type == IFLA_ADDRESS) {
			mac = RTA_DATA(a);
			mac_len = RTA_PAYLOAD(a);
		}
	}
	if (nh->nlmsg_type == RTM_DELLINK) {
		if (ifc)
			link_gone(net, ifc);
		return;
	}
	if (!name || ifi->ifi_type == ARPHRD_LOOPBACK)
		return;
	if (ifc && strcmp(ifc->name, name) != 0) {
		link_gone(net, ifc); /* renamed: start over under the new name */
		ifc = NULL;
	}
	if (!ifc) {
		struct iface **grown;

		if (!wanted(net, name))
			return;
		if (net->n_ifaces >= KB_NET_MAX_IFACES) {
			log_warn("%s: ignored: more than %d interfaces (KB_NET_MAX_IFACES)", name, KB_NET_MAX_IFACES);
			return;
		}
		grown = talloc_realloc(net, net->ifaces, struct iface *, net->n_ifaces + 1);
		if (!grown)
			return;
		net->ifaces = grown;
		ifc = talloc_zero(net, struct iface);
		if (!ifc)
			return;
		ifc->net = net;
		ifc->index = ifi->ifi_index;
		ifc->name = talloc_strdup(ifc, name);
		ifc->lease_file = talloc_asprintf(ifc, "%s/%s.lease", net->dir, name);
		ifc->lease6_file = talloc_asprintf(ifc, "%s/%s.lease6", net->dir, name);
		if (!ifc->name || !ifc->lease_file || !ifc->lease6_file) {
			talloc_free(ifc);
			return;
		}
		net->ifaces[net->n_ifaces++] = ifc;
		talloc_set_destructor(ifc, iface_destructor);
		if (mac && mac_len == 6)
			snprintf(ifc->mac, sizeof(ifc->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
				 mac[2], mac[3], mac[4], mac[5]);
		log_info("%s: interface found (%s)", name, ifc->mac[0] ? ifc->mac : "no hardware address");
		publish(ifc, "no carrier");
		if (!(ifi->ifi_flags & IFF_UP))
			bring_up(name);
	}
	ifc->flags = ifi->ifi_flags;
	carrier = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
	if (carrier && ifc->state == IF_DOWN) {
		log_info("%s: link up", ifc->name);
		start_config(ifc);
	} else if (!carrier && ifc->state != IF_DOWN) {
		stop_work(ifc);
		ifc->state = IF_DOWN;
		kb_devices_net_set_options(net->d->devices, ifc->name, NULL, 0);
		set_status(ifc, KB_STATUS_INFO, "link down: its options are withdrawn");
	}
}

static int request_dump(struct kb_network *net)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = { 0 };

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	if (send(net->nl_fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	return 0;
}

static void on_netlink(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct kb_network *net = data;
	char *buf = talloc_size(net, KB_NET_NETLINK_BUF);
	ssize_t n;

	if (!buf)
		return;
	for (;;) {
		struct nlmsghdr *nh;

		n = recv(fd, buf, KB_NET_NETLINK_BUF, 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* events lost: ask for the whole picture again */
				log_warn("rtnetlink overrun: listing the links again");
				request_dump(net);
				continue;
			}
			break; /* EAGAIN */
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			if ((nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK) &&
			    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				link_event(net, nh);
		}
	}
	talloc_free(buf);
}

/* An executable name in PATH (child of ctx), NULL when none. */
static char *in_path(void *ctx, const char *name)
{
	const char *path = getenv("PATH"), *p;

	for (p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		char *f = talloc_asprintf(ctx, "%.*s/%s", (int)n, p, name);

		if (f && n && access(f, X_OK) == 0)
			return f;
		talloc_free(f);
		p += n + (p[n] == ':');
	}
	return NULL;
}

/* Does this busybox have the applet? It lists them one a line. */
static bool busybox_has(const char *busybox, const char *applet)
{
	char buf[KB_NET_APPLET_LIST_MAX + 1];
	size_t len = 0, n = strlen(applet);
	int fds[2], status;
	const char *p;
	pid_t pid;
	ssize_t r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl(busybox, "busybox", "--list", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len < KB_NET_APPLET_LIST_MAX &&
	       ((r = read(fds[0], buf + len, KB_NET_APPLET_LIST_MAX - len)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	close(fds[0]);
	waitpid(pid, &status, 0);
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, applet)); p += n)
		if ((p == buf || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* The DHCPv6 client: KEXBOOT_UDHCPC6 (a path; empty: none), else udhcpc6
 * in PATH, else busybox's udhcpc6 applet when it has one. */
static void find_dhcp6(struct kb_network *net)
{
	const char *env = getenv("KEXBOOT_UDHCPC6");
	char *bb;

	if (env) {
		net->dhcp6 = *env ? talloc_strdup(net, env) : NULL;
	} else if (!(net->dhcp6 = in_path(net, "udhcpc6")) && (bb = in_path(net, "busybox"))) {
		if (busybox_has(bb, "udhcpc6")) {
			net->dhcp6 = bb;
			net->dhcp6_busybox = true;
		} else {
			talloc_free(bb);
		}
	}
	if (net->dhcp6)
		log_info("network: DHCPv6 through %s%s", net->dhcp6, net->dhcp6_busybox ? " udhcpc6" : "");
	else
		log_info("network: no udhcpc6 (nor busybox applet): IPv4 DHCP only");
}

static int network_destructor(struct kb_network *net)
{
	while (net->n_ifaces)
		talloc_free(net->ifaces[net->n_ifaces - 1]);
	TALLOC_FREE(net->nl_src);
	if (net->nl_fd >= 0)
		close(net->nl_fd);
	return 0;
}

struct kb_network *kb_network_new(struct kb_daemon *d)
{
	struct kb_network *net = talloc_zero(d, struct kb_network);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	char *ddir;
	int r;

	if (!net)
		return NULL;
	net->d = d;
	net->nl_fd = -1;
	net->hook = d->opts.dhcp_hook ? d->opts.dhcp_hook : KB_UDHCPC_HOOK;
	talloc_set_destructor(net, network_destructor);
	net->dir = talloc_asprintf(net, "%s/net", d->opts.runtime_dir);
	ddir = talloc_asprintf(net, "%s/downloads", d->opts.runtime_dir);
	if (!net->dir || !ddir)
		goto nomem;
	net->dlr = kb_downloader_new(net, d->loop, ddir, d->opts.download_max);
	if (!net->dlr)
		goto fail;
	if (!d->opts.n_iface_globs) {
		log_info("network: no --interfaces given: no interface is configured");
		return net;
	}
	if (mkdir(net->dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	if (access(net->hook, X_OK) < 0) {
		log_warn("network: DHCP hook %s: %m", net->hook);
	}
	find_dhcp6(net);
	net->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (net->nl_fd < 0 || bind(net->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	net->nl_src = kb_loop_add_fd(d->loop, net, net->nl_fd, EPOLLIN, on_netlink, net);
	if (!net->nl_src)
		goto fail;
	r = request_dump(net);
	if (r < 0) {
		errno = -r;
		goto fail;
	}
	return net;
nomem:
	errno = ENOMEM;
fail:
	r = errno;
	talloc_free(net);
	errno = r;
	return NULL;
}

void kb_network_config_changed(struct kb_network *net, const char *key)
{
	const char *field = strrchr(key, '.');
	size_t len;
	unsigned i;

	if (strncmp(key, "network.", 8) != 0 || !field || field < key + 8 || !strcmp(field, ".proxy"))
		return; /* a proxy is read at each download */
	len = (size_t)(field - (key + 8));
	for (i = 0; i < net->n_ifaces; i++) {
		struct iface *ifc = net->ifaces[i];

		if (strlen(ifc->name) != len || strncmp(ifc->name, key + 8, len) != 0 || ifc->state == IF_DOWN)
			continue;
		log_info("%s: %s changed: configuring the interface again", ifc->name, key);
		start_config(ifc);
	}
}

void kb_network_republish(struct kb_network *net, bool rescan)
{
	unsigned i;

	for (i = 0; i < net->n_ifaces; i++) {
		struct iface *ifc = net->ifaces[i];

		publish(ifc, NULL);
		if (rescan && ifc->state == IF_DONE && ifc->plan) {
			TALLOC_FREE(ifc->fetch_ctx);
			ifc->files = NULL;
			ifc->n_files = 0;
			ifc->queue = NULL;
			ifc->n_queue = 0;
			ifc->config_url = NULL;
			ifc->state = IF_FETCHING;
			ifc->fetch_ctx = talloc_new(ifc);
			ifc->next_config = 0;
			ifc->rounds = 0;
			fetch_next(ifc);
		}
	}
}
