# test/hardening: adversarial integration tests against the real daemon
# (hostile clients, hostile filesystems, loop-device churn), the valgrind
# lane and the talloc report at exit.
TESTS += test/hardening/test-socket-ready.sh test/hardening/test-clients.sh test/hardening/test-fs.sh \
	test/hardening/test-loop-churn.sh
# test-loop-churn.sh runs 500 cycles (about 100 s; KB_HARD_CYCLES
# lowers it in CI's slower lanes); valgrind-lane.sh is a CI stage of its own
dist_noinst_SCRIPTS += test/hardening/lib.sh test/hardening/kbpeer.py \
	test/hardening/test-socket-ready.sh test/hardening/test-clients.sh test/hardening/test-fs.sh \
	test/hardening/test-loop-churn.sh test/hardening/valgrind-lane.sh
