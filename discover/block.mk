# Block-device layer: udev monitor, blkid probing, in-use checks, read-only mounts.
noinst_LIBRARIES += discover/libblock.a
discover_libblock_a_SOURCES = \
	discover/block.h \
	discover/udev.c \
	discover/blockprobe.c \
	discover/mount.c
discover_libblock_a_CPPFLAGS = $(AM_CPPFLAGS) $(UDEV_CFLAGS) $(BLKID_CFLAGS)
# What a program linking discover/libblock.a needs (plus $(KB_LIB)).
BLOCK_LIBS = discover/libblock.a $(UDEV_LIBS) $(BLKID_LIBS)

# blockprobe-tool: enumerate/probe/mount/monitor driver for test/block/test-block.sh
check_PROGRAMS += test/block/blockprobe-tool
test_block_blockprobe_tool_SOURCES = test/block/blockprobe-tool.c
test_block_blockprobe_tool_LDADD = $(BLOCK_LIBS) $(KB_LIB)
TESTS += test/block/test-block.sh
dist_noinst_SCRIPTS += test/block/test-block.sh

if HAVE_CMOCKA
# test-mount: kb_mount_ro()/destructor syscall sequence through a recording kb_sysops
check_PROGRAMS += test/block/test-mount
test_block_test_mount_SOURCES = test/block/test-mount.c
test_block_test_mount_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
test_block_test_mount_LDADD = $(BLOCK_LIBS) $(KB_LIB) $(CMOCKA_LIBS)
TESTS += test/block/test-mount
endif
