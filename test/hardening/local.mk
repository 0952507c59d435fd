# test/hardening: adversarial integration tests against the real daemon
# (hostile clients, hostile filesystems, loop-device churn), the valgrind
# lane and the talloc report at exit.
TESTS += test/hardening/test-socket-ready.sh test/hardening/test-clients.sh test/hardening/test-fs.sh
dist_noinst_SCRIPTS += test/hardening/lib.sh test/hardening/kbpeer.py \
	test/hardening/test-socket-ready.sh test/hardening/test-clients.sh test/hardening/test-fs.sh
