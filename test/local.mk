# test/: unit tests (one binary per module) and integration tests driving the real binaries.
# Integration: the real daemon and kexboot-ctl on real loop devices (root).
TESTS += test/integration/test-daemon.sh
dist_noinst_SCRIPTS += test/integration/lib.sh test/integration/test-daemon.sh
TESTS += test/integration/test-config.sh test/integration/test-udevd.sh
dist_noinst_SCRIPTS += test/integration/test-config.sh test/integration/test-udevd.sh test/integration/images.sh \
	test/fixtures/mkbzimage.py test/fixtures/mkinitrd.py test/fixtures/fake-sysroot.sh
include test/hardening/local.mk
TESTS += test/e2e/run.sh
dist_noinst_SCRIPTS += test/e2e/run.sh test/e2e/lib.sh test/e2e/demo.sh test/e2e/qemu-session.py \
	test/e2e/setup-ppc64el.sh test/e2e/setup-arm64.sh
