# test/doc/: the documentation and ecosystem files checked against the code:
# doc/protocol.md against lib/protocol.h, man pages against --help,
# bash completion against a real daemon, --syslog against a socket of ours,
# po/*.po complete against the menu sources.
KB_DOC_TESTS = test/doc/test-protocol-doc.sh test/doc/test-man.sh \
	test/doc/test-completion.sh test/doc/test-syslog.sh test/doc/test-po.sh
TESTS += $(KB_DOC_TESTS)
dist_noinst_SCRIPTS += $(KB_DOC_TESTS)
