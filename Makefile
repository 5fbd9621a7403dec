# SPDX-License-Identifier: GPL-2.0
# Top-level Makefile of zalloc: builds the out-of-tree modules through Kbuild
# (which reads the Kbuild files, never this one) and runs the test harness.
#
#   make [KDIR=...]   build the modules against KDIR, and zallocstat
#   make install      install zalloc.ko (not the test, benchmark or example
#                     modules) and zallocstat
#   make clean        remove build outputs
#   make check        install the harness's packages, then build, checkpatch
#                     and test on UML and QEMU kernels (tools/testing/check.sh)
#   make run          the same packages, then the benchmark (tools/testing/run.sh)

ifneq ($(KERNELRELEASE),)
$(error zalloc: Kbuild read the top-level Makefile; the Kbuild file is missing)
endif

KDIR ?= /lib/modules/$(shell uname -r)/build
# Where "make install" puts zalloc.ko, under /lib/modules/<release>/.
INSTALL_MOD_DIR ?= extra

# The harness runs its own makes: keep this make's flags and level out of them.
HARNESS_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES

.PHONY: all modules zallocstat install modules_install clean check run deps

all: modules zallocstat

kdir_check = @test -f $(KDIR)/Makefile || \
	{ echo "zalloc: no kernel build dir at $(KDIR); set KDIR=" >&2; exit 1; }

modules:
	$(kdir_check)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

zallocstat:
	$(MAKE) -C tools/zallocstat

# The modules are all built, but modules.order is then rewritten to list
# zalloc.ko alone, which is what modules_install installs.
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) ZALLOC_CORE_ONLY=y modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	@rel=$$(modinfo -F vermagic zalloc.ko | cut -d' ' -f1); \
	echo "zalloc: installed" $$(find $(INSTALL_MOD_PATH)/lib/modules/$$rel/$(INSTALL_MOD_DIR) -name 'zalloc.ko*')

install: modules_install zallocstat
	$(MAKE) -C tools/zallocstat install

clean:
	@if test -f $(KDIR)/Makefile; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \
		-o -name 'Module.symvers' -o -name '*.dwo' -o -name '*.a' \) -type f -print \
		| xargs -r rm -f
	rm -rf .tmp_versions
	$(MAKE) -C tools/zallocstat clean

deps:
	@tools/testing/deps.sh

check: deps
	@$(HARNESS_ENV) tools/testing/check.sh

run: deps
	@$(HARNESS_ENV) tools/testing/run.sh
