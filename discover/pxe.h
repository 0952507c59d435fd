/* kexboot: DHCP lease values and PXE decisions (pure: no I/O).
 *
 * The udhcpc hook (discover/udhcpc-hook) writes what the DHCP server said as
 * "key=HEX" lines (every value hex-encoded, so a hostile option cannot
 * inject lines); kb_lease_parse() reads that file into a struct kb_lease,
 * refusing values that are too long or hold control bytes; a DHCPv6 lease
 * (udhcpc6) gives ipv6 and the boot file URL of option 59. kb_pxe_plan()
 * then decides where the network boot configs live: the boot server
 * (option 150, else option 66, else siaddr), the path prefix (option 210,
 * else the boot file's directory), and either the one config DHCP names
 * (option 209, or a boot file that is a script) or PXELINUX's search order
 * (also under the directory of a boot file URL naming a loader binary,
 * such as DHCPv6 option 59's tftp://[2001:db8::1]/boot/pxelinux.0)
 * under <prefix>pxelinux.cfg/: 01-<mac>, the client IP in hex from 8 digits
 * down to 1, then "default".
 *
 * URLs: kb_url_parse() accepts tftp, http, https and ftp URLs only, with a
 * checked host, port and path; every value from the network goes through it
 * before libcurl sees it.
 */
#ifndef KB_DISCOVER_PXE_H
#define KB_DISCOVER_PXE_H

#include <stdbool.h>
#include <stddef.h>

/* Named limits for what a DHCP server sends. */
#define KB_LEASE_MAX_FILE_SIZE 65536u  /* the hook's lease file */
#define KB_LEASE_MAX_VALUE_LEN 1024u   /* one decoded value */
#define KB_LEASE_MAX_LINES 128u        /* keys in one lease file */
#define KB_URL_MAX_LEN 4096u           /* a URL (KB_MAX_PATH_LEN) */
#define KB_URL_MAX_HOST_LEN 253u       /* a DNS name */
#define KB_PXE_MAX_CONFIGS 16u         /* search-order candidates (01-mac, 8 hex, default) */

/* What a DHCP server said (strings are NULL when absent; children of the struct). */
struct kb_lease {
	char *ip;          /* our address */
	char *subnet;      /* netmask, dotted */
	char *router;      /* first router */
	char *dns;         /* blank-separated servers */
	char *domain;
	char *serverid;    /* DHCP server identifier */
	char *siaddr;      /* BOOTP next-server */
	char *sname;       /* BOOTP server name field */
	char *boot_file;   /* BOOTP file field */
	char *tftp_server; /* option 66 */
	char *bootfile;    /* option 67 */
	char *conf_file;   /* option 209: pxelinux config file */
	char *path_prefix; /* option 210: pxelinux path prefix */
	char *tftp_addrs;  /* option 150: TFTP server addresses, blank-separated */
	/* DHCPv6 (busybox udhcpc6) */
	char *ipv6;        /* our address (IA_NA) */
	char *boot_url6;   /* option 59 (OPT_BOOTFILE_URL): a URL */
	char *boot_params6;/* option 60 (OPT_BOOTFILE_PARAM), as udhcpc6 gives it */
};

/* Parse the hook's lease file. Unknown keys are ignored; a refused value
 * leaves its field NULL and adds a line to *ret_warnings (child of ctx,
 * NULL when none). 0, -E2BIG (file over KB_LEASE_MAX_FILE_SIZE or too many
 * lines), -EBADMSG (not the hook's format), -ENOMEM. */
int kb_lease_parse(void *ctx, const char *buf, size_t len, struct kb_lease **ret_lease,
		   char **ret_warnings);

struct kb_url {
	char *scheme; /* lower case: "tftp", "http", "https", "ftp" */
	char *host;   /* name, dotted IPv4 or [IPv6] with brackets */
	int port;     /* -1 when not given */
	char *path;   /* absolute, "/" at least; query kept */
};

/* Split and check a URL (child strings of ctx). 0, or -EINVAL / -ENAMETOOLONG
 * / -EPROTONOSUPPORT with *ret_why (child of ctx, optional) saying what is wrong. */
int kb_url_parse(void *ctx, const char *url, struct kb_url *ret, char **ret_why);

/* Is s a URL ("scheme://…" with an alphabetic scheme)? */
bool kb_is_url(const char *s);

/* "scheme://host[:port]" of a parsed URL (child of ctx). */
char *kb_url_root(void *ctx, const struct kb_url *u);

/* Resolve a reference against a base URL's directory: a URL stays itself,
 * an absolute path replaces base's path, a relative one is taken from
 * base's directory; ".." never climbs above the server root. NULL on ENOMEM. */
char *kb_url_resolve(void *ctx, const char *base, const char *ref);

/* Where the network boot configs are. */
struct kb_pxe_plan {
	char *root;      /* server root URL, "tftp://192.0.2.1" (no trailing slash) */
	char *prefix;    /* absolute directory on root, ending in '/' ("/" or "/boot/") */
	char **configs;  /* URLs to try in order (talloc array) */
	unsigned n_configs;
	bool explicit_config; /* DHCP named the config (209 or a script boot file) */
	char *source;    /* human text: "option 209", "pxelinux search", "boot file" */
};

/* Decide the plan for a lease on an interface with hardware address mac
 * ("aa:bb:cc:dd:ee:ff", may be NULL). 0 with *ret_plan (child of ctx);
 * -ENOENT when the lease offers no network boot (no boot file, 209 or 210),
 * -EINVAL when a value is unusable (a path escaping the prefix, a bad URL,
 * no boot server); *ret_why (child of ctx) says which option and why. */
int kb_pxe_plan(void *ctx, const struct kb_lease *lease, const char *mac,
		struct kb_pxe_plan **ret_plan, char **ret_why);

/* The PXELINUX search names for mac and ip: "01-aa-bb-…", "C0A80002",
 * "C0A8000", … "C", "default". Talloc array under ctx; 0 or -ENOMEM. */
int kb_pxe_search_names(void *ctx, const char *mac, const char *ip, char ***ret_names,
			unsigned *ret_n);

#endif
