# gdb/break.gdb - run by gdb/check.sh: stop at the boot image's main, read
# a global the platform set before main, an argument, and the app table.
hbreak boot_main
continue
printf "tsc_hz=%llu\n", clock_tsc_hz
printf "n_blk=%u\n", boot->n_blk
printf "app=%s\n", tern_app.name
bt
