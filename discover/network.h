/* kexboot-discover: network interfaces, DHCP and network boot configs.
 *
 * Interfaces are followed with rtnetlink (RTM_NEWLINK/RTM_DELLINK). Only
 * those matching the daemon's --interfaces globs are touched (none without
 * the option: a development machine's own interfaces are never configured).
 * A matching interface is published as a KB_DEVICE_NETWORK device (id = its
 * name), brought up, and when it has carrier it is configured from the
 * settings (network.<if>.method: dhcp, static or disabled). DHCP runs busybox
 * udhcpc as a child of the event loop with kexboot's hook script, and
 * udhcpc6 beside it where there is one (KEXBOOT_UDHCPC6 names the program,
 * else udhcpc6 in PATH or busybox's applet); the hook
 * configures the address and reports the lease (discover/pxe.h); the
 * boot configs the lease points at are fetched (discover/download.h) and
 * parsed by the syslinux or iPXE parser into options whose files are URLs.
 * Carrier loss withdraws the interface's options; removal its device.
 */
#ifndef KB_DISCOVER_NETWORK_H
#define KB_DISCOVER_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

struct kb_daemon;
struct kb_network;
struct kb_downloader;

/* Named limits and timeouts. */
#define KB_NET_MAX_IFACES 64            /* interfaces followed at once */
#define KB_NET_DHCP_TRIES 4             /* udhcpc -t: discover packets sent */
#define KB_NET_DHCP_TRY_TIMEOUT_S 2     /* udhcpc -T: seconds between them */
#define KB_NET_DHCP_TIMEOUT_MS 30000    /* udhcpc killed after this */
#define KB_NET_DHCP_RETRY_MS 60000      /* a new DHCP round after a failed one */
#define KB_NET_CONFIG_TIMEOUT_S 20      /* one config or script download */
#define KB_NET_CONFIG_RETRIES 1         /* tries again after a transient failure */
#define KB_NET_MAX_FETCH_ROUNDS 4       /* rounds of included/chained files */
#define KB_NET_MAX_FILES 32             /* config files fetched per interface */
#define KB_NET_MAX_STATUS_ERRORS 20     /* parse errors broadcast per interface */
#define KB_NET_APPLET_LIST_MAX 65536    /* bytes of `busybox --list` read */

/* Start following interfaces (d->opts.iface_globs) and make the downloader
 * (RUNTIME_DIR/downloads, cap d->opts.download_max). NULL + errno. */
struct kb_network *kb_network_new(struct kb_daemon *d);

/* The daemon's downloader (boot downloads use it too). */
struct kb_downloader *kb_network_downloader(struct kb_network *net);

/* The proxy for downloads of a device's options: its interface's
 * network.<if>.proxy; for a device that is no interface (a user option's
 * URL), the first managed interface's that has one. NULL if none. */
const char *kb_network_proxy(struct kb_network *net, const char *device_id);

/* A setting changed (key as set): an interface with carrier whose
 * network.<if>.{method,address,gateway,dns,boot-url} changed is configured
 * again at once. */
void kb_network_config_changed(struct kb_network *net, const char *key);

/* Publish every interface's device and options again (after the device
 * registry was rebuilt), and fetch configs again when rescan is set. */
void kb_network_republish(struct kb_network *net, bool rescan);

#endif
