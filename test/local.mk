# test/: unit tests (one binary per module) and integration tests driving the real binaries.
# Integration: the real daemon and kexboot-ctl on real loop devices (root).
TESTS += test/integration/test-daemon.sh
dist_noinst_SCRIPTS += test/integration/lib.sh test/integration/test-daemon.sh
