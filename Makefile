# SPDX-License-Identifier: GPL-2.0
# Top-level Makefile of zalloc: builds the out-of-tree modules through Kbuild
# (which reads the Kbuild files, never this one) and runs the test harness.
#
#   make [KDIR=...]   build the modules against KDIR
#   make install      install them (modules_install)
#   make clean        remove build outputs
#   make check        build, checkpatch and test on UML kernels (tools/testing/check.sh)
#   make run          run the example workload on UML (tools/testing/run.sh)

ifneq ($(KERNELRELEASE),)
$(error zalloc: Kbuild read the top-level Makefile; the Kbuild file is missing)
endif

KDIR ?= /lib/modules/$(shell uname -r)/build

# The harness runs its own makes: keep this make's flags and level out of them.
HARNESS_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES

.PHONY: all modules install modules_install clean check run

all: modules

modules install modules_install:
	@test -f $(KDIR)/Makefile || \
		{ echo "zalloc: no kernel build dir at $(KDIR); set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(filter modules,$@),modules,modules_install)

clean:
	@if test -f $(KDIR)/Makefile; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \
		-o -name 'Module.symvers' -o -name '*.dwo' -o -name '*.a' \) -type f -print \
		| xargs -r rm -f
	rm -rf .tmp_versions

check:
	@$(HARNESS_ENV) tools/testing/check.sh

run:
	@$(HARNESS_ENV) tools/testing/run.sh
